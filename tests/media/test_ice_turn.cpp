// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// IceSession against a real TURN server: a coturn (Debian's turnserver,
// long-term credentials) started by the test on a loopback address of its
// own. Relayed candidates over UDP and TCP, the settings page's probe (good
// and wrong passwords, a server that is not there), and two sessions that
// may only meet through their relays carrying packets both ways.

#include "media/IceSession.h"
#include "tests/media/IceTestSupport.h"
#include "tests/support/ManagedProcess.h"

#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <poll.h>

#include <future>
#include <mutex>
#include <thread>

using namespace napkin::media;
using namespace napkin::testing;
using napkin::media::testing::IceEvents;
using napkin::media::testing::receiveOne;
using namespace std::chrono_literals;

namespace {

constexpr const char *kUser = "napkin";
constexpr const char *kPassword = "correct-horse-battery";

bool has(const std::vector<CandidateKind> &kinds, CandidateKind kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

/// Only the relayed candidates: the peer can reach us through the relay only.
IceRemote relayedOnly(const IceLocal &local) {
    IceRemote remote{local.ufrag, local.pwd, {}};
    for (const auto &c : local.candidates) {
        if (c.find(" typ relay") != std::string::npos) {
            remote.candidates.push_back(c);
        }
    }
    return remote;
}

} // namespace

class TestIceTurn : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void relayedCandidateOverUdpAndTcp();
    void probeReportsWhatItGot();
    void probeNamesAWrongPassword();
    void probeNamesAnAbsentServer();
    void sessionsMeetThroughTheirRelays();

private:
    IceSessionConfig config(TurnTransport transport, const std::string &password = kPassword);

    QTemporaryDir m_dir;
    Endpoint m_turn;
    std::unique_ptr<ManagedProcess> m_coturn;
};

void TestIceTurn::initTestCase() {
    const QString program = QStandardPaths::findExecutable(QStringLiteral("turnserver"));
    if (program.isEmpty()) {
        QFAIL("turnserver (Debian coturn) is missing: scripts/deps installs it");
    }
    QVERIFY(m_dir.isValid());
    m_turn = FreePort::uniqueEndpoint();
    const QString ip = m_turn.address.toString();
    QStringList args{
        QStringLiteral("-n"), // no configuration file
        QStringLiteral("--listening-ip=%1").arg(ip),
        QStringLiteral("--relay-ip=%1").arg(ip),
        QStringLiteral("--listening-port=%1").arg(m_turn.port),
        QStringLiteral("--lt-cred-mech"),
        QStringLiteral("--user=%1:%2").arg(QLatin1String(kUser), QLatin1String(kPassword)),
        QStringLiteral("--realm=turn.test.example"),
        QStringLiteral("--allow-loopback-peers"),
        QStringLiteral("--no-tls"),
        QStringLiteral("--no-dtls"),
        QStringLiteral("--no-cli"),
        QStringLiteral("--no-multicast-peers"),
        QStringLiteral("--fingerprint"),
        QStringLiteral("--min-port=50000"),
        QStringLiteral("--max-port=59999"),
        QStringLiteral("--pidfile=%1/turnserver.pid").arg(m_dir.path()),
        QStringLiteral("--userdb=%1/turn.sqlite").arg(m_dir.path()),
        QStringLiteral("--log-file=stdout"),
        QStringLiteral("--simple-log")};
    ProcessSpec spec;
    spec.name = QStringLiteral("coturn");
    spec.program = program;
    spec.arguments = args;
    spec.logDirectory = m_dir.path();
    m_coturn = std::make_unique<ManagedProcess>(spec);
    NAPKIN_VERIFY_OK(m_coturn->start());
    NAPKIN_VERIFY_OK(m_coturn->waitForTcp(m_turn, 10000));
}

void TestIceTurn::cleanupTestCase() {
    if (m_coturn) {
        m_coturn->stop();
    }
}

IceSessionConfig TestIceTurn::config(TurnTransport transport, const std::string &password) {
    IceSessionConfig c;
    c.localAddress = "127.0.0.1";
    c.servers.turn = TurnServer{m_turn.address.toString().toStdString(), m_turn.port, transport,
                                kUser, password};
    c.gatherDeadline = 3000ms;
    c.checkDeadline = 8000ms;
    return c;
}

void TestIceTurn::relayedCandidateOverUdpAndTcp() {
    for (const TurnTransport transport : {TurnTransport::Udp, TurnTransport::Tcp}) {
        IceEvents events;
        IceSessionConfig c = config(transport);
        c.onEvent = events.sink();
        auto session = IceSession::create(std::move(c));
        QVERIFY(session);
        QVERIFY(events.waitFor(IceEvent::Kind::GatheringDone, 4000ms));
        const IceLocal local = (*session)->local();
        QVERIFY2(has(local.kinds, CandidateKind::Relayed), turnTransportName(transport).data());
        QVERIFY(has(local.kinds, CandidateKind::Host));
        // The relay is never the default candidate (a plain peer could not use it).
        QCOMPARE(local.defaultAddress, std::string("127.0.0.1"));
        bool relayOnServer = false;
        for (const auto &line : local.candidates) {
            if (line.find(" typ relay") != std::string::npos &&
                line.find(m_turn.address.toString().toStdString()) != std::string::npos) {
                relayOnServer = true;
            }
        }
        QVERIFY(relayOnServer);
    }
}

