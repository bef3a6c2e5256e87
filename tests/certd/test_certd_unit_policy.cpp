// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Every enrolment check of certd maps to its own problem type: real device
// identities pass, and each odd certificate fails with exactly its slug.

#include "certd/EnrolPolicy.h"
#include "crypto/DeviceIdentity.h"
#include "tests/certd/CertdTestSupport.h"
#include "tests/crypto/TestCertFactory.h"

#include <openssl/evp.h>

#include <QTest>

using namespace napkin::certd;
using namespace napkin::crypto;
using napkin::crypto::test::makeTestCert;
using napkin::crypto::test::TestCertOptions;

namespace {

using std::chrono::hours;

Aor bob() {
    return parseAor("sip:bob@b.example").value();
}

Certificate make(TestCertOptions o) {
    if (o.commonName.empty()) {
        o.commonName = "bob";
    }
    auto made = makeTestCert(o);
    if (!made) {
        qFatal("makeTestCert failed: %s", made.error().message.c_str());
    }
    return made->certificate;
}

PrivateKey rawKey(const char *type, const char *param) {
    EVP_PKEY *key = std::string_view(type) == "RSA"
                        ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024})
                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param);
    if (key == nullptr) {
        qFatal("key generation failed");
    }
    return PrivateKey(EvpPkeyPtr(key));
}

napkin::Result<void, Problem> check(const Certificate &cert, const Aor &aor = bob(),
                                    int maxDays = 90) {
    return checkDeviceCertificate(cert, aor, EnrolPolicyOptions{maxDays},
                                  std::chrono::system_clock::now());
}

std::string bytesOf(const Bytes &b) {
    return std::string(reinterpret_cast<const char *>(b.data()), b.size());
}

} // namespace

class TestCertdPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void acceptsDeviceIdentities_data() {
        QTest::addColumn<int>("keyType");
        QTest::addColumn<int>("rsaBits");
        QTest::addColumn<int>("days");
        QTest::addColumn<bool>("urn");
        QTest::newRow("EC P-256, 7 days") << static_cast<int>(KeyType::Ec) << 0 << 7 << true;
        QTest::newRow("EC P-256, 90 days (the maximum)")
            << static_cast<int>(KeyType::Ec) << 0 << 90 << false;
        QTest::newRow("RSA 2048") << static_cast<int>(KeyType::Rsa) << 2048 << 30 << true;
        QTest::newRow("RSA 3072") << static_cast<int>(KeyType::Rsa) << 3072 << 1 << false;
    }
    void acceptsDeviceIdentities() {
        QFETCH(int, keyType);
        QFETCH(int, rsaBits);
        QFETCH(int, days);
        QFETCH(bool, urn);
        IdentityOptions o;
        o.aor = "sip:bob@b.example";
        o.keyType = static_cast<KeyType>(keyType);
        if (rsaBits != 0) {
            o.rsaBits = rsaBits;
        }
        o.lifetime = hours(24 * days);
        if (urn) {
            o.instanceUrn = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
        }
        auto id = createDeviceIdentity(o);
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
        auto r = check(id->certificate);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().detail.c_str());
        // The same certificate as PEM and as DER parses to the same thing.
        auto pem = parseDeviceCertificate(id->certificate.toPem());
        QVERIFY(pem.ok());
        QVERIFY(*pem == id->certificate);
        auto der = parseDeviceCertificate(bytesOf(id->certificate.toDer()));
        QVERIFY(der.ok());
        QVERIFY(*der == id->certificate);
    }

    void acceptsOtherSpellingsOfTheAor() {
        // sips: or sip:, host in any case, URI parameters: all name the AOR.
        for (const char *uri :
             {"sips:bob@b.example", "sip:bob@B.Example", "sip:bob@b.example;transport=tls"}) {
            TestCertOptions o;
            o.uris = {uri};
            auto r = check(make(o));
            QVERIFY2(r.ok(), r.ok() ? uri : r.error().detail.c_str());
        }
        TestCertOptions p384;
        p384.uris = {"sip:bob@b.example"};
        auto key = PrivateKey::generateEc("P-384");
        QVERIFY(key.ok());
        p384.key = &*key;
        QVERIFY(check(make(p384)).ok());
    }

    void refusesEachProblem_data() {
        QTest::addColumn<int>("expected");
        QTest::newRow("not self-signed") << static_cast<int>(ProblemType::NotSelfSigned);
        QTest::newRow("signed by another key with the same name")
            << static_cast<int>(ProblemType::BadSignature);
        QTest::newRow("tampered signature") << static_cast<int>(ProblemType::BadSignature);
        QTest::newRow("another AOR") << static_cast<int>(ProblemType::AorMismatch);
        QTest::newRow("another domain") << static_cast<int>(ProblemType::AorMismatch);
        QTest::newRow("AOR plus another AOR") << static_cast<int>(ProblemType::AorMismatch);
        QTest::newRow("no SIP URI") << static_cast<int>(ProblemType::AorMismatch);
        QTest::newRow("user part case differs") << static_cast<int>(ProblemType::AorMismatch);
        QTest::newRow("valid too long") << static_cast<int>(ProblemType::ValidityTooLong);
        QTest::newRow("expired") << static_cast<int>(ProblemType::CertificateExpired);
        QTest::newRow("not yet valid") << static_cast<int>(ProblemType::CertificateNotYetValid);
        QTest::newRow("RSA 1024") << static_cast<int>(ProblemType::KeyNotAllowed);
        QTest::newRow("EC P-521") << static_cast<int>(ProblemType::KeyNotAllowed);
        QTest::newRow("EC secp256k1") << static_cast<int>(ProblemType::KeyNotAllowed);
    }
    void refusesEachProblem() {
        QFETCH(int, expected);
        const QString name = QString::fromUtf8(QTest::currentDataTag());
        auto now = std::chrono::system_clock::now();
        TestCertOptions o;
        o.uris = {"sip:bob@b.example", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"};
        std::optional<TestCertOptions> caOptions;
        std::optional<PrivateKey> key;
        bool tamper = false;
        if (name == QStringLiteral("not self-signed") ||
            name == QStringLiteral("signed by another key with the same name")) {
            TestCertOptions ca;
            ca.commonName = name == QStringLiteral("not self-signed") ? "Example CA" : "bob";
            ca.isCa = true;
            auto caCert = makeTestCert(ca);
            QVERIFY(caCert.ok());
            o.issuerCert = &caCert->certificate;
            o.issuerKey = &caCert->key;
            auto r = check(make(o));
            QVERIFY(!r.ok());
            QCOMPARE(r.error().type, static_cast<ProblemType>(expected));
            return;
        }
        if (name == QStringLiteral("tampered signature")) {
            tamper = true;
        } else if (name == QStringLiteral("another AOR")) {
            o.uris = {"sip:alice@b.example"};
        } else if (name == QStringLiteral("another domain")) {
            o.uris = {"sip:bob@a.example"};
        } else if (name == QStringLiteral("AOR plus another AOR")) {
            o.uris = {"sip:bob@b.example", "sip:alice@b.example"};
        } else if (name == QStringLiteral("no SIP URI")) {
            o.uris = {"urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"};
            o.dnsNames = {"b.example"};
        } else if (name == QStringLiteral("user part case differs")) {
            o.uris = {"sip:Bob@b.example"};
        } else if (name == QStringLiteral("valid too long")) {
            o.notBefore = now - hours(1);
            o.notAfter = now + hours(24 * 91);
        } else if (name == QStringLiteral("expired")) {
            o.notBefore = now - hours(24 * 10);
            o.notAfter = now - hours(1);
        } else if (name == QStringLiteral("not yet valid")) {
            o.notBefore = now + hours(24);
            o.notAfter = now + hours(24 * 10);
        } else if (name == QStringLiteral("RSA 1024")) {
            key = rawKey("RSA", nullptr);
        } else if (name == QStringLiteral("EC P-521")) {
            key = rawKey("EC", "P-521");
        } else if (name == QStringLiteral("EC secp256k1")) {
            key = rawKey("EC", "secp256k1");
        }
        if (key) {
            o.key = &*key;
        }
        auto cert = make(o);
        if (tamper) {
            auto der = cert.toDer();
            der.back() ^= 0x01; // inside the signature value
            auto parsed = parseDeviceCertificate(bytesOf(der));
            QVERIFY2(parsed.ok(), "a flipped signature bit still parses");
            cert = *parsed;
        }
        auto r = check(cert);
        QVERIFY2(!r.ok(), "the certificate was accepted");
        QCOMPARE(r.error().type, static_cast<ProblemType>(expected));
        QVERIFY(!r.error().detail.empty());
    }

    void instanceUrnMustBeAUuid_data() {
        QTest::addColumn<QString>("urn");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("canonical")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6") << true;
        QTest::newRow("upper case (normalised)")
            << QStringLiteral("URN:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6") << true;
        QTest::newRow("markup") << QStringLiteral("urn:uuid:<b>x</b>") << false;
        QTest::newRow("link") << QStringLiteral("urn:uuid:<a href=\"http://x\">link</a>") << false;
        QTest::newRow("not a UUID") << QStringLiteral("urn:uuid:not-a-uuid") << false;
        QTest::newRow("UUID and more")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6x") << false;
        QTest::newRow("UUID, newline, text")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6\nforged line")
            << false;
        QTest::newRow("no dashes")
            << QStringLiteral("urn:uuid:f81d4fae7dec11d0a76500a0c91e6bf6") << false;
        QTest::newRow("empty UUID") << QStringLiteral("urn:uuid:") << false;
    }
    void instanceUrnMustBeAUuid() {
        QFETCH(QString, urn);
        QFETCH(bool, accepted);
        TestCertOptions o;
        o.uris = {"sip:bob@b.example", urn.toStdString()};
        auto r = check(make(o));
        if (accepted) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().detail.c_str());
            return;
        }
        QVERIFY2(!r.ok(), "the certificate was accepted");
        QCOMPARE(r.error().type, ProblemType::BadInstanceUrn);
        QCOMPARE(problemStatus(r.error().type), 400);
        QCOMPARE(problemSlug(r.error().type), std::string_view("bad-instance-urn"));
        const std::string &detail = r.error().detail;
        QVERIFY2(detail.find("8-4-4-4-12") != std::string::npos, detail.c_str());
        QVERIFY2(detail.find('\n') == std::string::npos, detail.c_str());
    }

    void twoInstanceUrnsAreRefused() {
        TestCertOptions o;
        o.uris = {"sip:bob@b.example", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
                  "urn:uuid:11111111-2222-3333-4444-555555555555"};
        auto r = check(make(o));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().type, ProblemType::BadInstanceUrn);
    }

    void validityLimitIsConfigurable() {
        IdentityOptions o;
        o.aor = "bob@b.example";
        o.lifetime = hours(24 * 30);
        auto id = createDeviceIdentity(o);
        QVERIFY(id.ok());
        QVERIFY(check(id->certificate, bob(), 30).ok());
        auto r = check(id->certificate, bob(), 29);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().type, ProblemType::ValidityTooLong);
    }

    void malformedBodies_data() {
        QTest::addColumn<QByteArray>("body");
        IdentityOptions o;
        o.aor = "bob@b.example";
        auto a = createDeviceIdentity(o).value();
        auto b = createDeviceIdentity(o).value();
        auto der = a.certificate.toDer();
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("garbage") << QByteArray("this is not a certificate");
        QTest::newRow("truncated DER") << QByteArray::fromStdString(bytesOf(der).substr(0, 100));
        QTest::newRow("trailing bytes") << QByteArray::fromStdString(bytesOf(der) + "x");
        QTest::newRow("two certificates")
            << QByteArray::fromStdString(a.certificate.toPem() + b.certificate.toPem());
        QTest::newRow("broken PEM") << QByteArray("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                                  "-----END CERTIFICATE-----\n");
        QTest::newRow("a key, not a certificate") << QByteArray::fromStdString(a.key.toPem());
    }
    void malformedBodies() {
        QFETCH(QByteArray, body);
        auto r = parseDeviceCertificate(
            std::string_view(body.constData(), static_cast<std::size_t>(body.size())));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().type, ProblemType::MalformedCertificate);
    }
};

QTEST_GUILESS_MAIN(TestCertdPolicy)
#include "test_certd_unit_policy.moc"
