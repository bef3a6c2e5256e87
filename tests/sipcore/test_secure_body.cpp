// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The S/MIME compositions of a secure call: a signed identity body for the
// INVITE, and sealed (encrypted, then signed) SDP for 200 OK and ACK. Every
// tamper and mismatch case asserts the specific failure.

#include "crypto/DeviceIdentity.h"
#include "crypto/Mime.h"
#include "sipcore/SecureBody.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <QTest>

using namespace napkin;
using namespace napkin::sip;
using namespace std::chrono_literals;

namespace {

crypto::DeviceIdentity identity(const std::string &aor, std::optional<crypto::SystemTime> now = {},
                                std::chrono::seconds lifetime = std::chrono::hours(24 * 7)) {
    crypto::IdentityOptions options;
    options.aor = aor;
    options.instanceUrn =
        "urn:uuid:5e1f0000-0000-4000-8000-00000000000" + std::to_string(aor.size() % 10);
    options.now = now;
    options.lifetime = lifetime;
    auto made = crypto::createDeviceIdentity(options);
    if (!made) {
        qFatal("identity: %s", made.error().message.c_str());
    }
    return std::move(made).value();
}

IdentityHeaders headersAt(std::chrono::system_clock::time_point now) {
    IdentityHeaders h;
    h.from = "\"Alice\" <sip:alice@a.example>;tag=98asjd8";
    h.to = "<sip:bob@b.example>";
    h.callId = "f81d4fae7dec11d0a76500a0c91e6bf6@napkin";
    h.cseq = "4711 INVITE";
    h.date = formatSipDate(now);
    h.contact = "<sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:1>\"";
    return h;
}

constexpr std::string_view kSdp = "v=0\r\n"
                                  "o=- 1 1 IN IP4 127.0.0.1\r\n"
                                  "s=-\r\n"
                                  "c=IN IP4 127.0.0.1\r\n"
                                  "t=0 0\r\n"
                                  "m=audio 40000 RTP/SAVP 111\r\n"
                                  "a=rtpmap:111 opus/48000/2\r\n";

crypto::Aor aor(const std::string &text) {
    return crypto::parseAor(text).value();
}

/// Replaces the first occurrence of `from` in the body by `to` (same length).
void rewrite(crypto::MimeBody &body, std::string_view from, std::string_view to) {
    std::string text(crypto::asText(body.body));
    auto at = text.find(from);
    QVERIFY(at != std::string::npos);
    text.replace(at, from.size(), to);
    body.body.assign(text.begin(), text.end());
}

/// The callee's first offer in call "c1@x" (caller tag "t1").
BodyBinding offerBinding() {
    BodyBinding b;
    b.callId = "c1@x";
    b.callerTag = "t1";
    b.fromCaller = false;
    b.sequence = 1;
    return b;
}

} // namespace

class TestSecureBody : public QObject {
    Q_OBJECT
private:
    std::optional<crypto::DeviceIdentity> m_alice;
    std::optional<crypto::DeviceIdentity> m_bob;
    std::optional<crypto::DeviceIdentity> m_carol;
    std::chrono::system_clock::time_point m_now;

private Q_SLOTS:
    void initTestCase() {
        m_now = std::chrono::system_clock::now();
        m_alice.emplace(identity("sip:alice@a.example"));
        m_bob.emplace(identity("sip:bob@b.example"));
        m_carol.emplace(identity("sip:carol@c.example"));
    }

    void classifiesBodies() {
        QCOMPARE(classifyBody("application/sdp", 0), BodyKind::Empty);
        QCOMPARE(classifyBody("application/SDP", 10), BodyKind::PlainSdp);
        QCOMPARE(classifyBody("multipart/signed; protocol=\"application/pkcs7-signature\"; "
                              "boundary=x",
                              10),
                 BodyKind::Signed);
        QCOMPARE(classifyBody("application/pkcs7-mime; smime-type=enveloped-data", 10),
                 BodyKind::Encrypted);
        QCOMPARE(classifyBody("text/plain", 10), BodyKind::Other);
        QCOMPARE(classifyBody("not a type", 10), BodyKind::Other);
    }

