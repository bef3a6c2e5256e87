// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-certd as an operator meets it: --help, --version, --check-config,
// flags over the INI file, a clear one-line message and exit status 1 for
// every start-up problem, and the `user` commands on the shared subscriber
// table (checked in the SQLite file itself, as Kamailio would read it).

#include "tests/certd_it/CertdTestBed.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTcpServer>
#include <QTest>

using namespace napkin::testing;

namespace {

QByteArray md5Hex(const QByteArray &data) {
    return QCryptographicHash::hash(data, QCryptographicHash::Md5).toHex();
}

QByteArray sha256Hex(const QByteArray &data) {
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace

class TestCertdStartup : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed;
    int m_instances = 0;

    std::unique_ptr<CertdInstance> newInstance(const CertdConfig &config) {
        return m_bed->instance(QStringLiteral("certd-%1").arg(++m_instances), config);
    }

    /// Launches an instance that must refuse to start: exit status 1 and one
    /// "napkin-certd: ..." line on stderr containing every `needles`.
    void expectStartupFailure(CertdInstance &certd, const QStringList &needles) {
        auto launched = certd.launch();
        NAPKIN_VERIFY_OK(launched);
        auto exited = certd.process().waitForExit(20000);
        NAPKIN_VERIFY_OK(exited);
        const QString err = certd.process().stderrText().trimmed();
        QVERIFY2(exited->normal && exited->code == 1,
                 qPrintable(QStringLiteral("exit %1: %2").arg(exited->code).arg(err)));
        QVERIFY2(err.startsWith(QStringLiteral("napkin-certd: ")), qPrintable(err));
        QVERIFY2(!err.contains(QLatin1Char('\n')), qPrintable(err));
        for (const auto &n : needles) {
            QVERIFY2(err.contains(n), qPrintable(QStringLiteral("'%1' not in: %2").arg(n, err)));
        }
    }

    TestResult<QString> sqlite(const QString &dbUrl, const QString &sql) {
        auto r = runProgram(QStringLiteral("sqlite3"),
                            {dbUrl.mid(QStringLiteral("sqlite:").size()), sql});
        if (!r) {
            return napkin::fail(r.error());
        }
        if (!r->succeeded()) {
            return napkin::fail(r->describe());
        }
        return r->stdoutText.trimmed();
    }

private Q_SLOTS:
    void initTestCase() {
        auto bed = CertdTestBed::create();
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
    }

    void helpExplainsEveryOption() {
        auto r = runProgram(m_bed->config().binary, {QStringLiteral("--help")});
        NAPKIN_VERIFY_OK(r);
        QVERIFY(r->succeeded());
        for (const char *option : {"--config",
                                   "--listen",
                                   "--domain",
                                   "--tls-cert",
                                   "--tls-key",
                                   "--db",
                                   "--max-age",
                                   "--max-devices",
                                   "--max-validity-days",
                                   "--nonce-secret-file",
                                   "--nonce-lifetime",
                                   "--threads",
                                   "--check-config",
                                   "--help",
                                   "--version",
                                   "user add",
                                   "user del",
                                   "user list",
                                   "--password-file",
                                   "--password-stdin",
                                   "sqlite:",
                                   "postgresql://",
                                   "SIGTERM"}) {
            QVERIFY2(r->stdoutText.contains(QLatin1String(option)), option);
        }
    }

    void versionAndUsageErrors() {
        auto v = runProgram(m_bed->config().binary, {QStringLiteral("--version")});
        NAPKIN_VERIFY_OK(v);
        QVERIFY(v->succeeded());
        QVERIFY(v->stdoutText.startsWith(QStringLiteral("napkin-certd ")));

        for (const QStringList &args :
             {QStringList{QStringLiteral("--frobnicate")},
              QStringList{QStringLiteral("--max-devices"), QStringLiteral("many")},
              QStringList{QStringLiteral("--listen")},
              QStringList{QStringLiteral("user"), QStringLiteral("add")}}) {
            auto r = runProgram(m_bed->config().binary, args);
            NAPKIN_VERIFY_OK(r);
            QVERIFY2(
                r->exit.normal && r->exit.code == 2,
                qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(" → ") + r->describe()));
            QVERIFY(r->stderrText.startsWith(QStringLiteral("napkin-certd")));
        }
    }

