// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/UdpSocket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace napkin::media {

MediaResult<SocketAddress> SocketAddress::fromIp(const std::string &ip, std::uint16_t port) {
    SocketAddress a;
    auto *v4 = reinterpret_cast<sockaddr_in *>(&a.m_storage);
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a.m_storage);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.m_length = sizeof(sockaddr_in);
        return a;
    }
    a.m_storage = {};
    if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.m_length = sizeof(sockaddr_in6);
        return a;
    }
    return mediaFail(MediaErrc::InvalidArgument, "\"" + ip + "\" is not a literal IP address");
}

std::uint16_t SocketAddress::port() const {
    if (m_storage.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in *>(&m_storage)->sin_port);
    }
    if (m_storage.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6 *>(&m_storage)->sin6_port);
    }
    return 0;
}

void SocketAddress::setPort(std::uint16_t port) {
    if (m_storage.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in *>(&m_storage)->sin_port = htons(port);
    } else if (m_storage.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6 *>(&m_storage)->sin6_port = htons(port);
    }
}

std::string SocketAddress::toString() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (m_storage.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&m_storage)->sin_addr, text,
                  sizeof text);
        return std::string(text) + ':' + std::to_string(port());
    }
    if (m_storage.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&m_storage)->sin6_addr, text,
                  sizeof text);
        return '[' + std::string(text) + "]:" + std::to_string(port());
    }
    return "(none)";
}

bool SocketAddress::operator==(const SocketAddress &other) const {
    if (m_storage.ss_family != other.m_storage.ss_family) {
        return false;
    }
    if (m_storage.ss_family == AF_INET) {
        const auto *a = reinterpret_cast<const sockaddr_in *>(&m_storage);
        const auto *b = reinterpret_cast<const sockaddr_in *>(&other.m_storage);
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    if (m_storage.ss_family == AF_INET6) {
        const auto *a = reinterpret_cast<const sockaddr_in6 *>(&m_storage);
        const auto *b = reinterpret_cast<const sockaddr_in6 *>(&other.m_storage);
        return a->sin6_port == b->sin6_port &&
               std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
    return true;
}

UdpSocket::UdpSocket(UdpSocket &&other) noexcept : m_fd(other.m_fd) {
    other.m_fd = -1;
}

UdpSocket &UdpSocket::operator=(UdpSocket &&other) noexcept {
    if (this != &other) {
        close();
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

UdpSocket::~UdpSocket() {
    close();
}

void UdpSocket::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

MediaResult<UdpSocket> UdpSocket::bind(const std::string &ip, std::uint16_t port) {
    auto address = SocketAddress::fromIp(ip, port);
    if (!address) {
        return fail(address.error());
    }
    UdpSocket s;
    s.m_fd = ::socket(address->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.m_fd < 0) {
        return mediaFail(MediaErrc::Socket,
                         std::string("cannot create a UDP socket: ") + std::strerror(errno));
    }
    // Voice gets the Expedited Forwarding DSCP where the network honours it.
    const int tos = 0xb8;
    if (address->family() == AF_INET) {
        (void)::setsockopt(s.m_fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    } else {
        (void)::setsockopt(s.m_fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    }
    // Kernel receive timestamps: the media thread reads sockets once per
    // 20 ms tick, and jitter/RTT must use when packets really arrived.
    const int on = 1;
    (void)::setsockopt(s.m_fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    if (::bind(s.m_fd, address->raw(), address->length()) != 0) {
        return mediaFail(MediaErrc::Socket,
                         "cannot bind UDP " + address->toString() + ": " + std::strerror(errno));
    }
    return s;
}

std::uint16_t UdpSocket::localPort() const {
    SocketAddress a;
    socklen_t length = sizeof(sockaddr_storage);
    if (::getsockname(m_fd, a.raw(), &length) != 0) {
        return 0;
    }
    a.setLength(length);
    return a.port();
}

MediaResult<void> UdpSocket::sendTo(std::span<const std::uint8_t> data, const SocketAddress &to) {
    const ssize_t n = ::sendto(m_fd, data.data(), data.size(), 0, to.raw(), to.length());
    if (n < 0 || static_cast<std::size_t>(n) != data.size()) {
        return mediaFail(MediaErrc::Socket,
                         "sending to " + to.toString() + " failed: " + std::strerror(errno));
    }
    return {};
}

MediaResult<std::size_t> UdpSocket::receiveFrom(std::span<std::uint8_t> buffer, SocketAddress &from,
                                                std::chrono::system_clock::time_point *arrival) {
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_name = from.raw();
    msg.msg_namelen = sizeof(sockaddr_storage);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(m_fd, &msg, MSG_TRUNC);
    const socklen_t length = msg.msg_namelen;
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return std::size_t{0};
        }
        // ICMP port unreachable from an earlier send shows up here: not fatal.
        return mediaFail(MediaErrc::Socket,
                         std::string("receiving failed: ") + std::strerror(errno));
    }
    from.setLength(length);
    if (arrival != nullptr) {
        for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts;
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                *arrival = std::chrono::system_clock::time_point(
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
            }
        }
    }
    if (static_cast<std::size_t>(n) > buffer.size()) {
        return mediaFail(MediaErrc::MalformedRtp,
                         "a datagram larger than the receive buffer was dropped");
    }
    return static_cast<std::size_t>(n);
}

std::string defaultRouteAddress() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return "127.0.0.1";
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    // TEST-NET-2: routed like any internet address, never answered.
    inet_pton(AF_INET, "198.51.100.1", &to.sin_addr);
    std::string address = "127.0.0.1";
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length) == 0 &&
        local.sin_addr.s_addr != htonl(INADDR_ANY)) {
        char text[INET_ADDRSTRLEN] = {};
        if (inet_ntop(AF_INET, &local.sin_addr, text, sizeof text) != nullptr) {
            address = text;
        }
    }
    ::close(fd);
    return address;
}

} // namespace napkin::media
