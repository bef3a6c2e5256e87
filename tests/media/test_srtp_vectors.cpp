// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SRTP/SRTCP through our own path: an a=crypto line is parsed into a key,
// SrtpSession (libsrtp) protects with it, and the result is compared with
// (a) the published known answers for AES_CM_128_HMAC_SHA1_80/_32 and
// (b) an independent reference written here on OpenSSL primitives, which is
// itself checked against RFC 3711 appendix B.2 and B.3. Then tampering,
// replay, wrong keys and key lifetimes.

#include "crypto/Encoding.h"
#include "media/RtpPacket.h"
#include "media/SdesCrypto.h"
#include "media/SrtpSession.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <vector>

using namespace napkin::media;
using napkin::crypto::encodeBase64;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes hex(std::string_view text) {
    Bytes out;
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        while (text[i] == ' ') {
            ++i;
        }
        out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
    }
    return out;
}

QByteArray toHex(const Bytes &b) {
    return QByteArray(reinterpret_cast<const char *>(b.data()), static_cast<qsizetype>(b.size()))
        .toHex();
}

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX *c) const { EVP_CIPHER_CTX_free(c); }
};

// ---- the independent reference (RFC 3711 / RFC 7714), test-only ----

/// AES-128 in counter mode over `length` bytes of zeros: the keystream.
Bytes aesCtr(const Bytes &key, const Bytes &iv, std::size_t length) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    Bytes zeros(length, 0);
    Bytes out(length);
    int n = 0;
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data());
    EVP_EncryptUpdate(ctx.get(), out.data(), &n, zeros.data(), static_cast<int>(length));
    return out;
}

/// RFC 3711 section 4.3 key derivation with a key derivation rate of 0.
/// A 12-byte (GCM) master salt is padded with two zero bytes on the right.
Bytes deriveKey(const Bytes &masterKey, Bytes masterSalt, std::uint8_t label, std::size_t length) {
    masterSalt.resize(14, 0);
    Bytes iv = masterSalt;
    iv[7] ^= label; // key_id = label || index DIV kdr (0), right-aligned
    iv.resize(16, 0);
    return aesCtr(masterKey, iv, length);
}

Bytes hmacSha1(const Bytes &key, const Bytes &data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &n);
    return Bytes(out, out + n);
}

void xorInto(Bytes &data, std::size_t offset, const Bytes &stream) {
    for (std::size_t i = 0; i < stream.size() && offset + i < data.size(); ++i) {
        data[offset + i] ^= stream[i];
    }
}

/// SRTP with AES-CM and HMAC-SHA1 (RFC 3711 sections 4.1.1 and 4.2), ROC 0.
Bytes referenceSrtpCm(const Bytes &masterKey, const Bytes &masterSalt, const Bytes &rtp,
                      std::size_t tagLength) {
    const Bytes ke = deriveKey(masterKey, masterSalt, 0x00, 16);
    const Bytes ka = deriveKey(masterKey, masterSalt, 0x01, 20);
    const Bytes ks = deriveKey(masterKey, masterSalt, 0x02, 14);
    Bytes iv = ks;
    iv.resize(16, 0);
    for (int i = 0; i < 4; ++i) {
        iv[4 + i] ^= rtp[8 + i]; // SSRC
    }
    iv[12] ^= rtp[2]; // index = ROC (0) || SEQ
    iv[13] ^= rtp[3];
    Bytes out = rtp;
    xorInto(out, kRtpHeaderSize, aesCtr(ke, iv, rtp.size() - kRtpHeaderSize));
    Bytes authed = out;
    authed.insert(authed.end(), {0, 0, 0, 0}); // ROC
    const Bytes tag = hmacSha1(ka, authed);
    out.insert(out.end(), tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(tagLength));
    return out;
}

/// SRTCP with AES-CM and HMAC-SHA1-80, encrypted, SRTCP index `index`.
Bytes referenceSrtcpCm(const Bytes &masterKey, const Bytes &masterSalt, const Bytes &rtcp,
                       std::uint32_t index) {
    const Bytes ke = deriveKey(masterKey, masterSalt, 0x03, 16);
    const Bytes ka = deriveKey(masterKey, masterSalt, 0x04, 20);
    const Bytes ks = deriveKey(masterKey, masterSalt, 0x05, 14);
    Bytes iv = ks;
    iv.resize(16, 0);
    for (int i = 0; i < 4; ++i) {
        iv[4 + i] ^= rtcp[4 + i];                                       // SSRC
        iv[10 + i] ^= static_cast<std::uint8_t>(index >> (24 - 8 * i)); // 31-bit index
    }
    Bytes out = rtcp;
    xorInto(out, 8, aesCtr(ke, iv, rtcp.size() - 8));
    const std::uint32_t e = 0x80000000u | index;
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<std::uint8_t>(e >> (24 - 8 * i)));
    }
    const Bytes tag = hmacSha1(ka, out);
    out.insert(out.end(), tag.begin(), tag.begin() + 10);
    return out;
}

