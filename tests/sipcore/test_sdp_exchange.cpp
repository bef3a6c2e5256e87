// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SdpExchange, the offer/answer core of both SDP negotiators: what it agrees
// on (the summary every call shows, hold flags included) and how it fails.

#include "sipcore/SdpExchange.h"

#include <QTest>

using namespace napkin::sip;
using napkin::media::MediaErrc;

namespace {

SdpExchange::PortSource fixedPort(std::uint16_t port, int *calls = nullptr) {
    return [port, calls]() -> SdpResult<std::uint16_t> {
        if (calls != nullptr) {
            ++*calls;
        }
        return port;
    };
}

/// Writes `direction` over the direction attribute of `sdp`.
std::string withDirection(std::string sdp, const std::string &direction) {
    for (const char *d : {"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"}) {
        if (auto at = sdp.find(d); at != std::string::npos) {
            sdp.replace(at, std::string(d).size(), "a=" + direction);
        }
    }
    return sdp;
}

} // namespace

class TestSdpExchange : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void agreementSummary() {
        SdpExchange a("192.0.2.1", fixedPort(40000));
        SdpExchange b("192.0.2.2", fixedPort(50000));
        auto offer = a.createOffer(false);
        QVERIFY(offer.ok());
        auto answer = b.createAnswer(*offer, false);
        QVERIFY2(answer.ok(), answer.ok() ? "" : answer.error().message.c_str());
        const NegotiatedMedia &mb = answer->agreement.summary;
        QCOMPARE(mb.codec, std::string("opus/48000/2"));
        QCOMPARE(mb.srtpSuite, std::string("AES_CM_128_HMAC_SHA1_80"));
        QCOMPARE(mb.remoteAddress, std::string("192.0.2.1"));
        QCOMPARE(mb.remotePort, std::uint16_t(40000));
        QVERIFY(!mb.audio && !mb.localHold && !mb.remoteHold);
        auto agreed = a.acceptAnswer(answer->sdp);
        QVERIFY(agreed.ok());
        QCOMPARE(agreed->summary.remoteAddress, std::string("192.0.2.2"));
        QCOMPARE(agreed->summary.remotePort, std::uint16_t(50000));
        // Each side protects with its own key and receives with the other's.
        QVERIFY(agreed->media.sendKey.equals(answer->agreement.media.receiveKey));
        QVERIFY(agreed->media.receiveKey.equals(answer->agreement.media.sendKey));
    }

    // The peer's written direction decides remoteHold; our own hold, localHold.
    void holdFlags_data() {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<bool>("ourHold");
        QTest::addColumn<bool>("remoteHold");
        QTest::newRow("sendrecv") << "sendrecv" << false << false;
        QTest::newRow("peer holds") << "sendonly" << false << true;
        QTest::newRow("peer inactive") << "inactive" << false << true;
        QTest::newRow("peer recvonly") << "recvonly" << false << false;
        QTest::newRow("both hold") << "sendonly" << true << true;
        QTest::newRow("we hold") << "sendrecv" << true << false;
    }
    void holdFlags() {
        QFETCH(QString, peer);
        QFETCH(bool, ourHold);
        QFETCH(bool, remoteHold);
        SdpExchange them("192.0.2.1", fixedPort(40000));
        auto offer = them.createOffer(false);
        QVERIFY(offer.ok());
        SdpExchange us("192.0.2.2", fixedPort(50000));
        auto answer = us.createAnswer(withDirection(*offer, peer.toStdString()), ourHold);
        QVERIFY(answer.ok());
        QCOMPARE(answer->agreement.summary.remoteHold, remoteHold);
        QCOMPARE(answer->agreement.summary.localHold, ourHold);

        // The same as the offerer: the peer's answer carries the direction.
        auto ours = us.createOffer(ourHold);
        QVERIFY(ours.ok());
        auto theirs = them.createAnswer(*ours, false);
        QVERIFY(theirs.ok());
        const std::string reply = withDirection(theirs->sdp, peer.toStdString());
        auto agreed = us.acceptAnswer(reply);
        QVERIFY2(agreed.ok(), agreed.ok() ? "" : agreed.error().message.c_str());
        QCOMPARE(agreed->summary.remoteHold, remoteHold);
        QCOMPARE(agreed->summary.localHold, ourHold);
    }

    void answerNeedsAnOffer() {
        SdpExchange a("192.0.2.1", fixedPort(40000));
        auto r = a.acceptAnswer("v=0\r\n");
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::State);
        QVERIFY(a.createOffer(false).ok());
        a.reset();
        QCOMPARE(a.acceptAnswer("v=0\r\n").error().code, MediaErrc::State);
    }

    void malformedOfferTakesNoPort() {
        int calls = 0;
        SdpExchange a("192.0.2.1", fixedPort(40000, &calls));
        auto r = a.createAnswer("hello", false);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::MalformedSdp);
        QCOMPARE(calls, 0);
    }

    void portFailureIsTheError() {
        SdpExchange a("192.0.2.1", []() -> SdpResult<std::uint16_t> {
            return napkin::fail(SdpError{MediaErrc::Socket, "no port"});
        });
        auto r = a.createOffer(false);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::Socket);
    }

    void localAddressMustBeLiteral() {
        SdpExchange a("host.example", fixedPort(40000));
        auto r = a.createOffer(false);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestSdpExchange)
#include "test_sdp_exchange.moc"
