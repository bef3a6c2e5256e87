// The keys-only SDP negotiator (no media engine): SDES offers and answers
// with fresh keys, and strict rejection of what it cannot use.

#include "sipcore/KeysOnlySdpFactory.h"

#include <QTest>

using namespace napkin::sip;

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

    void refusesWhatItCannotUse_data() {
        QTest::addColumn<QString>("sdp");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain RTP")
            << QString::fromStdString(kPlainRtpOffer) << QStringLiteral("not SRTP");
        QTest::newRow("no opus")
            << QString::fromStdString(offerWith(
                   "m=audio 5004 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 "
                   "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"))
            << QStringLiteral("Opus");
        QTest::newRow("short key")
            << QString::fromStdString(
                   offerWith("m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:1 "
                             "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODw==\r\n"))
            << QStringLiteral("wrong length");
        QTest::newRow("unknown suite only")
            << QString::fromStdString(offerWith(
                   "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:1 "
                   "F8_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"))
            << QStringLiteral("no SRTP crypto suite");
        QTest::newRow("no audio") << QString::fromStdString(
                                         offerWith("m=video 5004 RTP/SAVP 96\r\n"))
                                  << QStringLiteral("no audio");
        QTest::newRow("not sdp") << QStringLiteral("hello") << QStringLiteral("v=0");
        QTest::newRow("bad port") << QString::fromStdString(
                                         offerWith("m=audio 99999 RTP/SAVP 111\r\n"))
                                  << QStringLiteral("invalid port");
        QTest::newRow("no connection")
            << QStringLiteral("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
                              "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
                              "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
                              "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n")
            << QStringLiteral("connection address");
        QTest::newRow("huge") << QString(20000, QLatin1Char('x')) << QStringLiteral("16 KiB");
    }

    void refusesWhatItCannotUse() {
        QFETCH(QString, sdp);
        QFETCH(QString, expected);
        KeysOnlySdpFactory f;
        auto r = f.create()->createAnswer(sdp.toStdString(), false);
        QVERIFY(!r.ok());
        QVERIFY2(QString::fromStdString(r.error().message).contains(expected),
                 r.error().message.c_str());
        // Never the key itself in an error.
        QVERIFY(r.error().message.find("AAECAwQF") == std::string::npos);
    }

    void answerMustMatchTheOffer() {
        KeysOnlySdpFactory f;
        auto a = f.create();
        QVERIFY(!a->acceptAnswer(kPlainRtpOffer).ok()); // no offer outstanding
        QVERIFY(a->createOffer(false).ok());
        auto wrongTag = a->acceptAnswer(offerWith(
            "m=audio 5004 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\na=crypto:7 "
            "AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\r\n"));
        QVERIFY(!wrongTag.ok());
        QVERIFY(wrongTag.error().message.find("tag") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestKeysOnlySdp)
#include "test_keys_only_sdp.moc"
