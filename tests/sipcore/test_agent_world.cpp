// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Secure calls between headless agents (napkin-cli agent) through real
// Kamailio proxies with deploy/kamailio/kamailio.cfg, real napkin-certd
// certificate services for a.example and b.example (sharing each Kamailio's
// subscriber database), and dnsmasq answering the services' SRV records.
// c.example has a registrar but no certificate service.
//
//   alice (a.example) --> Kamailio a --FOREIGN_PROXY--> Kamailio b --> bob, bob2
//   carol (c.example) --> Kamailio c --FOREIGN_PROXY--> Kamailio b
//   alice --directly--> Kamailio b-evil (ALTER_BODY_TEST rewrites Date) --> bob3

#include "tests/support/AgentProcess.h"
#include "tests/support/CertdInstance.h"
#include "tests/support/DnsmasqServer.h"
#include "tests/support/FreePort.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/TestCa.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <map>
#include <memory>

using namespace napkin::testing;
using napkin::fail;

namespace {

constexpr quint16 kSipPort = 5060;
constexpr quint16 kSipsPort = 5061;

QString sourceDir() {
    const QString fromEnv = qEnvironmentVariable("NAPKIN_SOURCE_DIR");
    return fromEnv.isEmpty() ? QStringLiteral(NAPKIN_SOURCE_DIR) : fromEnv;
}

bool writeText(const QString &path, const QByteArray &text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

#define WAIT_EVENT(var, agent, ...) NAPKIN_WAIT_EVENT(var, agent, __VA_ARGS__)

} // namespace

class TestAgentWorld : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void verifiedBothWaysThroughProxies();
    void forkedCallRingsBothDevicesFirstAnswerWins();
    void alteredHeaderOnTheWayFails();
    void domainWithoutServiceFallsBackUnsigned();
    void revokedDeviceFails();
    void stoppedCertdMakesCallsUnverifiable();
    void tlsToTheRegistrarIsVerified();
    void refusesQtWithoutGlib();
    void cacheTtlDecidesWhenToAsk_data();
    void cacheTtlDecidesWhenToAsk();

private:
    struct Domain {
        QString name;
        QHostAddress sipAddress;
        QString db; ///< absolute SQLite path shared by Kamailio and napkin-certd
        std::unique_ptr<CertdInstance> certd;
        std::unique_ptr<ManagedProcess> kamailio;
    };

    [[nodiscard]] TestResult<std::unique_ptr<ManagedProcess>>
    startKamailio(const QString &name, const QString &domain, const QHostAddress &address,
                  const QString &db, const QStringList &defines);
    [[nodiscard]] TestResult<void> addUser(const Domain &domain, const QString &user);
    /// Writes `<name>.ini`: an account at `domain`, reaching the world through `proxy`
    /// (the domain's own Kamailio when null).
    [[nodiscard]] QString profile(const QString &name, const QString &aor, const Domain &domain,
                                  const QString &extra = {}, const QHostAddress *proxy = nullptr);
    /// Rewrites `from` to `to` in a profile written by profile().
    static void edit(const QString &ini, const QByteArray &from, const QByteArray &to);
    [[nodiscard]] std::unique_ptr<AgentProcess> agent(const QString &name,
                                                      const QStringList &arguments);
    /// Starts an agent and waits until it registered (and enrolled, when its domain can).
    [[nodiscard]] TestResult<std::unique_ptr<AgentProcess>>
    startRegistered(const QString &name, const QString &ini, const QStringList &extra,
                    bool expectEnrolment);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::optional<TestCa> m_ca;
    std::unique_ptr<DnsmasqServer> m_dns;
    Domain m_a;
    Domain m_b;
    Domain m_c;                             ///< registrar only, no certificate service
    std::unique_ptr<ManagedProcess> m_evil; ///< a second b.example proxy that rewrites Date
    QHostAddress m_evilAddress;
    QString m_kamailioBinary;
    QString m_kamailioTlsCert;
    QString m_kamailioTlsKey;
    std::map<QString, QString> m_passwords;
};

