// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// S/MIME sign/verify and encrypt/decrypt with device identities, tamper cases,
// the signer set, algorithm policy, and the certs-only structure.

#include "crypto/CertsOnly.h"
#include "crypto/DeviceIdentity.h"
#include "crypto/Smime.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <openssl/cms.h>

#include <QTest>

using namespace napkin::crypto;
using namespace std::chrono_literals;

namespace {

const std::string kEntity = "Content-Type: application/sdp\r\n"
                            "\r\n"
                            "v=0\r\n"
                            "o=alice 2890844526 2890844526 IN IP4 host.a.example\r\n"
                            "s=-\r\n";

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QByteArray qbytes(ByteView v) {
    return QByteArray(reinterpret_cast<const char *>(v.data()), static_cast<qsizetype>(v.size()));
}

#define REQUIRE_OK(r) QVERIFY2((r).ok(), (r) ? "" : (r).error().message.c_str())

#define EXPECT_ERROR(r, errc)                                                                      \
    do {                                                                                           \
        QVERIFY2(!(r), "expected an error");                                                       \
        QVERIFY2((r).error().code == (errc), (r).error().message.c_str());                         \
    } while (false)

DeviceIdentity makeIdentity(const std::string &aor, KeyType type) {
    IdentityOptions options;
    options.aor = aor;
    options.keyType = type;
    auto id = createDeviceIdentity(options);
    if (!id) {
        qFatal("cannot create a test identity: %s", id.error().message.c_str());
    }
    return std::move(id).value();
}

} // namespace

class TestSmime : public QObject {
    Q_OBJECT
private:
    std::vector<DeviceIdentity> m_ids; // alice (EC), bob (EC), carol (RSA), dave (EC)
    const DeviceIdentity &alice() const { return m_ids[0]; }
    const DeviceIdentity &bob() const { return m_ids[1]; }
    const DeviceIdentity &carol() const { return m_ids[2]; }
    const DeviceIdentity &dave() const { return m_ids[3]; }

    MimeBody signedByAlice() const {
        auto s = smimeSign(asBytes(kEntity), alice().certificate, alice().key);
        if (!s) {
            qFatal("signing failed: %s", s.error().message.c_str());
        }
        return std::move(s).value();
    }

private Q_SLOTS:
    void initTestCase() {
        m_ids.push_back(makeIdentity("sip:alice@a.example", KeyType::Ec));
        m_ids.push_back(makeIdentity("sip:bob@b.example", KeyType::Ec));
        m_ids.push_back(makeIdentity("sip:carol@c.example", KeyType::Rsa));
        m_ids.push_back(makeIdentity("sip:dave@d.example", KeyType::Ec));
    }

    // --- signing -----------------------------------------------------------

