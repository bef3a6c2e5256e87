// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Device identities: every property of the generated certificate is read back
// from the encoded certificate with OpenSSL, independently of the generator.

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "tests/crypto/CryptoTestSupport.h"
#include "tests/crypto/TestCertFactory.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QTest>

#include <openssl/objects.h>

#include <cstring>

using namespace napkin::crypto;
using namespace std::chrono_literals;

namespace {

using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OsslDeleter<ASN1_BIT_STRING_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OsslDeleter<BASIC_CONSTRAINTS_free>>;
inline void freeEku(EXTENDED_KEY_USAGE *eku) noexcept {
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, OsslDeleter<freeEku>>;

// A fixed, whole-second instant so that validity can be compared exactly.
const SystemTime kNow = std::chrono::system_clock::from_time_t(1'900'000'000);

/// Re-parses the DER so that checks see what a peer would see.
Certificate reparsed(const Certificate &cert) {
    auto again = Certificate::fromDer(cert.toDer());
    if (!again) {
        qFatal("re-parsing our own certificate failed: %s", again.error().message.c_str());
    }
    return std::move(again).value();
}

bool isCritical(X509 *cert, int nid) {
    int idx = X509_get_ext_by_NID(cert, nid, -1);
    return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

int extensionCount(X509 *cert, int nid) {
    int count = 0;
    for (int idx = -1; (idx = X509_get_ext_by_NID(cert, nid, idx)) >= 0;) {
        ++count;
    }
    return count;
}

/// The keyUsage bits that are set, as RFC 5280 bit numbers.
QList<int> keyUsageBits(X509 *cert) {
    Asn1BitStringPtr ku(
        static_cast<ASN1_BIT_STRING *>(X509_get_ext_d2i(cert, NID_key_usage, nullptr, nullptr)));
    QList<int> bits;
    for (int i = 0; ku && i < 9; ++i) {
        if (ASN1_BIT_STRING_get_bit(ku.get(), i) == 1) {
            bits.append(i);
        }
    }
    return bits;
}

QList<int> extendedKeyUsageNids(X509 *cert) {
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE *>(
        X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
    QList<int> nids;
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        nids.append(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i)));
    }
    return nids;
}

QStringList toQt(const std::vector<std::string> &v) {
    QStringList out;
    for (const auto &s : v) {
        out.append(QString::fromStdString(s));
    }
    return out;
}

DeviceIdentity makeIdentity(IdentityOptions o) {
    auto id = createDeviceIdentity(o);
    if (!id) {
        qFatal("createDeviceIdentity failed: %s", id.error().message.c_str());
    }
    return std::move(id).value();
}

} // namespace

class TestIdentity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void generatedCertificate_data() {
        QTest::addColumn<int>("keyType");
        QTest::addColumn<int>("rsaBits");
        QTest::newRow("EC P-256") << static_cast<int>(KeyType::Ec) << 0;
        QTest::newRow("RSA 2048") << static_cast<int>(KeyType::Rsa) << 2048;
        QTest::newRow("RSA 3072") << static_cast<int>(KeyType::Rsa) << 3072;
    }
    void generatedCertificate() {
        QFETCH(int, keyType);
        QFETCH(int, rsaBits);
        const auto type = static_cast<KeyType>(keyType);

        IdentityOptions o;
        o.aor = "sip:alice@A.Example.";
        o.displayName = "Alice M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac";
        o.instanceUrn = "urn:uuid:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6";
        o.keyType = type;
        if (type == KeyType::Rsa) {
            o.rsaBits = rsaBits;
        }
        o.lifetime = 3 * 24h;
        o.now = kNow;
        DeviceIdentity id = makeIdentity(o);
        Certificate cert = reparsed(id.certificate);
        X509 *x = cert.native();

        QCOMPARE(X509_get_version(x), static_cast<long>(X509_VERSION_3));

        // SAN: exactly the normalised AOR and the lower-cased instance URN.
        QCOMPARE(toQt(cert.sanUris()),
                 QStringList({QStringLiteral("sip:alice@a.example"),
                              QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")}));
        QVERIFY(cert.sanDnsNames().empty());
        QCOMPARE(QString::fromStdString(cert.sipUri().value_or("")),
                 QStringLiteral("sip:alice@a.example"));
        QVERIFY(!isCritical(x, NID_subject_alt_name));

        // CN in UTF-8, subject == issuer.
        QCOMPARE(QString::fromStdString(cert.commonName()),
                 QString::fromUtf8("Alice M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac"));
        QCOMPARE(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
        QCOMPARE(X509_NAME_entry_count(X509_get_subject_name(x)), 1);

        // keyUsage: critical, digitalSignature plus keyEncipherment (RSA) or keyAgreement (EC).
        QVERIFY(isCritical(x, NID_key_usage));
        QCOMPARE(keyUsageBits(x), type == KeyType::Rsa ? QList<int>({0, 2}) : QList<int>({0, 4}));
        const uint32_t kuFlags = X509_get_key_usage(x);
        QVERIFY(kuFlags & KU_DIGITAL_SIGNATURE);
        QVERIFY(!(kuFlags & KU_KEY_CERT_SIGN));

        // extendedKeyUsage: emailProtection only.
        QCOMPARE(extendedKeyUsageNids(x), QList<int>({NID_email_protect}));
        QCOMPARE(X509_get_extended_key_usage(x), static_cast<uint32_t>(XKU_SMIME));

        // subjectKeyIdentifier = SHA-1 of the public key bits.
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
        QVERIFY(ski != nullptr);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdLen = 0;
        QVERIFY(X509_pubkey_digest(x, EVP_sha1(), md, &mdLen) == 1);
        QCOMPARE(ASN1_STRING_length(ski), static_cast<int>(mdLen));
        QVERIFY(std::memcmp(ASN1_STRING_get0_data(ski), md, mdLen) == 0);

        // basicConstraints CA:FALSE.
        QCOMPARE(extensionCount(x, NID_basic_constraints), 1);
        BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS *>(
            X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr)));
        QVERIFY(bc);
        QCOMPARE(bc->ca, 0);
        QVERIFY(!(X509_get_extension_flags(x) & EXFLAG_CA));

        // Each extension appears once.
        for (int nid :
             {NID_subject_alt_name, NID_key_usage, NID_ext_key_usage, NID_subject_key_identifier}) {
            QCOMPARE(extensionCount(x, nid), 1);
        }

        // Serial: a positive INTEGER of exactly 16 octets.
        const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
        QCOMPARE(ASN1_STRING_type(serial), V_ASN1_INTEGER);
        QCOMPARE(ASN1_STRING_length(serial), 16);
        QVERIFY(ASN1_STRING_get0_data(serial)[0] != 0);
        QVERIFY((ASN1_STRING_get0_data(serial)[0] & 0x80) == 0);
        QCOMPARE(cert.serialHex().size(), std::size_t{32});

        // Validity: five minutes of skew before now, the lifetime after it.
        QVERIFY(cert.notBefore() == kNow - kClockSkewAllowance);
        QVERIFY(cert.notAfter() == kNow + 3 * 24h);

        // Signature: SHA-256 with the key's own algorithm, and self-signed.
        QCOMPARE(X509_get_signature_nid(x),
                 type == KeyType::Rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256);
        QVERIFY(cert.checkSelfSigned().ok());
        QCOMPARE(X509_self_signed(x, 1), 1);

        // The key fits the certificate and has the asked-for shape.
        QVERIFY(id.key.matches(cert));
        QCOMPARE(id.key.type(), type);
        const KeyInfo info = cert.keyInfo();
        QCOMPARE(info.type, type);
        if (type == KeyType::Rsa) {
            QCOMPARE(info.bits, rsaBits);
        } else {
            QCOMPARE(QString::fromStdString(info.curve), QStringLiteral("prime256v1"));
        }
    }

    // A peer's certificate is made by whoever made it: an instance URN that is not a UUID
    // is text of their choosing, shown by the UI and used as a key, so it counts as none.
    void peerInstanceUrnMustBeAUuid_data() {
        QTest::addColumn<QString>("san");
        QTest::addColumn<QString>("expected");
        QTest::newRow("canonical")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
        QTest::newRow("upper case, normalised")
            << QStringLiteral("urn:UUID:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
        QTest::newRow("markup") << QStringLiteral("urn:uuid:<b>x</b>") << QString();
        QTest::newRow("image") << QStringLiteral("urn:uuid:<img src=\"x\">") << QString();
        QTest::newRow("not a UUID") << QStringLiteral("urn:uuid:laptop") << QString();
        QTest::newRow("UUID and a newline")
            << QStringLiteral("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6\nx") << QString();
    }
    void peerInstanceUrnMustBeAUuid() {
        QFETCH(QString, san);
        QFETCH(QString, expected);
        napkin::crypto::test::TestCertOptions o;
        o.commonName = "bob";
        o.uris = {"sip:bob@b.example", san.toStdString()};
        auto made = napkin::crypto::test::makeTestCert(o);
        QVERIFY(made.ok());
        const auto urn = made->certificate.instanceUrn();
        QCOMPARE(QString::fromStdString(urn.value_or(std::string())), expected);
        QCOMPARE(urn.has_value(), !expected.isEmpty());
    }

    void defaults() {
        IdentityOptions o;
        o.aor = "bob@b.example";
        const auto before = std::chrono::system_clock::now();
        DeviceIdentity id = makeIdentity(o);
        const auto after = std::chrono::system_clock::now();
        const Certificate &cert = id.certificate;
        QCOMPARE(cert.keyInfo().algorithm, std::string("EC P-256"));
        QCOMPARE(cert.commonName(), std::string("bob"));
        QVERIFY(!cert.instanceUrn().has_value());
        QCOMPARE(toQt(cert.sanUris()), QStringList({QStringLiteral("sip:bob@b.example")}));
        // Whole seconds in the certificate: allow one second of truncation.
        QVERIFY(cert.notBefore() >= before - kClockSkewAllowance - 1s);
        QVERIFY(cert.notBefore() <= after - kClockSkewAllowance);
        QVERIFY(cert.notAfter() - cert.notBefore() == kClockSkewAllowance + 7 * 24h);
        QVERIFY(cert.checkValidAt(std::chrono::system_clock::now()).ok());
    }

    void lifetimeBounds_data() {
        QTest::addColumn<qint64>("seconds");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("59 minutes") << qint64{59 * 60} << false;
        QTest::newRow("1 hour minus 1 s") << qint64{3599} << false;
        QTest::newRow("1 hour") << qint64{3600} << true;
        QTest::newRow("90 days") << qint64{90 * 86400} << true;
        QTest::newRow("90 days plus 1 s") << qint64{90 * 86400 + 1} << false;
        QTest::newRow("91 days") << qint64{91 * 86400} << false;
        QTest::newRow("zero") << qint64{0} << false;
        QTest::newRow("negative") << qint64{-3600} << false;
    }
    void lifetimeBounds() {
        QFETCH(qint64, seconds);
        QFETCH(bool, accepted);
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.lifetime = std::chrono::seconds(seconds);
        o.now = kNow;
        auto id = createDeviceIdentity(o);
        QCOMPARE(id.ok(), accepted);
        if (accepted) {
            QVERIFY(id->certificate.notAfter() == kNow + std::chrono::seconds(seconds));
        } else {
            QCOMPARE(id.error().code, CryptoErrc::InvalidArgument);
            const auto msg = QString::fromStdString(id.error().message);
            QVERIFY2(msg.contains(u"1 hour") && msg.contains(u"90 days"), qPrintable(msg));
        }
    }

    void lifetimeMessageSaysWhatWasAsked() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.lifetime = 91 * 24h;
        auto id = createDeviceIdentity(o);
        QVERIFY(!id);
        QVERIFY(QString::fromStdString(id.error().message).contains(u"91 days"));
        o.lifetime = 59min;
        auto id2 = createDeviceIdentity(o);
        QVERIFY(!id2);
        QVERIFY(QString::fromStdString(id2.error().message).contains(u"59 minutes"));
    }

    void invalidInstanceUrn_data() {
        QTest::addColumn<QByteArray>("urn");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("no prefix") << QByteArray("f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
        QTest::newRow("other URN") << QByteArray("urn:oid:1.2.3");
        QTest::newRow("short UUID") << QByteArray("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf");
        QTest::newRow("long UUID") << QByteArray("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf60");
        QTest::newRow("no dashes") << QByteArray("urn:uuid:f81d4fae7dec11d0a76500a0c91e6bf6xxxx");
        QTest::newRow("non-hex") << QByteArray("urn:uuid:g81d4fae-7dec-11d0-a765-00a0c91e6bf6");
        QTest::newRow("braces") << QByteArray("urn:uuid:{81d4fae-7dec-11d0-a765-00a0c91e6bf}");
        QTest::newRow("trailing space")
            << QByteArray("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6 ");
    }
    void invalidInstanceUrn() {
        QFETCH(QByteArray, urn);
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.instanceUrn = urn.toStdString();
        auto id = createDeviceIdentity(o);
        QVERIFY(!id);
        QCOMPARE(id.error().code, CryptoErrc::InvalidArgument);
        QVERIFY(QString::fromStdString(id.error().message).contains(u"urn:uuid:"));
    }

    void badAorRejected_data() {
        QTest::addColumn<QByteArray>("aor");
        QTest::newRow("port") << QByteArray("sip:alice@a.example:5060");
        QTest::newRow("no user") << QByteArray("sip:a.example");
        QTest::newRow("tel") << QByteArray("tel:+15551234");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("non-ASCII host") << QByteArray("alice@\xc3\xa4.example");
    }
    void badAorRejected() {
        QFETCH(QByteArray, aor);
        IdentityOptions o;
        o.aor = aor.toStdString();
        auto id = createDeviceIdentity(o);
        QVERIFY(!id);
        auto parsed = parseAor(o.aor);
        QVERIFY(!parsed);
        QCOMPARE(id.error().code, parsed.error().code);
        QCOMPARE(id.error().message, parsed.error().message);
    }

    void badOptionsRejected() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.keyType = KeyType::Rsa;
        o.rsaBits = 1024;
        auto weak = createDeviceIdentity(o);
        QVERIFY(!weak);
        QCOMPARE(weak.error().code, CryptoErrc::InvalidArgument);
        QVERIFY(QString::fromStdString(weak.error().message).contains(u"1024"));

        o.keyType = KeyType::Other;
        auto other = createDeviceIdentity(o);
        QVERIFY(!other);
        QCOMPARE(other.error().code, CryptoErrc::InvalidArgument);

        o.keyType = KeyType::Ec;
        o.displayName = "bad \xff utf-8";
        auto badUtf8 = createDeviceIdentity(o);
        QVERIFY(!badUtf8);
        QCOMPARE(badUtf8.error().code, CryptoErrc::InvalidArgument);

        o.displayName = "tab\there";
        auto control = createDeviceIdentity(o);
        QVERIFY(!control);
        QCOMPARE(control.error().code, CryptoErrc::InvalidArgument);

        o.displayName = std::string(65, 'x');
        auto tooLong = createDeviceIdentity(o);
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error().code, CryptoErrc::InvalidArgument);

        // 64 characters of two bytes each is still within the limit.
        o.displayName.clear();
        for (int i = 0; i < 64; ++i) {
            o.displayName += "\xc3\xa9";
        }
        auto atLimit = createDeviceIdentity(o);
        QVERIFY(atLimit.ok());
        QCOMPARE(QString::fromStdString(atLimit->certificate.commonName()).size(), 64);
    }

    void fingerprintFormat() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        DeviceIdentity id = makeIdentity(o);
        const auto machine = QString::fromStdString(id.certificate.fingerprint());
        QVERIFY2(
            QRegularExpression(QStringLiteral("^sha256:[0-9a-f]{64}$")).match(machine).hasMatch(),
            qPrintable(machine));
        const auto der = id.certificate.toDer();
        const QByteArray derBytes(reinterpret_cast<const char *>(der.data()),
                                  static_cast<qsizetype>(der.size()));
        const auto expected =
            QCryptographicHash::hash(derBytes, QCryptographicHash::Sha256).toHex();
        QCOMPARE(machine, QStringLiteral("sha256:") + QString::fromLatin1(expected));

        const auto people = QString::fromStdString(id.certificate.fingerprintForPeople());
        QVERIFY2(QRegularExpression(QStringLiteral("^[0-9A-F]{4}( [0-9A-F]{4}){15}$"))
                     .match(people)
                     .hasMatch(),
                 qPrintable(people));
        QCOMPARE(QString(people).remove(u' ').toLower(), QString::fromLatin1(expected));
    }