    void identityBodyVerifies() {
        const auto h = headersAt(m_now);
        auto body = signIdentityBody(h, *m_alice);
        QVERIFY(body.ok());
        QCOMPARE(classifyBody(body->contentType, body->body.size()), BodyKind::Signed);
        const crypto::Certificate set[] = {m_bob->certificate, m_alice->certificate};
        auto proof = verifyIdentityBody(*body, h, aor("sip:alice@a.example"), set, m_now + 5s);
        QVERIFY2(proof.ok(), proof.ok() ? "" : proof.error().message.c_str());
        QVERIFY(proof->certificate == m_alice->certificate);
        QVERIFY(proof->signingTime.has_value());
    }

    // Without CMS signingTime nothing bounds how long a body may be
    // replayed: such a signature fails, for the INVITE and for sealed SDP.
    void signatureWithoutSigningTimeFails() {
        const auto h = headersAt(m_now);
        auto body = signIdentityBody(h, *m_alice).value();
        auto halves = crypto::splitSigned(body);
        halves.signatureDer = crypto::rawSignature(halves.content, {&*m_alice}, EVP_sha256(),
                                                   CMS_DETACHED | CMS_NOATTR);
        const auto stripped = crypto::joinSigned(body, halves);
        const crypto::Certificate set[] = {m_alice->certificate};
        auto proof = verifyIdentityBody(stripped, h, aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!proof);
        QCOMPARE(proof.error().code, IdentityFailure::DateOutOfRange);
        QVERIFY2(proof.error().message.find("no signing time") != std::string::npos,
                 proof.error().message.c_str());

        auto sealed = sealSdp("v=0\r\n", m_alice->certificate, *m_bob, offerBinding()).value();
        auto sealedHalves = crypto::splitSigned(sealed);
        sealedHalves.signatureDer = crypto::rawSignature(sealedHalves.content, {&*m_bob},
                                                         EVP_sha256(), CMS_DETACHED | CMS_NOATTR);
        const crypto::Certificate bobs[] = {m_bob->certificate};
        auto opened = openSdp(crypto::joinSigned(sealed, sealedHalves), aor("sip:bob@b.example"),
                              bobs, *m_alice, m_now);
        QVERIFY(!opened);
        QCOMPARE(opened.error().code, IdentityFailure::DateOutOfRange);
    }

    void alteredIdentityBodyFails() {
        const auto h = headersAt(m_now);
        auto body = signIdentityBody(h, *m_alice).value();
        rewrite(body, "sip:bob@b.example", "sip:bob@b.exampke");
        const crypto::Certificate set[] = {m_alice->certificate};
        auto proof = verifyIdentityBody(body, h, aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!proof.ok());
        QCOMPARE(proof.error().code, IdentityFailure::BadSignature);
    }

    void headersRewrittenOnTheWayFail() {
        const auto h = headersAt(m_now);
        const auto body = signIdentityBody(h, *m_alice).value();
        const crypto::Certificate set[] = {m_alice->certificate};
        const auto alice = aor("sip:alice@a.example");

        auto otherDate = h;
        otherDate.date = formatSipDate(m_now - 1h);
        auto r = verifyIdentityBody(body, otherDate, alice, set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::HeaderMismatch);

        auto otherTo = h;
        otherTo.to = "<sip:eve@b.example>";
        r = verifyIdentityBody(body, otherTo, alice, set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::HeaderMismatch);

        auto otherCseq = h;
        otherCseq.cseq = "4712 INVITE";
        r = verifyIdentityBody(body, otherCseq, alice, set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::HeaderMismatch);
    }

