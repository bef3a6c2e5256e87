// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Key material that must not leak: wiped when it is destroyed or replaced,
// and printed as "[redacted N bytes]" by every formatter we provide.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace napkin::media {

/// A byte buffer for keys and salts. Copies are deep (and wiped too). There is
/// deliberately no way to turn it into text except redacted().
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size);
    explicit SecretBytes(std::span<const std::uint8_t> bytes);
    SecretBytes(const SecretBytes &other);
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(const SecretBytes &other);
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    ~SecretBytes();

    /// Fresh random bytes from OpenSSL's generator; empty when it fails.
    [[nodiscard]] static SecretBytes random(std::size_t size);

    [[nodiscard]] std::size_t size() const { return m_bytes.size(); }
    [[nodiscard]] bool empty() const { return m_bytes.empty(); }
    [[nodiscard]] const std::uint8_t *data() const { return m_bytes.data(); }
    [[nodiscard]] std::uint8_t *data() { return m_bytes.data(); }
    [[nodiscard]] std::span<const std::uint8_t> view() const { return m_bytes; }
    /// A sub-range, e.g. the master salt after the master key.
    [[nodiscard]] std::span<const std::uint8_t> view(std::size_t offset, std::size_t count) const;

    /// Constant-time comparison of contents (sizes are not secret).
    [[nodiscard]] bool equals(const SecretBytes &other) const;

    /// Wipes and empties the buffer.
    void clear();

    /// "[redacted N bytes]": safe to log.
    [[nodiscard]] std::string redacted() const;

private:
    std::vector<std::uint8_t> m_bytes;
};

/// Writes the redacted form, never the bytes.
std::ostream &operator<<(std::ostream &out, const SecretBytes &secret);

} // namespace napkin::media
