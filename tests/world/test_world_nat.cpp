// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// scripts/world up --nat (root only; skipped otherwise): the three-domain
// world in network namespaces behind home routers, with coturn.
//
//   alice (home-a, endpoint-independent NAT) and bob (home-b, symmetric NAT)
//     register through their routers: the registrar sees each at its
//     router's public address. alice's call to bob rings (signalling only:
//     media through NAT is not this world's job yet).
//   coturn answers a TURN Allocate from home-a (turnutils_uclient), and its
//     log shows the allocation coming from home-a's router.
//   home-c sends no UDP out (a STUN request gets no answer) but reaches the
//     TURN server over TCP, and allocates over it.
//   `down` leaves no namespace with the world's prefix and no process of it.

#include "tests/support/AgentProcess.h"
#include "tests/support/NatLab.h"
#include "tests/support/WorldRun.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTest>

#include <memory>

using namespace napkin::testing;

namespace {

QString findTool(const QString &name) {
    return QStandardPaths::findExecutable(name,
                                          {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin"),
                                           QStringLiteral("/bin"), QStringLiteral("/sbin")});
}

QString readText(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

/// Pids of live processes whose command line mentions `dir`.
QStringList processesMentioning(const QString &dir) {
    QStringList out;
    const QStringList pids = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &pid : pids) {
        bool number = false;
        (void)pid.toLongLong(&number);
        if (!number) {
            continue;
        }
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) &&
            QString::fromUtf8(cmdline.readAll()).contains(dir + QLatin1Char('/'))) {
            out << pid;
        }
    }
    return out;
}

} // namespace

class TestWorldNat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void namespacesAndEnvironment();
    void agentsRegisterThroughTheirNatsAndACallRings();
    void coturnAllocatesFromHomeA();
    void homeCSendsNoUdpButReachesTurnOverTcp();
    void downLeavesNothing();

private:
    [[nodiscard]] QString world(const QString &name) const {
        return m_world->file(QStringLiteral("world/") + name);
    }
    /// turnutils_uclient in `ns`: one client pair allocating on the world's
    /// TURN server (over TCP with `tcp`), a message through the relays.
    [[nodiscard]] TestResult<RunResult> allocate(const QString &ns, bool tcp) const;

    std::unique_ptr<WorldRun> m_world;
    QString m_prefix;
    QString m_worldDir;
    QString m_turnHost;
};

