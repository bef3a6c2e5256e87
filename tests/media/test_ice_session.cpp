// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// IceSession (libnice) between two sessions of this process on loopback:
// gathering, the SDP attributes it gives, checks, the selected pair, packets
// both ways through PacketTransport, a peer without ICE, a peer that never
// answers (Failed within the deadline), bad remote input.

#include "media/IceSession.h"
#include "media/Sdp.h"
#include "tests/media/IceTestSupport.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace napkin::media;
using napkin::media::testing::IceEvents;
using napkin::media::testing::receiveOne;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<IceSession> makeSession(IceEvents &events,
                                        std::chrono::milliseconds checks = 5000ms,
                                        bool controlling = false) {
    IceSessionConfig config;
    config.localAddress = "127.0.0.1";
    config.controlling = controlling;
    config.checkDeadline = checks;
    config.onEvent = events.sink();
    auto session = IceSession::create(std::move(config));
    if (!session) {
        qFatal("IceSession::create: %s", session.error().message.c_str());
    }
    return *session;
}

IceRemote remoteOf(const IceLocal &local) {
    return IceRemote{local.ufrag, local.pwd, local.candidates};
}

} // namespace

class TestIceSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hostCandidatesAreReadyAtOnce();
    void twoSessionsConnectAndCarryPackets();
    void sameRemoteTwiceChangesNothing();
    void plainPeerIsSentToItsAddress();
    void silentPeerFailsWithinTheDeadline();
    void unusableRemoteCandidatesAreRefused();
    void badLocalAddressIsRefused();
    void localAttributesParseAsSdp();
};