TestResult<std::unique_ptr<ManagedProcess>>
TestAgentWorld::startKamailio(const QString &name, const QString &domain,
                              const QHostAddress &address, const QString &db,
                              const QStringList &defines) {
    const QString runDir = m_dir->filePath(name + QStringLiteral("-run"));
    QDir().mkpath(runDir);
    QStringList args = {
        QStringLiteral("-f"),  sourceDir() + QStringLiteral("/deploy/kamailio/kamailio.cfg"),
        QStringLiteral("-DD"), QStringLiteral("-E"),
        QStringLiteral("-Y"),  runDir,
        QStringLiteral("-m"),  QStringLiteral("48"),
        QStringLiteral("-M"),  QStringLiteral("8")};
    const QStringList base = {QStringLiteral("SIP_IP=") + address.toString(),
                              QStringLiteral("SIP_PORT=%1").arg(kSipPort),
                              QStringLiteral("SIPS_PORT=%1").arg(kSipsPort),
                              QStringLiteral("SIP_DOMAIN=\"%1\"").arg(domain),
                              QStringLiteral("DB_URL=\"sqlite://%1\"").arg(db),
                              QStringLiteral("TLS_CERT=\"%1\"").arg(m_kamailioTlsCert),
                              QStringLiteral("TLS_KEY=\"%1\"").arg(m_kamailioTlsKey),
                              QStringLiteral("WORKERS=2")};
    for (const QString &d : base + defines) {
        args << QStringLiteral("-A") << d;
    }
    ProcessSpec spec;
    spec.name = name;
    spec.program = m_kamailioBinary;
    spec.arguments = args;
    spec.logDirectory = m_dir->path();
    auto p = std::make_unique<ManagedProcess>(spec);
    if (auto started = p->start(); !started) {
        return fail(started.error());
    }
    if (auto up = p->waitForTcp({address, kSipPort}, 20000); !up) {
        return fail(up.error());
    }
    return p;
}

TestResult<void> TestAgentWorld::addUser(const Domain &domain, const QString &user) {
    const QString password = user + QStringLiteral("-secret-") + domain.name;
    const QString file =
        m_dir->filePath(user + QLatin1Char('.') + domain.name + QStringLiteral(".pw"));
    if (!writeText(file, password.toUtf8())) {
        return fail(QStringLiteral("cannot write ") + file);
    }
    m_passwords[user + QLatin1Char('@') + domain.name] = file;
    auto added =
        runProgram(QStringLiteral(NAPKIN_CERTD_PATH),
                   {QStringLiteral("user"), QStringLiteral("add"),
                    user + QLatin1Char('@') + domain.name, QStringLiteral("--password-file"), file,
                    QStringLiteral("--db"), QStringLiteral("sqlite:") + domain.db});
    if (!added) {
        return fail(added.error());
    }
    if (!added->succeeded()) {
        return fail(added->describe());
    }
    return {};
}

QString TestAgentWorld::profile(const QString &name, const QString &aor, const Domain &domain,
                                const QString &extra, const QHostAddress *proxy) {
    const QString address = aor.mid(4); // "user@domain"
    const QHostAddress via = proxy ? *proxy : domain.sipAddress;
    QByteArray ini = "[account]\n";
    ini += "aor = " + aor.toUtf8() + "\n";
    ini += "password_file = " + m_passwords.at(address).toUtf8() + "\n";
    ini += "registrar = sip:" + domain.name.toUtf8() + "\n";
    ini += "outbound_proxy = sip:" + via.toString().toUtf8() + ":5060\n";
    ini += "[network]\n";
    ini += "dns_server = " + m_dns->address().toString().toUtf8() + "\n";
    ini += "ca_file = " + m_ca->rootCertPath().toUtf8() + "\n";
    ini += "allow_private_services = true\n"; // the world runs on loopback
    ini += "[certificates]\n";
    ini += "cache_ttl = 0\nkey_storage = none\n";
    ini += "state_dir = " + m_dir->filePath(name + QStringLiteral(".state")).toUtf8() + "\n";
    ini += "[sip]\n";
    ini += "listen = sip:" + FreePort::uniqueLoopbackAddress().toString().toUtf8() + ":*\n";
    ini += extra.toUtf8();
    const QString path = m_dir->filePath(name + QStringLiteral(".ini"));
    if (!writeText(path, ini)) {
        qWarning("cannot write %s", qPrintable(path));
    }
    return path;
}

std::unique_ptr<AgentProcess> TestAgentWorld::agent(const QString &name,
                                                    const QStringList &arguments) {
    return std::make_unique<AgentProcess>(QStringLiteral(NAPKIN_CLI_PATH), name, m_dir->path(),
                                          arguments);
}

TestResult<std::unique_ptr<AgentProcess>> TestAgentWorld::startRegistered(const QString &name,
                                                                          const QString &ini,
                                                                          const QStringList &extra,
                                                                          bool expectEnrolment) {
    auto a = agent(name, QStringList{QStringLiteral("--config"), ini} + extra);
    if (auto started = a->start(); !started) {
        return fail(started.error());
    }
    if (auto r = a->waitFor(QStringLiteral("registered"),
                            {{QStringLiteral("state"), QStringLiteral("registered")}});
        !r) {
        return fail(r.error());
    }
    if (expectEnrolment) {
        if (auto e = a->waitFor(QStringLiteral("enrolled")); !e) {
            return fail(e.error());
        }
    }
    return a;
}