/// SRTP with AEAD_AES_128_GCM (RFC 7714 sections 8 and 9), ROC 0.
Bytes referenceSrtpGcm(const Bytes &masterKey, const Bytes &masterSalt, const Bytes &rtp) {
    const Bytes ke = deriveKey(masterKey, masterSalt, 0x00, 16);
    const Bytes ks = deriveKey(masterKey, masterSalt, 0x02, 12);
    Bytes iv(12, 0);
    for (int i = 0; i < 4; ++i) {
        iv[2 + i] = rtp[8 + i]; // SSRC; ROC stays 0
    }
    iv[10] = rtp[2];
    iv[11] = rtp[3];
    for (int i = 0; i < 12; ++i) {
        iv[i] ^= ks[i];
    }
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
    EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, ke.data(), iv.data());
    int n = 0;
    EVP_EncryptUpdate(ctx.get(), nullptr, &n, rtp.data(), static_cast<int>(kRtpHeaderSize));
    Bytes out(rtp.begin(), rtp.begin() + kRtpHeaderSize);
    Bytes body(rtp.size() - kRtpHeaderSize + 16);
    EVP_EncryptUpdate(ctx.get(), body.data(), &n, rtp.data() + kRtpHeaderSize,
                      static_cast<int>(rtp.size() - kRtpHeaderSize));
    int m = 0;
    EVP_EncryptFinal_ex(ctx.get(), body.data() + n, &m);
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, body.data() + n + m);
    out.insert(out.end(), body.begin(), body.begin() + n + m + 16);
    return out;
}

// ---- the published vectors ----

const Bytes kMasterKey = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
const Bytes kMasterSalt = hex("0EC675AD498AFEEBB6960B3AABE6");
// libsrtp's srtp_validate() known answer for the default (AES_CM_128_HMAC_SHA1_80) policy.
const Bytes kRtpPlain = hex("800f1234decafbadcafebabe"
                            "abababababababababababababababab");
const Bytes kSrtpCipher80 = hex("800f1234decafbadcafebabe"
                                "4e55dc4ce79978d88ca4d215949d2402"
                                "b78d6acc99ea179b8dbb");
const Bytes kRtcpPlain = hex("81c8000bcafebabe"
                             "abababababababababababababababab");
const Bytes kSrtcpCipher = hex("81c8000bcafebabe"
                               "7128035be487b9bdbef89041f977a5a8"
                               "80000001"
                               "993e08cd54d6c1230798");

std::string inlineCrypto(SrtpSuite suite, const Bytes &keySalt, const std::string &extra = {}) {
    return "1 " + std::string(suiteName(suite)) + " inline:" + encodeBase64(keySalt) + extra;
}

/// Parses the a=crypto text and makes a session whose send and receive keys
/// are both that key (so one session can check its own output).
SrtpSession sessionFrom(const std::string &cryptoLine) {
    auto crypto = parseCryptoAttribute(cryptoLine);
    if (!crypto) {
        qFatal("a=crypto did not parse: %s", crypto.error().message.c_str());
    }
    SrtpKeyParams params{crypto->keySalt, crypto->lifetime};
    auto session = SrtpSession::create(crypto->suite, params, params);
    if (!session) {
        qFatal("SrtpSession::create failed: %s", session.error().message.c_str());
    }
    return std::move(*session);
}

Bytes concat(const Bytes &a, const Bytes &b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

Bytes rtpPacket(std::uint16_t seq, std::uint32_t ssrc = 0x11223344) {
    Bytes out;
    std::vector<std::uint8_t> payload(160, static_cast<std::uint8_t>(seq));
    writeRtp(out, RtpHeader{false, 0, seq, seq * 160u, ssrc}, payload);
    return out;
}

} // namespace