    void signVerifyRoundTrip_data() {
        QTest::addColumn<int>("who");
        QTest::newRow("EC signer") << 0;
        QTest::newRow("RSA signer") << 2;
    }
    void signVerifyRoundTrip() {
        QFETCH(int, who);
        const auto &id = m_ids[static_cast<std::size_t>(who)];
        const auto before = std::chrono::system_clock::now();
        auto s = smimeSign(asBytes(kEntity), id.certificate, id.key);
        REQUIRE_OK(s);
        auto ct = parseContentType(s->contentType);
        REQUIRE_OK(ct);
        QVERIFY(ct->is("multipart", "signed"));
        QCOMPARE(qstr(*ct->parameter("protocol")), QStringLiteral("application/pkcs7-signature"));
        QCOMPARE(qstr(*ct->parameter("micalg")), QStringLiteral("sha-256"));

        const Certificate set[] = {bob().certificate, id.certificate};
        auto v = smimeVerify(*s, set, std::chrono::system_clock::now());
        REQUIRE_OK(v);
        QCOMPARE(qbytes(v->entity), QByteArray::fromStdString(kEntity));
        QVERIFY(v->signer == id.certificate);
        QVERIFY(v->signingTime.has_value());
        QVERIFY(*v->signingTime >= before - 2s);
        QVERIFY(*v->signingTime <= std::chrono::system_clock::now() + 2s);
        // The signer's certificate travels in the signature.
        auto cms = splitSigned(*s);
        const auto der = id.certificate.toDer();
        QVERIFY(std::search(cms.signatureDer.begin(), cms.signatureDer.end(), der.begin(),
                            der.end()) != cms.signatureDer.end());
    }
    void signCanonicalisesLineEnds() {
        const std::string lf = "Content-Type: text/plain\n\nline one\nline two\n";
        auto s = smimeSign(asBytes(lf), alice().certificate, alice().key);
        REQUIRE_OK(s);
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(*s, set, std::chrono::system_clock::now());
        REQUIRE_OK(v);
        QCOMPARE(qbytes(v->entity), QByteArray("Content-Type: text/plain\r\n\r\nline one\r\n"
                                               "line two\r\n"));
    }
    void verifyAcceptsLfConvertedBody() {
        // A body whose line ends were turned into LF on the way (a saved mail):
        // verification falls back to the canonical form of the content.
        MimeBody s = signedByAlice();
        std::string lfBody(s.body.begin(), s.body.end());
        for (std::size_t p = 0; (p = lfBody.find("\r\n", p)) != std::string::npos;) {
            lfBody.erase(p, 1);
        }
        MimeBody converted{s.contentType, Bytes(lfBody.begin(), lfBody.end())};
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(converted, set, std::chrono::system_clock::now());
        REQUIRE_OK(v);
        QCOMPARE(qbytes(v->entity), QByteArray::fromStdString(kEntity));
    }
    void signRefusesWrongKey() {
        auto s = smimeSign(asBytes(kEntity), alice().certificate, bob().key);
        EXPECT_ERROR(s, CryptoErrc::InvalidArgument);
    }
    void signRefusesHugeEntity() {
        const std::string big(kMaxSmimeBody + 1, 'x');
        auto s = smimeSign(asBytes(big), alice().certificate, alice().key);
        EXPECT_ERROR(s, CryptoErrc::InvalidArgument);
    }

    // --- verification failures --------------------------------------------