    void replayedIdentityBodyFails() {
        const auto h = headersAt(m_now);
        const auto body = signIdentityBody(h, *m_alice).value();
        const crypto::Certificate set[] = {m_alice->certificate};
        auto r = verifyIdentityBody(body, h, aor("sip:alice@a.example"), set, m_now + 11min);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::DateOutOfRange);
    }

    void signerMustBePublished() {
        const auto h = headersAt(m_now);
        const auto body = signIdentityBody(h, *m_alice).value();
        const crypto::Certificate set[] = {m_bob->certificate};
        auto r = verifyIdentityBody(body, h, aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::SignerNotListed);
        QVERIFY(r.error().message.find(m_alice->certificate.fingerprint()) != std::string::npos);
    }

    void signerMustNameTheCaller() {
        // Carol's certificate in the set does not make her Alice.
        auto h = headersAt(m_now);
        const auto body = signIdentityBody(h, *m_carol).value();
        const crypto::Certificate set[] = {m_carol->certificate};
        auto r = verifyIdentityBody(body, h, aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::WrongAddress);
    }

    void expiredSignerFails() {
        const auto then = m_now - 3h;
        const auto old = identity("sip:alice@a.example", then, 1h);
        const auto h = headersAt(m_now);
        auto body = signIdentityBody(h, old);
        QVERIFY(body.ok());
        const crypto::Certificate set[] = {old.certificate};
        auto r = verifyIdentityBody(*body, h, aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::CertificateInvalid);
    }

    void unsignedBodyIsMalformed() {
        const crypto::MimeBody plain{"application/sdp", crypto::Bytes(kSdp.begin(), kSdp.end())};
        const crypto::Certificate set[] = {m_alice->certificate};
        auto r =
            verifyIdentityBody(plain, headersAt(m_now), aor("sip:alice@a.example"), set, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::Malformed);
        QVERIFY(!claimedSigner(plain));
    }

    void sealedSdpOpensForTheRecipientOnly() {
        auto sealed = sealSdp(kSdp, m_bob->certificate, *m_alice, offerBinding());
        QVERIFY(sealed.ok());
        QCOMPARE(classifyBody(sealed->contentType, sealed->body.size()), BodyKind::Signed);
        // The SDP is nowhere in the body in clear.
        QVERIFY(std::string(crypto::asText(sealed->body)).find("m=audio") == std::string::npos);
        const crypto::Certificate set[] = {m_alice->certificate};
        auto opened = openSdp(*sealed, aor("sip:alice@a.example"), set, *m_bob, m_now);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        QCOMPARE(opened->sdp, std::string(kSdp));
        QVERIFY(opened->signer.certificate == m_alice->certificate);

        auto wrong = openSdp(*sealed, aor("sip:alice@a.example"), set, *m_carol, m_now);
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, IdentityFailure::NotForThisDevice);
    }

    // The binding travels inside the signed, encrypted body and comes out
    // as it went in.
    void sealedSdpCarriesItsBinding() {
        BodyBinding answer = offerBinding();
        answer.fromCaller = true;
        answer.answer = true;
        answer.sequence = 7;
        answer.offerDigest = sdpDigest("v=0\r\n");
        auto sealed = sealSdp(kSdp, m_bob->certificate, *m_alice, answer).value();
        const crypto::Certificate set[] = {m_alice->certificate};
        auto opened = openSdp(sealed, aor("sip:alice@a.example"), set, *m_bob, m_now);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        QCOMPARE(opened->sdp, std::string(kSdp)); // the SDP itself is unchanged
        QVERIFY(opened->binding.has_value());
        QCOMPARE(opened->binding->callId, std::string("c1@x"));
        QCOMPARE(opened->binding->callerTag, std::string("t1"));
        QVERIFY(opened->binding->fromCaller);
        QVERIFY(opened->binding->answer);
        QCOMPARE(opened->binding->sequence, 7u);
        QCOMPARE(opened->binding->offerDigest, sdpDigest("v=0\r\n"));
    }

    // A body lifted from elsewhere does not fit: each row changes one thing.
    void bindingMismatches_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<int>("failure");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("absent") << QStringLiteral("absent") << int(IdentityFailure::HeaderMismatch)
                                << QStringLiteral("not bound to any call");
        QTest::newRow("another call")
            << QStringLiteral("callId") << int(IdentityFailure::HeaderMismatch)
            << QStringLiteral("another call");
        QTest::newRow("another caller tag")
            << QStringLiteral("tag") << int(IdentityFailure::HeaderMismatch)
            << QStringLiteral("another call");
        QTest::newRow("the other direction")
            << QStringLiteral("direction") << int(IdentityFailure::HeaderMismatch)
            << QStringLiteral("the other way");
        QTest::newRow("an answer for an offer")
            << QStringLiteral("role") << int(IdentityFailure::HeaderMismatch)
            << QStringLiteral("where an offer was due");
        QTest::newRow("an earlier body")
            << QStringLiteral("sequence") << int(IdentityFailure::Replayed)
            << QStringLiteral("earlier one");
        QTest::newRow("matches") << QStringLiteral("none") << int(IdentityFailure::None)
                                 << QStringLiteral("");
    }

    void bindingMismatches() {
        QFETCH(QString, field);
        QFETCH(int, failure);
        QFETCH(QString, reasonPart);
        BodyBinding expected = offerBinding();
        std::optional<BodyBinding> got = offerBinding();
        got->sequence = 3;
        if (field == QLatin1String("absent")) {
            got.reset();
        } else if (field == QLatin1String("callId")) {
            got->callId = "c2@x";
        } else if (field == QLatin1String("tag")) {
            got->callerTag = "t2";
        } else if (field == QLatin1String("direction")) {
            got->fromCaller = true;
        } else if (field == QLatin1String("role")) {
            got->answer = true;
        } else if (field == QLatin1String("sequence")) {
            got->sequence = 2;
        }
        auto checked = checkBinding(got, expected, 2);
        if (failure == int(IdentityFailure::None)) {
            QVERIFY(checked.ok());
            return;
        }
        QVERIFY(!checked.ok());
        QCOMPARE(int(checked.error().code), failure);
        QVERIFY2(QString::fromStdString(checked.error().message).contains(reasonPart),
                 checked.error().message.c_str());
    }

    void answerToAnotherOfferIsReplayed() {
        BodyBinding expected = offerBinding();
        expected.answer = true;
        expected.offerDigest = sdpDigest("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
        BodyBinding got = expected;
        got.sequence = 1;
        got.offerDigest = sdpDigest("v=0\r\no=- 2 1 IN IP4 192.0.2.1\r\n");
        auto checked = checkBinding(got, expected, 0);
        QVERIFY(!checked.ok());
        QCOMPARE(checked.error().code, IdentityFailure::Replayed);
        got.offerDigest = expected.offerDigest;
        QVERIFY(checkBinding(got, expected, 0).ok());
    }

    void sealedSdpTamperAndSignerChecks() {
        auto sealed = sealSdp(kSdp, m_bob->certificate, *m_alice, offerBinding()).value();
        const crypto::Certificate set[] = {m_alice->certificate};
        const auto alice = aor("sip:alice@a.example");

        auto tampered = sealed;
        // Change one base64 character of the encrypted part (inside the signed content).
        std::string text(crypto::asText(tampered.body));
        const auto at = text.find("filename=smime.p7m\r\n\r\n") + 24;
        text[at] = text[at] == 'A' ? 'B' : 'A';
        tampered.body.assign(text.begin(), text.end());
        auto r = openSdp(tampered, alice, set, *m_bob, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::BadSignature);

        const crypto::Certificate bobOnly[] = {m_bob->certificate};
        r = openSdp(sealed, alice, bobOnly, *m_bob, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::SignerNotListed);

        r = openSdp(sealed, alice, set, *m_bob, m_now, m_carol->certificate);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::SignerNotListed);

        r = openSdp(sealed, alice, set, *m_bob, m_now + 20min);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::DateOutOfRange);

        auto claimed = claimedSigner(sealed);
        QVERIFY(claimed.has_value());
        QVERIFY(*claimed == m_alice->certificate);
    }

    void signedButNotEncryptedIsRefused() {
        // A signed identity body where an SDP is expected.
        const auto body = signIdentityBody(headersAt(m_now), *m_alice).value();
        const crypto::Certificate set[] = {m_alice->certificate};
        auto r = openSdp(body, aor("sip:alice@a.example"), set, *m_bob, m_now);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, IdentityFailure::Malformed);
    }
};

QTEST_GUILESS_MAIN(TestSecureBody)
#include "test_secure_body.moc"
