// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

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
    void farNotAfterIsClamped() {
        // notAfter 9999-12-31T23:59:59Z, RFC 5280's "no well-defined
        // expiration"; SystemTime cannot hold it (a fuzz_device_certificate seed).
        auto cert = Certificate::fromPem(
            "-----BEGIN CERTIFICATE-----\n"
            "MIIBUDCB+KADAgECAgEBMAoGCCqGSM49BAMCMBAxDjAMBgNVBAMMBWFsaWNlMCAX\n"
            "DTI2MTIwMTAwMDAwMFoYDzk5OTkxMjMxMjM1OTU5WjAQMQ4wDAYDVQQDDAVhbGlj\n"
            "ZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJPgq8HX+5nH0qa6cJY/VaySkWjb\n"
            "4to/ul5IozsNGWUEAToYrN9Oihot/O03LZHYNyaX7GIOrVUwICjFyBaejuSjQTA/\n"
            "MB4GA1UdEQQXMBWGE3NpcDphbGljZUBhLmV4YW1wbGUwHQYDVR0OBBYEFP8yl/XD\n"
            "yIFmPia2C0hKZtfHtB87MAoGCCqGSM49BAMCA0cAMEQCIDWRDPdhXPuONzBtDW07\n"
            "6eMxmMCbwB6vmjpJTkfUc9ikAiAeGyjMcix5ujf2a2udrjtnBlIypVRnn+U2YmAH\n"
            "BisDqQ==\n"
            "-----END CERTIFICATE-----\n");
        QVERIFY(cert.ok());
        const auto year2116 = std::chrono::system_clock::from_time_t(4607510400);
        QVERIFY(cert->notAfter() >= year2116);
        QVERIFY(cert->notAfter() - cert->notBefore() > std::chrono::hours(24 * 365 * 80));
        QVERIFY(cert->checkValidAt(std::chrono::system_clock::from_time_t(1796083200)).ok());
    }
    void groupHex() {
        const std::uint8_t b[] = {0x3f, 0x2a, 0x91, 0xc0, 0x01};
        QCOMPARE(QString::fromStdString(groupHexForPeople(b)), QStringLiteral("3F2A 91C0 01"));
        QCOMPARE(QString::fromStdString(toHex(b)), QStringLiteral("3f2a91c001"));
    }
};

QTEST_GUILESS_MAIN(TestCertificate)
#include "test_certificate.moc"
