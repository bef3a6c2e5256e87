// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/PacketCapture.h"

#include <QtEndian>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace napkin::testing {

namespace {

/// Enough for any test call; a runaway capture stops keeping packets there.
constexpr std::size_t kMaxPackets = 500000;

std::uint16_t be16(const QByteArray &b, qsizetype at) {
    return qFromBigEndian<quint16>(reinterpret_cast<const uchar *>(b.constData() + at));
}

std::uint32_t be32(const QByteArray &b, qsizetype at) {
    return qFromBigEndian<quint32>(reinterpret_cast<const uchar *>(b.constData() + at));
}

QString errnoText(const char *what) {
    return QString::fromLatin1(what) + QStringLiteral(": ") +
           QString::fromLocal8Bit(std::strerror(errno));
}

/// Opens the packet socket inside `ns` on a thread that joins the namespace
/// (a thread's network namespace is its own; the socket keeps the namespace
/// it was made in, so the capture thread can read it from anywhere).
TestResult<int> openInNamespace(const QString &ns, const QString &interface) {
    TestResult<int> result = fail(QStringLiteral("not run"));
    std::thread opener([&] {
        const QByteArray path = QStringLiteral("/var/run/netns/%1").arg(ns).toLocal8Bit();
        const int nsFd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        if (nsFd < 0) {
            result = fail(errnoText("open ") + QString::fromLocal8Bit(path));
            return;
        }
        if (::setns(nsFd, CLONE_NEWNET) != 0) {
            result = fail(errnoText("setns ") + ns);
            ::close(nsFd);
            return;
        }
        ::close(nsFd);
        const unsigned index = ::if_nametoindex(interface.toLocal8Bit().constData());
        if (index == 0) {
            result = fail(errnoText("no interface ") + interface + QStringLiteral(" in ") + ns);
            return;
        }
        const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
        if (fd < 0) {
            result = fail(errnoText("socket(AF_PACKET)"));
            return;
        }
        sockaddr_ll where{};
        where.sll_family = AF_PACKET;
        where.sll_protocol = htons(ETH_P_IP);
        where.sll_ifindex = static_cast<int>(index);
        if (::bind(fd, reinterpret_cast<sockaddr *>(&where), sizeof where) != 0) {
            result = fail(errnoText("bind to ") + interface);
            ::close(fd);
            return;
        }
        // Plenty of room: a call sends 50 packets a second each way.
        const int size = 4 << 20;
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        result = fd;
    });
    opener.join();
    return result;
}

} // namespace

std::optional<UdpDatagram> parseUdp(const QByteArray &ip) {
    if (ip.size() < 20 || (static_cast<uchar>(ip[0]) >> 4) != 4) {
        return std::nullopt;
    }
    const int headerLength = (static_cast<uchar>(ip[0]) & 0x0f) * 4;
    const bool fragment = (be16(ip, 6) & 0x1fff) != 0;
    if (static_cast<uchar>(ip[9]) != 17 || fragment || ip.size() < headerLength + 8) {
        return std::nullopt;
    }
    UdpDatagram d;
    d.source = QHostAddress(be32(ip, 12));
    d.destination = QHostAddress(be32(ip, 16));
    d.sourcePort = be16(ip, headerLength);
    d.destinationPort = be16(ip, headerLength + 2);
    const int length = be16(ip, headerLength + 4) - 8;
    d.payload = ip.mid(headerLength + 8, std::max(0, length));
    return d;
}

std::optional<QByteArray> turnPeerData(const QByteArray &payload) {
    if (payload.size() < 4) {
        return std::nullopt;
    }
    const auto first = static_cast<uchar>(payload[0]);
    if (first >= 0x40 && first <= 0x7f) { // ChannelData: channel number, length, data
        return payload.mid(4, be16(payload, 2));
    }
    if (first > 0x01 || payload.size() < 20 || be32(payload, 4) != 0x2112A442) {
        return std::nullopt;
    }
    // Send (0x0016) or Data (0x0017) indication: the DATA attribute (0x0013).
    const std::uint16_t type = be16(payload, 0);
    if (type != 0x0016 && type != 0x0017) {
        return std::nullopt;
    }
    qsizetype at = 20;
    const qsizetype end = std::min<qsizetype>(payload.size(), 20 + be16(payload, 2));
    while (at + 4 <= end) {
        const std::uint16_t attribute = be16(payload, at);
        const std::uint16_t length = be16(payload, at + 2);
        if (attribute == 0x0013) {
            return payload.mid(at + 4, length);
        }
        at += 4 + ((length + 3) & ~3);
    }
    return std::nullopt;
}

