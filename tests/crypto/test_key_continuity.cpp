// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Key continuity proofs (security review M2): a renewed certificate carries
// the previous key's signature over the new key, device and address. Each
// case that verifies has its tamper twins, and garbage never crashes.

#include "crypto/DeviceIdentity.h"
#include "crypto/KeyContinuity.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <QTest>

using namespace napkin;
using namespace napkin::crypto;

namespace {

const std::string kAor = "sip:alice@a.example";
const std::string kUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
const std::string kOtherUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000002";

IdentityOptions optionsFor(const std::string &urn, KeyType type = KeyType::Ec) {
    IdentityOptions o;
    o.aor = kAor;
    o.instanceUrn = urn;
    o.keyType = type;
    return o;
}

DeviceIdentity make(const std::string &urn, const DeviceIdentity *previous = nullptr,
                    KeyType type = KeyType::Ec) {
    auto id = createDeviceIdentity(optionsFor(urn, type), previous);
    if (!id) {
        qFatal("createDeviceIdentity: %s", id.error().message.c_str());
    }
    return std::move(id).value();
}

/// DER of SEQUENCE { OCTET STRING a, OCTET STRING b } for short fields.
Bytes sequenceOf(ByteView a, ByteView b) {
    Q_ASSERT(a.size() < 128 && b.size() < 128 && a.size() + b.size() + 4 < 128);
    Bytes out{0x30, static_cast<std::uint8_t>(a.size() + b.size() + 4), 0x04,
              static_cast<std::uint8_t>(a.size())};
    out.insert(out.end(), a.begin(), a.end());
    out.push_back(0x04);
    out.push_back(static_cast<std::uint8_t>(b.size()));
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes sign(const PrivateKey &key, ByteView message) {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t len = 0;
    Q_ASSERT(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.native()) == 1);
    Q_ASSERT(EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) == 1);
    Bytes sig(len);
    Q_ASSERT(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1);
    sig.resize(len);
    return sig;
}

Bytes spkiOf(const Certificate &cert) {
    const X509_PUBKEY *key = X509_get_X509_PUBKEY(cert.native());
    Bytes out(static_cast<std::size_t>(i2d_X509_PUBKEY(key, nullptr)));
    unsigned char *p = out.data();
    i2d_X509_PUBKEY(key, &p);
    return out;
}

/// `id`'s certificate with its continuity extension (if any) replaced by
/// `value`, re-signed with its own key: what a forger can make.
Certificate withProofValue(const DeviceIdentity &id, ByteView value) {
    X509Ptr x(X509_dup(id.certificate.native()));
    Asn1ObjectPtr oid(OBJ_txt2obj(kKeyContinuityOid, 1));
    const int at = X509_get_ext_by_OBJ(x.get(), oid.get(), -1);
    if (at >= 0) {
        X509ExtensionPtr gone(X509_delete_ext(x.get(), at));
    }
    Q_ASSERT(addKeyContinuityExtension(x.get(), value).ok());
    Q_ASSERT(X509_sign(x.get(), id.key.native(), EVP_sha256()) > 0);
    Certificate built(std::move(x));
    return Certificate::fromDer(built.toDer()).value();
}

Bytes proofValueOf(const Certificate &cert) {
    Asn1ObjectPtr oid(OBJ_txt2obj(kKeyContinuityOid, 1));
    const int at = X509_get_ext_by_OBJ(cert.native(), oid.get(), -1);
    Q_ASSERT(at >= 0);
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(cert.native(), at));
    return Bytes(ASN1_STRING_get0_data(data),
                 ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

} // namespace