    void expiry() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.lifetime = 2h;
        o.now = kNow;
        DeviceIdentity id = makeIdentity(o);
        const Certificate &cert = id.certificate;
        QVERIFY(cert.checkValidAt(kNow).ok());
        QVERIFY(cert.checkValidAt(kNow - 4min).ok()); // a peer with a slow clock
        // OpenSSL's X509_cmp_time treats the notAfter second itself as past.
        QVERIFY(cert.checkValidAt(kNow + 2h - 1s).ok());
        auto late = cert.checkValidAt(kNow + 2h + 1s);
        QVERIFY(!late);
        QCOMPARE(late.error().code, CryptoErrc::CertificateExpired);
        auto muchLater = cert.checkValidAt(kNow + 30 * 24h);
        QVERIFY(!muchLater);
        QCOMPARE(muchLater.error().code, CryptoErrc::CertificateExpired);
        auto early = cert.checkValidAt(kNow - 6min);
        QVERIFY(!early);
        QCOMPARE(early.error().code, CryptoErrc::CertificateNotYetValid);
    }

    void generationsDiffer() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.now = kNow;
        DeviceIdentity a = makeIdentity(o);
        DeviceIdentity b = makeIdentity(o);
        QVERIFY(a.certificate.serialHex() != b.certificate.serialHex());
        QVERIFY(a.certificate.fingerprint() != b.certificate.fingerprint());
        QVERIFY(!a.key.matches(b.certificate));
        QVERIFY(!b.key.matches(a.certificate));
        QVERIFY(!(a.certificate == b.certificate));
    }

    void roundTrip() {
        IdentityOptions o;
        o.aor = "sip:alice@a.example";
        o.instanceUrn = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
        DeviceIdentity id = makeIdentity(o);

        auto fromPem = Certificate::fromPem(id.certificate.toPem());
        QVERIFY(fromPem.ok());
        QVERIFY(*fromPem == id.certificate);
        QCOMPARE(fromPem->fingerprint(), id.certificate.fingerprint());

        auto fromDer = Certificate::fromDer(id.certificate.toDer());
        QVERIFY(fromDer.ok());
        QVERIFY(*fromDer == id.certificate);
        QCOMPARE(fromDer->instanceUrn().value_or(""), *o.instanceUrn);

        auto key = PrivateKey::fromPem(id.key.toPem());
        QVERIFY(key.ok());
        QVERIFY(key->matches(*fromPem));
        QVERIFY(key->matches(*fromDer));

        auto rsa = IdentityOptions{};
        rsa.aor = "sip:carol@c.example";
        rsa.keyType = KeyType::Rsa;
        DeviceIdentity rid = makeIdentity(rsa);
        auto rsaKey = PrivateKey::fromPem(rid.key.toPem());
        QVERIFY(rsaKey.ok());
        QCOMPARE(rsaKey->type(), KeyType::Rsa);
        auto rsaCert = Certificate::fromPem(rid.certificate.toPem());
        QVERIFY(rsaCert.ok());
        QVERIFY(rsaKey->matches(*rsaCert));
        QVERIFY(!rsaKey->matches(id.certificate));
    }
};

QTEST_GUILESS_MAIN(TestIdentity)
#include "test_identity.moc"
