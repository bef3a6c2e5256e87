// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-certd's --config file: every key reaches its setting, relative
// paths follow the file, flags override it, and each mistake is reported as
// "FILE:LINE: ..." (a settings error, exit 1, not a usage error).

#include "certd/CertdConfig.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace napkin::certd;

class TestCertdConfig : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    std::string write(const char *name, const std::string &text) {
        const std::string path = m_dir.filePath(QString::fromUtf8(name)).toStdString();
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

private Q_SLOTS:
    void everyKeyIsRead() {
        const std::string path =
            write("full.ini", "; comment\n[server]\nlisten = 127.0.0.2:9443 ; note\n"
                              "domains = A.example, b.example\ntls_cert = tls.pem\n"
                              "tls_key = /etc/k.pem\nthreads = 3\n"
                              "[database]\nurl = sqlite:certd.db\n"
                              "[policy]\nmax_age = 0\nmax_devices = 5\nmax_validity_days = 30\n"
                              "[auth]\nnonce_secret_file = nonce.key\nnonce_lifetime = 60\n");
        const std::string dir = m_dir.path().toStdString() + "/";
        auto c = parseServerArguments({"--config", path});
        QVERIFY2(c, c ? "" : c.error().message.c_str());
        QCOMPARE(c->listenAddress(), std::string("127.0.0.2:9443"));
        QCOMPARE(c->domains, (std::vector<std::string>{"a.example", "b.example"}));
        QCOMPARE(c->tlsCert, dir + "tls.pem");
        QCOMPARE(c->tlsKey, std::string("/etc/k.pem"));
        QCOMPARE(c->threads, 3);
        QCOMPARE(c->databaseUrl, "sqlite:" + dir + "certd.db");
        QCOMPARE(c->maxAge, 0);
        QCOMPARE(c->maxDevices, 5);
        QCOMPARE(c->maxValidityDays, 30);
        QCOMPARE(*c->nonceSecretFile, dir + "nonce.key");
        QCOMPARE(c->nonceLifetime, 60);
    }

    void defaultsAndFlagsOverTheFile() {
        const std::string path = write("part.ini", "[policy]\nmax_age = 5\n");
        auto c = parseServerArguments({"--max-age=7", "--config", path});
        QVERIFY(c);
        QCOMPARE(c->maxAge, 7);
        QCOMPARE(c->maxDevices, 10);
        QCOMPARE(c->databaseUrl, std::string("sqlite:/var/lib/napkin-certd/certd.db"));
        QCOMPARE(c->listenAddress(), std::string("127.0.0.1:8443"));
    }

    void mistakesNameTheLine_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("section") << "[server]\nlisten = 127.0.0.1:1\n[serve]\n"
                                 << ":3: unknown section [serve] (expected server, database, "
                                    "policy or auth)";
        QTest::newRow("key") << "[policy]\nmax_agee = 1\n"
                             << ":2: unknown key 'max_agee' in [policy]";
        QTest::newRow("header") << "[policy\n"
                                << ":1: malformed section header";
        QTest::newRow("line") << "[policy]\nmax_age\n"
                              << ":2: expected 'key = value'";
        QTest::newRow("outside") << "max_age = 1\n"
                                 << ":1: 'max_age' is outside any [section]";
        QTest::newRow("twice") << "[policy]\nmax_age = 1\nmax_age = 2\n"
                               << ":3: 'max_age' appears twice in [policy]";
        QTest::newRow("range") << "[policy]\n\nmax_devices = 0\n"
                               << ":3 (max_devices) must be a whole number from 1 to 1000 "
                                  "(got \"0\")";
        QTest::newRow("listen") << "[server]\nlisten = localhost\n"
                                << ":2 (listen): listen address \"localhost\" must look like";
        QTest::newRow("domain") << "[server]\ndomains = a..example\n"
                                << ":2 (domains): \"a..example\" is not a valid domain name";
        QTest::newRow("empty path") << "[server]\ntls_cert =\n"
                                    << ":2 (tls_cert) needs a value";
    }
    void mistakesNameTheLine() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const std::string path = write("bad.ini", text.toStdString());
        auto c = parseServerArguments({"--config", path});
        QVERIFY(!c);
        QVERIFY(!c.error().usage);
        const QString got = QString::fromStdString(c.error().message);
        QVERIFY2(got.startsWith(QString::fromStdString(path)), qPrintable(got));
        QVERIFY2(got.contains(message), qPrintable(got));
    }

    void missingFile() {
        auto c = parseServerArguments({"--config", "/nonexistent/certd.ini"});
        QVERIFY(!c);
        QCOMPARE(c.error().message,
                 std::string("cannot read the configuration file /nonexistent/certd.ini"));
    }
};

QTEST_GUILESS_MAIN(TestCertdConfig)
#include "test_certd_unit_config.moc"
