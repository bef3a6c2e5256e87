// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SDP (RFC 4566), SDES a=crypto (RFC 4568) and offer/answer (RFC 3264):
// good descriptions, a round trip through our own offer, the negotiation
// rules, and malformed input rejected with the specific error.

#include "crypto/Encoding.h"
#include "media/OfferAnswer.h"
#include "media/Sdp.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <sstream>

using namespace napkin::media;
using napkin::crypto::encodeBase64;

Q_DECLARE_METATYPE(napkin::media::MediaErrc)

namespace {

std::string key30() {
    std::vector<std::uint8_t> k(30);
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(i * 7 + 1);
    }
    return encodeBase64(k);
}

std::string key28() {
    std::vector<std::uint8_t> k(28, 0x5a);
    return encodeBase64(k);
}

/// A baresip-like offer: unknown attributes, an unknown suite, two keys.
std::string peerOffer(const std::string &proto = "RTP/SAVP") {
    return "v=0\r\n"
           "o=- 1234 5678 IN IP4 192.0.2.10\r\n"
           "s=-\r\n"
           "c=IN IP4 192.0.2.10\r\n"
           "t=0 0\r\n"
           "a=tool:someone\r\n"
           "m=audio 40000 " +
           proto +
           " 116 0 8 101\r\n"
           "b=AS:128\r\n"
           "a=rtpmap:116 opus/48000/2\r\n"
           "a=fmtp:116 stereo=1;sprop-stereo=1\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n"
           "a=fmtp:101 0-15\r\n"
           "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" +
           key30() + key30().substr(0, 20) +
           "\r\n"
           "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" +
           key30() +
           "\r\n"
           "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" +
           key30() +
           "|2^31\r\n"
           "a=sendrecv\r\n"
           "a=label:1\r\n"
           "a=ssrc:1234 cname:abc\r\n"
           "a=ptime:20\r\n";
}

LocalMediaOptions local(std::uint16_t port = 50000) {
    LocalMediaOptions o;
    o.address = "192.0.2.20";
    o.port = port;
    return o;
}

/// A minimal valid description with one audio line, for mutation.
std::string minimal(const std::string &mediaAttributes, const std::string &sessionTail = {}) {
    return "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
           sessionTail + "m=audio 4000 RTP/SAVP 0\r\n" + mediaAttributes;
}

} // namespace