void TestWorldNat::initTestCase() {
    if (const QString why = NatLab::unavailableReason(); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    QVERIFY2(!findTool(QStringLiteral("turnserver")).isEmpty(),
             "coturn is not installed (scripts/deps installs it)");
    QVERIFY2(!findTool(QStringLiteral("turnutils_uclient")).isEmpty(),
             "turnutils_uclient (coturn) is not installed");
    auto up = WorldRun::up({}, WorldKind::Nat);
    NAPKIN_VERIFY_OK(up);
    m_world = std::move(up).value();
    m_prefix = m_world->env(QStringLiteral("WORLD_NS_PREFIX"));
    m_worldDir = m_world->env(QStringLiteral("WORLD_DIR"));
    m_turnHost = m_world->env(QStringLiteral("WORLD_TURN_SERVER")).section(QLatin1Char(':'), 0, 0);
    QVERIFY(m_prefix.startsWith(QStringLiteral("napkin-w")));
    QVERIFY(!m_worldDir.isEmpty());
}

void TestWorldNat::cleanupTestCase() {
    if (m_world) {
        (void)m_world->down();
    }
}

TestResult<RunResult> TestWorldNat::allocate(const QString &ns, bool tcp) const {
    const QString password =
        readText(m_world->env(QStringLiteral("WORLD_TURN_PASSWORD_FILE"))).trimmed();
    QStringList args;
    if (tcp) {
        args << QStringLiteral("-t");
    }
    args << QStringLiteral("-y") << QStringLiteral("-c") << QStringLiteral("-n")
         << QStringLiteral("1") << QStringLiteral("-m") << QStringLiteral("1")
         << QStringLiteral("-u") << m_world->env(QStringLiteral("WORLD_TURN_USER"))
         << QStringLiteral("-w") << password << m_turnHost;
    return NatLab::runIn(ns, findTool(QStringLiteral("turnutils_uclient")), args, 20000);
}

void TestWorldNat::namespacesAndEnvironment() {
    QCOMPARE(m_world->env(QStringLiteral("WORLD_NAT")), QStringLiteral("1"));
    const QStringList namespaces = NatLab::namespacesWithPrefix(m_prefix);
    QCOMPARE(namespaces.size(), 7); // internet, three routers, three homes
    for (const char *key : {"WORLD_NS_INTERNET", "WORLD_NS_ALICE", "WORLD_NS_BOB", "WORLD_NS_BOB2",
                            "WORLD_NS_CAROL"}) {
        QVERIFY2(namespaces.contains(m_world->env(QString::fromLatin1(key))), key);
    }
    // Nothing routes out of the machine: no namespace of the world but the
    // homes (towards their routers) has a default route.
    for (const QString &ns : namespaces) {
        auto routes = NatLab::runIn(
            ns, findTool(QStringLiteral("ip")),
            {QStringLiteral("route"), QStringLiteral("show"), QStringLiteral("default")});
        NAPKIN_VERIFY_OK(routes);
        if (ns.contains(QStringLiteral("-home-"))) {
            QVERIFY2(routes->stdoutText.contains(QStringLiteral("via 192.168.")), qPrintable(ns));
        } else {
            QVERIFY2(routes->stdoutText.trimmed().isEmpty(), qPrintable(ns));
        }
    }
    // The profiles name the internet namespace's services.
    const QString alice = readText(world(QStringLiteral("alice.ini")));
    QVERIFY(alice.contains(QStringLiteral("outbound_proxy = sip:") +
                           m_world->env(QStringLiteral("WORLD_A_PROXY"))));
    QVERIFY(alice.contains(QStringLiteral("listen = sip:192.168.1.2:*")));
}

void TestWorldNat::agentsRegisterThroughTheirNatsAndACallRings() {
    auto bob = m_world->agent(QStringLiteral("bob"),
                              {QStringLiteral("--config"), world(QStringLiteral("bob.ini")),
                               QStringLiteral("--no-audio")},
                              m_world->env(QStringLiteral("WORLD_NS_BOB")));
    NAPKIN_VERIFY_OK(bob->start());
    NAPKIN_WAIT_EVENT(bobRegistered, *bob, QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("registered")}}, 30000);
    NAPKIN_VERIFY_OK(bob->process().waitForOutput(
        QStringLiteral("the registrar sees this device at ") +
            m_world->env(QStringLiteral("WORLD_BOB_PUBLIC")) + QLatin1Char(':'),
        5000));

    auto alice = m_world->agent(QStringLiteral("alice"),
                                {QStringLiteral("--config"), world(QStringLiteral("alice.ini")),
                                 QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
                                 QStringLiteral("--no-audio")},
                                m_world->env(QStringLiteral("WORLD_NS_ALICE")));
    NAPKIN_VERIFY_OK(alice->start());
    NAPKIN_WAIT_EVENT(aliceRegistered, *alice, QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("registered")}}, 30000);
    NAPKIN_VERIFY_OK(alice->process().waitForOutput(
        QStringLiteral("the registrar sees this device at ") +
            m_world->env(QStringLiteral("WORLD_ALICE_PUBLIC")) + QLatin1Char(':'),
        5000));

    NAPKIN_WAIT_EVENT(incoming, *bob, QStringLiteral("incoming"),
                      {{QStringLiteral("from"), QStringLiteral("sip:alice@a.example")}}, 30000);
    NAPKIN_WAIT_EVENT(ringing, *alice, QStringLiteral("call_state"),
                      {{QStringLiteral("state"), QStringLiteral("ringing")}}, 15000);
    alice->process().stop();
    bob->process().stop();
}