    void flippedContentByteIsBadSignature() {
        MimeBody s = signedByAlice();
        auto pos = qbytes(s.body).indexOf("o=alice");
        QVERIFY(pos > 0);
        s.body[static_cast<std::size_t>(pos) + 2] ^= 0x01;
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(s, set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::BadSignature);
    }
    void flippedSignatureByteIsBadSignature() {
        MimeBody s = signedByAlice();
        Halves h = splitSigned(s);
        h.signatureDer.back() ^= 0x01; // inside the ECDSA signature value: DER stays valid
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(joinSigned(s, h), set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::BadSignature);
    }
    void flippedSignatureHeaderIsMalformedDer() {
        MimeBody s = signedByAlice();
        Halves h = splitSigned(s);
        h.signatureDer[0] ^= 0x01; // SEQUENCE becomes a different tag
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(joinSigned(s, h), set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::MalformedDer);
    }
    void truncatedSignatureIsMalformedDer() {
        MimeBody s = signedByAlice();
        Halves h = splitSigned(s);
        h.signatureDer.resize(h.signatureDer.size() / 2);
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(joinSigned(s, h), set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::MalformedDer);
    }
    void signerOutsideTheSet() {
        MimeBody s = signedByAlice();
        const Certificate set[] = {bob().certificate, carol().certificate};
        auto v = smimeVerify(s, set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::SignerNotInSet);
        QVERIFY(qstr(v.error().message).contains(qstr(alice().certificate.fingerprint())));
        auto none = smimeVerify(s, {}, std::chrono::system_clock::now());
        EXPECT_ERROR(none, CryptoErrc::SignerNotInSet);
    }
    void tamperedContentFromStrangerIsBadSignature() {
        MimeBody s = signedByAlice();
        auto pos = qbytes(s.body).indexOf("v=0");
        s.body[static_cast<std::size_t>(pos)] = 'w';
        const Certificate set[] = {bob().certificate};
        auto v = smimeVerify(s, set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::BadSignature);
    }
    void expiredAndNotYetValidSigner() {
        MimeBody s = signedByAlice();
        const Certificate set[] = {alice().certificate};
        auto later = smimeVerify(s, set, std::chrono::system_clock::now() + 24h * 30);
        EXPECT_ERROR(later, CryptoErrc::CertificateExpired);
        auto earlier = smimeVerify(s, set, std::chrono::system_clock::now() - 24h);
        EXPECT_ERROR(earlier, CryptoErrc::CertificateNotYetValid);
    }
    void unsignedBodies_data() {
        QTest::addColumn<QString>("contentType");
        QTest::newRow("plain SDP") << "application/sdp";
        QTest::newRow("multipart/mixed") << "multipart/mixed; boundary=x";
        QTest::newRow("PGP") << "multipart/signed; protocol=\"application/pgp-signature\"; "
                                "boundary=x";
        QTest::newRow("no protocol") << "multipart/signed; boundary=x";
    }
    void unsignedBodies() {
        QFETCH(QString, contentType);
        MimeBody body{contentType.toStdString(), Bytes(kEntity.begin(), kEntity.end())};
        const Certificate set[] = {alice().certificate};
        auto v = smimeVerify(body, set, std::chrono::system_clock::now());
        EXPECT_ERROR(v, CryptoErrc::NoSignature);
    }
    void malformedSignedBodies() {
        const Certificate set[] = {alice().certificate};
        const auto now = std::chrono::system_clock::now();
        const std::string sig = "multipart/signed; protocol=\"application/pkcs7-signature\"";
        auto noBoundary = smimeVerify(MimeBody{sig, {}}, set, now);
        EXPECT_ERROR(noBoundary, CryptoErrc::MalformedMime);
        auto empty = smimeVerify(MimeBody{sig + "; boundary=b", {}}, set, now);
        EXPECT_ERROR(empty, CryptoErrc::MalformedMime);
        auto badCt = smimeVerify(MimeBody{"multipart/signed; protocol", {}}, set, now);
        EXPECT_ERROR(badCt, CryptoErrc::MalformedMime);

        MimeBody s = signedByAlice();
        MimeBody truncated{s.contentType, Bytes(s.body.begin(), s.body.end() - 40)};
        auto t = smimeVerify(truncated, set, now);
        EXPECT_ERROR(t, CryptoErrc::MalformedMime);
        QVERIFY(qstr(t.error().message).contains(QStringLiteral("closing")));

        const std::string onePart = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n";
        auto one = smimeVerify(
            MimeBody{sig + "; boundary=b", Bytes(onePart.begin(), onePart.end())}, set, now);
        EXPECT_ERROR(one, CryptoErrc::MalformedMime);

        const std::string badBase64 = "--b\r\nA: 1\r\n\r\nx\r\n--b\r\n"
                                      "Content-Type: application/pkcs7-signature\r\n"
                                      "Content-Transfer-Encoding: base64\r\n\r\n"
                                      "not*base64\r\n--b--\r\n";
        auto b64 = smimeVerify(
            MimeBody{sig + "; boundary=b", Bytes(badBase64.begin(), badBase64.end())}, set, now);
        EXPECT_ERROR(b64, CryptoErrc::MalformedMime);

        const std::string garbage = "--b\r\nA: 1\r\n\r\nx\r\n--b\r\n"
                                    "Content-Type: application/pkcs7-signature\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n"
                                    "aGVsbG8gd29ybGQ=\r\n--b--\r\n";
        auto g = smimeVerify(MimeBody{sig + "; boundary=b", Bytes(garbage.begin(), garbage.end())},
                             set, now);
        EXPECT_ERROR(g, CryptoErrc::MalformedDer);

        const std::string noSigType = "--b\r\nA: 1\r\n\r\nx\r\n--b\r\n"
                                      "Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
        auto n = smimeVerify(
            MimeBody{sig + "; boundary=b", Bytes(noSigType.begin(), noSigType.end())}, set, now);
        EXPECT_ERROR(n, CryptoErrc::NoSignature);

        auto big =
            smimeVerify(MimeBody{sig + "; boundary=b", Bytes(kMaxSmimeBody + 1, 'a')}, set, now);
        EXPECT_ERROR(big, CryptoErrc::MalformedMime);
    }
    void signaturePolicy() {
        MimeBody s = signedByAlice();
        Halves h = splitSigned(s);
        const Certificate set[] = {alice().certificate, bob().certificate};
        const auto now = std::chrono::system_clock::now();

        h.signatureDer = rawSignature(h.content, {&alice(), &bob()}, EVP_sha256(), CMS_DETACHED);
        auto two = smimeVerify(joinSigned(s, h), set, now);
        EXPECT_ERROR(two, CryptoErrc::BadSignature);
        QVERIFY(qstr(two.error().message).contains(QStringLiteral("2 signers")));

        h.signatureDer = rawSignature(h.content, {&alice()}, EVP_sha256(), 0);
        auto attached = smimeVerify(joinSigned(s, h), set, now);
        EXPECT_ERROR(attached, CryptoErrc::BadSignature);
        QVERIFY(qstr(attached.error().message).contains(QStringLiteral("detached")));

        h.signatureDer = rawSignature(h.content, {&alice()}, EVP_sha1(), CMS_DETACHED);
        auto sha1 = smimeVerify(joinSigned(s, h), set, now);
        EXPECT_ERROR(sha1, CryptoErrc::UnsupportedAlgorithm);

        h.signatureDer = rawSignature(h.content, {&alice()}, EVP_sha384(), CMS_DETACHED);
        auto sha384 = smimeVerify(joinSigned(s, h), set, now);
        REQUIRE_OK(sha384);
        QVERIFY(sha384->signer == alice().certificate);

        h.signatureDer = rawSignature(h.content, {}, EVP_sha256(), CMS_DETACHED);
        auto none = smimeVerify(joinSigned(s, h), set, now);
        EXPECT_ERROR(none, CryptoErrc::NoSignature);
    }