class TestSrtpVectors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void referenceMatchesRfc3711KeyDerivation() {
        QCOMPARE(toHex(deriveKey(kMasterKey, kMasterSalt, 0, 16)),
                 QByteArray("c61e7a93744f39ee10734afe3ff7a087"));
        QCOMPARE(toHex(deriveKey(kMasterKey, kMasterSalt, 2, 14)),
                 QByteArray("30cbbc08863d8c85d49db34a9ae1"));
        QCOMPARE(toHex(deriveKey(kMasterKey, kMasterSalt, 1, 20)),
                 QByteArray("cebe321f6ff7716b6fd4ab49af256a156d38baa4"));
    }

    void referenceMatchesRfc3711AesCmKeystream() {
        const Bytes key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
        const Bytes iv = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        QCOMPARE(toHex(aesCtr(key, iv, 48)),
                 QByteArray("e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab"
                            "41e95b3bb0a2e8dd477901e4fca894c0"));
    }

    void knownAnswerAesCm80ThroughSdes() {
        const Bytes keySalt = concat(kMasterKey, kMasterSalt);
        SrtpSession session = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, keySalt));
        Bytes packet = kRtpPlain;
        QVERIFY(session.protectRtp(packet).ok());
        QCOMPARE(toHex(packet), toHex(kSrtpCipher80));
        QCOMPARE(toHex(packet), toHex(referenceSrtpCm(kMasterKey, kMasterSalt, kRtpPlain, 10)));
        QVERIFY(session.unprotectRtp(packet).ok());
        QCOMPARE(toHex(packet), toHex(kRtpPlain));
    }

    void knownAnswerAesCm32ThroughSdes() {
        const Bytes keySalt = concat(kMasterKey, kMasterSalt);
        SrtpSession session = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_32, keySalt));
        Bytes packet = kRtpPlain;
        QVERIFY(session.protectRtp(packet).ok());
        // Same keystream; the tag is the first 4 bytes of the 80-bit one.
        const Bytes expected(kSrtpCipher80.begin(), kSrtpCipher80.end() - 6);
        QCOMPARE(toHex(packet), toHex(expected));
        QCOMPARE(toHex(packet), toHex(referenceSrtpCm(kMasterKey, kMasterSalt, kRtpPlain, 4)));
    }

    void knownAnswerSrtcpThroughSdes() {
        const Bytes keySalt = concat(kMasterKey, kMasterSalt);
        SrtpSession session = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, keySalt));
        Bytes packet = kRtcpPlain;
        QVERIFY(session.protectRtcp(packet).ok());
        QCOMPARE(toHex(packet), toHex(kSrtcpCipher));
        QCOMPARE(toHex(packet), toHex(referenceSrtcpCm(kMasterKey, kMasterSalt, kRtcpPlain, 1)));
        QVERIFY(session.unprotectRtcp(packet).ok());
        QCOMPARE(toHex(packet), toHex(kRtcpPlain));
        // The _32 suite keeps the 80-bit tag for SRTCP (RFC 4568 section 6.2.2).
        SrtpSession s32 = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_32, keySalt));
        Bytes p32 = kRtcpPlain;
        QVERIFY(s32.protectRtcp(p32).ok());
        QCOMPARE(toHex(p32), toHex(kSrtcpCipher));
    }

    void gcmMatchesReference() {
        const Bytes key = hex("000102030405060708090a0b0c0d0e0f");
        const Bytes salt = hex("a0a1a2a3a4a5a6a7a8a9aaab");
        SrtpSession session =
            sessionFrom(inlineCrypto(SrtpSuite::AeadAes128Gcm, concat(key, salt)));
        for (std::uint16_t seq : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{0x1234}}) {
            const Bytes plain = rtpPacket(seq);
            Bytes packet = plain;
            QVERIFY(session.protectRtp(packet).ok());
            QCOMPARE(packet.size(), plain.size() + 16);
            QCOMPARE(toHex(packet), toHex(referenceSrtpGcm(key, salt, plain)));
            QVERIFY(session.unprotectRtp(packet).ok());
            QCOMPARE(toHex(packet), toHex(plain));
        }
    }

    void tamperingIsDetected_data() {
        QTest::addColumn<SrtpSuite>("suite");
        QTest::addColumn<int>("offset"); // byte to flip; negative counts from the end
        for (auto suite : {SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AesCm128HmacSha1_32,
                           SrtpSuite::AeadAes128Gcm}) {
            const std::string name(suiteName(suite));
            QTest::newRow((name + " payload").c_str()) << suite << 20;
            QTest::newRow((name + " header").c_str()) << suite << 1;
            QTest::newRow((name + " timestamp").c_str()) << suite << 5;
            QTest::newRow((name + " tag").c_str()) << suite << -1;
        }
    }

    void tamperingIsDetected() {
        QFETCH(SrtpSuite, suite);
        QFETCH(int, offset);
        SrtpSession a = sessionFrom(inlineCrypto(suite, Bytes(keySaltLength(suite), 0x42)));
        SrtpSession b = sessionFrom(inlineCrypto(suite, Bytes(keySaltLength(suite), 0x42)));
        Bytes packet = rtpPacket(7);
        QVERIFY(a.protectRtp(packet).ok());
        const std::size_t at = offset >= 0 ? static_cast<std::size_t>(offset) : packet.size() - 1;
        packet[at] ^= 0x01;
        auto r = b.unprotectRtp(packet);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::AuthenticationFailed);

        Bytes rtcp = kRtcpPlain;
        QVERIFY(a.protectRtcp(rtcp).ok());
        rtcp[at < rtcp.size() ? at : 10] ^= 0x01;
        auto rr = b.unprotectRtcp(rtcp);
        QVERIFY(!rr.ok());
        QCOMPARE(rr.error().code, MediaErrc::AuthenticationFailed);
    }

    void wrongKeyFails() {
        SrtpSession a = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, Bytes(30, 1)));
        SrtpSession b = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, Bytes(30, 2)));
        Bytes packet = rtpPacket(1);
        QVERIFY(a.protectRtp(packet).ok());
        QCOMPARE(b.unprotectRtp(packet).error().code, MediaErrc::AuthenticationFailed);
    }

    void replaysAreRejected() {
        for (auto suite : {SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AeadAes128Gcm}) {
            SrtpSession a = sessionFrom(inlineCrypto(suite, Bytes(keySaltLength(suite), 3)));
            SrtpSession b = sessionFrom(inlineCrypto(suite, Bytes(keySaltLength(suite), 3)));
            std::vector<Bytes> sent;
            for (std::uint16_t seq = 100; seq < 400; ++seq) {
                Bytes p = rtpPacket(seq);
                QVERIFY(a.protectRtp(p).ok());
                sent.push_back(p);
            }
            Bytes first = sent[0];
            QVERIFY(b.unprotectRtp(first).ok());
            Bytes again = sent[0];
            QCOMPARE(b.unprotectRtp(again).error().code, MediaErrc::Replay);
            // Out of order inside the window is fine, once.
            Bytes p5 = sent[5];
            Bytes p3 = sent[3];
            QVERIFY(b.unprotectRtp(p5).ok());
            QVERIFY(b.unprotectRtp(p3).ok());
            Bytes p3again = sent[3];
            QCOMPARE(b.unprotectRtp(p3again).error().code, MediaErrc::Replay);
            // Far behind the 128-packet window: rejected as too old.
            Bytes last = sent[299];
            QVERIFY(b.unprotectRtp(last).ok());
            Bytes old = sent[10];
            QCOMPARE(b.unprotectRtp(old).error().code, MediaErrc::Replay);

            Bytes rtcp = kRtcpPlain;
            QVERIFY(a.protectRtcp(rtcp).ok());
            Bytes rtcpAgain = rtcp;
            QVERIFY(b.unprotectRtcp(rtcp).ok());
            QCOMPARE(b.unprotectRtcp(rtcpAgain).error().code, MediaErrc::Replay);
        }
    }

    void separateDirectionsUseSeparateKeys() {
        const SecretBytes alice = SecretBytes::random(30);
        const SecretBytes bob = SecretBytes::random(30);
        auto a = SrtpSession::create(SrtpSuite::AesCm128HmacSha1_80, {alice, {}}, {bob, {}});
        auto b = SrtpSession::create(SrtpSuite::AesCm128HmacSha1_80, {bob, {}}, {alice, {}});
        QVERIFY(a.ok() && b.ok());
        Bytes ab = rtpPacket(1);
        Bytes ba = rtpPacket(1);
        QVERIFY(a->protectRtp(ab).ok());
        QVERIFY(b->protectRtp(ba).ok());
        QVERIFY(ab != ba);
        Bytes loop = ab;
        QCOMPARE(a->unprotectRtp(loop).error().code, MediaErrc::AuthenticationFailed);
        QVERIFY(b->unprotectRtp(ab).ok());
        QVERIFY(a->unprotectRtp(ba).ok());
    }

    void lifetimeIsEnforced() {
        SrtpSession a =
            sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, Bytes(30, 9), "|3"));
        for (std::uint16_t seq = 1; seq <= 3; ++seq) {
            Bytes p = rtpPacket(seq);
            QVERIFY(a.protectRtp(p).ok());
        }
        Bytes p = rtpPacket(4);
        QCOMPARE(a.protectRtp(p).error().code, MediaErrc::KeyExpired);
    }

    void badKeysAreRefused() {
        auto r = SrtpSession::create(SrtpSuite::AeadAes128Gcm, {SecretBytes::random(30), {}},
                                     {SecretBytes::random(28), {}});
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::InvalidArgument);
        SrtpSession a = sessionFrom(inlineCrypto(SrtpSuite::AesCm128HmacSha1_80, Bytes(30, 9)));
        Bytes tiny(5, 0x80);
        QCOMPARE(a.unprotectRtp(tiny).error().code, MediaErrc::MalformedRtp);
        QCOMPARE(a.protectRtp(tiny).error().code, MediaErrc::MalformedRtp);
    }
};

QTEST_GUILESS_MAIN(TestSrtpVectors)
#include "test_srtp_vectors.moc"
