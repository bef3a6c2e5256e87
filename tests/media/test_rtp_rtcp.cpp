// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// RTP headers, compound RTCP and the RFC 3550 reception statistics.

#include "media/RtcpPacket.h"
#include "media/RtpPacket.h"
#include "media/RtpReceiveStats.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace napkin::media;
using Bytes = std::vector<std::uint8_t>;

class TestRtpRtcp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rtpRoundTrip() {
        const Bytes payload = {1, 2, 3, 4, 5};
        Bytes packet;
        writeRtp(packet, RtpHeader{true, 111, 0xfffe, 0x89abcdef, 0x01020304}, payload);
        QCOMPARE(packet.size(), std::size_t{17});
        QCOMPARE(packet[0], std::uint8_t{0x80});
        QCOMPARE(packet[1], std::uint8_t{0x80 | 111});
        auto parsed = parseRtp(packet);
        QVERIFY(parsed.ok());
        QVERIFY(parsed->header.marker);
        QCOMPARE(parsed->header.payloadType, std::uint8_t{111});
        QCOMPARE(parsed->header.sequence, std::uint16_t{0xfffe});
        QCOMPARE(parsed->header.timestamp, 0x89abcdefu);
        QCOMPARE(parsed->header.ssrc, 0x01020304u);
        QVERIFY(std::equal(parsed->payload.begin(), parsed->payload.end(), payload.begin(),
                           payload.end()));
    }

    void rtpWithCsrcExtensionAndPadding() {
        // V=2 P=1 X=1 CC=2, two CSRCs, a one-word extension, 3 payload bytes, 4 padding.
        Bytes p = {0xb2, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, // header
                   0,    0,    0, 4, 0, 0, 0, 5,             // CSRCs
                   0xbe, 0xde, 0, 1, 9, 9, 9, 9,             // extension
                   7,    8,    9,                            // payload
                   0,    0,    0, 4};                        // padding
        auto parsed = parseRtp(p);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->payload.size(), std::size_t{3});
        QCOMPARE(parsed->payload[0], std::uint8_t{7});
    }

    void malformedRtp_data() {
        QTest::addColumn<QByteArray>("packet");
        auto row = [](const char *name, Bytes b) {
            QTest::newRow(name) << QByteArray(reinterpret_cast<const char *>(b.data()),
                                              static_cast<qsizetype>(b.size()));
        };
        row("empty", {});
        row("short header", {0x80, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});
        row("version 1", {0x40, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3});
        row("csrc overrun", {0x8f, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4});
        row("extension header overrun", {0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde});
        row("extension body overrun",
            {0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 9, 1, 2});
        row("padding zero", {0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 5, 0});
        row("padding too large", {0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 5, 9});
    }

    void malformedRtp() {
        QFETCH(QByteArray, packet);
        auto r = parseRtp(std::span(reinterpret_cast<const std::uint8_t *>(packet.constData()),
                                    static_cast<std::size_t>(packet.size())));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::MalformedRtp);
    }

    void demultiplexing() {
        QVERIFY(isRtcpPacket(Bytes{0x80, 200}));
        QVERIFY(isRtcpPacket(Bytes{0x81, 201}));
        QVERIFY(!isRtcpPacket(Bytes{0x80, 111}));
        QVERIFY(!isRtcpPacket(Bytes{0x80, 0x80 | 111})); // marker bit set
        QVERIFY(!isRtcpPacket(Bytes{0x80, 0}));
        QCOMPARE(sequenceDistance(2, 65534), std::int16_t{4});
        QCOMPARE(timestampDistance(100, 0xffffff00u), 356);
    }

    void rtcpRoundTrip() {
        RtcpCompound c;
        c.senderSsrc = 0xdeadbeef;
        c.senderInfo = SenderInfo{0x0123456789abcdefULL, 1000, 50, 8000};
        c.reports.push_back(ReportBlock{0x11111111, 25, -3, 0x10005, 77, 0x12345678, 0x10000});
        c.reports.push_back(ReportBlock{0x22222222, 0, 1000, 9, 0, 0, 0});
        c.cname = "abc@napkin";
        c.bye = true;
        const Bytes packet = buildRtcp(c);
        QCOMPARE(packet.size() % 4, std::size_t{0});
        QVERIFY(isRtcpPacket(packet));
        auto parsed = parseRtcp(packet);
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->senderSsrc, 0xdeadbeefu);
        QVERIFY(parsed->senderInfo);
        QCOMPARE(parsed->senderInfo->ntpTimestamp, 0x0123456789abcdefULL);
        QCOMPARE(parsed->senderInfo->packetCount, 50u);
        QCOMPARE(parsed->reports.size(), std::size_t{2});
        QCOMPARE(parsed->reports[0].cumulativeLost, -3);
        QCOMPARE(parsed->reports[0].fractionLost, std::uint8_t{25});
        QCOMPARE(parsed->reports[0].extendedHighestSequence, 0x10005u);
        QCOMPARE(parsed->reports[0].lastSenderReport, 0x12345678u);
        QCOMPARE(parsed->reports[1].cumulativeLost, 1000);
        QCOMPARE(parsed->cname, std::string("abc@napkin"));
        QVERIFY(parsed->bye);

        RtcpCompound rr;
        rr.senderSsrc = 5;
        rr.cname = "x"; // SDES item length 1: pads exactly
        auto parsedRr = parseRtcp(buildRtcp(rr));
        QVERIFY(parsedRr.ok());
        QVERIFY(!parsedRr->senderInfo);
        QCOMPARE(parsedRr->cname, std::string("x"));
        QVERIFY(!parsedRr->bye);
    }

    void malformedRtcp_data() {
        QTest::addColumn<QByteArray>("packet");
        auto row = [](const char *name, Bytes b) {
            QTest::newRow(name) << QByteArray(reinterpret_cast<const char *>(b.data()),
                                              static_cast<qsizetype>(b.size()));
        };
        row("empty", {});
        row("short header", {0x80, 201});
        row("bad version", {0x40, 201, 0, 1, 0, 0, 0, 1});
        row("length overrun", {0x80, 201, 0, 5, 0, 0, 0, 1});
        row("starts with sdes", {0x81, 202, 0, 1, 0, 0, 0, 1});
        row("report blocks overrun", {0x81, 201, 0, 1, 0, 0, 0, 1});
        row("sr too short", {0x80, 200, 0, 1, 0, 0, 0, 1});
        row("padding zero", {0xa0, 201, 0, 1, 0, 0, 0, 0});
        row("not an rtcp type", {0x80, 201, 0, 1, 0, 0, 0, 1, 0x80, 150, 0, 0});
        row("sdes item overrun",
            {0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0, 0});
        row("sdes unterminated",
            {0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'});
        row("bye too short", {0x80, 201, 0, 1, 0, 0, 0, 1, 0x82, 203, 0, 1, 0, 0, 0, 1});
    }

    void malformedRtcp() {
        QFETCH(QByteArray, packet);
        auto r = parseRtcp(std::span(reinterpret_cast<const std::uint8_t *>(packet.constData()),
                                     static_cast<std::size_t>(packet.size())));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, MediaErrc::MalformedRtcp);
    }

    void lossIsCounted() {
        RtpReceiveStats stats(48000);
        double t = 0;
        std::uint32_t received = 0;
        for (std::uint16_t i = 0; i < 1000; ++i) {
            const std::uint16_t seq = static_cast<std::uint16_t>(65000 + i); // wraps
            if (i % 20 == 7) {
                continue; // 5 % loss
            }
            stats.onPacket(seq, i * 960u, t + i * 0.02);
            ++received;
        }
        QCOMPARE(stats.received(), std::uint64_t{received});
        QCOMPARE(stats.expected(), std::uint64_t{1000});
        QCOMPARE(stats.lost(), std::int64_t{50});
        QCOMPARE(stats.extendedHighest(), 65536u + ((65000u + 999u) & 0xffff));
        ReportBlock b = stats.makeReport(42, 0, 0, 20);
        QCOMPARE(b.cumulativeLost, 50);
        QCOMPARE(b.fractionLost, std::uint8_t{50 * 256 / 1000});
        QCOMPARE(b.ssrc, 42u);
        QVERIFY(std::fabs(stats.lastFractionLost() - 0.05) < 0.005);
        // The next interval has no loss.
        for (std::uint16_t i = 1000; i < 1100; ++i) {
            stats.onPacket(static_cast<std::uint16_t>(65000 + i), i * 960u, i * 0.02);
        }
        QCOMPARE(stats.makeReport(42, 0, 0, 30).fractionLost, std::uint8_t{0});
    }

    void duplicatesAndReorderingCountAsRfc3550Says() {
        RtpReceiveStats stats(8000);
        for (std::uint16_t seq : {10, 11, 13, 12, 12, 14}) {
            stats.onPacket(seq, seq * 160u, seq * 0.02);
        }
        QCOMPARE(stats.expected(), std::uint64_t{5});
        QCOMPARE(stats.received(), std::uint64_t{6});
        QCOMPARE(stats.lost(), std::int64_t{-1});
    }

    void jitterFollowsArrivalVariation() {
        RtpReceiveStats steady(48000);
        RtpReceiveStats jittery(48000);
        for (int i = 0; i < 500; ++i) {
            steady.onPacket(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 960),
                            i * 0.02);
            const double offset = (i % 2 == 0) ? 0.0 : 0.010; // every other packet 10 ms late
            jittery.onPacket(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 960),
                             i * 0.02 + offset);
        }
        QVERIFY(steady.jitterMs() < 0.01);
        // |D| is 10 ms for every pair: the estimate converges to 10 ms.
        QVERIFY2(std::fabs(jittery.jitterMs() - 10.0) < 0.5,
                 std::to_string(jittery.jitterMs()).c_str());
    }

    void restartNeedsTwoPackets() {
        RtpReceiveStats stats(8000);
        for (std::uint16_t seq = 100; seq < 110; ++seq) {
            QVERIFY(stats.onPacket(seq, seq, 0));
        }
        QVERIFY(!stats.onPacket(40000, 0, 0)); // a jump: not believed yet
        QCOMPARE(stats.received(), std::uint64_t{10});
        QVERIFY(stats.onPacket(40001, 0, 0)); // confirmed: restart
        QCOMPARE(stats.expected(), std::uint64_t{1});
    }

    void ntpTime() {
        const std::uint64_t a = ntpNow();
        QVERIFY((a >> 32) > 3900000000ULL); // after 2023
        QCOMPARE(ntpMiddle(0x0000123456780000ULL), 0x12345678u);
    }
};

QTEST_GUILESS_MAIN(TestRtpRtcp)
#include "test_rtp_rtcp.moc"
