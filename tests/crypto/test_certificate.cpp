// Certificate and PrivateKey: parsing, serialisation, fingerprints, bad input.

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <QTest>

using namespace napkin::crypto;

class TestCertificate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emptyDerIsMalformed() {
        auto r = Certificate::fromDer({});
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::MalformedDer);
    }
    void garbagePemIsMalformed() {
        auto r = Certificate::fromPem("-----BEGIN CERTIFICATE-----\nnot base64\n"
                                      "-----END CERTIFICATE-----\n");
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::MalformedPem);
    }
    void noPemBlock() {
        auto r = Certificate::listFromPem("hello");
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::MalformedPem);
    }
    void ecKeyRoundTrip() {
        auto key = PrivateKey::generateEc();
        QVERIFY(key.ok());
        auto again = PrivateKey::fromPem(key->toPem());
        QVERIFY(again.ok());
        QCOMPARE(again->type(), KeyType::Ec);
    }
    void badCurveRejected() {
        auto key = PrivateKey::generateEc("P-192");
        QVERIFY(!key);
        QCOMPARE(key.error().code, CryptoErrc::UnsupportedAlgorithm);
    }
    void badRsaSizeRejected() {
        auto key = PrivateKey::generateRsa(1024);
        QVERIFY(!key);
        QCOMPARE(key.error().code, CryptoErrc::UnsupportedAlgorithm);
    }
    void groupHex() {
        const std::uint8_t b[] = {0x3f, 0x2a, 0x91, 0xc0, 0x01};
        QCOMPARE(QString::fromStdString(groupHexForPeople(b)), QStringLiteral("3F2A 91C0 01"));
        QCOMPARE(QString::fromStdString(toHex(b)), QStringLiteral("3f2a91c001"));
    }
};

QTEST_GUILESS_MAIN(TestCertificate)
#include "test_certificate.moc"