class TestKeyContinuity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void renewalCarriesAProofThatVerifies_data() {
        QTest::addColumn<int>("oldType");
        QTest::addColumn<int>("newType");
        QTest::newRow("ec->ec") << int(KeyType::Ec) << int(KeyType::Ec);
        QTest::newRow("rsa->ec") << int(KeyType::Rsa) << int(KeyType::Ec);
        QTest::newRow("ec->rsa") << int(KeyType::Ec) << int(KeyType::Rsa);
    }
    void renewalCarriesAProofThatVerifies() {
        QFETCH(int, oldType);
        QFETCH(int, newType);
        const auto first = make(kUrn, nullptr, KeyType(oldType));
        const auto renewed = make(kUrn, &first, KeyType(newType));
        QVERIFY(renewed.certificate.checkSelfSigned().ok());
        auto verified = verifyKeyContinuity(renewed.certificate, first.certificate);
        QVERIFY2(verified.ok(), verified.ok() ? "" : verified.error().message.c_str());

        auto proof = keyContinuityOf(renewed.certificate);
        QVERIFY(proof.ok() && proof->has_value());
        QVERIFY((*proof)->previousFingerprint == first.certificate.sha256());
        // Non-critical: peers that do not know it still accept the certificate.
        Asn1ObjectPtr oid(OBJ_txt2obj(kKeyContinuityOid, 1));
        const int at = X509_get_ext_by_OBJ(renewed.certificate.native(), oid.get(), -1);
        QVERIFY(at >= 0);
        QCOMPARE(X509_EXTENSION_get_critical(X509_get_ext(renewed.certificate.native(), at)), 0);

        // A chain is checked link by link: the third vouched by the second only.
        const auto third = make(kUrn, &renewed);
        QVERIFY(verifyKeyContinuity(third.certificate, renewed.certificate).ok());
        QCOMPARE(verifyKeyContinuity(third.certificate, first.certificate).error().code,
                 CryptoErrc::SignerNotInSet);
    }

    void firstCertificateHasNoProof() {
        const auto first = make(kUrn);
        const auto other = make(kUrn);
        auto proof = keyContinuityOf(first.certificate);
        QVERIFY(proof.ok() && !proof->has_value());
        QCOMPARE(verifyKeyContinuity(other.certificate, first.certificate).error().code,
                 CryptoErrc::NoSignature);
    }

    void proofFromAnotherPreviousIsRejected() {
        const auto first = make(kUrn);
        const auto impostor = make(kUrn); // same URN, another key
        const auto renewed = make(kUrn, &first);
        QCOMPARE(verifyKeyContinuity(renewed.certificate, impostor.certificate).error().code,
                 CryptoErrc::SignerNotInSet);
    }

    void forgedProofNamingThePreviousIsRejected() {
        // The attacker knows the previous certificate (it is public) but not
        // its key: names it, and signs with its own.
        const auto first = make(kUrn);
        const auto attacker = make(kUrn);
        const auto fingerprint = first.certificate.sha256();
        const Bytes message = keyContinuityMessage(spkiOf(attacker.certificate), kUrn, kAor);
        const Bytes value = sequenceOf(fingerprint, sign(attacker.key, message));
        QVERIFY(parseKeyContinuity(value).ok());
        const auto forged = withProofValue(attacker, value);
        QCOMPARE(verifyKeyContinuity(forged, first.certificate).error().code,
                 CryptoErrc::BadSignature);
    }

    void proofMovedToAnotherKeyIsRejected() {
        // A genuine proof copied into a certificate with another key (SPKI).
        const auto first = make(kUrn);
        const auto renewed = make(kUrn, &first);
        const auto attacker = make(kUrn);
        const auto moved = withProofValue(attacker, proofValueOf(renewed.certificate));
        QCOMPARE(verifyKeyContinuity(moved, first.certificate).error().code,
                 CryptoErrc::BadSignature);
    }

    void signatureCoversDeviceAndAddress_data() {
        QTest::addColumn<QString>("urn");
        QTest::addColumn<QString>("aor");
        QTest::newRow("other urn")
            << QString::fromStdString(kOtherUrn) << QString::fromStdString(kAor);
        QTest::newRow("other aor")
            << QString::fromStdString(kUrn) << QStringLiteral("sip:mallory@a.example");
        QTest::newRow("no domain separation")
            << QString() << QString::fromStdString(kAor); // signs SPKI hash alone
    }
    void signatureCoversDeviceAndAddress() {
        QFETCH(QString, urn);
        QFETCH(QString, aor);
        const auto first = make(kUrn);
        const auto next = make(kUrn);
        Bytes message;
        if (urn.isEmpty()) {
            const Bytes spki = spkiOf(next.certificate);
            std::array<std::uint8_t, 32> md{};
            unsigned len = 0;
            EVP_Digest(spki.data(), spki.size(), md.data(), &len, EVP_sha256(), nullptr);
            message.assign(md.begin(), md.end());
        } else {
            message = keyContinuityMessage(spkiOf(next.certificate), urn.toStdString(),
                                           aor.toStdString());
        }
        const Bytes value = sequenceOf(first.certificate.sha256(), sign(first.key, message));
        const auto built = withProofValue(next, value);
        QCOMPARE(verifyKeyContinuity(built, first.certificate).error().code,
                 CryptoErrc::BadSignature);
        // The same construction over the right fields verifies: the test
        // helper is not what fails.
        const Bytes right = keyContinuityMessage(spkiOf(next.certificate), kUrn, kAor);
        const auto good =
            withProofValue(next, sequenceOf(first.certificate.sha256(), sign(first.key, right)));
        QVERIFY(verifyKeyContinuity(good, first.certificate).ok());
    }

    void previousOfAnotherDeviceCannotVouch() {
        const auto laptop = make(kOtherUrn);
        auto r = createDeviceIdentity(optionsFor(kUrn), &laptop);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, CryptoErrc::InvalidArgument);
        auto noUrn = optionsFor(kUrn);
        noUrn.instanceUrn.reset();
        r = createDeviceIdentity(noUrn, &laptop);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, CryptoErrc::InvalidArgument);

        // A proof by the laptop inside a certificate of another device: the
        // names differ, so it is refused before any signature is checked.
        const auto phone = make(kUrn);
        const Bytes message = keyContinuityMessage(spkiOf(phone.certificate), kUrn, kAor);
        const auto built = withProofValue(
            phone, sequenceOf(laptop.certificate.sha256(), sign(laptop.key, message)));
        QCOMPARE(verifyKeyContinuity(built, laptop.certificate).error().code,
                 CryptoErrc::NameMismatch);
    }

    void garbageIsMalformed_data() {
        QTest::addColumn<QByteArray>("value");
        const Bytes fp(32, 0xab);
        const Bytes sig(70, 0x01);
        const Bytes good = sequenceOf(fp, sig);
        auto q = [](const Bytes &b) {
            return QByteArray(reinterpret_cast<const char *>(b.data()), qsizetype(b.size()));
        };
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << q(good).left(int(good.size()) - 1);
        QTest::newRow("header only") << q(good).left(2);
        QTest::newRow("trailing byte") << q(good) + QByteArray(1, '\0');
        QTest::newRow("short fingerprint") << q(sequenceOf(Bytes(31, 0xab), sig));
        QTest::newRow("empty signature") << q(sequenceOf(fp, Bytes{}));
        Bytes three = good;
        three[1] = static_cast<std::uint8_t>(three[1] + 3);
        three.insert(three.end(), {0x04, 0x01, 0x00});
        QTest::newRow("three fields") << q(three);
        Bytes integer = good;
        integer[2] = 0x02; // INTEGER instead of OCTET STRING
        QTest::newRow("integer") << q(integer);
        Bytes ber{0x30, 0x81, static_cast<std::uint8_t>(good.size() - 2)};
        ber.insert(ber.end(), good.begin() + 2, good.end());
        QTest::newRow("BER long length") << q(ber);
        QTest::newRow("text") << QByteArray("napkin key continuity v1");
    }
    void garbageIsMalformed() {
        QFETCH(QByteArray, value);
        const ByteView bytes(reinterpret_cast<const std::uint8_t *>(value.constData()),
                             std::size_t(value.size()));
        auto parsed = parseKeyContinuity(bytes);
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, CryptoErrc::MalformedDer);
        QVERIFY(!parsed.error().message.empty());

        // In a certificate: a typed error, never a crash or a pass.
        const auto first = make(kUrn);
        const auto next = make(kUrn);
        const auto built = withProofValue(next, bytes);
        QCOMPARE(keyContinuityOf(built).error().code, CryptoErrc::MalformedDer);
        QCOMPARE(verifyKeyContinuity(built, first.certificate).error().code,
                 CryptoErrc::MalformedDer);
    }
};

QTEST_GUILESS_MAIN(TestKeyContinuity)
#include "test_key_continuity.moc"
