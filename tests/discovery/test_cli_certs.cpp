// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// `napkin-cli certs ...` run as a separate process, the way scripts use it,
// against real dnsmasq and napkin-certd: output, JSON and the exit codes of
// each failure family.

#include "sipcore/discovery/DnsQuery.h"
#include "tests/discovery/DiscoveryTestBed.h"
#include "tests/discovery/DiscoveryTestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using napkin::testing::CertdInstance;
using napkin::testing::DiscoveryTestBed;
using napkin::testing::RunResult;
using napkin::testing::ServiceSpec;

namespace {

// The exit codes documented in napkin-cli --help.
constexpr int kUsage = 2;
constexpr int kInput = 3;
constexpr int kNoService = 10;
constexpr int kUnreachable = 11;
constexpr int kTls = 12;
constexpr int kSet = 14;
constexpr int kAuth = 15;

} // namespace

class TestCliCerts : public QObject {
    Q_OBJECT

private:
    RunResult cli(const QStringList &arguments) {
        auto r = napkin::testing::runProgram(QStringLiteral(NAPKIN_CLI_PATH), arguments, 60000);
        if (!r.ok()) {
            qFatal("%s", qPrintable(r.error()));
        }
        return std::move(r).value();
    }

    QStringList fetchArgs(const QString &aor) {
        return {QStringLiteral("certs"),
                QStringLiteral("fetch"),
                aor,
                QStringLiteral("--dns"),
                m_bed->dns().address().toString(),
                QStringLiteral("--ca"),
                m_bed->caFile(),
                QStringLiteral("--timeout"),
                QStringLiteral("3"),
                QStringLiteral("--allow-private-services")};
    }

    QString writeProfile(const QString &name, const QString &aor, const QString &password,
                         const QString &extra = {}) {
        const QString dir = QDir(m_bed->dir()).filePath(QStringLiteral("profiles"));
        QDir().mkpath(dir);
        QFile pass(QDir(dir).filePath(name + QStringLiteral(".pass")));
        if (!pass.open(QIODevice::WriteOnly)) {
            qFatal("cannot write the password file");
        }
        pass.write(password.toUtf8() + '\n');
        pass.close();
        const QString path = QDir(dir).filePath(name + QStringLiteral(".ini"));
        QFile ini(path);
        if (!ini.open(QIODevice::WriteOnly)) {
            qFatal("cannot write the profile");
        }
        ini.write(
            QStringLiteral(
                "[account]\naor = %1\npassword_file = %2.pass\n"
                "registrar = sip:a.example\n[network]\ndns_server = %3\n"
                "ca_file = %4\nallow_private_services = true\n[certificates]\nlifetime_days = 7\n"
                "cache_ttl = 0\nkey_storage = file\n%5")
                .arg(aor, name, m_bed->dns().address().toString(), m_bed->caFile(), extra)
                .toUtf8());
        return path;
    }

    std::unique_ptr<DiscoveryTestBed> m_bed;
    CertdInstance *m_a = nullptr;
    CertdInstance *m_b = nullptr;
    QString m_bob1;
    QString m_bob2;

private Q_SLOTS:
    void initTestCase() {
        auto bed = DiscoveryTestBed::create();
        DISCOVERY_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        for (const auto &[name, domain] :
             {std::pair{QStringLiteral("certd-a"), QStringLiteral("a.example")},
              std::pair{QStringLiteral("certd-b"), QStringLiteral("b.example")}}) {
            ServiceSpec spec;
            spec.name = name;
            spec.domains = {domain};
            auto s = m_bed->startService(spec);
            DISCOVERY_VERIFY_OK(s);
            m_bed->pointSrv(domain, QStringLiteral("certs.") + domain, **s);
            (domain == QStringLiteral("a.example") ? m_a : m_b) = s.value();
        }
        // wrong.example's SRV leads to b.example's service.
        m_bed->pointSrv(QStringLiteral("wrong.example"), QStringLiteral("certs.b.example"), *m_b);
        m_bed->dns().addSrv({QStringLiteral("_certificates._tcp.down.example"),
                             QStringLiteral("certs.down.example"), 8443, 0, 0});
        m_bed->dns().addHost(QStringLiteral("certs.down.example"),
                             napkin::testing::FreePort::uniqueLoopbackAddress().toString());
        m_bed->dns().addLocalDomain(QStringLiteral("nosvc.example"));
        m_bed->dns().addHost(QStringLiteral("stun.a.example"), QStringLiteral("192.0.2.77"));
        DISCOVERY_VERIFY_OK(m_bed->startDns());
        DISCOVERY_VERIFY_OK(
            m_bed->addUser(*m_a, QStringLiteral("alice@a.example"), QStringLiteral("alice-pw")));
        for (QString *fp : {&m_bob1, &m_bob2}) {
            auto d = DiscoveryTestBed::device(QStringLiteral("sip:bob@b.example"));
            DISCOVERY_VERIFY_OK(d);
            DISCOVERY_VERIFY_OK(m_bed->insertDevice(*m_b, QStringLiteral("bob"),
                                                    QStringLiteral("b.example"), d.value()));
            *fp = d->fingerprint();
        }
        auto eve = DiscoveryTestBed::device(QStringLiteral("sip:eve@b.example"));
        DISCOVERY_VERIFY_OK(eve);
        DISCOVERY_VERIFY_OK(m_bed->insertDevice(*m_b, QStringLiteral("bob"),
                                                QStringLiteral("b.example"), eve.value()));
    }

