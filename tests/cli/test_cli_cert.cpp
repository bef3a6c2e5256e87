// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli cert new / show, run as a real process and checked with the
// openssl command line tool as an independent reader.

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "tests/cli/CliRunner.h"

using namespace napkin::testcli;

#include <sys/stat.h>

namespace {

/// "AB:CD:..." from `openssl x509 -fingerprint` as "sha256:abcd...".
QString opensslFingerprint(const QString &certPath) {
    Run r =
        openssl({QStringLiteral("x509"), QStringLiteral("-in"), certPath, QStringLiteral("-noout"),
                 QStringLiteral("-fingerprint"), QStringLiteral("-sha256")});
    if (r.exitCode != 0) {
        return {};
    }
    QString line = r.out.trimmed();
    line = line.mid(line.indexOf(u'=') + 1);
    return QStringLiteral("sha256:") + line.remove(u':').toLower();
}

QString showValue(const QString &showOutput, const QString &label) {
    for (const auto &line : showOutput.split(u'\n')) {
        if (line.startsWith(label)) {
            return line.mid(label.size()).trimmed();
        }
    }
    return {};
}

} // namespace

class TestCliCert : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFileInfo(QStringLiteral(NAPKIN_CLI_PATH)).isExecutable(), NAPKIN_CLI_PATH);
        QVERIFY2(openssl({QStringLiteral("version")}).exitCode == 0,
                 "the openssl command is needed");
    }

    void newWritesCertificateAndKey() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString dir = tmp.filePath(QStringLiteral("nested/identity"));
        Run r = cli({QStringLiteral("cert"), QStringLiteral("new"), QStringLiteral("--aor"),
                     QStringLiteral("sip:alice@A.Example"), QStringLiteral("--name"),
                     QStringLiteral("Alice"), QStringLiteral("--instance"),
                     QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
                     QStringLiteral("--days"), QStringLiteral("3"), QStringLiteral("--out"), dir});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        const QString certPath = dir + QStringLiteral("/cert.pem");
        const QString keyPath = dir + QStringLiteral("/key.pem");
        QVERIFY(QFile::exists(certPath));
        QVERIFY(QFile::exists(keyPath));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(keyPath).constData(), &st), 0);
        QCOMPARE(st.st_mode & 07777, static_cast<mode_t>(0600));

        // Standard output: the machine fingerprint, then the people form.
        const QStringList lines = r.out.trimmed().split(u'\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY2(
            QRegularExpression(QStringLiteral("^sha256:[0-9a-f]{64}$")).match(lines[0]).hasMatch(),
            qPrintable(lines[0]));
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9A-F]{4}( [0-9A-F]{4}){15}$"))
                    .match(lines[1])
                    .hasMatch());
        QCOMPARE(QString(lines[1]).remove(u' ').toLower(), lines[0].mid(7));

        // openssl reads what we wrote.
        Run text = openssl({QStringLiteral("x509"), QStringLiteral("-in"), certPath,
                            QStringLiteral("-noout"), QStringLiteral("-text")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains(u"URI:sip:alice@a.example"), qPrintable(text.out));
        QVERIFY(text.out.contains(u"URI:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
        QVERIFY(text.out.contains(u"E-mail Protection"));
        QVERIFY(text.out.contains(u"CA:FALSE"));
        QVERIFY(text.out.contains(u"Subject: CN = Alice"));
        QCOMPARE(opensslFingerprint(certPath), lines[0]);

        Run keyCheck = openssl(
            {QStringLiteral("pkey"), QStringLiteral("-in"), keyPath, QStringLiteral("-noout")});
        QCOMPARE(keyCheck.exitCode, 0);
        // A self-signed end-entity certificate is its own trust anchor for S/MIME.
        Run verify = openssl({QStringLiteral("verify"), QStringLiteral("-CAfile"), certPath,
                              QStringLiteral("-purpose"), QStringLiteral("smimesign"), certPath});
        QVERIFY2(verify.exitCode == 0, qPrintable(verify.out + verify.err));

        // cert show agrees with cert new and with openssl.
        Run show = cli({QStringLiteral("cert"), QStringLiteral("show"), certPath});
        QVERIFY2(show.exitCode == 0, qPrintable(show.err));
        QCOMPARE(showValue(show.out, QStringLiteral("AOR:")),
                 QStringLiteral("sip:alice@a.example"));
        QCOMPARE(showValue(show.out, QStringLiteral("Instance:")),
                 QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
        QCOMPARE(showValue(show.out, QStringLiteral("Common name:")), QStringLiteral("Alice"));
        QCOMPARE(showValue(show.out, QStringLiteral("Key:")), QStringLiteral("EC P-256"));
        QCOMPARE(showValue(show.out, QStringLiteral("Self-signed:")), QStringLiteral("yes"));
        QCOMPARE(showValue(show.out, QStringLiteral("Fingerprint:")), lines[0]);
        QVERIFY(show.out.contains(lines[1]));
        const QRegularExpression iso(
            QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"));
        const QString notBefore = showValue(show.out, QStringLiteral("Not before:"));
        const QString notAfter = showValue(show.out, QStringLiteral("Not after:"));
        QVERIFY2(iso.match(notBefore).hasMatch(), qPrintable(notBefore));
        QVERIFY2(iso.match(notAfter).hasMatch(), qPrintable(notAfter));
        const auto from = QDateTime::fromString(notBefore, Qt::ISODate);
        const auto to = QDateTime::fromString(notAfter, Qt::ISODate);
        QCOMPARE(from.secsTo(to), qint64{3 * 86400 + 5 * 60});
        QVERIFY(qAbs(from.secsTo(QDateTime::currentDateTimeUtc()) - 300) < 120);

        // Standard input works too.
        QFile f(certPath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        Run fromStdin =
            cli({QStringLiteral("cert"), QStringLiteral("show"), QStringLiteral("-")}, f.readAll());
        QCOMPARE(fromStdin.exitCode, 0);
        QCOMPARE(showValue(fromStdin.out, QStringLiteral("Fingerprint:")), lines[0]);
    }

    void existingKeyNeedsForce() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QStringList args{QStringLiteral("cert"),  QStringLiteral("new"),
                               QStringLiteral("--aor"), QStringLiteral("bob@b.example"),
                               QStringLiteral("--out"), tmp.path()};
        Run first = cli(args);
        QCOMPARE(first.exitCode, 0);
        QFile key(tmp.filePath(QStringLiteral("key.pem")));
        QVERIFY(key.open(QIODevice::ReadOnly));
        const QByteArray firstKey = key.readAll();
        key.close();

        Run again = cli(args);
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"already exists") && again.err.contains(u"--force"),
                 qPrintable(again.err));
        QVERIFY(key.open(QIODevice::ReadOnly));
        QCOMPARE(key.readAll(), firstKey);
        key.close();

        Run forced = cli(args + QStringList{QStringLiteral("--force")});
        QVERIFY2(forced.exitCode == 0, qPrintable(forced.err));
        QVERIFY(forced.out.split(u'\n').first() != first.out.split(u'\n').first());
        QVERIFY(key.open(QIODevice::ReadOnly));
        QVERIFY(key.readAll() != firstKey);
        QCOMPARE(opensslFingerprint(tmp.filePath(QStringLiteral("cert.pem"))),
                 forced.out.split(u'\n').first());
    }

    void rsaIdentity() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        Run r = cli({QStringLiteral("cert"), QStringLiteral("new"), QStringLiteral("--aor"),
                     QStringLiteral("sips:carol@c.example"), QStringLiteral("--key"),
                     QStringLiteral("rsa"), QStringLiteral("--rsa-bits"), QStringLiteral("2048"),
                     QStringLiteral("--hours"), QStringLiteral("2"), QStringLiteral("--out"),
                     tmp.path()});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString certPath = tmp.filePath(QStringLiteral("cert.pem"));
        Run show = cli({QStringLiteral("cert"), QStringLiteral("show"), certPath});
        QCOMPARE(show.exitCode, 0);
        QCOMPARE(showValue(show.out, QStringLiteral("Key:")), QStringLiteral("RSA 2048"));
        QCOMPARE(showValue(show.out, QStringLiteral("AOR:")),
                 QStringLiteral("sips:carol@c.example"));
        QCOMPARE(showValue(show.out, QStringLiteral("Common name:")), QStringLiteral("carol"));
        QCOMPARE(showValue(show.out, QStringLiteral("Instance:")), QStringLiteral("(none)"));
        Run text = openssl({QStringLiteral("x509"), QStringLiteral("-in"), certPath,
                            QStringLiteral("-noout"), QStringLiteral("-text")});
        QVERIFY(text.out.contains(u"Digital Signature, Key Encipherment"));
        QVERIFY(text.out.contains(u"E-mail Protection"));
    }

    void usageErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");

        const auto aor = words({"--aor", "sip:alice@a.example"});
        QTest::newRow("no sub-command") << words({"cert"}) << "sub-command";
        QTest::newRow("unknown sub-command") << words({"cert", "frob"}) << "frob";
        QTest::newRow("unknown option") << words({"cert", "new", "--bogus"}) + aor << "--bogus";
        QTest::newRow("missing --aor") << words({"cert", "new"}) << "--aor";
        QTest::newRow("--aor without value") << words({"cert", "new", "--aor"}) << "--aor";
        QTest::newRow("bad AOR") << words({"cert", "new", "--aor", "not an address"}) << "--aor";
        QTest::newRow("AOR with port")
            << words({"cert", "new", "--aor", "sip:alice@a.example:5060"}) << "--aor";
        QTest::newRow("days not a number")
            << words({"cert", "new", "--days", "abc"}) + aor << "--days";
        QTest::newRow("days with unit") << words({"cert", "new", "--days", "7d"}) + aor << "--days";
        QTest::newRow("days zero") << words({"cert", "new", "--days", "0"}) + aor << "--days";
        QTest::newRow("days negative") << words({"cert", "new", "--days", "-1"}) + aor << "--days";
        QTest::newRow("days 91") << words({"cert", "new", "--days", "91"}) + aor << "--days";
        QTest::newRow("days huge")
            << words({"cert", "new", "--days", "99999999999999999999999"}) + aor << "--days";
        QTest::newRow("hours zero") << words({"cert", "new", "--hours", "0"}) + aor << "--hours";
        QTest::newRow("hours past 90 days")
            << words({"cert", "new", "--hours", "2161"}) + aor << "--hours";
        QTest::newRow("days and hours")
            << words({"cert", "new", "--days", "1", "--hours", "2"}) + aor << "--hours";
        QTest::newRow("bad key type") << words({"cert", "new", "--key", "dsa"}) + aor << "--key";
        QTest::newRow("weak RSA") << words({"cert", "new", "--key", "rsa", "--rsa-bits", "1024"}) +
                                         aor
                                  << "--rsa-bits";
        QTest::newRow("RSA bits for EC")
            << words({"cert", "new", "--rsa-bits", "2048"}) + aor << "--rsa-bits";
        QTest::newRow("bad instance")
            << words({"cert", "new", "--instance", "urn:uuid:1234"}) + aor << "--instance";
        QTest::newRow("bad name") << words({"cert", "new", "--name", "a\tb"}) + aor << "--name";
        QTest::newRow("stray argument") << words({"cert", "new", "extra"}) + aor << "extra";
        QTest::newRow("force takes no value")
            << words({"cert", "new", "--force=yes"}) + aor << "--force";
        QTest::newRow("show without file") << words({"cert", "show"}) << "FILE";
        QTest::newRow("show two files") << words({"cert", "show", "a", "b"}) << "one FILE";
    }
    void usageErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        // Never let a usage test write into the working directory.
        if (args.size() > 1 && args[1] == u"new" && !args.contains(u"--out")) {
            args.insert(2, QStringLiteral("--out"));
            args.insert(3, tmp.path());
        }
        Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        const QStringList errLines = r.err.trimmed().split(u'\n');
        QCOMPARE(errLines.size(), 1);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFile::exists(tmp.filePath(QStringLiteral("key.pem"))));
    }

    void showBadInput_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("garbage") << QByteArray("this is not a certificate\n");
        QTest::newRow("binary garbage") << QByteArray("\x30\x82\x01\x00\xff\xff\x00", 7);
        QTest::newRow("bad base64 PEM")
            << QByteArray("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        QTest::newRow("key, not certificate")
            << QByteArray("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
                          "-----END PRIVATE KEY-----\n");
        QTest::newRow("empty") << QByteArray();
    }
    void showBadInput() {
        QFETCH(QByteArray, content);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString path = tmp.filePath(QStringLiteral("bad.pem"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        Run r = cli({QStringLiteral("cert"), QStringLiteral("show"), path});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(path) || r.err.contains(u"certificate"), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void showMissingFile() {
        Run r = cli({QStringLiteral("cert"), QStringLiteral("show"),
                     QStringLiteral("/nonexistent/napkin/cert.pem")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains(u"/nonexistent/napkin/cert.pem"));
    }
};

QTEST_GUILESS_MAIN(TestCliCert)
#include "test_cli_cert.moc"