void TestAgentWorld::initTestCase() {
    m_kamailioBinary = QStandardPaths::findExecutable(
        QStringLiteral("kamailio"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    QVERIFY2(!m_kamailioBinary.isEmpty(), "kamailio is not installed");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto ca = TestCa::create(m_dir->path());
    NAPKIN_VERIFY_OK(ca);
    m_ca.emplace(std::move(ca).value());
    m_dns = std::make_unique<DnsmasqServer>(m_dir->path());
    m_a.name = QStringLiteral("a.example");
    m_b.name = QStringLiteral("b.example");
    m_c.name = QStringLiteral("c.example");
    for (Domain *d : {&m_a, &m_b, &m_c}) {
        d->sipAddress = FreePort::uniqueLoopbackAddress();
        d->db = m_dir->filePath(d->name + QStringLiteral(".db"));
        m_dns->addLocalDomain(d->name);
    }
    // Kamailio's certificate names the domains, and (for this test bed only)
    // the loopback addresses: Record-Route carries the proxy's address, and
    // in-dialog requests over TLS check the certificate against it.
    m_evilAddress = FreePort::uniqueLoopbackAddress();
    auto kamailioTls = m_ca->issueServer(
        QStringLiteral("kamailio"),
        {QStringLiteral("a.example"), QStringLiteral("b.example"), QStringLiteral("c.example")},
        {m_a.sipAddress.toString(), m_b.sipAddress.toString(), m_c.sipAddress.toString(),
         m_evilAddress.toString()});
    NAPKIN_VERIFY_OK(kamailioTls);
    m_kamailioTlsCert = kamailioTls->certPath;
    m_kamailioTlsKey = kamailioTls->keyPath;
    for (Domain *d : {&m_a, &m_b}) {
        auto tls = m_ca->issueServer(QStringLiteral("certd-") + d->name, {d->name});
        NAPKIN_VERIFY_OK(tls);
        CertdConfig config;
        config.binary = QStringLiteral(NAPKIN_CERTD_PATH);
        config.listen = FreePort::uniqueEndpoint();
        config.domains = {d->name};
        config.tlsCert = tls->certPath;
        config.tlsKey = tls->keyPath;
        config.caFile = m_ca->rootCertPath();
        config.db = QStringLiteral("sqlite:") + d->db;
        d->certd = std::make_unique<CertdInstance>(m_dir->path(), config,
                                                   QStringLiteral("certd-") + d->name);
        auto started = d->certd->start();
        NAPKIN_VERIFY_OK(started);
        const QString target = QStringLiteral("certs.") + d->name;
        m_dns->addSrv(
            {QStringLiteral("_certificates._tcp.") + d->name, target, config.listen.port, 0, 0});
        m_dns->addHost(target, config.listen.address.toString());
    }
    NAPKIN_VERIFY_OK(m_dns->start());

    // Users (the c.example ones are written by the same tool: it creates the
    // subscriber table Kamailio reads, without any certificate service).
    for (const auto &[domain, user] :
         std::vector<std::pair<Domain *, QString>>{{&m_a, QStringLiteral("alice")},
                                                   {&m_b, QStringLiteral("bob")},
                                                   {&m_c, QStringLiteral("carol")}}) {
        auto added = addUser(*domain, user);
        NAPKIN_VERIFY_OK(added);
    }

    auto a = startKamailio(
        QStringLiteral("kamailio-a"), m_a.name, m_a.sipAddress, m_a.db,
        {QStringLiteral("FOREIGN_PROXY=\"sip:%1:5060\"").arg(m_b.sipAddress.toString())});
    NAPKIN_VERIFY_OK(a);
    m_a.kamailio = std::move(a).value();
    auto b = startKamailio(
        QStringLiteral("kamailio-b"), m_b.name, m_b.sipAddress, m_b.db,
        {QStringLiteral("FOREIGN_PROXY=\"sip:%1:5060\"").arg(m_a.sipAddress.toString())});
    NAPKIN_VERIFY_OK(b);
    m_b.kamailio = std::move(b).value();
    auto c = startKamailio(
        QStringLiteral("kamailio-c"), m_c.name, m_c.sipAddress, m_c.db,
        {QStringLiteral("FOREIGN_PROXY=\"sip:%1:5060\"").arg(m_b.sipAddress.toString())});
    NAPKIN_VERIFY_OK(c);
    m_c.kamailio = std::move(c).value();
    auto evil = startKamailio(QStringLiteral("kamailio-b-evil"), m_b.name, m_evilAddress, m_b.db,
                              {QStringLiteral("ALTER_BODY_TEST")});
    NAPKIN_VERIFY_OK(evil);
    m_evil = std::move(evil).value();
}

void TestAgentWorld::cleanupTestCase() {
    for (auto *p : {m_evil.get(), m_a.kamailio.get(), m_b.kamailio.get(), m_c.kamailio.get()}) {
        if (p != nullptr) {
            p->stop();
        }
    }
    for (Domain *d : {&m_a, &m_b}) {
        if (d->certd) {
            d->certd->stop();
        }
    }
    if (m_dns) {
        m_dns->stop();
    }
}

void TestAgentWorld::verifiedBothWaysThroughProxies() {
    auto bob =
        startRegistered(QStringLiteral("bob"),
                        profile(QStringLiteral("bob"), QStringLiteral("sip:bob@b.example"), m_b),
                        {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    WAIT_EVENT(bobEnrolled, **bob, QStringLiteral("enrolled"));
    const QString bobFp = bobEnrolled.value(QStringLiteral("fingerprint")).toString();

    auto alice =
        agent(QStringLiteral("alice"),
              {QStringLiteral("--config"),
               profile(QStringLiteral("alice"), QStringLiteral("sip:alice@a.example"), m_a),
               QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
               QStringLiteral("--hangup-after"), QStringLiteral("2")});
    NAPKIN_VERIFY_OK(alice->start());
    WAIT_EVENT(aliceEnrolled, *alice, QStringLiteral("enrolled"));
    const QString aliceFp = aliceEnrolled.value(QStringLiteral("fingerprint")).toString();
    QVERIFY(aliceFp.startsWith(QStringLiteral("sha256:")));

    // The callee's view: who is calling, proven by a.example's service.
    WAIT_EVENT(incoming, **bob, QStringLiteral("incoming"),
               {{QStringLiteral("from"), QStringLiteral("sip:alice@a.example")}});
    WAIT_EVENT(bobSees, **bob, QStringLiteral("identity"));
    QCOMPARE(bobSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    QCOMPARE(bobSees.value(QStringLiteral("fingerprint")).toString(), aliceFp);
    QCOMPARE(bobSees.value(QStringLiteral("domain")).toString(), QStringLiteral("a.example"));
    QVERIFY(bobSees.value(QStringLiteral("instance"))
                .toString()
                .startsWith(QStringLiteral("urn:uuid:")));

    // The caller's view of the device that answered.
    WAIT_EVENT(aliceSees, *alice, QStringLiteral("identity"));
    QCOMPARE(aliceSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    QCOMPARE(aliceSees.value(QStringLiteral("fingerprint")).toString(), bobFp);

    WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"));
    WAIT_EVENT(bobMedia, **bob, QStringLiteral("media"));
    for (const QJsonObject &m : {aliceMedia, bobMedia}) {
        QCOMPARE(m.value(QStringLiteral("e2e")).toBool(), true);
        QCOMPARE(m.value(QStringLiteral("srtp")).toString(),
                 QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
        QCOMPARE(m.value(QStringLiteral("codec")).toString(), QStringLiteral("opus/48000/2"));
    }
    // SRTP with those keys arrives both ways.
    WAIT_EVENT(aliceFlowing, *alice, QStringLiteral("media"), {{QStringLiteral("flowing"), true}});
    WAIT_EVENT(bobFlowing, **bob, QStringLiteral("media"), {{QStringLiteral("flowing"), true}});
    QCOMPARE(aliceMedia.value(QStringLiteral("audio")).toBool(), true);
    WAIT_EVENT(aliceEnded, *alice, QStringLiteral("ended"));
    QCOMPARE(aliceEnded.value(QStringLiteral("by_peer")).toBool(), false);
    WAIT_EVENT(bobEnded, **bob, QStringLiteral("ended"));
    QCOMPARE(bobEnded.value(QStringLiteral("by_peer")).toBool(), true);
    QCOMPARE(bobEnded.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));

    // SIGTERM: unregister and leave cleanly.
    const ProcessExit exit = (*bob)->process().stop();
    QVERIFY(exit.normal);
    QCOMPARE(exit.code, 0);
    QVERIFY((*bob)->find(QStringLiteral("registered"),
                         {{QStringLiteral("state"), QStringLiteral("unregistered")}}));
    alice->process().stop();
}

void TestAgentWorld::forkedCallRingsBothDevicesFirstAnswerWins() {
    // bob answers after a moment; bob2 only rings.
    auto bob = startRegistered(
        QStringLiteral("bob-fork"),
        profile(QStringLiteral("bob-fork"), QStringLiteral("sip:bob@b.example"), m_b),
        {QStringLiteral("--auto-answer"), QStringLiteral("--answer-delay"), QStringLiteral("4000")},
        true);
    NAPKIN_VERIFY_OK(bob);
    auto bob2 = startRegistered(
        QStringLiteral("bob2-fork"),
        profile(QStringLiteral("bob2-fork"), QStringLiteral("sip:bob@b.example"), m_b), {}, true);
    NAPKIN_VERIFY_OK(bob2);
    WAIT_EVENT(bobEnrolled, **bob, QStringLiteral("enrolled"));

    auto alice =
        agent(QStringLiteral("alice-fork"),
              {QStringLiteral("--config"),
               profile(QStringLiteral("alice-fork"), QStringLiteral("sip:alice@a.example"), m_a),
               QStringLiteral("--call"), QStringLiteral("sip:bob@b.example")});
    NAPKIN_VERIFY_OK(alice->start());

    WAIT_EVENT(bob2Rings, **bob2, QStringLiteral("call_state"),
               {{QStringLiteral("state"), QStringLiteral("ringing")}});
    WAIT_EVENT(bobRings, **bob, QStringLiteral("call_state"),
               {{QStringLiteral("state"), QStringLiteral("ringing")}});
    WAIT_EVENT(bob2Verdict, **bob2, QStringLiteral("identity"));
    QCOMPARE(bob2Verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));

    WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"));
    QCOMPARE(aliceMedia.value(QStringLiteral("e2e")).toBool(), true);
    WAIT_EVENT(aliceSees, *alice, QStringLiteral("identity"));
    QCOMPARE(aliceSees.value(QStringLiteral("fingerprint")).toString(),
             bobEnrolled.value(QStringLiteral("fingerprint")).toString());

    // The other device stops ringing: the proxy cancelled it.
    WAIT_EVENT(bob2Ended, **bob2, QStringLiteral("ended"));
    QCOMPARE(bob2Ended.value(QStringLiteral("code")).toString(), QStringLiteral("cancelled"));
    QVERIFY(!(*bob2)->find(QStringLiteral("media")));
    QVERIFY2(bob2Ended.value(QStringLiteral("reason"))
                 .toString()
                 .contains(QStringLiteral("another device")),
             qPrintable(bob2Ended.value(QStringLiteral("reason")).toString()));

    alice->process().stop();
    WAIT_EVENT(bobEnded, **bob, QStringLiteral("ended"));
    QCOMPARE(bobEnded.value(QStringLiteral("by_peer")).toBool(), true);
    (*bob)->process().stop();
    (*bob2)->process().stop();
}

void TestAgentWorld::alteredHeaderOnTheWayFails() {
    // bob3 is reached through a b.example proxy that rewrites the INVITE's Date.
    auto bob = startRegistered(QStringLiteral("bob3"),
                               profile(QStringLiteral("bob3"), QStringLiteral("sip:bob@b.example"),
                                       m_b, {}, &m_evilAddress),
                               {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    // alice sends straight to that proxy, without registering.
    QString ini = profile(QStringLiteral("alice-direct"), QStringLiteral("sip:alice@a.example"),
                          m_a, {}, &m_evilAddress);
    {
        QFile f(ini);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray text = f.readAll();
        f.close();
        text.replace("registrar = sip:a.example\n", "");
        QVERIFY(writeText(ini, text));
    }
    auto alice = agent(QStringLiteral("alice-direct"),
                       {QStringLiteral("--config"), ini, QStringLiteral("--call"),
                        QStringLiteral("sip:bob@b.example")});
    NAPKIN_VERIFY_OK(alice->start());

    WAIT_EVENT(verdict, **bob, QStringLiteral("identity"));
    QCOMPARE(verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("failed"));
    QCOMPARE(verdict.value(QStringLiteral("failure")).toString(),
             QStringLiteral("header-mismatch"));
    QVERIFY(verdict.value(QStringLiteral("reason")).toString().contains(QStringLiteral("Date")));
    WAIT_EVENT(refused, *alice, QStringLiteral("ended"));
    QCOMPARE(refused.value(QStringLiteral("status")).toInt(), 403);
    QVERIFY(!(*bob)->find(QStringLiteral("call_state"),
                          {{QStringLiteral("state"), QStringLiteral("ringing")}}));
    alice->process().stop();
    (*bob)->process().stop();
}

void TestAgentWorld::domainWithoutServiceFallsBackUnsigned() {
    auto bob =
        startRegistered(QStringLiteral("bob4"),
                        profile(QStringLiteral("bob4"), QStringLiteral("sip:bob@b.example"), m_b),
                        {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    auto carol =
        agent(QStringLiteral("carol"),
              {QStringLiteral("--config"),
               profile(QStringLiteral("carol"), QStringLiteral("sip:carol@c.example"), m_c),
               QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
               QStringLiteral("--hangup-after"), QStringLiteral("1")});
    NAPKIN_VERIFY_OK(carol->start());
    WAIT_EVENT(noService, *carol, QStringLiteral("error"),
               {{QStringLiteral("where"), QStringLiteral("enrolment")}});
    QCOMPARE(noService.value(QStringLiteral("code")).toString(), QStringLiteral("no-service"));

    WAIT_EVENT(verdict, **bob, QStringLiteral("identity"));
    QCOMPARE(verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("unsigned"));
    WAIT_EVENT(bobMedia, **bob, QStringLiteral("media"));
    WAIT_EVENT(carolMedia, *carol, QStringLiteral("media"));
    QCOMPARE(bobMedia.value(QStringLiteral("e2e")).toBool(), false);
    QCOMPARE(carolMedia.value(QStringLiteral("e2e")).toBool(), false);
    QVERIFY(!carolMedia.value(QStringLiteral("not_e2e_reason")).toString().isEmpty());
    QCOMPARE(carolMedia.value(QStringLiteral("srtp")).toString(),
             QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
    WAIT_EVENT(carolEnded, *carol, QStringLiteral("ended"));
    carol->process().stop();
    (*bob)->process().stop();
}

void TestAgentWorld::stoppedCertdMakesCallsUnverifiable() {
    // "Could not check" is not "forged": with a.example's napkin-certd
    // stopped, bob cannot fetch alice's set. He rings (amber,
    // "unverifiable") instead of answering 403; his offer is sealed to the
    // key that signed the INVITE, so alice, who verified bob, is end-to-end
    // and bob, who could not check alice, says he is not.
    auto bob = startRegistered(
        QStringLiteral("bob-outage"),
        profile(QStringLiteral("bob-outage"), QStringLiteral("sip:bob@b.example"), m_b),
        {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    auto alice =
        agent(QStringLiteral("alice-outage"),
              {QStringLiteral("--config"),
               profile(QStringLiteral("alice-outage"), QStringLiteral("sip:alice@a.example"), m_a),
               QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
               QStringLiteral("--call-delay"), QStringLiteral("5"),
               QStringLiteral("--hangup-after"), QStringLiteral("1")});
    NAPKIN_VERIFY_OK(alice->start());
    WAIT_EVENT(enrolled, *alice, QStringLiteral("enrolled"));
    m_a.certd->stop();
    WAIT_EVENT(verdict, **bob, QStringLiteral("identity"));
    const bool restarted = m_a.certd->start().ok();
    QCOMPARE(verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("unverifiable"));
    QVERIFY2(verdict.value(QStringLiteral("reason"))
                 .toString()
                 .contains(QStringLiteral("could not be checked")),
             qPrintable(verdict.value(QStringLiteral("reason")).toString()));
    WAIT_EVENT(bobMedia, **bob, QStringLiteral("media"));
    WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"));
    QCOMPARE(bobMedia.value(QStringLiteral("e2e")).toBool(), false);
    QCOMPARE(aliceMedia.value(QStringLiteral("e2e")).toBool(), true);
    WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    alice->process().stop();
    (*bob)->process().stop();
    QVERIFY2(restarted, "a.example's certd did not start again");
}

void TestAgentWorld::revokedDeviceFails() {
    auto bob =
        startRegistered(QStringLiteral("bob5"),
                        profile(QStringLiteral("bob5"), QStringLiteral("sip:bob@b.example"), m_b),
                        {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    const QString ini =
        profile(QStringLiteral("alice-revoked"), QStringLiteral("sip:alice@a.example"), m_a);
    // alice's second device keeps her set non-empty after the revocation.
    auto laptop = startRegistered(
        QStringLiteral("alice-laptop"),
        profile(QStringLiteral("alice-laptop"), QStringLiteral("sip:alice@a.example"), m_a), {},
        true);
    NAPKIN_VERIFY_OK(laptop);
    // The device calls 10 s after it is ready; it is revoked meanwhile.
    auto alice = agent(QStringLiteral("alice-revoked"),
                       {QStringLiteral("--config"), ini, QStringLiteral("--call"),
                        QStringLiteral("sip:bob@b.example"), QStringLiteral("--call-delay"),
                        QStringLiteral("10")});
    NAPKIN_VERIFY_OK(alice->start());
    WAIT_EVENT(enrolled, *alice, QStringLiteral("enrolled"));
    const QString fp = enrolled.value(QStringLiteral("fingerprint")).toString();
    auto revoked =
        runProgram(QStringLiteral(NAPKIN_CLI_PATH),
                   {QStringLiteral("certs"), QStringLiteral("revoke"), QStringLiteral("--config"),
                    ini, QStringLiteral("--fingerprint"), fp});
    NAPKIN_VERIFY_OK(revoked);
    QVERIFY2(revoked->succeeded(), qPrintable(revoked->describe()));
    QVERIFY2(!alice->find(QStringLiteral("call_state")), "the call started before the revocation");

    // bob's lookup (TTL 0, then a refresh for the unknown signer) no longer lists it.
    WAIT_EVENT(verdict, **bob, QStringLiteral("identity"), {}, 40000);
    QCOMPARE(verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("failed"));
    QCOMPARE(verdict.value(QStringLiteral("failure")).toString(),
             QStringLiteral("signer-not-listed"));
    WAIT_EVENT(refused, *alice, QStringLiteral("ended"));
    QCOMPARE(refused.value(QStringLiteral("status")).toInt(), 403);
    alice->process().stop();
    (*laptop)->process().stop();
    (*bob)->process().stop();
}

void TestAgentWorld::tlsToTheRegistrarIsVerified() {
    // The proxy is reached by name (RFC 5922: its certificate must name the
    // domain); maddr gives the address, since nta's resolver reads only
    // /etc/resolv.conf.
    auto tlsProfile = [&](const QString &name, const QString &aor, const Domain &domain,
                          const QString &serverName) {
        const QHostAddress local = FreePort::uniqueLoopbackAddress();
        const quint16 tlsPort = FreePort::pick(local);
        QString ini = profile(name, aor, domain,
                              QStringLiteral("listen_tls = sips:%1:%2\ntransport = tls\n")
                                  .arg(local.toString())
                                  .arg(tlsPort));
        QFile f(ini);
        if (!f.open(QIODevice::ReadOnly)) {
            return ini;
        }
        QByteArray text = f.readAll();
        f.close();
        const QByteArray proxyLine =
            "outbound_proxy = sip:" + domain.sipAddress.toString().toUtf8() + ":5060\n";
        text.replace(proxyLine, "outbound_proxy = sip:" + serverName.toUtf8() +
                                    ":5061;transport=tls;maddr=" +
                                    domain.sipAddress.toString().toUtf8() + "\n");
        text.replace("registrar = sip:" + domain.name.toUtf8() + "\n",
                     "registrar = sip:" + domain.name.toUtf8() + ";transport=tls\n");
        writeText(ini, text);
        return ini;
    };

    auto bob =
        startRegistered(QStringLiteral("bob-tls"),
                        tlsProfile(QStringLiteral("bob-tls"), QStringLiteral("sip:bob@b.example"),
                                   m_b, QStringLiteral("b.example")),
                        {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    auto alice =
        agent(QStringLiteral("alice-tls"),
              {QStringLiteral("--config"),
               tlsProfile(QStringLiteral("alice-tls"), QStringLiteral("sip:alice@a.example"), m_a,
                          QStringLiteral("a.example")),
               QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
               QStringLiteral("--hangup-after"), QStringLiteral("1")});
    NAPKIN_VERIFY_OK(alice->start());
    WAIT_EVENT(registered, *alice, QStringLiteral("registered"));
    QVERIFY(registered.value(QStringLiteral("contact"))
                .toString()
                .contains(QStringLiteral("transport=tls")));
    WAIT_EVENT(bobSees, **bob, QStringLiteral("identity"));
    QCOMPARE(bobSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"));
    QCOMPARE(aliceMedia.value(QStringLiteral("e2e")).toBool(), true);
    WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    alice->process().stop();
    (*bob)->process().stop();

    // A proxy whose certificate does not name the domain asked for: no registration.
    auto wrong =
        agent(QStringLiteral("alice-tls-wrong"),
              {QStringLiteral("--config"),
               tlsProfile(QStringLiteral("alice-tls-wrong"), QStringLiteral("sip:alice@a.example"),
                          m_a, QStringLiteral("proxy.elsewhere.example"))});
    NAPKIN_VERIFY_OK(wrong->start());
    WAIT_EVENT(refused, *wrong, QStringLiteral("error"),
               {{QStringLiteral("where"), QStringLiteral("registration")}}, 60000);
    QVERIFY(!wrong->find(QStringLiteral("registered"),
                         {{QStringLiteral("state"), QStringLiteral("registered")}}));
    wrong->process().stop();
}

void TestAgentWorld::refusesQtWithoutGlib() {
    // Without GLib's dispatcher no Sofia event would ever arrive: say so, exit 1.
    QProcessEnvironment env;
    env.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    auto run =
        runProgram(QStringLiteral(NAPKIN_CLI_PATH),
                   {QStringLiteral("agent"), QStringLiteral("--config"),
                    profile(QStringLiteral("no-glib"), QStringLiteral("sip:bob@b.example"), m_b),
                    QStringLiteral("--duration"), QStringLiteral("5")},
                   30000, {}, env);
    NAPKIN_VERIFY_OK(run);
    QCOMPARE(run->exit.code, 1);
    const auto doc = QJsonDocument::fromJson(run->stdoutText.trimmed().toUtf8());
    QCOMPARE(doc.object().value(QStringLiteral("event")).toString(), QStringLiteral("error"));
    QVERIFY2(doc.object()
                 .value(QStringLiteral("message"))
                 .toString()
                 .contains(QStringLiteral("QT_NO_GLIB")),
             qPrintable(run->stdoutText));
}

void TestAgentWorld::edit(const QString &ini, const QByteArray &from, const QByteArray &to) {
    QFile f(ini);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray text = f.readAll();
    f.close();
    QVERIFY2(text.contains(from), from.constData());
    text.replace(from, to);
    QVERIFY(writeText(ini, text));
}

void TestAgentWorld::cacheTtlDecidesWhenToAsk_data() {
    QTest::addColumn<int>("ttl");
    QTest::addColumn<int>("expectedLookups");
    // TTL 0: every call asks a.example again (a 304 the second time);
    // TTL 300: the second call uses the cached set. Plus two GETs of alice's
    // own: her first run, having enrolled a new key, looks for older
    // certificates of her instance to retire; her second run asks whether
    // her stored certificate is still listed before it sends it again.
    QTest::newRow("ttl 0") << 0 << 2 + 2;
    QTest::newRow("ttl 300") << 300 << 1 + 2;
}

void TestAgentWorld::cacheTtlDecidesWhenToAsk() {
    QFETCH(int, ttl);
    QFETCH(int, expectedLookups);
    const QString tag = QStringLiteral("ttl%1").arg(ttl);
    const QString bobIni =
        profile(QStringLiteral("bob-") + tag, QStringLiteral("sip:bob@b.example"), m_b);
    edit(bobIni, "cache_ttl = 0\n", "cache_ttl = " + QByteArray::number(ttl) + "\n");
    auto bob = startRegistered(QStringLiteral("bob-") + tag, bobIni,
                               {QStringLiteral("--auto-answer")}, true);
    NAPKIN_VERIFY_OK(bob);
    // alice keeps her key between runs, so both calls are signed by one certificate.
    const QString aliceIni =
        profile(QStringLiteral("alice-") + tag, QStringLiteral("sip:alice@a.example"), m_a);
    edit(aliceIni, "key_storage = none\n", "key_storage = file\n");

    auto lookups = [this] {
        return m_a.certd->process().stderrText().count(
            QStringLiteral("GET /search-cgi?sip=alice%40a.example"));
    };
    const int before = lookups();
    for (int call = 0; call < 2; ++call) {
        auto alice = agent(QStringLiteral("alice-%1-%2").arg(tag).arg(call),
                           {QStringLiteral("--config"), aliceIni, QStringLiteral("--call"),
                            QStringLiteral("sip:bob@b.example"), QStringLiteral("--hangup-after"),
                            QStringLiteral("1")});
        NAPKIN_VERIFY_OK(alice->start());
        WAIT_EVENT(media, *alice, QStringLiteral("media"));
        QCOMPARE(media.value(QStringLiteral("e2e")).toBool(), true);
        WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
        alice->process().stop();
    }
    QTRY_COMPARE_WITH_TIMEOUT(lookups() - before, expectedLookups, 5000);
    int verified = 0;
    for (const auto &e : (*bob)->events()) {
        verified += e.value(QStringLiteral("event")).toString() == QStringLiteral("identity") &&
                    e.value(QStringLiteral("verdict")).toString() == QStringLiteral("verified");
    }
    QCOMPARE(verified, 2);
    (*bob)->process().stop();
}

QTEST_GUILESS_MAIN(TestAgentWorld)
#include "test_agent_world.moc"