class TestSdp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesPeerOffer() {
        auto sdp = parseSdp(peerOffer());
        QVERIFY2(sdp.ok(), sdp.ok() ? "" : sdp.error().message.c_str());
        QCOMPARE(sdp->media.size(), std::size_t{1});
        const SdpMedia &m = sdp->media[0];
        QCOMPARE(m.port, std::uint16_t{40000});
        QCOMPARE(m.protocol, std::string("RTP/SAVP"));
        QCOMPARE(m.rtpFormats.size(), std::size_t{4});
        QCOMPARE(m.format(116)->encoding, std::string("opus"));
        QCOMPARE(m.format(116)->channels, 2u);
        QCOMPARE(m.format(116)->fmtp, std::string("stereo=1;sprop-stereo=1"));
        QCOMPARE(m.format(0)->encoding, std::string("PCMU")); // static payload type
        QCOMPARE(m.format(8)->clockRate, 8000u);
        QCOMPARE(m.crypto.size(), std::size_t{2});
        QCOMPARE(m.crypto[0].suite, SrtpSuite::AesCm128HmacSha1_32);
        QCOMPARE(m.crypto[1].tag, 3u);
        QCOMPARE(*m.crypto[1].lifetime, std::uint64_t{1} << 31);
        QCOMPARE(m.crypto[1].keySalt.size(), std::size_t{30});
        QCOMPARE(m.unknownCryptoSuites, std::vector<std::string>{"AES_256_CM_HMAC_SHA1_80"});
        QCOMPARE(*m.ptime, 20u);
        QCOMPARE(sdp->directionOf(m), MediaDirection::SendRecv);
        QCOMPARE(sdp->connectionOf(m)->address, std::string("192.0.2.10"));
        QCOMPARE(m.otherAttributes.size(), std::size_t{2}); // label, ssrc: kept, ignored
        QCOMPARE(sdp->otherAttributes.size(), std::size_t{1});
    }

    void acceptsBareLineFeeds() {
        std::string text = peerOffer();
        std::string lf;
        for (char c : text) {
            if (c != '\r') {
                lf += c;
            }
        }
        QVERIFY(parseSdp(lf).ok());
    }

    void ourOfferRoundTrips() {
        auto offer = makeOffer(local());
        QVERIFY(offer.ok());
        const std::string text = formatSdp(offer->sdp);
        auto parsed = parseSdp(text);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        const SdpMedia &m = parsed->media.at(0);
        QCOMPARE(m.protocol, std::string("RTP/SAVP"));
        QCOMPARE(m.rtpFormats.front().encoding, std::string("opus"));
        QCOMPARE(m.rtpFormats.front().fmtp, std::string("minptime=10;useinbandfec=1"));
        QVERIFY(m.rtcpMux);
        QCOMPARE(m.crypto.size(), std::size_t{3});
        QCOMPARE(m.crypto[1].suite, SrtpSuite::AeadAes128Gcm);
        QCOMPARE(m.crypto[1].keySalt.size(), std::size_t{28});
        for (std::size_t i = 0; i < m.crypto.size(); ++i) {
            QVERIFY(m.crypto[i].keySalt.equals(offer->sdp.media[0].crypto[i].keySalt));
        }
        QCOMPARE(formatSdp(*parsed), text);
    }

    void keysAreFreshAndRedacted() {
        auto a = makeOffer(local());
        auto b = makeOffer(local());
        QVERIFY(a.ok() && b.ok());
        const SecretBytes &ka = a->sdp.media[0].crypto[0].keySalt;
        const SecretBytes &kb = b->sdp.media[0].crypto[0].keySalt;
        QVERIFY(!ka.equals(kb));
        std::ostringstream out;
        out << ka;
        QCOMPARE(out.str(), std::string("[redacted 30 bytes]"));
        QVERIFY(out.str().find(encodeBase64(ka.view())) == std::string::npos);
        QVERIFY(a->sdp.origin.sessionId != b->sdp.origin.sessionId);
    }

    void answerPicksFirstCommonCodecAndSuite() {
        auto offer = parseSdp(peerOffer());
        QVERIFY(offer.ok());
        auto answer = answerOffer(*offer, local());
        QVERIFY2(answer.ok(), answer.ok() ? "" : answer.error().message.c_str());
        const NegotiatedMedia &n = answer->media;
        QCOMPARE(n.codec, CodecId::Opus);
        QCOMPARE(n.sendPayloadType, std::uint8_t{116});
        QCOMPARE(n.suite, SrtpSuite::AesCm128HmacSha1_32); // the offer's order wins
        QCOMPARE(n.remoteAddress, std::string("192.0.2.10"));
        QCOMPARE(n.remotePort, std::uint16_t{40000});
        QVERIFY(!n.rtcpMux);
        QCOMPARE(n.remoteRtcpPort, std::uint16_t{40001});
        QCOMPARE(*n.sendEventPayloadType, std::uint8_t{101});
        QCOMPARE(n.eventClockRate, 8000u);
        QVERIFY(n.receiveKey.equals(offer->media[0].crypto[0].keySalt));
        QVERIFY(!n.sendKey.equals(n.receiveKey));

        const SdpMedia &am = answer->sdp.media.at(0);
        QCOMPARE(am.crypto.size(), std::size_t{1});
        QCOMPARE(am.crypto[0].tag, 2u);
        QVERIFY(am.crypto[0].keySalt.equals(n.sendKey));
        QCOMPARE(am.formats, (std::vector<std::string>{"116", "101"}));
        QCOMPARE(*am.direction, MediaDirection::SendRecv);
        QVERIFY(!am.rtcpMux);
    }

    void answerFollowsOfferOrderForCodecs() {
        std::string text = peerOffer();
        text.replace(text.find("116 0 8 101"), 11, "8 0 116 101");
        auto offer = parseSdp(text);
        QVERIFY(offer.ok());
        auto answer = answerOffer(*offer, local());
        QVERIFY(answer.ok());
        QCOMPARE(answer->media.codec, CodecId::Pcma);
        LocalMediaOptions opusOnly = local();
        opusOnly.codecs = {CodecId::Opus};
        auto answer2 = answerOffer(*offer, opusOnly);
        QVERIFY(answer2.ok());
        QCOMPARE(answer2->media.codec, CodecId::Opus);
    }

    void offerAnswerRoundTripBetweenTwoNapkins() {
        auto offer = makeOffer(local(50000));
        QVERIFY(offer.ok());
        auto offerSeen = parseSdp(formatSdp(offer->sdp));
        QVERIFY(offerSeen.ok());
        LocalMediaOptions bob = local(52000);
        bob.address = "192.0.2.30";
        bob.suites = {SrtpSuite::AeadAes128Gcm, SrtpSuite::AesCm128HmacSha1_80};
        auto answer = answerOffer(*offerSeen, bob);
        QVERIFY(answer.ok());
        auto answerSeen = parseSdp(formatSdp(answer->sdp));
        QVERIFY(answerSeen.ok());
        auto alice = applyAnswer(*offer, *answerSeen);
        QVERIFY2(alice.ok(), alice.ok() ? "" : alice.error().message.c_str());

        // The offer lists 80 first, which bob also supports.
        QCOMPARE(alice->suite, SrtpSuite::AesCm128HmacSha1_80);
        QCOMPARE(answer->media.suite, SrtpSuite::AesCm128HmacSha1_80);
        QVERIFY(alice->sendKey.equals(answer->media.receiveKey));
        QVERIFY(alice->receiveKey.equals(answer->media.sendKey));
        QCOMPARE(alice->codec, CodecId::Opus);
        QCOMPARE(alice->sendPayloadType, kOpusPayloadType);
        QVERIFY(alice->rtcpMux && answer->media.rtcpMux);
        QCOMPARE(alice->remotePort, std::uint16_t{52000});
        QCOMPARE(alice->remoteAddress, std::string("192.0.2.30"));
        QCOMPARE(answer->media.remotePort, std::uint16_t{50000});
        QCOMPARE(*alice->sendEventPayloadType, kEvent48kPayloadType);
        QCOMPARE(alice->eventClockRate, 48000u);
    }

    void iceAttributesTravelInOfferAndAnswer() {
        LocalMediaOptions alice = local(50000);
        alice.ice = IceLocal{"aB3+",
                             "0123456789abcdefghij+/",
                             {"1 1 UDP 2015363327 192.168.1.2 50000 typ host",
                              "2 1 UDP 1679819007 203.0.113.7 61000 typ srflx raddr 192.168.1.2 "
                              "rport 50000",
                              "3 1 UDP 8331263 198.51.100.1 49200 typ relay raddr 203.0.113.7 "
                              "rport 61000"},
                             "203.0.113.7",
                             61000,
                             {}};
        alice.address = "203.0.113.7";
        alice.port = 61000;
        auto offer = makeOffer(alice);
        QVERIFY(offer.ok());
        const std::string text = formatSdp(offer->sdp);
        QVERIFY(text.find("a=ice-ufrag:aB3+\r\n") != std::string::npos);
        QVERIFY(text.find("a=candidate:3 1 UDP 8331263 198.51.100.1 49200 typ relay") !=
                std::string::npos);
        QVERIFY(text.find("m=audio 61000 ") != std::string::npos);
        auto seen = parseSdp(text);
        QVERIFY(seen.ok());
        QCOMPARE(seen->media.front().candidates.size(), std::size_t(3));

        // A peer doing ICE answers with its own attributes...
        LocalMediaOptions bob = local(52000);
        bob.ice = IceLocal{"zzzz",
                           "ZZZZZZZZZZZZZZZZZZZZZZ",
                           {"9 1 UDP 1 192.0.2.30 52000 typ host"},
                           "192.0.2.30",
                           52000,
                           {}};
        auto answer = answerOffer(*seen, bob);
        QVERIFY(answer.ok());
        QVERIFY(answer->media.remoteIce);
        QCOMPARE(answer->media.remoteIce->ufrag, std::string("aB3+"));
        QCOMPARE(answer->media.remoteIce->candidates.size(), std::size_t(3));
        auto answerSeen = parseSdp(formatSdp(answer->sdp));
        QVERIFY(answerSeen.ok());
        auto agreed = applyAnswer(*offer, *answerSeen);
        QVERIFY(agreed.ok());
        QVERIFY(agreed->remoteIce);
        QCOMPARE(agreed->remoteIce->pwd, std::string("ZZZZZZZZZZZZZZZZZZZZZZ"));

        // ...but an offer without ICE gets an answer without it (RFC 8839 4.2).
        auto plain = parseSdp(peerOffer());
        QVERIFY(plain.ok());
        auto plainAnswer = answerOffer(*plain, bob);
        QVERIFY(plainAnswer.ok());
        QVERIFY(!plainAnswer->media.remoteIce);
        const std::string plainText = formatSdp(plainAnswer->sdp);
        QVERIFY(plainText.find("ice-") == std::string::npos);
        QVERIFY(plainText.find("candidate") == std::string::npos);
    }

    void iceNeedsCredentialsAndCandidates() {
        // Session-level credentials apply to the stream; no candidate: no ICE.
        const std::string crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "\r\n";
        auto withSession =
            parseSdp(minimal(crypto + "a=candidate:1 1 UDP 5 192.0.2.1 4000 typ host\r\n",
                             "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"));
        QVERIFY(withSession.ok());
        QVERIFY(withSession->iceOf(withSession->media.front()));
        auto noCandidate =
            parseSdp(minimal(crypto, "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"));
        QVERIFY(noCandidate.ok());
        QVERIFY(!noCandidate->iceOf(noCandidate->media.front()));
        auto noPwd = parseSdp(minimal(
            crypto + "a=ice-ufrag:abcd\r\na=candidate:1 1 UDP 5 192.0.2.1 4000 typ host\r\n"));
        QVERIFY(noPwd.ok());
        QVERIFY(!noPwd->iceOf(noPwd->media.front()));
    }

    void holdDirections() {
        LocalMediaOptions holder = local();
        holder.direction = MediaDirection::SendOnly;
        auto offer = makeOffer(holder);
        QVERIFY(offer.ok());
        auto answer = answerOffer(*parseSdp(formatSdp(offer->sdp)), local(52000));
        QVERIFY(answer.ok());
        QCOMPARE(answer->media.direction, MediaDirection::RecvOnly);
        QCOMPARE(*answer->sdp.media[0].direction, MediaDirection::RecvOnly);
        auto back = applyAnswer(*offer, *parseSdp(formatSdp(answer->sdp)));
        QVERIFY(back.ok());
        QCOMPARE(back->direction, MediaDirection::SendOnly);

        LocalMediaOptions inactive = local();
        inactive.direction = MediaDirection::Inactive;
        auto offer2 = makeOffer(inactive);
        auto answer2 = answerOffer(*parseSdp(formatSdp(offer2->sdp)), local(52000));
        QCOMPARE(answer2->media.direction, MediaDirection::Inactive);
        QCOMPARE(intersectDirections(MediaDirection::SendRecv, MediaDirection::RecvOnly),
                 MediaDirection::RecvOnly);
    }

    void rejectsOtherStreamsWithPortZero() {
        std::string text = peerOffer() + "m=video 40002 RTP/SAVP 96\r\na=rtpmap:96 VP8/90000\r\n";
        auto offer = parseSdp(text);
        QVERIFY(offer.ok());
        auto answer = answerOffer(*offer, local());
        QVERIFY(answer.ok());
        QCOMPARE(answer->sdp.media.size(), std::size_t{2});
        QCOMPARE(answer->sdp.media[1].port, std::uint16_t{0});
        QVERIFY(parseSdp(formatSdp(answer->sdp)).ok());
    }

    void negotiationFailures() {
        auto insecure = parseSdp(peerOffer("RTP/AVP"));
        QVERIFY(insecure.ok());
        auto r1 = answerOffer(*insecure, local());
        QVERIFY(!r1.ok());
        QCOMPARE(r1.error().code, MediaErrc::InsecureMedia);

        std::string text = minimal("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "\r\n");
        text.replace(text.find("RTP/SAVP 0"), 10, "RTP/SAVP 18");
        auto onlyG729 = parseSdp(text);
        QVERIFY(onlyG729.ok());
        auto r2 = answerOffer(*onlyG729, local());
        QCOMPARE(r2.error().code, MediaErrc::NoCommonCodec);
        QVERIFY(r2.error().message.find("G729") != std::string::npos);

        auto unknownSuites =
            parseSdp(minimal("a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" + key30() +
                             key30().substr(0, 20) + "\r\n"));
        QVERIFY(unknownSuites.ok());
        auto r3 = answerOffer(*unknownSuites, local());
        QCOMPARE(r3.error().code, MediaErrc::NoCommonSuite);
        QVERIFY(r3.error().message.find("AES_256_CM_HMAC_SHA1_80") != std::string::npos);

        LocalMediaOptions bad = local();
        bad.address = "host.example";
        QCOMPARE(makeOffer(bad).error().code, MediaErrc::InvalidArgument);
    }

    // A body lifted from another call must not fit by chance: every offer
    // has its own o= session id and its own a=crypto tags.
    void offersAreNotPredictable() {
        auto first = makeOffer(local());
        auto second = makeOffer(local());
        QVERIFY(first.ok() && second.ok());
        QVERIFY(first->sdp.origin.sessionId != second->sdp.origin.sessionId);
        QVERIFY(first->sdp.media[0].crypto[0].tag != second->sdp.media[0].crypto[0].tag);
        QVERIFY(first->sdp.media[0].crypto[0].tag != 1u ||
                second->sdp.media[0].crypto[0].tag != 1u);
        // The answer to the second offer does not fit the first.
        auto answer = answerOffer(*parseSdp(formatSdp(second->sdp)), local(52000));
        QVERIFY(answer.ok());
        QCOMPARE(applyAnswer(*first, answer->sdp).error().code, MediaErrc::AnswerMismatch);
    }

    void answerMismatches() {
        auto offer = makeOffer(local());
        QVERIFY(offer.ok());
        auto answer = answerOffer(*parseSdp(formatSdp(offer->sdp)), local(52000));
        QVERIFY(answer.ok());

        SessionDescription wrongTag = answer->sdp;
        wrongTag.media[0].crypto[0].tag = 9;
        QCOMPARE(applyAnswer(*offer, wrongTag).error().code, MediaErrc::AnswerMismatch);

        SessionDescription wrongSuite = answer->sdp;
        auto gcm = makeCryptoAttribute(1, SrtpSuite::AeadAes128Gcm); // tag 1 was offered as _80
        wrongSuite.media[0].crypto[0] = *gcm;
        QCOMPARE(applyAnswer(*offer, wrongSuite).error().code, MediaErrc::AnswerMismatch);

        SessionDescription twoKeys = answer->sdp;
        twoKeys.media[0].crypto.push_back(*makeCryptoAttribute(2, SrtpSuite::AeadAes128Gcm));
        QCOMPARE(applyAnswer(*offer, twoKeys).error().code, MediaErrc::AnswerMismatch);

        SessionDescription noKey = answer->sdp;
        noKey.media[0].crypto.clear();
        QCOMPARE(applyAnswer(*offer, noKey).error().code, MediaErrc::NoCommonSuite);

        SessionDescription plain = answer->sdp;
        plain.media[0].protocol = "RTP/AVP";
        QCOMPARE(applyAnswer(*offer, plain).error().code, MediaErrc::InsecureMedia);

        SessionDescription rejected = answer->sdp;
        rejected.media[0].port = 0;
        QCOMPARE(applyAnswer(*offer, rejected).error().code, MediaErrc::NoCommonCodec);

        SessionDescription otherCodec = answer->sdp;
        otherCodec.media[0].rtpFormats[0] = RtpFormat{18, "G729", 8000, 1, {}};
        otherCodec.media[0].formats[0] = "18";
        QCOMPARE(applyAnswer(*offer, otherCodec).error().code, MediaErrc::AnswerMismatch);

        SessionDescription extraStream = answer->sdp;
        extraStream.media.push_back(extraStream.media[0]);
        QCOMPARE(applyAnswer(*offer, extraStream).error().code, MediaErrc::AnswerMismatch);
    }

    void cryptoAttributeForms() {
        auto plain = parseCryptoAttribute("7 AES_CM_128_HMAC_SHA1_80 inline:" + key30());
        QVERIFY(plain.ok());
        QCOMPARE(plain->tag, 7u);
        QVERIFY(!plain->lifetime);
        auto decimal =
            parseCryptoAttribute("1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "|1048576");
        QCOMPARE(*decimal->lifetime, std::uint64_t{1048576});
        QCOMPARE(formatCryptoAttribute(*decimal),
                 "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "|2^20");
        auto gcm = parseCryptoAttribute("1 AEAD_AES_128_GCM inline:" + key28());
        QVERIFY(gcm.ok());
        QCOMPARE(gcm->keySalt.size(), std::size_t{28});
        std::string unpadded = key28();
        while (unpadded.back() == '=') {
            unpadded.pop_back();
        }
        QVERIFY(parseCryptoAttribute("1 AEAD_AES_128_GCM inline:" + unpadded).ok());
        QVERIFY(
            parseCryptoAttribute("1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + " WSH=128").ok());
        QCOMPARE(formatCryptoAttribute(*gcm), "1 AEAD_AES_128_GCM inline:" + key28());
    }

    void badCryptoAttributes_data() {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<MediaErrc>("code");
        const std::string k = key30();
        auto row = [](const char *name, const std::string &v, MediaErrc c) {
            QTest::newRow(name) << QByteArray::fromStdString(v) << c;
        };
        row("empty", "", MediaErrc::MalformedCrypto);
        row("no key params", "1 AES_CM_128_HMAC_SHA1_80", MediaErrc::MalformedCrypto);
        row("tag not numeric", "x1 AES_CM_128_HMAC_SHA1_80 inline:" + k,
            MediaErrc::MalformedCrypto);
        row("tag too long", "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + k,
            MediaErrc::MalformedCrypto);
        row("unknown suite", "1 AES_CM_129_HMAC_SHA1_80 inline:" + k, MediaErrc::UnsupportedCrypto);
        row("suite lower case", "1 aes_cm_128_hmac_sha1_80 inline:" + k,
            MediaErrc::UnsupportedCrypto);
        row("key method not inline", "1 AES_CM_128_HMAC_SHA1_80 uri:" + k,
            MediaErrc::UnsupportedCrypto);
        row("bad base64 character", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k.substr(0, 39) + "!",
            MediaErrc::MalformedCrypto);
        row("key too short", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k.substr(0, 36),
            MediaErrc::MalformedCrypto);
        row("key too long", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "AAAA",
            MediaErrc::MalformedCrypto);
        row("gcm key for cm suite", "1 AES_CM_128_HMAC_SHA1_80 inline:" + key28(),
            MediaErrc::MalformedCrypto);
        row("cm key for gcm suite", "1 AEAD_AES_128_GCM inline:" + k, MediaErrc::MalformedCrypto);
        row("base64 loose bits", "1 AEAD_AES_128_GCM inline:" + key28().substr(0, 37) + "B==",
            MediaErrc::MalformedCrypto);
        row("base64 bad padding", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k.substr(0, 38) + "=A",
            MediaErrc::MalformedCrypto);
        row("mki", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4", MediaErrc::UnsupportedCrypto);
        row("lifetime and mki", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4",
            MediaErrc::UnsupportedCrypto);
        row("two keys",
            "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4;inline:" + k + "|2^20|2:4",
            MediaErrc::UnsupportedCrypto);
        row("lifetime too big", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^49",
            MediaErrc::MalformedCrypto);
        row("lifetime zero", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|0",
            MediaErrc::MalformedCrypto);
        row("lifetime garbage", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|soon",
            MediaErrc::MalformedCrypto);
        row("empty lifetime", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|",
            MediaErrc::MalformedCrypto);
        row("unencrypted srtp", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " UNENCRYPTED_SRTP",
            MediaErrc::UnsupportedCrypto);
        row("kdr", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " KDR=1",
            MediaErrc::UnsupportedCrypto);
        row("unknown session param", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " FOO=1",
            MediaErrc::UnsupportedCrypto);
        row("tiny replay window", "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " WSH=32",
            MediaErrc::MalformedCrypto);
    }

    void badCryptoAttributes() {
        QFETCH(QByteArray, value);
        QFETCH(MediaErrc, code);
        auto r = parseCryptoAttribute(value.toStdString());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, code);
        // No error message ever repeats key material.
        QVERIFY(r.error().message.find(key30().substr(0, 12)) == std::string::npos);
    }

    void malformedSdp_data() {
        QTest::addColumn<QByteArray>("sdp");
        QTest::addColumn<MediaErrc>("code");
        const std::string crypto = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "\r\n";
        const std::string good = minimal(crypto);
        auto row = [](const char *name, const std::string &v, MediaErrc c) {
            QTest::newRow(name) << QByteArray::fromStdString(v) << c;
        };
        auto replace = [&](const std::string &from, const std::string &to) {
            std::string s = good;
            s.replace(s.find(from), from.size(), to);
            return s;
        };
        row("empty", "", MediaErrc::MalformedSdp);
        row("not starting with v", good.substr(5), MediaErrc::MalformedSdp);
        row("version 1", replace("v=0", "v=1"), MediaErrc::MalformedSdp);
        row("no t line", replace("t=0 0\r\n", ""), MediaErrc::MalformedSdp);
        row("lines out of order",
            replace("s=-\r\nc=IN IP4 192.0.2.1\r\n", "c=IN IP4 192.0.2.1\r\ns=-\r\n"),
            MediaErrc::MalformedSdp);
        row("two s lines", replace("s=-\r\n", "s=-\r\ns=-\r\n"), MediaErrc::MalformedSdp);
        row("unknown line type", replace("t=0 0\r\n", "t=0 0\r\nx=1\r\n"), MediaErrc::MalformedSdp);
        row("not type=value", replace("s=-", "s-"), MediaErrc::MalformedSdp);
        row("empty line", replace("t=0 0\r\n", "t=0 0\r\n\r\n"), MediaErrc::MalformedSdp);
        row("control character", replace("s=-", std::string("s=a\x01", 4)),
            MediaErrc::MalformedSdp);
        row("origin short", replace("o=- 1 1 IN IP4 192.0.2.1", "o=- 1 IN IP4 192.0.2.1"),
            MediaErrc::MalformedSdp);
        row("port too big", replace("m=audio 4000", "m=audio 70000"), MediaErrc::MalformedSdp);
        row("port count", replace("m=audio 4000", "m=audio 4000/2"), MediaErrc::UnsupportedSdp);
        const std::string host = "a=candidate:1 1 UDP 2015363327 192.0.2.1 4000 typ host\r\n";
        row("ice-ufrag too short", good + "a=ice-ufrag:abc\r\n", MediaErrc::MalformedSdp);
        row("ice-ufrag bad character", good + "a=ice-ufrag:ab-cd\r\n", MediaErrc::MalformedSdp);
        row("ice-pwd too short", good + "a=ice-pwd:0123456789\r\n", MediaErrc::MalformedSdp);
        row("two ice-ufrag", good + "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n",
            MediaErrc::MalformedSdp);
        row("candidate at session level", replace("t=0 0\r\n", "t=0 0\r\n" + host),
            MediaErrc::MalformedSdp);
        row("candidate too short", good + "a=candidate:1 1 UDP 5 192.0.2.1 4000\r\n",
            MediaErrc::MalformedSdp);
        row("candidate component 0", good + "a=candidate:1 0 UDP 5 192.0.2.1 4000 typ host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate priority 0", good + "a=candidate:1 1 UDP 0 192.0.2.1 4000 typ host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate priority huge",
            good + "a=candidate:1 1 UDP 99999999999 192.0.2.1 4000 typ host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate port", good + "a=candidate:1 1 UDP 5 192.0.2.1 70000 typ host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate without typ", good + "a=candidate:1 1 UDP 5 192.0.2.1 4000 type host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate foundation", good + "a=candidate:a-b 1 UDP 5 192.0.2.1 4000 typ host\r\n",
            MediaErrc::MalformedSdp);
        row("candidate odd extension",
            good + "a=candidate:1 1 UDP 5 192.0.2.1 4000 typ host raddr\r\n",
            MediaErrc::MalformedSdp);
        row("candidate bad rport",
            good + "a=candidate:1 1 UDP 5 192.0.2.1 4000 typ srflx raddr 10.0.0.1 rport x\r\n",
            MediaErrc::MalformedSdp);
        {
            std::string many = good;
            for (int i = 0; i < 33; ++i) {
                many += "a=candidate:" + std::to_string(i + 1) + " 1 UDP 5 192.0.2.1 " +
                        std::to_string(4000 + i) + " typ host\r\n";
            }
            row("33 candidates", many, MediaErrc::MalformedSdp);
        }
        row("payload type 128", replace("RTP/SAVP 0", "RTP/SAVP 128"), MediaErrc::MalformedSdp);
        row("duplicate payload type", replace("RTP/SAVP 0", "RTP/SAVP 0 0"),
            MediaErrc::MalformedSdp);
        row("dynamic type without rtpmap", replace("RTP/SAVP 0", "RTP/SAVP 0 111"),
            MediaErrc::MalformedSdp);
        row("rtpmap for unlisted type", good + "a=rtpmap:111 opus/48000/2\r\n",
            MediaErrc::MalformedSdp);
        row("rtpmap twice", good + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMU/8000\r\n",
            MediaErrc::MalformedSdp);
        row("rtpmap zero clock", good + "a=rtpmap:0 PCMU/0\r\n", MediaErrc::MalformedSdp);
        row("rtpmap no clock", good + "a=rtpmap:0 PCMU\r\n", MediaErrc::MalformedSdp);
        row("fmtp for unlisted type", good + "a=fmtp:101 0-15\r\n", MediaErrc::MalformedSdp);
        row("ptime zero", good + "a=ptime:0\r\n", MediaErrc::MalformedSdp);
        row("ptime text", good + "a=ptime:twenty\r\n", MediaErrc::MalformedSdp);
        row("two directions", good + "a=sendonly\r\na=recvonly\r\n", MediaErrc::MalformedSdp);
        row("direction with value", good + "a=sendrecv:1\r\n", MediaErrc::MalformedSdp);
        row("rtcp-mux with value", good + "a=rtcp-mux:yes\r\n", MediaErrc::MalformedSdp);
        row("rtcp port zero", good + "a=rtcp:0\r\n", MediaErrc::MalformedSdp);
        row("host name connection", replace("c=IN IP4 192.0.2.1", "c=IN IP4 media.example"),
            MediaErrc::UnsupportedSdp);
        row("multicast connection", replace("c=IN IP4 192.0.2.1", "c=IN IP4 233.252.0.1/127"),
            MediaErrc::UnsupportedSdp);
        // Review L9: nowhere to send unicast media.
        for (const auto &[what, address] :
             {std::pair{"unspecified ipv4", "IN IP4 0.0.0.0"},
              std::pair{"this-network ipv4", "IN IP4 0.1.2.3"},
              std::pair{"broadcast", "IN IP4 255.255.255.255"},
              std::pair{"multicast ipv4 without ttl", "IN IP4 224.0.0.1"},
              std::pair{"multicast ipv4 top", "IN IP4 239.255.255.250"},
              std::pair{"unspecified ipv6", "IN IP6 ::"},
              std::pair{"multicast ipv6", "IN IP6 ff02::1"},
              std::pair{"mapped broadcast", "IN IP6 ::ffff:255.255.255.255"},
              std::pair{"mapped multicast", "IN IP6 ::ffff:224.0.0.251"}}) {
            row(what, replace("c=IN IP4 192.0.2.1", std::string("c=") + address),
                MediaErrc::UnsupportedSdp);
            row((std::string(what) + " in a=rtcp").c_str(),
                good + "a=rtcp:4001 " + address + "\r\n", MediaErrc::UnsupportedSdp);
        }
        row("ipv6 marked ipv4", replace("c=IN IP4 192.0.2.1", "c=IN IP4 2001:db8::1"),
            MediaErrc::UnsupportedSdp);
        row("no connection", replace("c=IN IP4 192.0.2.1\r\n", ""), MediaErrc::MalformedSdp);
        row("crypto at session level", minimal(crypto, crypto), MediaErrc::MalformedSdp);
        row("crypto malformed in sdp", good + "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:short\r\n",
            MediaErrc::MalformedCrypto);
        row("crypto with mki in sdp",
            good + "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "|1:4\r\n",
            MediaErrc::UnsupportedCrypto);
        row("crypto duplicate tag", good + crypto, MediaErrc::MalformedCrypto);
        row("crypto bad tag in sdp",
            good + "a=crypto:one AES_CM_128_HMAC_SHA1_80 inline:" + key30() + "\r\n",
            MediaErrc::MalformedCrypto);
        row("too large", good + std::string(40000, 'a'), MediaErrc::MalformedSdp);
        row("k line", replace("t=0 0\r\n", "t=0 0\r\nk=clear:secret\r\n"),
            MediaErrc::UnsupportedSdp);
    }

    void malformedSdp() {
        QFETCH(QByteArray, sdp);
        QFETCH(MediaErrc, code);
        auto r = parseSdp(sdp.toStdString());
        QVERIFY2(!r.ok(), "bad SDP was accepted");
        QCOMPARE(r.error().code, code);
        QVERIFY(!r.error().message.empty());
        QVERIFY(r.error().message.find(key30().substr(0, 12)) == std::string::npos);
    }

    void errorMessagesNameTheLine() {
        auto r = parseSdp(minimal("a=ptime:0\r\n"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("line 7") != std::string::npos, r.error().message.c_str());
    }

    // Review L9: the refusal names the line and the address; loopback (the
    // tests' own media) and ordinary unicast stay usable.
    void unusableConnectionAddresses() {
        auto r = parseSdp(minimal("c=IN IP4 255.255.255.255\r\n"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().message.find("line 7") != std::string::npos &&
                     r.error().message.find("255.255.255.255 is the broadcast address") !=
                         std::string::npos,
                 r.error().message.c_str());
        for (const char *address : {"IN IP4 127.0.0.1", "IN IP6 ::1", "IN IP4 223.255.255.254",
                                    "IN IP4 240.0.0.1", "IN IP6 2001:db8::1"}) {
            auto ok = parseSdp(minimal(std::string("c=") + address + "\r\n"));
            QVERIFY2(ok.ok(), ok.ok() ? address : ok.error().message.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestSdp)
#include "test_sdp.moc"
