// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli smime sign / verify / encrypt / decrypt as real processes, read
// and written by the openssl cms command as the independent peer.

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "tests/cli/CliRunner.h"

using namespace napkin::testcli;

namespace {

const QByteArray kEntity = "Content-Type: text/plain\r\n\r\nhello from the napkin\r\n";

QByteArray readFile(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestCliSmime : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path(const char *name) const { return m_dir.filePath(QString::fromUtf8(name)); }
    QString dirOf(const char *name) const { return path(name); }

    void makeDevice(const char *name, const char *aor, const char *keyType) {
        Run r = cli(words({"cert", "new", "--aor", aor, "--key", keyType, "--out", name}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QDir::setCurrent(m_dir.path());
        makeDevice("alice", "sip:alice@a.example", "ec");
        makeDevice("bob", "sip:bob@b.example", "rsa");
        makeDevice("carol", "sip:carol@c.example", "ec");
        QVERIFY(writeFile(path("msg.txt"), kEntity));
    }

    void signVerifiedByOpenssl() {
        Run s = cli(words({"smime", "sign", "--cert", "alice/cert.pem", "--key", "alice/key.pem",
                           "--in", "msg.txt", "--out", "signed.txt"}));
        QVERIFY2(s.exitCode == 0, qPrintable(s.err));
        QVERIFY(readFile(path("signed.txt")).contains("multipart/signed"));
        // openssl checks the signature against alice's certificate as trust anchor.
        Run v = openssl(words({"cms", "-verify", "-inform", "SMIME", "-in", "signed.txt", "-CAfile",
                               "alice/cert.pem", "-purpose", "any", "-out", "verified.txt"}));
        QVERIFY2(v.exitCode == 0, qPrintable(v.err));
        QVERIFY(readFile(path("verified.txt")).contains("hello from the napkin"));
    }

    void ourVerify() {
        Run ok = cli(words({"smime", "verify", "--signers", "alice/cert.pem", "--in", "signed.txt",
                            "--out", "inner.txt"}));
        QVERIFY2(ok.exitCode == 0, qPrintable(ok.err));
        QVERIFY(ok.err.contains(QStringLiteral("sha256:")));
        QVERIFY(readFile(path("inner.txt")).contains("hello from the napkin"));
        // A valid signature by someone outside the set fails with the reason.
        Run other =
            cli(words({"smime", "verify", "--signers", "bob/cert.pem", "--in", "signed.txt"}));
        QCOMPARE(other.exitCode, 1);
        QVERIFY2(other.err.contains(QStringLiteral("none of the 1 acceptable")),
                 qPrintable(other.err));
    }

    void tamperedContentFails() {
        QByteArray signedText = readFile(path("signed.txt"));
        int at = signedText.indexOf("hello from the napkin");
        QVERIFY(at > 0);
        signedText[at] = 'j';
        QVERIFY(writeFile(path("tampered.txt"), signedText));
        Run r =
            cli(words({"smime", "verify", "--signers", "alice/cert.pem", "--in", "tampered.txt"}));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("does not match the content")), qPrintable(r.err));
    }

    void opensslSignReadByUs() {
        Run s = openssl(words({"cms", "-sign", "-in", "msg.txt", "-signer", "carol/cert.pem",
                               "-inkey", "carol/key.pem", "-md", "sha256", "-outform", "SMIME",
                               "-out", "ossl-signed.txt"}));
        QVERIFY2(s.exitCode == 0, qPrintable(s.err));
        Run v = cli(
            words({"smime", "verify", "--signers", "carol/cert.pem", "--in", "ossl-signed.txt"}));
        QVERIFY2(v.exitCode == 0, qPrintable(v.err));
    }

    void encryptForOpensslToDecrypt() {
        Run e = cli(words({"smime", "encrypt", "--to", "alice/cert.pem", "--to", "bob/cert.pem",
                           "--in", "msg.txt", "--out", "enc.txt"}));
        QVERIFY2(e.exitCode == 0, qPrintable(e.err));
        QVERIFY(!readFile(path("enc.txt")).contains("hello from the napkin"));
        for (const char *who : {"alice", "bob"}) {
            QString cert = QString::fromUtf8(who) + QStringLiteral("/cert.pem");
            QString key = QString::fromUtf8(who) + QStringLiteral("/key.pem");
            Run d = openssl({QStringLiteral("cms"), QStringLiteral("-decrypt"),
                             QStringLiteral("-inform"), QStringLiteral("SMIME"),
                             QStringLiteral("-in"), QStringLiteral("enc.txt"),
                             QStringLiteral("-recip"), cert, QStringLiteral("-inkey"), key});
            QVERIFY2(d.exitCode == 0,
                     qPrintable(QString::fromUtf8(who) + QStringLiteral(": ") + d.err));
            QVERIFY(d.out.contains(QStringLiteral("hello from the napkin")));
        }
        Run ours = cli(words({"smime", "decrypt", "--cert", "bob/cert.pem", "--key", "bob/key.pem",
                              "--in", "enc.txt"}));
        QVERIFY2(ours.exitCode == 0, qPrintable(ours.err));
        QVERIFY(ours.out.contains(QStringLiteral("hello from the napkin")));
        Run notMine = cli(words({"smime", "decrypt", "--cert", "carol/cert.pem", "--key",
                                 "carol/key.pem", "--in", "enc.txt"}));
        QCOMPARE(notMine.exitCode, 1);
        QVERIFY2(notMine.err.contains(QStringLiteral("none of them this device")),
                 qPrintable(notMine.err));
    }

    void opensslEncryptReadByUs_data() {
        QTest::addColumn<QString>("cipher");
        QTest::newRow("gcm") << QStringLiteral("-aes-128-gcm");
        QTest::newRow("cbc") << QStringLiteral("-aes-128-cbc");
    }
    void opensslEncryptReadByUs() {
        QFETCH(QString, cipher);
        Run e =
            openssl({QStringLiteral("cms"), QStringLiteral("-encrypt"), cipher,
                     QStringLiteral("-in"), QStringLiteral("msg.txt"), QStringLiteral("-outform"),
                     QStringLiteral("SMIME"), QStringLiteral("-out"),
                     QStringLiteral("ossl-enc.txt"), QStringLiteral("alice/cert.pem")});
        QVERIFY2(e.exitCode == 0, qPrintable(e.err));
        Run d = cli(words({"smime", "decrypt", "--cert", "alice/cert.pem", "--key", "alice/key.pem",
                           "--in", "ossl-enc.txt"}));
        QVERIFY2(d.exitCode == 0, qPrintable(d.err));
        QVERIFY(d.out.contains(QStringLiteral("hello from the napkin")));
    }

    void badInputAndUsage_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("no sub-command") << words({"smime"}) << QByteArray() << 2;
        QTest::newRow("unknown sub-command") << words({"smime", "frobnicate"}) << QByteArray() << 2;
        QTest::newRow("sign without key")
            << words({"smime", "sign", "--cert", "alice/cert.pem"}) << kEntity << 2;
        QTest::newRow("unknown option")
            << words({"smime", "verify", "--signers", "alice/cert.pem", "--bogus", "x"}) << kEntity
            << 2;
        QTest::newRow("missing signers file")
            << words({"smime", "verify", "--signers", "nope.pem"}) << kEntity << 3;
        QTest::newRow("garbage to verify")
            << words({"smime", "verify", "--signers", "alice/cert.pem"})
            << QByteArray("this is not MIME at all") << 3;
        QTest::newRow("empty input to decrypt")
            << words({"smime", "decrypt", "--cert", "alice/cert.pem", "--key", "alice/key.pem"})
            << QByteArray() << 3;
        QTest::newRow("key file is a certificate")
            << words({"smime", "sign", "--cert", "alice/cert.pem", "--key", "alice/cert.pem"})
            << kEntity << 3;
    }
    void badInputAndUsage() {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, input);
        QFETCH(int, exitCode);
        Run r = cli(args, input);
        QVERIFY2(r.exitCode == exitCode,
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err)));
        QVERIFY2(!r.err.trimmed().isEmpty(), "a failure must say why");
    }
};

QTEST_GUILESS_MAIN(TestCliSmime)
#include "test_cli_smime.moc"
