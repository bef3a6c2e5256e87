// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// S/MIME interoperability with the real `openssl cms`: what we sign and
// encrypt, OpenSSL verifies and decrypts, and the other way round, for EC and
// RSA device identities.

#include "crypto/DeviceIdentity.h"
#include "crypto/Smime.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace napkin::crypto;

namespace {

const QByteArray kEntityCrlf = "Content-Type: application/sdp\r\n"
                               "\r\n"
                               "v=0\r\n"
                               "o=bob 2808844564 2808844564 IN IP4 host.b.example\r\n"
                               "s=-\r\n";

ByteView bytesOf(const QByteArray &a) {
    return {reinterpret_cast<const std::uint8_t *>(a.constData()),
            static_cast<std::size_t>(a.size())};
}

QByteArray qbytes(ByteView v) {
    return QByteArray(reinterpret_cast<const char *>(v.data()), static_cast<qsizetype>(v.size()));
}

#define REQUIRE_OK(r) QVERIFY2((r).ok(), (r) ? "" : (r).error().message.c_str())

struct OpenSslRun {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

} // namespace

class TestSmimeInterop : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_openssl;
    std::vector<DeviceIdentity> m_ids; // EC, RSA
    QStringList m_certFiles;
    QStringList m_keyFiles;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    bool writeFile(const QString &name, const QByteArray &data) const {
        QFile f(path(name));
        return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
    }

