// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A datagram path the media thread can use instead of its own UDP socket
// (ICE's selected pair). Thread-safe: packets arrive on another thread and
// wait in a bounded queue until the media thread reads them.

#include <cstddef>
#include <cstdint>
#include <span>

namespace napkin::media {

class PacketTransport {
public:
    virtual ~PacketTransport() = default;
    /// Becomes readable (POLLIN) while packets wait.
    [[nodiscard]] virtual int readableFd() const = 0;
    /// One waiting packet into `buffer`; 0 when none waits (longer ones are dropped).
    [[nodiscard]] virtual std::size_t receive(std::span<std::uint8_t> buffer) = 0;
    /// Sends one packet to the peer; false when there is no path (yet).
    [[nodiscard]] virtual bool send(std::span<const std::uint8_t> packet) = 0;
};

} // namespace napkin::media
