// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What crossed one interface of a network namespace, without tcpdump: an
// AF_PACKET socket opened inside the namespace (by a thread that joined it
// with setns) keeps every IPv4 packet to or from one address, on a thread of
// its own, until stop(). Root only. For NAT world tests that want to see what
// a TURN server relayed (tests/world/test_world_nat_call), and the parsers
// that take TURN framing and RTP apart for them.

#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace napkin::testing {

/// One UDP datagram out of a captured IPv4 packet.
struct UdpDatagram {
    QHostAddress source;
    std::uint16_t sourcePort = 0;
    QHostAddress destination;
    std::uint16_t destinationPort = 0;
    QByteArray payload; ///< as far as it was captured
};

/// The UDP datagram in an IPv4 packet (nothing for another protocol or a fragment).
[[nodiscard]] std::optional<UdpDatagram> parseUdp(const QByteArray &ipPacket);

/// What a TURN client and server carry for a peer inside one UDP payload:
/// the data of a ChannelData message (RFC 8656 12.4) or the DATA attribute
/// of a Send or Data indication; nothing for other STUN/TURN messages.
[[nodiscard]] std::optional<QByteArray> turnPeerData(const QByteArray &payload);

/// One RTP packet (RFC 3550), RTCP excluded (RFC 5761: payload types 64-95).
struct RtpPacket {
    std::uint32_t ssrc = 0;
    std::uint8_t payloadType = 0;
    QByteArray payload; ///< after the fixed header, CSRCs and any header extension
};

/// The RTP packet in `bytes`, or nothing (STUN, RTCP, too short, not version 2).
[[nodiscard]] std::optional<RtpPacket> parseRtp(const QByteArray &bytes);

class PacketCapture {
public:
    /// Starts capturing on `interface` of namespace `ns` every IPv4 packet
    /// whose source or destination is `host` (the first `snapLength` bytes).
    [[nodiscard]] static TestResult<std::unique_ptr<PacketCapture>> start(const QString &ns,
                                                                          const QString &interface,
                                                                          const QHostAddress &host,
                                                                          int snapLength = 512);
    ~PacketCapture();
    PacketCapture(const PacketCapture &) = delete;
    PacketCapture &operator=(const PacketCapture &) = delete;

    /// Every packet kept so far (IPv4, from its header), in order.
    [[nodiscard]] std::vector<QByteArray> packets() const;
    /// Every UDP datagram among them.
    [[nodiscard]] std::vector<UdpDatagram> udp() const;
    /// Ends the capture (the destructor does it too).
    void stop();

private:
    PacketCapture(int fd, int stopFd, std::uint32_t host, int snapLength);
    void run();

    int m_fd;
    int m_stopFd;
    std::uint32_t m_host; ///< network byte order
    int m_snapLength;
    std::atomic<bool> m_running{true};
    mutable std::mutex m_mutex;
    std::vector<QByteArray> m_packets;
    std::thread m_thread;
};

} // namespace napkin::testing
