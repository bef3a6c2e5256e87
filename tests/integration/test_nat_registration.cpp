// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SIP through a home router (root only; skipped otherwise). NatLab builds an
// "internet" namespace with Kamailio (deploy/kamailio/kamailio.cfg, domain
// a.example, no certificate service: calls are plain) and bob, and homes
// behind symmetric NATs (nftables `masquerade fully-random`, UDP mappings
// idle out after kUdpTimeout s).
//
//   alice (home 1, keepalive_interval 2 s): registers through her router;
//     bob's call reaches her and ends with bob's BYE (in-dialog routing
//     through the Contact alias). Her keep-alives outlive the router's UDP
//     timeout. Then the router forgets every mapping (flush): her next
//     keep-alive comes out of a new public port, she registers again, and a
//     second call still reaches her.
//   carol (home 2, keepalive_interval 0): the same, but without keep-alives
//     the flushed mapping is never remade, and bob's second call does not
//     reach her (the test really exercises the NAT).

#include "tests/support/AgentProcess.h"
#include "tests/support/NatLab.h"
#include "tests/support/TestCa.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace napkin::testing;
using napkin::fail;

namespace {

constexpr int kSipPort = 5060;
constexpr int kKeepalive = 2;
constexpr int kUdpTimeout = 6;
const QString kDomain = QStringLiteral("a.example");

int countEvents(const AgentProcess &agent, const QString &event) {
    int n = 0;
    for (const auto &e : agent.events()) {
        n += e.value(QStringLiteral("event")).toString() == event ? 1 : 0;
    }
    return n;
}

} // namespace

class TestNatRegistration : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void keepAlivesSurviveAMappingChange();
    void withoutKeepAlivesTheDeviceIsLost();

private:
    [[nodiscard]] TestResult<void> addUser(const QString &user);
    [[nodiscard]] QString profile(const QString &user, const QHostAddress &listen, int keepalive);
    /// `user`'s agent in namespace `ns`, answering every call; registered.
    [[nodiscard]] TestResult<std::unique_ptr<AgentProcess>>
    startAnswerer(const QString &user, const QString &ns, const QHostAddress &listen,
                  int keepalive);
    /// bob calls `user` from the internet (hangs up after a second).
    [[nodiscard]] std::unique_ptr<AgentProcess> bobCalls(const QString &user);

    QTemporaryDir m_dir;
    std::optional<TestCa> m_ca;
    std::unique_ptr<NatLab> m_lab;
    std::unique_ptr<ManagedProcess> m_kamailio;
    QHostAddress m_bobAddress;
    QString m_db;
    int m_calls = 0;
};

TestResult<void> TestNatRegistration::addUser(const QString &user) {
    const QString file = m_dir.filePath(user + QStringLiteral(".pw"));
    QFile pw(file);
    if (!pw.open(QIODevice::WriteOnly) ||
        pw.write((user + QStringLiteral("-pw-9x")).toUtf8()) < 0) {
        return fail(QStringLiteral("cannot write ") + file);
    }
    pw.close();
    auto added = runProgram(QStringLiteral(NAPKIN_CERTD_PATH),
                            {QStringLiteral("user"), QStringLiteral("add"),
                             user + QLatin1Char('@') + kDomain, QStringLiteral("--password-file"),
                             file, QStringLiteral("--db"), QStringLiteral("sqlite:") + m_db});
    if (!added) {
        return fail(added.error());
    }
    if (!added->succeeded()) {
        return fail(added->describe());
    }
    return {};
}