    // --- encryption --------------------------------------------------------

    void encryptForThreeRecipients_data() {
        QTest::addColumn<bool>("cbc");
        QTest::newRow("AES-128-GCM") << false;
        QTest::newRow("AES-128-CBC") << true;
    }
    void encryptForThreeRecipients() {
        QFETCH(bool, cbc);
        const Certificate to[] = {alice().certificate, bob().certificate, carol().certificate};
        auto e = smimeEncrypt(asBytes(kEntity), to, cbc ? Cipher::Aes128Cbc : Cipher::Aes128Gcm);
        REQUIRE_OK(e);
        auto ct = parseContentType(e->contentType);
        REQUIRE_OK(ct);
        QVERIFY(ct->is("application", "pkcs7-mime"));
        QCOMPARE(qstr(*ct->parameter("smime-type")),
                 cbc ? QStringLiteral("enveloped-data") : QStringLiteral("authEnveloped-data"));
        QVERIFY(qbytes(e->body).indexOf("o=alice") < 0);
        for (std::size_t i = 0; i < 3; ++i) {
            auto d = smimeDecrypt(*e, m_ids[i].certificate, m_ids[i].key);
            REQUIRE_OK(d);
            QCOMPARE(qbytes(*d), QByteArray::fromStdString(kEntity));
        }
        auto outsider = smimeDecrypt(*e, dave().certificate, dave().key);
        EXPECT_ERROR(outsider, CryptoErrc::NotForThisKey);
    }
    void encryptCanonicalisesLineEnds() {
        const Certificate to[] = {bob().certificate};
        auto e = smimeEncrypt(asBytes("A: 1\n\nx\n"), to);
        REQUIRE_OK(e);
        auto d = smimeDecrypt(*e, bob().certificate, bob().key);
        REQUIRE_OK(d);
        QCOMPARE(qbytes(*d), QByteArray("A: 1\r\n\r\nx\r\n"));
    }
    void tamperedCiphertextFailsToDecrypt() {
        const Certificate to[] = {alice().certificate, carol().certificate};
        auto e = smimeEncrypt(asBytes(kEntity), to);
        REQUIRE_OK(e);
        // AuthEnvelopedData ends with the ciphertext and then the 16-byte MAC
        // (04 10 + 16 bytes): flip one ciphertext byte, then one MAC byte.
        MimeBody body = *e;
        body.body[body.body.size() - 18 - 5] ^= 0x20;
        auto d = smimeDecrypt(body, alice().certificate, alice().key);
        EXPECT_ERROR(d, CryptoErrc::DecryptFailed);
        auto dRsa = smimeDecrypt(body, carol().certificate, carol().key);
        EXPECT_ERROR(dRsa, CryptoErrc::DecryptFailed);
        body = *e;
        body.body.back() ^= 0x01;
        auto tag = smimeDecrypt(body, alice().certificate, alice().key);
        EXPECT_ERROR(tag, CryptoErrc::DecryptFailed);
    }
    void decryptBadInputs() {
        const Certificate to[] = {alice().certificate};
        auto e = smimeEncrypt(asBytes(kEntity), to);
        REQUIRE_OK(e);
        const auto &cert = alice().certificate;
        const auto &key = alice().key;

        MimeBody half{e->contentType, Bytes(e->body.begin(), e->body.begin() + e->body.size() / 2)};
        auto truncated = smimeDecrypt(half, cert, key);
        EXPECT_ERROR(truncated, CryptoErrc::MalformedDer);

        const std::string junk = "\x30\x03\x02\x01\x00";
        auto garbage =
            smimeDecrypt(MimeBody{e->contentType, Bytes(junk.begin(), junk.end())}, cert, key);
        EXPECT_ERROR(garbage, CryptoErrc::MalformedDer);
        auto notBase64 = smimeDecrypt(MimeBody{e->contentType, Bytes(10, '*')}, cert, key);
        EXPECT_ERROR(notBase64, CryptoErrc::MalformedDer);
        auto empty = smimeDecrypt(MimeBody{e->contentType, {}}, cert, key);
        EXPECT_ERROR(empty, CryptoErrc::MalformedDer);

        auto wrongType = smimeDecrypt(MimeBody{"application/sdp", e->body}, cert, key);
        EXPECT_ERROR(wrongType, CryptoErrc::MalformedMime);
        auto badCt = smimeDecrypt(MimeBody{"application/", e->body}, cert, key);
        EXPECT_ERROR(badCt, CryptoErrc::MalformedMime);
        auto signedData = smimeDecrypt(
            MimeBody{"application/pkcs7-mime; smime-type=signed-data", e->body}, cert, key);
        EXPECT_ERROR(signedData, CryptoErrc::MalformedMime);
        auto big =
            smimeDecrypt(MimeBody{e->contentType, Bytes(kMaxSmimeBody + 1, 0x30)}, cert, key);
        EXPECT_ERROR(big, CryptoErrc::MalformedMime);

        auto wrongKey = smimeDecrypt(*e, cert, bob().key);
        EXPECT_ERROR(wrongKey, CryptoErrc::InvalidArgument);

        auto sig = splitSigned(signedByAlice());
        auto notEnveloped =
            smimeDecrypt(MimeBody{"application/pkcs7-mime", sig.signatureDer}, cert, key);
        EXPECT_ERROR(notEnveloped, CryptoErrc::MalformedDer);
    }
    void decryptAcceptsBase64Body() {
        const Certificate to[] = {bob().certificate};
        auto e = smimeEncrypt(asBytes(kEntity), to);
        REQUIRE_OK(e);
        const std::string b64 = encodeBase64Lines(e->body);
        auto d = smimeDecrypt(MimeBody{e->contentType, Bytes(b64.begin(), b64.end())},
                              bob().certificate, bob().key);
        REQUIRE_OK(d);
        QCOMPARE(qbytes(*d), QByteArray::fromStdString(kEntity));
    }
    void unsupportedContentCipher_data() {
        QTest::addColumn<QString>("cipher");
        QTest::newRow("AES-192-CBC") << "AES-192-CBC";
        QTest::newRow("3DES") << "DES-EDE3-CBC";
    }
    void unsupportedContentCipher() {
        QFETCH(QString, cipher);
        X509StackViewPtr certs(sk_X509_new_null());
        sk_X509_push(certs.get(), bob().certificate.native());
        BioPtr in(BIO_new_mem_buf(kEntity.data(), static_cast<int>(kEntity.size())));
        CmsPtr cms(CMS_encrypt(certs.get(), in.get(),
                               EVP_get_cipherbyname(cipher.toLatin1().constData()), CMS_BINARY));
        QVERIFY(cms);
        auto d = smimeDecrypt(MimeBody{"application/pkcs7-mime", cmsDer(cms.get())},
                              bob().certificate, bob().key);
        EXPECT_ERROR(d, CryptoErrc::UnsupportedAlgorithm);
    }
    void encryptArguments() {
        auto none = smimeEncrypt(asBytes(kEntity), {});
        EXPECT_ERROR(none, CryptoErrc::InvalidArgument);
        std::vector<Certificate> many(kMaxSmimeRecipients + 1, alice().certificate);
        auto tooMany = smimeEncrypt(asBytes(kEntity), many);
        EXPECT_ERROR(tooMany, CryptoErrc::InvalidArgument);
        const std::string big(kMaxSmimeBody + 1, 'x');
        const Certificate to[] = {alice().certificate};
        auto huge = smimeEncrypt(asBytes(big), to);
        EXPECT_ERROR(huge, CryptoErrc::InvalidArgument);
    }