std::optional<RtpPacket> parseRtp(const QByteArray &b) {
    if (b.size() < 12 || (static_cast<uchar>(b[0]) >> 6) != 2) {
        return std::nullopt;
    }
    const auto payloadType = static_cast<std::uint8_t>(static_cast<uchar>(b[1]) & 0x7f);
    if (payloadType >= 64 && payloadType <= 95) {
        return std::nullopt; // RTCP multiplexed on the same port
    }
    qsizetype at = 12 + 4 * (static_cast<uchar>(b[0]) & 0x0f);
    if ((static_cast<uchar>(b[0]) & 0x10) != 0) { // header extension
        if (b.size() < at + 4) {
            return std::nullopt;
        }
        at += 4 + 4 * be16(b, at + 2);
    }
    if (b.size() <= at) {
        return std::nullopt;
    }
    RtpPacket p;
    p.ssrc = be32(b, 8);
    p.payloadType = payloadType;
    p.payload = b.mid(at);
    return p;
}

TestResult<std::unique_ptr<PacketCapture>> PacketCapture::start(const QString &ns,
                                                                const QString &interface,
                                                                const QHostAddress &host,
                                                                int snapLength) {
    bool ipv4 = false;
    const quint32 address = host.toIPv4Address(&ipv4);
    if (!ipv4) {
        return fail(QStringLiteral("PacketCapture wants an IPv4 address, not ") + host.toString());
    }
    auto opened = openInNamespace(ns, interface);
    if (!opened) {
        return fail(opened.error());
    }
    const int stopFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stopFd < 0) {
        ::close(*opened);
        return fail(errnoText("eventfd"));
    }
    std::unique_ptr<PacketCapture> capture(
        new PacketCapture(*opened, stopFd, htonl(address), snapLength));
    capture->m_thread = std::thread([c = capture.get()] { c->run(); });
    return capture;
}

PacketCapture::PacketCapture(int fd, int stopFd, std::uint32_t host, int snapLength)
    : m_fd(fd), m_stopFd(stopFd), m_host(host), m_snapLength(snapLength) {}

PacketCapture::~PacketCapture() {
    stop();
    ::close(m_fd);
    ::close(m_stopFd);
}

void PacketCapture::stop() {
    if (m_running.exchange(false)) {
        const std::uint64_t one = 1;
        (void)!::write(m_stopFd, &one, sizeof one);
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void PacketCapture::run() {
    std::vector<char> buffer(65536);
    while (m_running) {
        pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_stopFd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        if ((fds[1].revents & POLLIN) != 0) {
            return;
        }
        const ssize_t n = ::recv(m_fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 20) {
            continue;
        }
        std::uint32_t source = 0;
        std::uint32_t destination = 0;
        std::memcpy(&source, buffer.data() + 12, 4);
        std::memcpy(&destination, buffer.data() + 16, 4);
        if (source != m_host && destination != m_host) {
            continue;
        }
        const std::lock_guard lock(m_mutex);
        if (m_packets.size() < kMaxPackets) {
            m_packets.emplace_back(buffer.data(), std::min<qsizetype>(n, m_snapLength));
        }
    }
}

std::vector<QByteArray> PacketCapture::packets() const {
    const std::lock_guard lock(m_mutex);
    return m_packets;
}

std::vector<UdpDatagram> PacketCapture::udp() const {
    std::vector<UdpDatagram> out;
    for (const QByteArray &packet : packets()) {
        if (auto d = parseUdp(packet)) {
            out.push_back(std::move(*d));
        }
    }
    return out;
}

} // namespace napkin::testing