QString TestNatRegistration::profile(const QString &user, const QHostAddress &listen,
                                     int keepalive) {
    QByteArray ini = "[account]\n";
    ini += "aor = sip:" + user.toUtf8() + "@" + kDomain.toUtf8() + "\n";
    ini += "password_file = " + m_dir.filePath(user + QStringLiteral(".pw")).toUtf8() + "\n";
    ini += "registrar = sip:" + kDomain.toUtf8() + "\n";
    ini += "outbound_proxy = sip:" + m_lab->internetAddress().toString().toUtf8() + ":5060\n";
    ini += "[network]\n";
    // Nothing answers DNS there: no certificate service, plain calls.
    ini += "dns_server = " + m_lab->internetAddress().toString().toUtf8() + "\n";
    ini += "ca_file = " + m_ca->rootCertPath().toUtf8() + "\n";
    ini += "allow_private_services = true\n";
    ini += "[certificates]\ncache_ttl = 0\nkey_storage = none\n";
    ini += "state_dir = " + m_dir.filePath(user + QStringLiteral(".state")).toUtf8() + "\n";
    ini += "[sip]\n";
    ini += "listen = sip:" + listen.toString().toUtf8() + ":*\n";
    ini += "keepalive_interval = " + QByteArray::number(keepalive) + "\n";
    const QString path = m_dir.filePath(user + QStringLiteral(".ini"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(ini) != ini.size()) {
        qWarning("cannot write %s", qPrintable(path));
    }
    return path;
}

TestResult<std::unique_ptr<AgentProcess>>
TestNatRegistration::startAnswerer(const QString &user, const QString &ns,
                                   const QHostAddress &listen, int keepalive) {
    auto agent = std::make_unique<AgentProcess>(
        QStringLiteral(NAPKIN_CLI_PATH), user, m_dir.path(),
        QStringList{QStringLiteral("--config"), profile(user, listen, keepalive),
                    QStringLiteral("--auto-answer"), QStringLiteral("--no-audio")},
        ns);
    if (auto started = agent->start(); !started) {
        return fail(started.error());
    }
    if (auto r = agent->waitFor(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("registered")}}, 20000);
        !r) {
        return fail(r.error());
    }
    return agent;
}

std::unique_ptr<AgentProcess> TestNatRegistration::bobCalls(const QString &user) {
    const QString name = QStringLiteral("bob-%1").arg(++m_calls);
    const QString ini = profile(QStringLiteral("bob"), m_bobAddress, 0);
    return std::make_unique<AgentProcess>(
        QStringLiteral(NAPKIN_CLI_PATH), name, m_dir.path(),
        QStringList{QStringLiteral("--config"), ini, QStringLiteral("--call"),
                    QStringLiteral("sip:%1@%2").arg(user, kDomain), QStringLiteral("--no-audio"),
                    QStringLiteral("--hangup-after"), QStringLiteral("1")},
        m_lab->internet());
}

