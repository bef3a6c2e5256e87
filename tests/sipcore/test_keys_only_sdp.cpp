// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The keys-only SDP negotiator (no media engine): SDES offers and answers
// with fresh keys from media/'s offer/answer code, and strict rejection of
// what it cannot use, with the media library's error code.

#include "sipcore/KeysOnlySdpFactory.h"

#include <QTest>

using namespace napkin::sip;
using napkin::media::MediaErrc;

Q_DECLARE_METATYPE(napkin::media::MediaErrc)

namespace {

std::string inlineKey(const std::string &sdp) {
    const auto at = sdp.find("inline:");
    return at == std::string::npos ? std::string() : sdp.substr(at + 7, 40);
}

const std::string kPlainRtpOffer =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

std::string offerWith(const std::string &mediaLines) {
    return "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + mediaLines;
}

} // namespace

class TestKeysOnlySdp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void offerAnswerAgree() {
        KeysOnlySdpFactory caller("127.0.0.1", 40000);
        KeysOnlySdpFactory callee("127.0.0.2", 50000);
        auto a = caller.create();
        auto b = callee.create();
        auto offer = a->createOffer(false);
        QVERIFY(offer.ok());
        QVERIFY(offer->find("m=audio 40000 RTP/SAVP 111") != std::string::npos);
        auto answer = b->createAnswer(*offer, false);
        QVERIFY2(answer.ok(), answer.ok() ? "" : answer.error().message.c_str());
        QVERIFY(a->acceptAnswer(*answer).ok());
        auto ma = a->negotiated();
        auto mb = b->negotiated();
        QVERIFY(ma && mb);
        QCOMPARE(ma->srtpSuite, std::string("AES_CM_128_HMAC_SHA1_80"));
        QCOMPARE(ma->codec, std::string("opus/48000/2"));
        QCOMPARE(ma->remoteAddress, std::string("127.0.0.2"));
        QCOMPARE(ma->remotePort, std::uint16_t(50000));
        QCOMPARE(mb->remotePort, std::uint16_t(40000));
        QVERIFY(!ma->audio);
        // Both sides made their own key.
        QVERIFY(inlineKey(*offer) != inlineKey(*answer));
    }

    void everyOfferHasFreshKeys() {
        KeysOnlySdpFactory f;
        auto n = f.create();
        auto first = n->createOffer(false);
        auto second = n->createOffer(false);
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(inlineKey(*first).size(), std::size_t(40));
        QVERIFY(inlineKey(*first) != inlineKey(*second));
    }

    void holdIsSendOnlyAndSeenAsRemoteHold() {
        KeysOnlySdpFactory f;
        auto a = f.create();
        auto b = f.create();
        auto offer = a->createOffer(true);
        QVERIFY(offer->find("a=sendonly") != std::string::npos);
        auto answer = b->createAnswer(*offer, false);
        QVERIFY(answer.ok());
        QVERIFY(answer->find("a=recvonly") != std::string::npos);
        QVERIFY(b->negotiated()->remoteHold);
        QVERIFY(a->acceptAnswer(*answer).ok());
        QVERIFY(a->negotiated()->localHold);
    }

    void answersTheFirstCommonCodec() {
        // The same rules as real calls: G.711 when the peer offers no Opus.
        KeysOnlySdpFactory f;
        auto b = f.create();
        auto answer = b->createAnswer(
            offerWith(
                "m=audio 5004 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 "
                "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"),
            false);
        QVERIFY2(answer.ok(), answer.ok() ? "" : answer.error().message.c_str());
        QCOMPARE(b->negotiated()->codec, std::string("PCMU/8000"));
        QCOMPARE(b->negotiated()->remoteAddress, std::string("192.0.2.1"));
        QCOMPARE(b->negotiated()->remotePort, std::uint16_t(5004));
    }

    void inactiveIsRemoteHold() {
        KeysOnlySdpFactory f;
        auto a = f.create();
        auto b = f.create();
        auto offer = a->createOffer(false);
        QVERIFY(offer.ok());
        std::string inactive = *offer;
        inactive.replace(inactive.find("a=sendrecv"), 10, "a=inactive");
        auto answer = b->createAnswer(inactive, false);
        QVERIFY(answer.ok());
        QVERIFY(answer->find("a=inactive") != std::string::npos);
        QVERIFY(b->negotiated()->remoteHold);
        QVERIFY(!b->negotiated()->localHold);
    }

    void refusesWhatItCannotUse_data() {
        QTest::addColumn<QString>("sdp");
        QTest::addColumn<MediaErrc>("expected");
        QTest::newRow("plain RTP")
            << QString::fromStdString(kPlainRtpOffer) << MediaErrc::InsecureMedia;
        QTest::newRow("no common codec")
            << QString::fromStdString(offerWith(
                   "m=audio 5004 RTP/SAVP 9\r\na=rtpmap:9 G722/8000\r\na=crypto:1 "
                   "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"))
            << MediaErrc::NoCommonCodec;
        QTest::newRow("short key")
            << QString::fromStdString(
                   offerWith("m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:1 "
                             "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODw==\r\n"))
            << MediaErrc::MalformedCrypto;
        QTest::newRow("bad base64 key")
            << QString::fromStdString(offerWith(
                   "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:1 "
                   "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODx*REhMUFRYXGBkaGxwd\r\n"))
            << MediaErrc::MalformedCrypto;
        QTest::newRow("unknown suite only")
            << QString::fromStdString(offerWith(
                   "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:1 "
                   "F8_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"))
            << MediaErrc::NoCommonSuite;
        QTest::newRow("no audio") << QString::fromStdString(offerWith(
                                         "m=video 5004 RTP/SAVP 96\r\na=rtpmap:96 VP8/90000\r\n"))
                                  << MediaErrc::UnsupportedSdp;
        QTest::newRow("payload type without rtpmap")
            << QString::fromStdString(offerWith("m=video 5004 RTP/SAVP 96\r\n"))
            << MediaErrc::MalformedSdp;
        QTest::newRow("not sdp") << QStringLiteral("hello") << MediaErrc::MalformedSdp;
        QTest::newRow("bad port") << QString::fromStdString(
                                         offerWith("m=audio 99999 RTP/SAVP 111\r\n"))
                                  << MediaErrc::MalformedSdp;
        QTest::newRow("no connection")
            << QStringLiteral("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
                              "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                              "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n")
            << MediaErrc::MalformedSdp;
        QTest::newRow("huge") << QString(40000, QLatin1Char('x')) << MediaErrc::MalformedSdp;
    }

    void refusesWhatItCannotUse() {
        QFETCH(QString, sdp);
        QFETCH(MediaErrc, expected);
        KeysOnlySdpFactory f;
        auto r = f.create()->createAnswer(sdp.toStdString(), false);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().code == expected, r.error().message.c_str());
        QVERIFY(!r.error().message.empty());
        // Never the key itself in an error.
        QVERIFY(r.error().message.find("AAECAwQF") == std::string::npos);
    }

    void answerMustMatchTheOffer() {
        KeysOnlySdpFactory f;
        auto a = f.create();
        auto early = a->acceptAnswer(kPlainRtpOffer);
        QVERIFY(!early.ok()); // no offer outstanding
        QCOMPARE(early.error().code, MediaErrc::State);
        QVERIFY(a->createOffer(false).ok());
        auto wrongTag = a->acceptAnswer(offerWith(
            "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:7 "
            "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"));
        QVERIFY(!wrongTag.ok());
        QCOMPARE(wrongTag.error().code, MediaErrc::AnswerMismatch);
        QVERIFY(wrongTag.error().message.find("tag") != std::string::npos);
    }

    void noAudioMeansNoTones() {
        KeysOnlySdpFactory f;
        auto tone = f.create()->sendDtmf('5');
        QVERIFY(!tone.ok());
        QCOMPARE(tone.error().code, MediaErrc::State);
    }
};

QTEST_GUILESS_MAIN(TestKeysOnlySdp)
#include "test_keys_only_sdp.moc"