void TestIceSession::hostCandidatesAreReadyAtOnce() {
    IceEvents events;
    auto s = makeSession(events);
    QVERIFY(events.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    QVERIFY(s->gatheringDone());
    const IceLocal local = s->local();
    QCOMPARE(local.defaultAddress, std::string("127.0.0.1"));
    QVERIFY(local.defaultPort != 0);
    QCOMPARE(local.candidates.size(), std::size_t(1));
    QVERIFY(local.candidates.front().find(" typ host") != std::string::npos);
    QCOMPARE(local.kinds, std::vector<CandidateKind>{CandidateKind::Host});
    QVERIFY(local.ufrag.size() >= 4);
    QVERIFY(local.pwd.size() >= 22);
}

void TestIceSession::twoSessionsConnectAndCarryPackets() {
    IceEvents ea;
    IceEvents eb;
    auto a = makeSession(ea, 5000ms, true); // the offerer
    auto b = makeSession(eb);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    QVERIFY(eb.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    QCOMPARE(a->checks(), IceChecks::Idle);
    QVERIFY(a->setRemote(remoteOf(b->local()), true));
    QVERIFY(b->setRemote(remoteOf(a->local()), false));
    QVERIFY(ea.waitFor(IceEvent::Kind::Connected, 5000ms));
    QVERIFY(eb.waitFor(IceEvent::Kind::Connected, 5000ms));
    QCOMPARE(a->checks(), IceChecks::Connected);
    QCOMPARE(b->checks(), IceChecks::Connected);
    const auto path = a->path();
    QVERIFY(path);
    QCOMPARE(path->local, CandidateKind::Host);
    QCOMPARE(path->remote, CandidateKind::Host);
    QCOMPARE(path->transport, std::string("udp"));
    const std::vector<std::uint8_t> hello{0x80, 0x00, 0x01, 0x02, 0xAA};
    QVERIFY(a->send(hello));
    QCOMPARE(receiveOne(*b, 2000ms), hello);
    const std::vector<std::uint8_t> back{0x80, 0x00, 0x09};
    QVERIFY(b->send(back));
    QCOMPARE(receiveOne(*a, 2000ms), back);
    QVERIFY(!ea.find(IceEvent::Kind::Failed));
}

void TestIceSession::sameRemoteTwiceChangesNothing() {
    IceEvents ea;
    IceEvents eb;
    auto a = makeSession(ea, 5000ms, true); // the offerer
    auto b = makeSession(eb);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    QVERIFY(eb.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    QVERIFY(a->setRemote(remoteOf(b->local()), true));
    QVERIFY(b->setRemote(remoteOf(a->local()), false));
    QVERIFY(ea.waitFor(IceEvent::Kind::Connected, 5000ms));
    // A re-INVITE repeats the same attributes: the pair stays.
    QVERIFY(a->setRemote(remoteOf(b->local()), true));
    QVERIFY(a->path());
    const std::vector<std::uint8_t> packet{0x80, 0x00, 0x05};
    QVERIFY(a->send(packet));
    QCOMPARE(receiveOne(*b, 2000ms), packet);
}

void TestIceSession::plainPeerIsSentToItsAddress() {
    IceEvents ea;
    auto a = makeSession(ea);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    // The plain peer: a bare UDP socket.
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    QVERIFY(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    socklen_t length = sizeof addr;
    QCOMPARE(::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length), 0);
    QVERIFY(a->setPlainRemote("127.0.0.1", ntohs(addr.sin_port)));
    QCOMPARE(a->checks(), IceChecks::Plain);
    const std::vector<std::uint8_t> packet{0x80, 0x00, 0x07, 0x07};
    QVERIFY(a->send(packet));
    std::uint8_t buffer[64];
    pollfd p{fd, POLLIN, 0};
    QCOMPARE(::poll(&p, 1, 2000), 1);
    sockaddr_in from{};
    socklen_t fromLength = sizeof from;
    const auto n =
        ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr *>(&from), &fromLength);
    QCOMPARE(n, static_cast<ssize_t>(packet.size()));
    // And what the plain peer sends back to our default candidate arrives.
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(a->local().defaultPort);
    const std::uint8_t reply[] = {0x80, 0x00, 0x00, 0x01};
    QCOMPARE(::sendto(fd, reply, sizeof reply, 0, reinterpret_cast<sockaddr *>(&to), sizeof to),
             static_cast<ssize_t>(sizeof reply));
    QCOMPARE(receiveOne(*a, 2000ms).size(), sizeof reply);
    ::close(fd);
}

void TestIceSession::silentPeerFailsWithinTheDeadline() {
    IceEvents ea;
    auto a = makeSession(ea, 1500ms);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    // A peer that exists only in SDP: nothing answers at this port.
    IceRemote ghost{"abcd", "0123456789012345678901", {"1 1 UDP 2015363327 127.0.0.1 9 typ host"}};
    QVERIFY(a->setRemote(ghost, true));
    QVERIFY(ea.waitFor(IceEvent::Kind::Failed, 4000ms));
    QCOMPARE(a->checks(), IceChecks::Failed);
    QVERIFY(!a->path());
    const std::vector<std::uint8_t> packet{0x80};
    QVERIFY(!a->send(packet));
}

void TestIceSession::unusableRemoteCandidatesAreRefused() {
    IceEvents ea;
    auto a = makeSession(ea);
    IceRemote names{"abcd",
                    "0123456789012345678901",
                    {"1 1 UDP 2015363327 peer.local 4000 typ host",
                     "2 2 UDP 2015363326 127.0.0.1 4001 typ host",
                     "3 1 TCP 2015363325 127.0.0.1 4002 typ host tcptype passive"}};
    auto set = a->setRemote(names, true);
    QVERIFY(!set);
    QCOMPARE(set.error().code, MediaErrc::InvalidArgument);
    QVERIFY(!a->setPlainRemote("not-an-ip", 4000));
}

void TestIceSession::badLocalAddressIsRefused() {
    IceSessionConfig config;
    config.localAddress = "300.1.1.1";
    auto s = IceSession::create(config);
    QVERIFY(!s);
    QCOMPARE(s.error().code, MediaErrc::InvalidArgument);
}

void TestIceSession::localAttributesParseAsSdp() {
    IceEvents ea;
    auto a = makeSession(ea);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 2000ms));
    const IceLocal local = a->local();
    std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                      "m=audio " +
                      std::to_string(local.defaultPort) +
                      " RTP/SAVP 0\r\na=ice-ufrag:" + local.ufrag + "\r\na=ice-pwd:" + local.pwd +
                      "\r\n";
    for (const auto &c : local.candidates) {
        sdp += "a=candidate:" + c + "\r\n";
    }
    auto parsed = parseSdp(sdp);
    QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
    const auto ice = parsed->iceOf(parsed->media.front());
    QVERIFY(ice);
    QCOMPARE(ice->first, local.ufrag);
    QCOMPARE(parsed->media.front().candidates, local.candidates);
}

QTEST_GUILESS_MAIN(TestIceSession)
#include "test_ice_session.moc"