void TestNatRegistration::initTestCase() {
    if (const QString why = NatLab::unavailableReason(); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    const QString kamailio = QStandardPaths::findExecutable(
        QStringLiteral("kamailio"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    QVERIFY2(!kamailio.isEmpty(), "kamailio is not installed");
    QVERIFY(m_dir.isValid());
    auto ca = TestCa::create(m_dir.path());
    NAPKIN_VERIFY_OK(ca);
    m_ca.emplace(std::move(ca).value());
    auto lab = NatLab::create();
    NAPKIN_VERIFY_OK(lab);
    m_lab = std::move(lab).value();
    auto bob = m_lab->addInternetAddress();
    NAPKIN_VERIFY_OK(bob);
    m_bobAddress = *bob;

    m_db = m_dir.filePath(QStringLiteral("a.example.db"));
    for (const QString &user :
         {QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")}) {
        NAPKIN_VERIFY_OK(addUser(user));
    }
    auto tls = m_ca->issueServer(QStringLiteral("kamailio"), {kDomain},
                                 {m_lab->internetAddress().toString()});
    NAPKIN_VERIFY_OK(tls);
    const QString runDir = m_dir.filePath(QStringLiteral("kamailio-run"));
    QDir().mkpath(runDir);
    ProcessSpec spec;
    spec.name = QStringLiteral("kamailio");
    spec.program = kamailio;
    spec.logDirectory = m_dir.path();
    spec.arguments = {QStringLiteral("-f"),
                      QStringLiteral(NAPKIN_SOURCE_DIR) +
                          QStringLiteral("/deploy/kamailio/kamailio.cfg"),
                      QStringLiteral("-DD"),
                      QStringLiteral("-E"),
                      QStringLiteral("-Y"),
                      runDir,
                      QStringLiteral("-m"),
                      QStringLiteral("48"),
                      QStringLiteral("-M"),
                      QStringLiteral("8")};
    for (const QString &d :
         {QStringLiteral("SIP_IP=") + m_lab->internetAddress().toString(),
          QStringLiteral("SIP_PORT=%1").arg(kSipPort), QStringLiteral("SIPS_PORT=5061"),
          QStringLiteral("SIP_DOMAIN=\"%1\"").arg(kDomain),
          QStringLiteral("DB_URL=\"sqlite://%1\"").arg(m_db),
          QStringLiteral("TLS_CERT=\"%1\"").arg(tls->certPath),
          QStringLiteral("TLS_KEY=\"%1\"").arg(tls->keyPath), QStringLiteral("WORKERS=2")}) {
        spec.arguments << QStringLiteral("-A") << d;
    }
    m_kamailio = std::make_unique<ManagedProcess>(NatLab::inNamespace(m_lab->internet(), spec));
    NAPKIN_VERIFY_OK(m_kamailio->start());
    NAPKIN_VERIFY_OK(
        NatLab::waitForTcp(m_lab->internet(), m_lab->internetAddress(), kSipPort, 20000));
}

void TestNatRegistration::cleanupTestCase() {
    if (m_kamailio) {
        m_kamailio->stop();
    }
    if (m_lab) {
        const QString prefix = m_lab->prefix();
        m_lab.reset();
        QCOMPARE(NatLab::namespacesWithPrefix(prefix), QStringList());
    }
}

void TestNatRegistration::keepAlivesSurviveAMappingChange() {
    auto home = m_lab->addHome(NatKind::Symmetric);
    NAPKIN_VERIFY_OK(home);
    NAPKIN_VERIFY_OK(m_lab->setUdpTimeout(*home, kUdpTimeout));
    auto started = startAnswerer(QStringLiteral("alice"), home->ns, home->address, kKeepalive);
    NAPKIN_VERIFY_OK(started);
    auto alice = std::move(started).value();
    NAPKIN_VERIFY_OK(alice->process().waitForOutput(
        QStringLiteral("the registrar sees this device at ") + home->publicAddress.toString(),
        5000));

    // Longer than the router's UDP timeout: the keep-alives hold the mapping.
    QTest::qWait((kUdpTimeout + 2) * 1000);
    auto first = bobCalls(QStringLiteral("alice"));
    NAPKIN_VERIFY_OK(first->start());
    QTRY_COMPARE_WITH_TIMEOUT(countEvents(*alice, QStringLiteral("incoming")), 1, 20000);
    // bob's BYE (in-dialog, through the Contact alias) ends alice's side.
    QTRY_COMPARE_WITH_TIMEOUT(countEvents(*alice, QStringLiteral("ended")), 1, 15000);
    NAPKIN_WAIT_EVENT(firstEnded, *first, QStringLiteral("ended"), {}, 15000);
    first->process().stop();

    // The router forgets its mappings: the next keep-alive leaves through a
    // new public port, alice notices and registers again.
    NAPKIN_VERIFY_OK(m_lab->flushMappings(*home));
    NAPKIN_VERIFY_OK(alice->process().waitForOutput(QStringLiteral("NAT mapping changed"),
                                                    3 * kKeepalive * 1000 + 2000));
    QTest::qWait(1000); // the REGISTER and its answer
    auto second = bobCalls(QStringLiteral("alice"));
    NAPKIN_VERIFY_OK(second->start());
    QTRY_COMPARE_WITH_TIMEOUT(countEvents(*alice, QStringLiteral("incoming")), 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(countEvents(*alice, QStringLiteral("ended")), 2, 15000);
    second->process().stop();
    alice->process().stop();
}

void TestNatRegistration::withoutKeepAlivesTheDeviceIsLost() {
    auto home = m_lab->addHome(NatKind::Symmetric);
    NAPKIN_VERIFY_OK(home);
    NAPKIN_VERIFY_OK(m_lab->setUdpTimeout(*home, kUdpTimeout));
    auto started = startAnswerer(QStringLiteral("carol"), home->ns, home->address, 0);
    NAPKIN_VERIFY_OK(started);
    auto carol = std::move(started).value();

    auto first = bobCalls(QStringLiteral("carol"));
    NAPKIN_VERIFY_OK(first->start());
    QTRY_COMPARE_WITH_TIMEOUT(countEvents(*carol, QStringLiteral("incoming")), 1, 20000);
    NAPKIN_WAIT_EVENT(firstEnded, *first, QStringLiteral("ended"), {}, 15000);
    first->process().stop();

    NAPKIN_VERIFY_OK(m_lab->flushMappings(*home));
    QTest::qWait(3 * kKeepalive * 1000);
    auto second = bobCalls(QStringLiteral("carol"));
    NAPKIN_VERIFY_OK(second->start());
    QTest::qWait(8000);
    QCOMPARE(countEvents(*carol, QStringLiteral("incoming")), 1);
    QVERIFY(!carol->process().stderrText().contains(QStringLiteral("NAT mapping changed")));
    second->process().kill();
    carol->process().stop();
}

QTEST_GUILESS_MAIN(TestNatRegistration)
#include "test_nat_registration.moc"
