// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A non-blocking UDP socket (IPv4 or IPv6) with RAII, for RTP and RTCP.

#include "media/MediaError.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace napkin::media {

/// An IP address and port.
class SocketAddress {
public:
    SocketAddress() = default;
    /// Parses a literal IPv4/IPv6 address; InvalidArgument otherwise.
    [[nodiscard]] static MediaResult<SocketAddress> fromIp(const std::string &ip,
                                                           std::uint16_t port);

    [[nodiscard]] const sockaddr *raw() const {
        return reinterpret_cast<const sockaddr *>(&m_storage);
    }
    [[nodiscard]] sockaddr *raw() { return reinterpret_cast<sockaddr *>(&m_storage); }
    [[nodiscard]] socklen_t length() const { return m_length; }
    void setLength(socklen_t length) { m_length = length; }
    [[nodiscard]] int family() const { return m_storage.ss_family; }
    [[nodiscard]] std::uint16_t port() const;
    void setPort(std::uint16_t port);
    /// "1.2.3.4:5" or "[::1]:5".
    [[nodiscard]] std::string toString() const;
    [[nodiscard]] bool operator==(const SocketAddress &other) const;

private:
    sockaddr_storage m_storage{};
    socklen_t m_length = 0;
};

/// The local IPv4 address the routing table would send from towards the
/// internet (a UDP connect() that sends nothing); 127.0.0.1 when there is
/// no route (a machine without a network).
[[nodiscard]] std::string defaultRouteAddress();

class UdpSocket {
public:
    UdpSocket() = default;
    UdpSocket(UdpSocket &&other) noexcept;
    UdpSocket &operator=(UdpSocket &&other) noexcept;
    UdpSocket(const UdpSocket &) = delete;
    UdpSocket &operator=(const UdpSocket &) = delete;
    ~UdpSocket();

    /// Binds to ip:port (port 0: the system picks one). Socket error with the
    /// reason (e.g. "Address already in use").
    [[nodiscard]] static MediaResult<UdpSocket> bind(const std::string &ip, std::uint16_t port);

    [[nodiscard]] int fd() const { return m_fd; }
    [[nodiscard]] bool isOpen() const { return m_fd >= 0; }
    [[nodiscard]] std::uint16_t localPort() const;

    /// Sends one datagram; Socket error on failure (EAGAIN counts as one).
    [[nodiscard]] MediaResult<void> sendTo(std::span<const std::uint8_t> data,
                                           const SocketAddress &to);
    /// Receives one datagram into `buffer`; returns its size, or 0 when none
    /// is waiting. Datagrams longer than the buffer are reported as errors.
    /// `arrival`, when given, gets the kernel's receive time (wall clock),
    /// or stays untouched when the kernel gave none.
    [[nodiscard]] MediaResult<std::size_t>
    receiveFrom(std::span<std::uint8_t> buffer, SocketAddress &from,
                std::chrono::system_clock::time_point *arrival = nullptr);

    void close();

private:
    int m_fd = -1;
};

} // namespace napkin::media