    QByteArray readFile(const QString &name) const {
        QFile f(path(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    OpenSslRun openssl(const QStringList &args) const {
        QProcess p;
        p.setWorkingDirectory(m_dir.path());
        p.start(m_openssl, args);
        OpenSslRun r;
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }

private Q_SLOTS:
    void initTestCase() {
        m_openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (m_openssl.isEmpty()) {
            QSKIP("the openssl command is not installed");
        }
        QVERIFY(m_dir.isValid());
        const KeyType types[] = {KeyType::Ec, KeyType::Rsa};
        for (KeyType type : types) {
            IdentityOptions options;
            options.aor = type == KeyType::Ec ? "sip:ec@a.example" : "sip:rsa@b.example";
            options.keyType = type;
            auto id = createDeviceIdentity(options);
            REQUIRE_OK(id);
            const QString tag = type == KeyType::Ec ? QStringLiteral("ec") : QStringLiteral("rsa");
            m_certFiles << tag + QStringLiteral("-cert.pem");
            m_keyFiles << tag + QStringLiteral("-key.pem");
            QVERIFY(
                writeFile(m_certFiles.back(), QByteArray::fromStdString(id->certificate.toPem())));
            QVERIFY(writeFile(m_keyFiles.back(), QByteArray::fromStdString(id->key.toPem())));
            m_ids.push_back(std::move(id).value());
        }
    }

    void ourSignatureVerifiesInOpenSsl_data() {
        QTest::addColumn<int>("who");
        QTest::newRow("EC") << 0;
        QTest::newRow("RSA") << 1;
    }
    void ourSignatureVerifiesInOpenSsl() {
        QFETCH(int, who);
        const auto &id = m_ids[static_cast<std::size_t>(who)];
        auto s = smimeSign(bytesOf(kEntityCrlf), id.certificate, id.key);
        REQUIRE_OK(s);
        QVERIFY(writeFile(QStringLiteral("signed.txt"), qbytes(mimeBodyToEntity(*s))));
        // The self-signed certificate is its own trust anchor: OpenSSL checks
        // the chain and the signature, not just the structure.
        const QStringList verify = {
            QStringLiteral("cms"),     QStringLiteral("-verify"), QStringLiteral("-inform"),
            QStringLiteral("SMIME"),   QStringLiteral("-in"),     QStringLiteral("signed.txt"),
            QStringLiteral("-CAfile"), m_certFiles[who],          QStringLiteral("-purpose"),
            QStringLiteral("any"),     QStringLiteral("-out"),    QStringLiteral("content.txt")};
        auto r = openssl(verify);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(readFile(QStringLiteral("content.txt")), kEntityCrlf);

        // And OpenSSL does refuse the same body with one byte changed.
        QByteArray tampered = qbytes(mimeBodyToEntity(*s));
        tampered.replace("o=bob", "o=bub");
        QVERIFY(writeFile(QStringLiteral("signed.txt"), tampered));
        auto bad = openssl(verify);
        QVERIFY(bad.exitCode != 0);
    }

    void openSslSignatureVerifiesHere_data() {
        QTest::addColumn<int>("who");
        QTest::addColumn<bool>("lfInput");
        QTest::addColumn<bool>("noCerts");
        QTest::newRow("EC, CRLF input") << 0 << false << false;
        QTest::newRow("EC, LF input") << 0 << true << false;
        QTest::newRow("RSA, CRLF input") << 1 << false << false;
        QTest::newRow("RSA, LF input, certificate left out") << 1 << true << true;
    }
    void openSslSignatureVerifiesHere() {
        QFETCH(int, who);
        QFETCH(bool, lfInput);
        QFETCH(bool, noCerts);
        const auto &id = m_ids[static_cast<std::size_t>(who)];
        QByteArray input = kEntityCrlf;
        if (lfInput) {
            input.replace("\r\n", "\n");
        }
        QVERIFY(writeFile(QStringLiteral("entity.txt"), input));
        QStringList args = {
            QStringLiteral("cms"),        QStringLiteral("-sign"),   QStringLiteral("-in"),
            QStringLiteral("entity.txt"), QStringLiteral("-signer"), m_certFiles[who],
            QStringLiteral("-inkey"),     m_keyFiles[who],           QStringLiteral("-outform"),
            QStringLiteral("SMIME"),      QStringLiteral("-md"),     QStringLiteral("sha256")};
        if (noCerts) {
            args << QStringLiteral("-nocerts");
        }
        auto r = openssl(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto body = mimeBodyFromEntity(bytesOf(r.out));
        REQUIRE_OK(body);
        const Certificate set[] = {m_ids[1 - who].certificate, id.certificate};
        auto v = smimeVerify(*body, set, std::chrono::system_clock::now());
        REQUIRE_OK(v);
        QCOMPARE(qbytes(v->entity), kEntityCrlf); // OpenSSL signs the CRLF form
        QVERIFY(v->signer == id.certificate);
        QVERIFY(v->signingTime.has_value());

        const Certificate other[] = {m_ids[1 - who].certificate};
        auto stranger = smimeVerify(*body, other, std::chrono::system_clock::now());
        QVERIFY(!stranger);
        QCOMPARE(stranger.error().code, CryptoErrc::SignerNotInSet);
    }

    void ourEncryptionDecryptsInOpenSsl_data() {
        QTest::addColumn<bool>("cbc");
        QTest::newRow("AES-128-GCM") << false;
        QTest::newRow("AES-128-CBC") << true;
    }
    void ourEncryptionDecryptsInOpenSsl() {
        QFETCH(bool, cbc);
        const Certificate to[] = {m_ids[0].certificate, m_ids[1].certificate};
        auto e =
            smimeEncrypt(bytesOf(kEntityCrlf), to, cbc ? Cipher::Aes128Cbc : Cipher::Aes128Gcm);
        REQUIRE_OK(e);
        QVERIFY(writeFile(QStringLiteral("encrypted.txt"), qbytes(mimeBodyToEntity(*e))));
        for (int who = 0; who < 2; ++who) {
            auto r = openssl({QStringLiteral("cms"), QStringLiteral("-decrypt"),
                              QStringLiteral("-inform"), QStringLiteral("SMIME"),
                              QStringLiteral("-in"), QStringLiteral("encrypted.txt"),
                              QStringLiteral("-recip"), m_certFiles[who], QStringLiteral("-inkey"),
                              m_keyFiles[who], QStringLiteral("-binary")});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QCOMPARE(r.out, kEntityCrlf);
        }
    }

    void openSslEncryptionDecryptsHere_data() {
        QTest::addColumn<QString>("cipher");
        QTest::addColumn<bool>("stream");
        QTest::newRow("AES-128-GCM") << "-aes-128-gcm" << false;
        QTest::newRow("AES-128-CBC") << "-aes-128-cbc" << false;
        QTest::newRow("AES-256-GCM, streamed BER") << "-aes-256-gcm" << true;
        QTest::newRow("AES-128-CBC, streamed BER") << "-aes-128-cbc" << true;
    }
    void openSslEncryptionDecryptsHere() {
        QFETCH(QString, cipher);
        QFETCH(bool, stream);
        QVERIFY(writeFile(QStringLiteral("entity.txt"), kEntityCrlf));
        QStringList args = {
            QStringLiteral("cms"),      QStringLiteral("-encrypt"), cipher,
            QStringLiteral("-binary"),  QStringLiteral("-in"),      QStringLiteral("entity.txt"),
            QStringLiteral("-outform"), QStringLiteral("SMIME")};
        if (stream) {
            args << QStringLiteral("-stream");
        }
        args << m_certFiles[0] << m_certFiles[1];
        auto r = openssl(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto body = mimeBodyFromEntity(bytesOf(r.out));
        REQUIRE_OK(body);
        for (const auto &id : m_ids) {
            auto d = smimeDecrypt(*body, id.certificate, id.key);
            REQUIRE_OK(d);
            QCOMPARE(qbytes(*d), kEntityCrlf);
        }
    }

    void openSslWeakCipherIsRefused() {
        QVERIFY(writeFile(QStringLiteral("entity.txt"), kEntityCrlf));
        auto r =
            openssl({QStringLiteral("cms"), QStringLiteral("-encrypt"), QStringLiteral("-des3"),
                     QStringLiteral("-in"), QStringLiteral("entity.txt"),
                     QStringLiteral("-outform"), QStringLiteral("SMIME"), m_certFiles[0]});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto body = mimeBodyFromEntity(bytesOf(r.out));
        REQUIRE_OK(body);
        auto d = smimeDecrypt(*body, m_ids[0].certificate, m_ids[0].key);
        QVERIFY(!d);
        QCOMPARE(d.error().code, CryptoErrc::UnsupportedAlgorithm);
    }
};

QTEST_GUILESS_MAIN(TestSmimeInterop)
#include "test_smime_interop.moc"