    void cleanupTestCase() { m_bed.reset(); }

    void fetchPrintsTheSet() {
        const RunResult r = cli(fetchArgs(QStringLiteral("sip:bob@b.example")));
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QVERIFY(r.stdoutText.contains(QStringLiteral("sip:bob@b.example: 2 certificates")));
        QVERIFY(r.stdoutText.contains(m_bob1));
        QVERIFY(r.stdoutText.contains(m_bob2));
        // The foreign certificate is dropped, and said so.
        QVERIFY2(r.stderrText.contains(QStringLiteral("dropped")) &&
                     r.stderrText.contains(QStringLiteral("sip:eve@b.example")),
                 qPrintable(r.stderrText));
    }

    void fetchJson() {
        const RunResult r = cli(fetchArgs(QStringLiteral("sip:bob@b.example")) +
                                QStringList{QStringLiteral("--json")});
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QJsonParseError error{};
        const QJsonObject o = QJsonDocument::fromJson(r.stdoutText.toUtf8(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.value(QStringLiteral("aor")).toString(), QStringLiteral("sip:bob@b.example"));
        const QJsonArray certs = o.value(QStringLiteral("certificates")).toArray();
        QCOMPARE(certs.size(), 2);
        QStringList fps;
        for (const auto &c : certs) {
            fps << c.toObject().value(QStringLiteral("fingerprint")).toString();
            QVERIFY(c.toObject()
                        .value(QStringLiteral("instance"))
                        .toString()
                        .startsWith(QStringLiteral("urn:uuid:")));
        }
        QVERIFY(fps.contains(m_bob1) && fps.contains(m_bob2));
        QCOMPARE(o.value(QStringLiteral("dropped")).toArray().size(), 1);
    }

    void fetchExitCodes_data() {
        QTest::addColumn<QString>("aor");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("code");
        QTest::newRow("tls name") << "sip:x@wrong.example" << kTls << "tls-name-mismatch";
        QTest::newRow("down") << "sip:x@down.example" << kUnreachable << "connection-refused";
        QTest::newRow("no service") << "sip:x@nosvc.example" << kNoService << "no-service";
        QTest::newRow("dns refused") << "sip:x@refused.invalid" << kNoService << "dns-failure";
        QTest::newRow("nobody") << "sip:nobody@b.example" << kSet << "empty-set";
        QTest::newRow("bad address") << "sip:b.example" << kUsage << "invalid-address";
    }

    void fetchExitCodes() {
        QFETCH(QString, aor);
        QFETCH(int, exitCode);
        QFETCH(QString, code);
        const RunResult r = cli(fetchArgs(aor) + QStringList{QStringLiteral("--json")});
        QVERIFY(r.exit.normal);
        QCOMPARE(r.exit.code, exitCode);
        const QJsonObject o = QJsonDocument::fromJson(r.stdoutText.toUtf8()).object();
        QCOMPARE(
            o.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
            code);
        QVERIFY(r.stderrText.contains(code));
    }

    void usageAndInputErrors() {
        QCOMPARE(cli({QStringLiteral("certs")}).exit.code, kUsage);
        QCOMPARE(cli({QStringLiteral("certs"), QStringLiteral("frobnicate")}).exit.code, kUsage);
        QCOMPARE(cli({QStringLiteral("certs"), QStringLiteral("fetch")}).exit.code, kUsage);
        QCOMPARE(cli({QStringLiteral("certs"), QStringLiteral("enroll")}).exit.code, kUsage);
        QCOMPARE(cli(fetchArgs(QStringLiteral("sip:bob@b.example")) +
                     QStringList{QStringLiteral("--bogus")})
                     .exit.code,
                 kUsage);
        QCOMPARE(cli({QStringLiteral("certs"), QStringLiteral("fetch"), QStringLiteral("sip:a@b.c"),
                      QStringLiteral("--dns"), QStringLiteral("not-an-ip")})
                     .exit.code,
                 kUsage);
        QCOMPARE(cli({QStringLiteral("certs"), QStringLiteral("fetch"),
                      QStringLiteral("sip:bob@b.example"), QStringLiteral("--ca"),
                      QStringLiteral("/nonexistent/ca.pem")})
                     .exit.code,
                 kInput);
        const QString typo =
            writeProfile(QStringLiteral("typo"), QStringLiteral("sip:alice@a.example"),
                         QStringLiteral("x"), QStringLiteral("cache_tll = 5\n"));
        const RunResult r = cli(
            {QStringLiteral("certs"), QStringLiteral("list"), QStringLiteral("--config"), typo});
        QCOMPARE(r.exit.code, kInput);
        QVERIFY2(r.stderrText.contains(QStringLiteral("unknown key 'cache_tll'")),
                 qPrintable(r.stderrText));
        const QString help = cli({QStringLiteral("--help")}).stdoutText;
        QVERIFY(help.contains(QStringLiteral("certs fetch")));
        QVERIFY(help.contains(QStringLiteral("12 certs:")));
    }

    void enrollListAcknowledgeRevoke() {
        const QString profile =
            writeProfile(QStringLiteral("alice"), QStringLiteral("sip:alice@a.example"),
                         QStringLiteral("alice-pw"));
        const QStringList config = {QStringLiteral("--config"), profile};
        RunResult r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("enroll")} + config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QVERIFY(r.stdoutText.startsWith(QStringLiteral("enrolled sha256:")));
        const QString mine = r.stdoutText.section(QLatin1Char(' '), 1, 1);
        QVERIFY(!r.stdoutText.contains(QStringLiteral("unknown device")));

        // The key is kept in the state directory: enrolling again keeps the certificate.
        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("enroll")} + config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QCOMPARE(r.stdoutText.section(QLatin1Char(' '), 1, 1), mine);
        QVERIFY(QFile::exists(
            QDir(m_bed->dir()).filePath(QStringLiteral("profiles/alice.state/device-key.pem"))));

