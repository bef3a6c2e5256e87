// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/SecretBytes.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ostream>

namespace napkin::media {

SecretBytes::SecretBytes(std::size_t size) : m_bytes(size, 0) {}

SecretBytes::SecretBytes(std::span<const std::uint8_t> bytes)
    : m_bytes(bytes.begin(), bytes.end()) {}

SecretBytes::SecretBytes(const SecretBytes &other) : m_bytes(other.m_bytes) {}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept : m_bytes(std::move(other.m_bytes)) {
    other.m_bytes.clear();
}

SecretBytes &SecretBytes::operator=(const SecretBytes &other) {
    if (this != &other) {
        clear();
        m_bytes = other.m_bytes;
    }
    return *this;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept {
    if (this != &other) {
        clear();
        m_bytes = std::move(other.m_bytes);
        other.m_bytes.clear();
    }
    return *this;
}

SecretBytes::~SecretBytes() {
    clear();
}

SecretBytes SecretBytes::random(std::size_t size) {
    SecretBytes out(size);
    if (size > 0 && RAND_bytes(out.data(), static_cast<int>(size)) != 1) {
        return {};
    }
    return out;
}

std::span<const std::uint8_t> SecretBytes::view(std::size_t offset, std::size_t count) const {
    if (offset > m_bytes.size()) {
        return {};
    }
    return std::span<const std::uint8_t>(m_bytes).subspan(offset,
                                                          std::min(count, m_bytes.size() - offset));
}

bool SecretBytes::equals(const SecretBytes &other) const {
    return m_bytes.size() == other.m_bytes.size() &&
           (m_bytes.empty() ||
            CRYPTO_memcmp(m_bytes.data(), other.m_bytes.data(), m_bytes.size()) == 0);
}

void SecretBytes::clear() {
    if (!m_bytes.empty()) {
        OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
    }
    m_bytes.clear();
}

std::string SecretBytes::redacted() const {
    return "[redacted " + std::to_string(m_bytes.size()) + " bytes]";
}

std::ostream &operator<<(std::ostream &out, const SecretBytes &secret) {
    return out << secret.redacted();
}

} // namespace napkin::media
