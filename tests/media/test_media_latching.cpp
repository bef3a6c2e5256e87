// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Symmetric RTP latching against a sniffer (review L8), with two real
// MediaSessions on loopback and a relay the test drives packet by packet:
// - a copy of a packet sent from another address before the original does
//   not move B's media there, not once and not when every packet is raced;
// - when A's packets really all come from a new address, B follows.

#include "media/AudioPort.h"
#include "media/MediaSession.h"
#include "media/OfferAnswer.h"
#include "media/RtpPacket.h"
#include "media/Sdp.h"
#include "media/UdpSocket.h"

#include <QTest>

#include <poll.h>

#include <chrono>

using namespace napkin::media;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

/// How the relay hands A's datagrams to B.
enum class Path {
    Normal,     ///< from the relay's address only
    RaceOne,    ///< the next RTP packet: a copy from the sniffer first, then the original
    RaceAll,    ///< every packet: the sniffer's copy first, then the original
    SnifferOnly ///< A has really moved: everything comes from the new address
};

/// What B sent, by where it went.
struct Counts {
    int toRelay = 0;
    int toSniffer = 0;
};

} // namespace

class TestMediaLatching : public QObject {
    Q_OBJECT

    MediaSession m_a;
    MediaSession m_b;
    UdpSocket m_facingA;   ///< A sends here
    UdpSocket m_facingB;   ///< B's peer address; forwards A's packets to B
    UdpSocket m_elsewhere; ///< the sniffer, later A's new address
    SocketAddress m_addrA;
    SocketAddress m_addrB;
    Path m_path = Path::Normal;

    /// Relays for `duration`, counting where B's datagrams arrive.
    Counts relay(std::chrono::milliseconds duration) {
        Counts counts;
        const auto end = Clock::now() + duration;
        while (Clock::now() < end) {
            pollfd fds[3] = {{m_facingA.fd(), POLLIN, 0},
                             {m_facingB.fd(), POLLIN, 0},
                             {m_elsewhere.fd(), POLLIN, 0}};
            ::poll(fds, 3, 5);
            for (int i = 0; i < 3; ++i) {
                if ((fds[i].revents & POLLIN) == 0) {
                    continue;
                }
                UdpSocket &s = i == 0 ? m_facingA : (i == 1 ? m_facingB : m_elsewhere);
                std::uint8_t buffer[2048];
                SocketAddress from;
                while (true) {
                    auto n = s.receiveFrom(buffer, from);
                    if (!n || *n == 0) {
                        break;
                    }
                    const std::span<const std::uint8_t> d(buffer, *n);
                    if (i == 0) {
                        fromA(d);
                    } else {
                        ++(i == 1 ? counts.toRelay : counts.toSniffer);
                        (void)m_facingA.sendTo(d, m_addrA);
                    }
                }
            }
        }
        return counts;
    }

    void fromA(std::span<const std::uint8_t> d) {
        const bool rtp = !isRtcpPacket(d);
        switch (m_path) {
        case Path::Normal:
            (void)m_facingB.sendTo(d, m_addrB);
            break;
        case Path::RaceOne:
        case Path::RaceAll:
            if (rtp) {
                (void)m_elsewhere.sendTo(d, m_addrB);
            }
            (void)m_facingB.sendTo(d, m_addrB);
            if (rtp && m_path == Path::RaceOne) {
                m_path = Path::Normal;
            }
            break;
        case Path::SnifferOnly:
            (void)m_elsewhere.sendTo(d, m_addrB);
            break;
        }
    }

private Q_SLOTS:
    void initTestCase() {
        m_facingA = UdpSocket::bind("127.0.0.1", 0).value();
        m_facingB = UdpSocket::bind("127.0.0.1", 0).value();
        m_elsewhere = UdpSocket::bind("127.0.0.1", 0).value();
        const std::uint16_t portA = *m_a.open("127.0.0.1", 0);
        const std::uint16_t portB = *m_b.open("127.0.0.1", 0);
        m_addrA = *SocketAddress::fromIp("127.0.0.1", portA);
        m_addrB = *SocketAddress::fromIp("127.0.0.1", portB);
        LocalMediaOptions optA;
        optA.address = "127.0.0.1";
        optA.port = m_facingB.localPort(); // B sends to the relay
        optA.codecs = {CodecId::Pcmu};
        LocalMediaOptions optB = optA;
        optB.port = m_facingA.localPort(); // and so does A
        auto offer = makeOffer(optA);
        QVERIFY(offer.ok());
        auto offerSeen = parseSdp(formatSdp(offer->sdp));
        QVERIFY(offerSeen.ok());
        auto answer = answerOffer(*offerSeen, optB);
        QVERIFY(answer.ok());
        auto answerSeen = parseSdp(formatSdp(answer->sdp));
        QVERIFY(answerSeen.ok());
        auto negotiated = applyAnswer(*offer, *answerSeen);
        QVERIFY(negotiated.ok());
        QVERIFY(negotiated->rtcpMux);
        for (auto [session, media] :
             {std::pair{&m_a, *negotiated}, std::pair{&m_b, answer->media}}) {
            MediaSessionConfig c;
            c.media = media;
            c.source = std::make_shared<ToneSource>(1000, 0.25);
            c.sink = std::make_shared<NullSink>();
            c.rtcpIntervalMs = 1000;
            auto started = session->start(std::move(c));
            QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
        }
        const Counts warmUp = relay(500ms);
        QVERIFY2(warmUp.toRelay > 10, "B sends nothing");
        QCOMPARE(warmUp.toSniffer, 0);
    }

    // One copy, sent from elsewhere and arriving before its original.
    void oneRacedPacketDoesNotMove() {
        const auto replaysBefore = m_b.statistics().replays;
        m_path = Path::RaceOne;
        const Counts c = relay(400ms);
        QVERIFY(m_path == Path::Normal); // the copy was sent
        QCOMPARE(c.toSniffer, 0);
        QVERIFY(c.toRelay > 10);
        // The original was the one dropped: the copy did get in.
        QVERIFY(m_b.statistics().replays > replaysBefore);
    }

    // A sniffer that races every packet for half a second.
    void racingEveryPacketDoesNotMove() {
        m_path = Path::RaceAll;
        const Counts racing = relay(500ms);
        m_path = Path::Normal;
        const Counts after = relay(200ms);
        QCOMPARE(racing.toSniffer + after.toSniffer, 0);
        QVERIFY(after.toRelay > 5);
    }

    // A really moves (new NAT binding): all its packets come from elsewhere.
    void genuineMoveLatches() {
        m_path = Path::SnifferOnly;
        relay(300ms);
        const Counts settled = relay(300ms);
        QVERIFY2(settled.toSniffer > 10, "B did not follow A to its new address");
        QCOMPARE(settled.toRelay, 0);
    }

    void cleanupTestCase() {
        m_a.stop();
        m_b.stop();
    }
};

QTEST_GUILESS_MAIN(TestMediaLatching)
#include "test_media_latching.moc"