    void domainMissingFromCertificate() {
        CertdConfig c = m_bed->config();
        c.domains << QStringLiteral("c.example");
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {QStringLiteral("c.example"), c.tlsCert});
    }

    void wrongNamesInCertificate_data() {
        QTest::addColumn<int>("how");
        QTest::newRow("other domain") << static_cast<int>(WrongName::OtherDomain);
        QTest::newRow("sub-domain") << static_cast<int>(WrongName::SubDomain);
        QTest::newRow("wildcard") << static_cast<int>(WrongName::Wildcard);
        QTest::newRow("CN only") << static_cast<int>(WrongName::CommonNameOnly);
    }
    void wrongNamesInCertificate() {
        QFETCH(int, how);
        auto wrong =
            m_bed->ca().issueWrongName(QStringLiteral("wrong-%1").arg(how),
                                       QStringLiteral("b.example"), static_cast<WrongName>(how));
        NAPKIN_VERIFY_OK(wrong);
        CertdConfig c = m_bed->config();
        c.domains = {QStringLiteral("b.example")};
        c.tlsCert = wrong->certPath;
        c.tlsKey = wrong->keyPath;
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {QStringLiteral("b.example")});
    }

    void portTaken() {
        QTcpServer squatter;
        const Endpoint ep = FreePort::uniqueEndpoint();
        QVERIFY(squatter.listen(ep.address, ep.port));
        CertdConfig c = m_bed->config();
        c.listen = ep;
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {ep.hostPort(), QStringLiteral("in use")});
    }

    void badKeyFile() {
        const QString garbage = QDir(m_bed->dir()).filePath(QStringLiteral("garbage.key"));
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        f.close();
        CertdConfig c = m_bed->config();
        c.tlsKey = garbage;
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {garbage});
    }

    void keyOfAnotherCertificate() {
        auto other = m_bed->ca().issueServer(QStringLiteral("other"), m_bed->domains());
        NAPKIN_VERIFY_OK(other);
        CertdConfig c = m_bed->config();
        c.tlsKey = other->keyPath;
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {});
    }

    // Review L7: a nonce secret others may read is refused, with the fix.
    void nonceSecretReadableByOthers() {
        CertdConfig c = m_bed->config();
        c.nonceSecretFile = QDir(m_bed->dir()).filePath(QStringLiteral("shared-nonce.key"));
        QFile secret(c.nonceSecretFile);
        QVERIFY(secret.open(QIODevice::WriteOnly));
        secret.write(QByteArray(64, 'a') + '\n');
        secret.close();
        QVERIFY(secret.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                      QFileDevice::ReadGroup | QFileDevice::ReadOther));
        auto certd = newInstance(c);
        expectStartupFailure(
            *certd, {c.nonceSecretFile, QStringLiteral("mode 0644"), QStringLiteral("chmod 600")});
    }

    void missingCertificateFile() {
        CertdConfig c = m_bed->config();
        c.tlsCert = QDir(m_bed->dir()).filePath(QStringLiteral("no-such-cert.pem"));
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {c.tlsCert});
    }

    void unreadableDatabase_data() {
        QTest::addColumn<QString>("url");
        const QString notADir = QDir(m_bed->dir()).filePath(QStringLiteral("plain-file"));
        QFile f(notADir);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x");
        f.close();
        QTest::newRow("parent is a file")
            << QStringLiteral("sqlite:") + notADir + QStringLiteral("/certd.db");
        QTest::newRow("a directory") << QStringLiteral("sqlite:") + m_bed->dir();
        QTest::newRow("not a database") << QStringLiteral("sqlite:") + m_bed->serverCert().certPath;
        const Endpoint nobody = FreePort::uniqueEndpoint();
        QTest::newRow("PostgreSQL not listening")
            << QStringLiteral("postgresql://napkin@%1/napkin").arg(nobody.hostPort());
    }
    void unreadableDatabase() {
        QFETCH(QString, url);
        CertdConfig c = m_bed->config();
        c.db = url;
        auto certd = newInstance(c);
        expectStartupFailure(*certd, {});
    }

    void checkConfig() {
        CertdConfig good = m_bed->config();
        good.listen = FreePort::uniqueEndpoint();
        good.db =
            QStringLiteral("sqlite:") + QDir(m_bed->dir()).filePath(QStringLiteral("check.db"));
        good.nonceSecretFile = QDir(m_bed->dir()).filePath(QStringLiteral("check-nonce.key"));
        const QString ini = QDir(m_bed->dir()).filePath(QStringLiteral("check.ini"));
        auto written = CertdInstance::writeIni(ini, good);
        NAPKIN_VERIFY_OK(written);
        auto ok = runProgram(m_bed->config().binary,
                             {QStringLiteral("--check-config"), QStringLiteral("--config"), ini});
        NAPKIN_VERIFY_OK(ok);
        QVERIFY2(ok->succeeded(), qPrintable(ok->describe()));
        QVERIFY2((ok->stdoutText + ok->stderrText).contains(QStringLiteral("b.example")),
                 qPrintable(ok->describe()));
        // --check-config does not start serving.
        QVERIFY(!FreePort::accepts(good.listen, 200));

        // A flag overrides the file, and here makes it wrong.
        auto bad = runProgram(m_bed->config().binary,
                              {QStringLiteral("--check-config"), QStringLiteral("--config"), ini,
                               QStringLiteral("--domain"), QStringLiteral("c.example")});
        NAPKIN_VERIFY_OK(bad);
        QVERIFY2(bad->exit.normal && bad->exit.code == 1, qPrintable(bad->describe()));
        QVERIFY(bad->stderrText.contains(QStringLiteral("c.example")));

        auto missing = runProgram(m_bed->config().binary,
                                  {QStringLiteral("--check-config"), QStringLiteral("--config"),
                                   QDir(m_bed->dir()).filePath(QStringLiteral("none.ini"))});
        NAPKIN_VERIFY_OK(missing);
        QVERIFY2(!missing->succeeded(), qPrintable(missing->describe()));
        QVERIFY(missing->stderrText.contains(QStringLiteral("none.ini")));
    }

    void flagsOverrideTheConfigFile() {
        CertdConfig c = m_bed->config();
        c.maxAge = 5;
        c.useConfigFile = true;
        c.extraArguments = {QStringLiteral("--max-age"), QStringLiteral("7")};
        auto certd = newInstance(c);
        auto added = certd->addUser(QStringLiteral("bob@b.example"), QStringLiteral("pw-override"));
        NAPKIN_VERIFY_OK(added);
        QVERIFY(added->succeeded());
        auto started = certd->start();
        NAPKIN_VERIFY_OK(started);
        HttpsClient client = certd->client();
        DigestSession bob(client, {QStringLiteral("bob"), QStringLiteral("pw-override")});
        auto put = bob.request(enrolRequest(QStringLiteral("bob@b.example"),
                                            makeDevice(QStringLiteral("bob@b.example")).der));
        NAPKIN_VERIFY_OK(put);
        QCOMPARE(put->status, 201);
        auto get = client.get(searchTarget(QStringLiteral("bob@b.example")));
        NAPKIN_VERIFY_OK(get);
        QCOMPARE(get->header("Cache-Control"), QByteArray("max-age=7"));
        QCOMPARE(certd->stop().code, 0);
    }

    void userCommands() {
        CertdConfig c = m_bed->config();
        auto certd = newInstance(c);
        auto prepared = certd->serverArguments(); // fixes the database path
        NAPKIN_VERIFY_OK(prepared);
        const QString db = certd->dbUrl();
        auto added = certd->addUser(QStringLiteral("erin@b.example"), QStringLiteral("first-pw"));
        NAPKIN_VERIFY_OK(added);
        QVERIFY2(added->succeeded(), qPrintable(added->describe()));
        auto stdinUser = certd->run(
            {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("frank@a.example"),
             QStringLiteral("--password-stdin"), QStringLiteral("--db"), db},
            "frank-pw\n");
        NAPKIN_VERIFY_OK(stdinUser);
        QVERIFY2(stdinUser->succeeded(), qPrintable(stdinUser->describe()));

        // Kamailio's view of the row: ha1 and ha1b as auth_db computes them,
        // no plaintext password; plus certd's own SHA-256 HA1.
        auto row = sqlite(db, QStringLiteral("SELECT password || '|' || ha1 || '|' || ha1b FROM "
                                             "subscriber WHERE username='erin' AND "
                                             "domain='b.example'"));
        NAPKIN_VERIFY_OK(row);
        QCOMPARE(*row, QStringLiteral("|%1|%2").arg(
                           QString::fromLatin1(md5Hex("erin:b.example:first-pw")),
                           QString::fromLatin1(md5Hex("erin@b.example:b.example:first-pw"))));
        auto sha = sqlite(db, QStringLiteral("SELECT ha1 FROM napkin_ha1_sha256 WHERE "
                                             "username='erin' AND domain='b.example'"));
        NAPKIN_VERIFY_OK(sha);
        QCOMPARE(*sha, QString::fromLatin1(sha256Hex("erin:b.example:first-pw")));
        auto frank =
            sqlite(db, QStringLiteral("SELECT ha1 FROM subscriber WHERE username='frank'"));
        NAPKIN_VERIFY_OK(frank);
        QCOMPARE(*frank, QString::fromLatin1(md5Hex("frank:a.example:frank-pw")));

        auto list = certd->listUsers();
        NAPKIN_VERIFY_OK(list);
        QVERIFY(list->succeeded());
        QVERIFY2(list->stdoutText.contains(QStringLiteral("erin@b.example")),
                 qPrintable(list->stdoutText));
        QVERIFY(list->stdoutText.contains(QStringLiteral("frank@a.example")));
        auto listB = certd->listUsers(QStringLiteral("b.example"));
        NAPKIN_VERIFY_OK(listB);
        QVERIFY(listB->stdoutText.contains(QStringLiteral("erin@b.example")));
        QVERIFY(!listB->stdoutText.contains(QStringLiteral("frank@")));

        // This certd's choice: `user add` on an existing user sets the new password.
        auto readded =
            certd->addUser(QStringLiteral("erin@b.example"), QStringLiteral("second-pw"));
        NAPKIN_VERIFY_OK(readded);
        QVERIFY2(readded->succeeded(), qPrintable(readded->describe()));
        auto count =
            sqlite(db, QStringLiteral("SELECT count(*) FROM subscriber WHERE username='erin'"));
        NAPKIN_VERIFY_OK(count);
        QCOMPARE(*count, QStringLiteral("1"));

        auto started = certd->start();
        NAPKIN_VERIFY_OK(started);
        HttpsClient client = certd->client();
        const QString erin = QStringLiteral("erin@b.example");
        DigestSession oldPw(client, {QStringLiteral("erin"), QStringLiteral("first-pw")});
        auto refused = oldPw.request(enrolRequest(erin, makeDevice(erin).der));
        NAPKIN_VERIFY_OK(refused);
        QCOMPARE(refused->status, 401);
        for (auto alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Md5}) {
            DigestSession newPw(client, {QStringLiteral("erin"), QStringLiteral("second-pw")}, alg);
            auto accepted = newPw.request(enrolRequest(erin, makeDevice(erin).der));
            NAPKIN_VERIFY_OK(accepted);
            QCOMPARE(accepted->status, 201);
        }

        // `user del` removes the user and the devices with it.
        auto deleted = certd->deleteUser(erin);
        NAPKIN_VERIFY_OK(deleted);
        QVERIFY2(deleted->succeeded(), qPrintable(deleted->describe()));
        auto gone = certd->listUsers();
        NAPKIN_VERIFY_OK(gone);
        QVERIFY(!gone->stdoutText.contains(erin));
        auto get = client.get(searchTarget(erin));
        NAPKIN_VERIFY_OK(get);
        QCOMPARE(get->status, 404);
        DigestSession after(client, {QStringLiteral("erin"), QStringLiteral("second-pw")});
        auto noLonger = after.request(enrolRequest(erin, makeDevice(erin).der));
        NAPKIN_VERIFY_OK(noLonger);
        QCOMPARE(noLonger->status, 401);

        auto deleteAgain = certd->deleteUser(erin);
        NAPKIN_VERIFY_OK(deleteAgain);
        QVERIFY2(!deleteAgain->succeeded(), qPrintable(deleteAgain->describe()));
        QVERIFY(deleteAgain->stderrText.contains(erin));
        auto badAddress = certd->addUser(QStringLiteral("no-at-sign"), QStringLiteral("x"));
        NAPKIN_VERIFY_OK(badAddress);
        QVERIFY(!badAddress->succeeded());
        QVERIFY(badAddress->stderrText.startsWith(QStringLiteral("napkin-certd")));
        QCOMPARE(certd->stop().code, 0);
    }
};

QTEST_GUILESS_MAIN(TestCertdStartup)
#include "test_certd_startup.moc"