    // --- whole entities ----------------------------------------------------

    void entityRoundTrip() {
        const Certificate to[] = {alice().certificate};
        auto e = smimeEncrypt(asBytes(kEntity), to);
        REQUIRE_OK(e);
        const Bytes entity = mimeBodyToEntity(*e);
        QVERIFY(qbytes(entity).contains("Content-Transfer-Encoding: base64\r\n"));
        auto back = mimeBodyFromEntity(entity);
        REQUIRE_OK(back);
        QCOMPARE(qstr(back->contentType), qstr(e->contentType));
        QCOMPARE(back->body, e->body);

        MimeBody s = signedByAlice();
        auto signedBack = mimeBodyFromEntity(mimeBodyToEntity(s));
        REQUIRE_OK(signedBack);
        QCOMPARE(signedBack->body, s.body);

        auto defaulted = mimeBodyFromEntity(asBytes("\r\nhello"));
        REQUIRE_OK(defaulted);
        QCOMPARE(qstr(defaulted->contentType), QStringLiteral("text/plain"));
        auto qp =
            mimeBodyFromEntity(asBytes("Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
        EXPECT_ERROR(qp, CryptoErrc::MalformedMime);
        auto noBlank = mimeBodyFromEntity(asBytes("Content-Type: text/plain"));
        EXPECT_ERROR(noBlank, CryptoErrc::MalformedMime);
    }

    // --- certs-only --------------------------------------------------------

    void certsOnlyRoundTrip() {
        const Certificate certs[] = {alice().certificate, carol().certificate, alice().certificate,
                                     bob().certificate};
        auto der = encodeCertsOnly(certs);
        REQUIRE_OK(der);
        auto back = decodeCertsOnly(*der);
        REQUIRE_OK(back);
        QCOMPARE(back->size(), std::size_t{3}); // the duplicate is written once
        // DER sorts a SET OF, so the order is the encoding's, not ours.
        for (const auto &expected : {alice().certificate, bob().certificate, carol().certificate}) {
            QVERIFY(std::find(back->begin(), back->end(), expected) != back->end());
        }
    }
    void certsOnlyBadInputs() {
        auto none = encodeCertsOnly({});
        EXPECT_ERROR(none, CryptoErrc::InvalidArgument);
        auto empty = decodeCertsOnly({});
        EXPECT_ERROR(empty, CryptoErrc::MalformedDer);
        auto garbage = decodeCertsOnly(asBytes("certainly not DER"));
        EXPECT_ERROR(garbage, CryptoErrc::MalformedDer);

        const Certificate one[] = {bob().certificate};
        auto der = encodeCertsOnly(one);
        REQUIRE_OK(der);
        auto truncated = decodeCertsOnly(ByteView(*der).first(der->size() - 10));
        EXPECT_ERROR(truncated, CryptoErrc::MalformedDer);
        Bytes trailing = *der;
        trailing.push_back(0);
        auto t = decodeCertsOnly(trailing);
        EXPECT_ERROR(t, CryptoErrc::MalformedDer);
        QVERIFY(qstr(t.error().message).contains(QStringLiteral("trailing")));

        auto sig = splitSigned(signedByAlice());
        auto withSigner = decodeCertsOnly(sig.signatureDer);
        EXPECT_ERROR(withSigner, CryptoErrc::MalformedDer);
        QVERIFY(qstr(withSigner.error().message).contains(QStringLiteral("signers")));

        const Certificate to[] = {bob().certificate};
        auto enc = smimeEncrypt(asBytes(kEntity), to);
        REQUIRE_OK(enc);
        auto enveloped = decodeCertsOnly(enc->body);
        EXPECT_ERROR(enveloped, CryptoErrc::MalformedDer);
        QVERIFY(qstr(enveloped.error().message).contains(QStringLiteral("not SignedData")));

        const std::string content = "some content";
        CmsPtr withContent(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
        CMS_add1_cert(withContent.get(), bob().certificate.native());
        ASN1_OCTET_STRING **eContent = CMS_get0_content(withContent.get());
        QVERIFY(eContent != nullptr && *eContent != nullptr);
        QVERIFY(ASN1_OCTET_STRING_set(*eContent,
                                      reinterpret_cast<const unsigned char *>(content.data()),
                                      static_cast<int>(content.size())) == 1);
        (*eContent)->flags &= ~ASN1_STRING_FLAG_CONT;
        auto c = decodeCertsOnly(cmsDer(withContent.get()));
        EXPECT_ERROR(c, CryptoErrc::MalformedDer);
        QVERIFY(qstr(c.error().message).contains(QStringLiteral("content")));

        CmsPtr noCerts(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED));
        auto nc = decodeCertsOnly(cmsDer(noCerts.get()));
        EXPECT_ERROR(nc, CryptoErrc::MalformedDer);
        QVERIFY(qstr(nc.error().message).contains(QStringLiteral("no certificates")));
    }
    void certsOnlyLimit() {
        std::vector<Certificate> certs;
        for (std::size_t i = 0; i <= kMaxCertsOnlyCertificates; ++i) {
            certs.push_back(
                makeIdentity("sip:u" + std::to_string(i) + "@x.example", KeyType::Ec).certificate);
        }
        auto tooMany = encodeCertsOnly(certs);
        EXPECT_ERROR(tooMany, CryptoErrc::InvalidArgument);
        auto max = encodeCertsOnly(std::span(certs).first(kMaxCertsOnlyCertificates));
        REQUIRE_OK(max);
        auto back = decodeCertsOnly(*max);
        REQUIRE_OK(back);
        QCOMPARE(back->size(), kMaxCertsOnlyCertificates);

        CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED));
        for (const auto &c : certs) {
            CMS_add1_cert(cms.get(), c.native());
        }
        auto over = decodeCertsOnly(cmsDer(cms.get()));
        EXPECT_ERROR(over, CryptoErrc::MalformedDer);
        QVERIFY(qstr(over.error().message).contains(QStringLiteral("at most 64")));
    }
};

QTEST_GUILESS_MAIN(TestSmime)
#include "test_smime.moc"