        // Someone else enrols a device on alice's address.
        auto intruder = DiscoveryTestBed::device(QStringLiteral("sip:alice@a.example"));
        DISCOVERY_VERIFY_OK(intruder);
        DISCOVERY_VERIFY_OK(m_bed->insertDevice(*m_a, QStringLiteral("alice"),
                                                QStringLiteral("a.example"), intruder.value()));
        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("enroll")} + config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QVERIFY2(r.stdoutText.contains(QStringLiteral("! unknown device on your address: ") +
                                       intruder->fingerprint()),
                 qPrintable(r.stdoutText));

        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("list")} + config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        QVERIFY(
            r.stdoutText.contains(QStringLiteral("* ") + mine + QStringLiteral("  this device")));
        QVERIFY(r.stdoutText.contains(QStringLiteral("! ") + intruder->fingerprint() +
                                      QStringLiteral("  UNKNOWN")));

        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("acknowledge"),
                            QStringLiteral("--fingerprint"), intruder->fingerprint()} +
                config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        r = cli(
            QStringList{QStringLiteral("certs"), QStringLiteral("list"), QStringLiteral("--json")} +
            config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        const QJsonArray devices = QJsonDocument::fromJson(r.stdoutText.toUtf8())
                                       .object()
                                       .value(QStringLiteral("devices"))
                                       .toArray();
        QCOMPARE(devices.size(), 2);
        for (const auto &d : devices) {
            QVERIFY(d.toObject().value(QStringLiteral("known")).toBool());
        }

        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("revoke"),
                            QStringLiteral("--fingerprint"), intruder->fingerprint()} +
                config);
        QVERIFY2(r.succeeded(), qPrintable(r.describe()));
        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("list")} + config);
        QVERIFY(r.stdoutText.contains(QStringLiteral("1 device")));
        QVERIFY(!r.stdoutText.contains(intruder->fingerprint()));
        r = cli(QStringList{QStringLiteral("certs"), QStringLiteral("revoke"),
                            QStringLiteral("--fingerprint"), QStringLiteral("sha256:1234")} +
                config);
        QCOMPARE(r.exit.code, kUsage);
    }

    void enrollWithTheWrongPassword() {
        const QString profile =
            writeProfile(QStringLiteral("wrong"), QStringLiteral("sip:alice@a.example"),
                         QStringLiteral("not-the-password"));
        const RunResult r = cli({QStringLiteral("certs"), QStringLiteral("enroll"),
                                 QStringLiteral("--config"), profile});
        QCOMPARE(r.exit.code, kAuth);
        QVERIFY2(r.stderrText.contains(QStringLiteral("auth-failed")), qPrintable(r.stderrText));
        QVERIFY(!r.stderrText.contains(QStringLiteral("not-the-password")));
    }

    /// ICE's resolver asks the profile's DNS server (here dnsmasq) for A records.
    void iceResolverAsksTheProfilesDnsServer() {
        napkin::discovery::DnsServer dns;
        dns.address = m_bed->dns().address();
        dns.port = m_bed->dns().port();
        QCOMPARE(napkin::discovery::resolveIpv4(dns, "stun.a.example"),
                 std::vector<std::string>{"192.0.2.77"});
        QVERIFY(napkin::discovery::resolveIpv4(dns, "nothing.nosvc.example").empty());
        QCOMPARE(napkin::discovery::resolveIpv4(dns, "198.51.100.3"),
                 std::vector<std::string>{"198.51.100.3"});
    }

    /// A profile with a TURN server but no TURN password (the desktop app
    /// keeps it in its keychain) stops the agent with a profile error that
    /// says what to add; a missing password file is named.
    void agentWithoutTheTurnPasswordSaysSo() {
        const QString dir = QDir(m_bed->dir()).filePath(QStringLiteral("turn"));
        QVERIFY(QDir().mkpath(dir));
        QFile pass(QDir(dir).filePath(QStringLiteral("alice.pass")));
        QVERIFY(pass.open(QIODevice::WriteOnly));
        pass.write("alice-pw\n");
        pass.close();
        for (const bool withFile : {false, true}) {
            const QString path = QDir(dir).filePath(withFile ? QStringLiteral("file.ini")
                                                             : QStringLiteral("keychain.ini"));
            QFile ini(path);
            QVERIFY(ini.open(QIODevice::WriteOnly));
            ini.write("[account]\naor = sip:alice@a.example\npassword_file = alice.pass\n"
                      "[network]\nstun_server = stun.a.example\n"
                      "turn_server = turn:turn.a.example?transport=tcp\nturn_user = alice\n" +
                      QByteArray(withFile ? "turn_password_file = missing.turn\n" : "") +
                      "[certificates]\nkey_storage = none\n");
            ini.close();
            const RunResult r = cli({QStringLiteral("agent"), QStringLiteral("--config"), path,
                                     QStringLiteral("--duration"), QStringLiteral("5")});
            QVERIFY2(r.exit.code != 0, qPrintable(r.describe()));
            QVERIFY2(r.stdoutText.contains(QStringLiteral("\"where\":\"profile\"")),
                     qPrintable(r.describe()));
            QVERIFY2(r.stdoutText.contains(QStringLiteral("\"code\":\"local-failure\"")),
                     qPrintable(r.describe()));
            QVERIFY2(r.stdoutText.contains(withFile
                                               ? QStringLiteral("cannot read turn_password_file")
                                               : QStringLiteral("no TURN password")),
                     qPrintable(r.describe()));
            QVERIFY(!r.stdoutText.contains(QStringLiteral("\"registered\"")));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliCerts)
#include "test_cli_certs.moc"