void TestWorldNat::coturnAllocatesFromHomeA() {
    auto ran = allocate(m_world->env(QStringLiteral("WORLD_NS_ALICE")), false);
    NAPKIN_VERIFY_OK(ran);
    QVERIFY2(ran->succeeded(), qPrintable(ran->describe()));
    const QString log =
        readText(m_world->env(QStringLiteral("WORLD_LOG_DIR")) + QStringLiteral("/coturn.log"));
    QVERIFY2(log.contains(QStringLiteral("user <") +
                          m_world->env(QStringLiteral("WORLD_TURN_USER")) +
                          QStringLiteral(">: incoming packet ALLOCATE processed, success")),
             "coturn logged no successful allocation");
    // coturn names the client's address when it closes the session, which
    // for UDP comes a moment after the client is gone.
    const QString seen = QStringLiteral("remote ") +
                         m_world->env(QStringLiteral("WORLD_ALICE_PUBLIC")) + QLatin1Char(':');
    const QString logPath =
        m_world->env(QStringLiteral("WORLD_LOG_DIR")) + QStringLiteral("/coturn.log");
    QTRY_VERIFY2_WITH_TIMEOUT(readText(logPath).contains(seen),
                              "coturn saw no client at home-a's public address", 15000);
}

void TestWorldNat::homeCSendsNoUdpButReachesTurnOverTcp() {
    const QString carol = m_world->env(QStringLiteral("WORLD_NS_CAROL"));
    // A STUN binding request over UDP: answered from home-a, lost from home-c.
    const QString stun = findTool(QStringLiteral("turnutils_stunclient"));
    auto fromA =
        NatLab::runIn(m_world->env(QStringLiteral("WORLD_NS_ALICE")), stun, {m_turnHost}, 5000);
    NAPKIN_VERIFY_OK(fromA);
    const QString answerA = fromA->stdoutText + fromA->stderrText;
    QVERIFY2(answerA.contains(QStringLiteral("UDP reflexive addr: ") +
                              m_world->env(QStringLiteral("WORLD_ALICE_PUBLIC"))),
             qPrintable(answerA));
    // (turnutils_stunclient waits for ever without an answer: the timeout ends it.)
    auto fromC = NatLab::runIn(carol, stun, {m_turnHost}, 3000);
    QVERIFY2(
        !fromC ||
            !(fromC->stdoutText + fromC->stderrText).contains(QStringLiteral("reflexive addr")),
        "a STUN request over UDP from home-c was answered");

    const int turnPort =
        m_world->env(QStringLiteral("WORLD_TURN_SERVER")).section(QLatin1Char(':'), 1).toInt();
    NAPKIN_VERIFY_OK(NatLab::waitForTcp(carol, QHostAddress(m_turnHost), turnPort, 5000));
    auto ran = allocate(carol, true);
    NAPKIN_VERIFY_OK(ran);
    QVERIFY2(ran->succeeded(), qPrintable(ran->describe()));
    const QString seen = QStringLiteral("remote ") +
                         m_world->env(QStringLiteral("WORLD_CAROL_PUBLIC")) + QLatin1Char(':');
    const QString logPath =
        m_world->env(QStringLiteral("WORLD_LOG_DIR")) + QStringLiteral("/coturn.log");
    QTRY_VERIFY2_WITH_TIMEOUT(readText(logPath).contains(seen),
                              "coturn saw no client at home-c's public address", 15000);
}

void TestWorldNat::downLeavesNothing() {
    NAPKIN_VERIFY_OK(m_world->down());
    QCOMPARE(NatLab::namespacesWithPrefix(m_prefix), QStringList());
    QCOMPARE(processesMentioning(m_worldDir), QStringList());
}

QTEST_GUILESS_MAIN(TestWorldNat)
#include "test_world_nat.moc"