void TestIceTurn::probeReportsWhatItGot() {
    std::promise<IceProbeResult> result;
    IceSessionConfig c = config(TurnTransport::Udp);
    c.servers.stun = StunServer{c.servers.turn->host, c.servers.turn->port};
    const auto started = std::chrono::steady_clock::now();
    probeIceServers(c, [&](IceProbeResult r) { result.set_value(std::move(r)); });
    auto future = result.get_future();
    QCOMPARE(future.wait_for(8s), std::future_status::ready);
    // Both servers answer at once on loopback: gathering must not wait for
    // a timeout of its own.
    const auto took = std::chrono::steady_clock::now() - started;
    const IceProbeResult r = future.get();
    QVERIFY(has(r.kinds, CandidateKind::Host));
    QVERIFY(has(r.kinds, CandidateKind::Relayed));
    QVERIFY2(
        took < 1500ms,
        qPrintable(QStringLiteral("gathering took %1 ms")
                       .arg(std::chrono::duration_cast<std::chrono::milliseconds>(took).count())));
}

void TestIceTurn::probeNamesAWrongPassword() {
    std::promise<IceProbeResult> result;
    IceSessionConfig c = config(TurnTransport::Udp, "wrong-password");
    c.gatherDeadline = 2000ms;
    probeIceServers(c, [&](IceProbeResult r) { result.set_value(std::move(r)); });
    auto future = result.get_future();
    QCOMPARE(future.wait_for(8s), std::future_status::ready);
    const IceProbeResult r = future.get();
    QVERIFY(!has(r.kinds, CandidateKind::Relayed));
    QCOMPARE(r.problems.size(), std::size_t(1));
    QVERIFY(r.problems.front().find("TURN server") != std::string::npos);
    QVERIFY(r.problems.front().find("password") != std::string::npos);
    // The password is never in the words.
    QVERIFY(r.problems.front().find("wrong-password") == std::string::npos);
}

void TestIceTurn::probeNamesAnAbsentServer() {
    std::promise<IceProbeResult> result;
    IceSessionConfig c = config(TurnTransport::Udp);
    c.servers.turn->port = FreePort::pick(m_turn.address); // nothing listens there
    c.servers.stun = StunServer{"127.0.0.1", c.servers.turn->port};
    c.gatherDeadline = 1500ms;
    const auto started = std::chrono::steady_clock::now();
    probeIceServers(c, [&](IceProbeResult r) { result.set_value(std::move(r)); });
    auto future = result.get_future();
    QCOMPARE(future.wait_for(8s), std::future_status::ready);
    // The gathering deadline bounds it, not libnice's own retransmissions.
    QVERIFY(std::chrono::steady_clock::now() - started < 4s);
    const IceProbeResult r = future.get();
    QVERIFY(has(r.kinds, CandidateKind::Host));
    QCOMPARE(r.problems.size(), std::size_t(2));
}

void TestIceTurn::sessionsMeetThroughTheirRelays() {
    IceEvents ea;
    IceEvents eb;
    IceSessionConfig ca = config(TurnTransport::Udp);
    ca.controlling = true;
    ca.onEvent = ea.sink();
    IceSessionConfig cb = config(TurnTransport::Tcp);
    cb.onEvent = eb.sink();
    auto a = IceSession::create(std::move(ca));
    auto b = IceSession::create(std::move(cb));
    QVERIFY(a && b);
    QVERIFY(ea.waitFor(IceEvent::Kind::GatheringDone, 4000ms));
    QVERIFY(eb.waitFor(IceEvent::Kind::GatheringDone, 4000ms));
    const IceRemote toB = relayedOnly((*b)->local());
    const IceRemote toA = relayedOnly((*a)->local());
    QCOMPARE(toB.candidates.size(), std::size_t(1));
    QCOMPARE(toA.candidates.size(), std::size_t(1));
    QVERIFY((*a)->setRemote(toB, true));
    QVERIFY((*b)->setRemote(toA, false));
    QVERIFY(ea.waitFor(IceEvent::Kind::Connected, 8000ms));
    QVERIFY(eb.waitFor(IceEvent::Kind::Connected, 8000ms));
    const auto pathA = (*a)->path();
    const auto pathB = (*b)->path();
    QVERIFY(pathA && pathB);
    QVERIFY(pathA->local == CandidateKind::Relayed || pathA->remote == CandidateKind::Relayed ||
            pathA->remote == CandidateKind::PeerReflexive);
    if (pathB->local == CandidateKind::Relayed) {
        QCOMPARE(pathB->transport, std::string("tcp")); // b reaches its relay over TCP
        QCOMPARE(pathB->relay, m_turn.address.toString().toStdString());
    }
    const std::vector<std::uint8_t> there{0x80, 0x01, 0x02, 0x03};
    const std::vector<std::uint8_t> back{0x80, 0x04, 0x05};
    // Permissions and channel set-up may lag the selection by a moment.
    std::vector<std::uint8_t> got;
    for (int i = 0; i < 20 && got.empty(); ++i) {
        QVERIFY((*a)->send(there));
        got = receiveOne(**b, 100ms);
    }
    QCOMPARE(got, there);
    got.clear();
    for (int i = 0; i < 20 && got.empty(); ++i) {
        QVERIFY((*b)->send(back));
        got = receiveOne(**a, 100ms);
    }
    QCOMPARE(got, back);
}

QTEST_GUILESS_MAIN(TestIceTurn)
#include "test_ice_turn.moc"
