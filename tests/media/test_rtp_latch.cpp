// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// RtpLatch, the rule that decides when symmetric RTP moves to a new source
// (review L8): one row per sequence of arrivals.

#include "media/RtpLatch.h"

#include <QTest>

#include <string>
#include <vector>

using namespace napkin::media;

namespace {

/// One arrival: 'c' from the current address (authenticated or a replay of
/// one), or an authenticated packet from address 'x' or 'y' with a sequence.
struct Arrival {
    char from;
    std::uint16_t sequence = 0;
};

SocketAddress addressOf(char who) {
    return *SocketAddress::fromIp(who == 'x' ? "192.0.2.10" : "198.51.100.20", 40000);
}

} // namespace

Q_DECLARE_METATYPE(std::vector<Arrival>)

class TestRtpLatch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void decisions_data() {
        QTest::addColumn<std::vector<Arrival>>("arrivals");
        QTest::addColumn<int>("moveAt"); // index of the arrival that moves, or -1
        auto row = [](const char *name, std::vector<Arrival> a, int moveAt) {
            QTest::newRow(name) << a << moveAt;
        };
        row("one raced copy", {{'x', 10}, {'c'}, {'c'}}, -1);
        row("every packet raced, originals follow",
            {{'x', 10}, {'c'}, {'x', 11}, {'c'}, {'x', 12}, {'c'}, {'x', 13}, {'c'}}, -1);
        row("old packets re-sent in a burst", {{'x', 10}, {'x', 10}, {'x', 10}, {'x', 10}}, -1);
        row("re-sent out of order", {{'x', 12}, {'x', 11}, {'x', 10}, {'x', 9}}, -1);
        row("two sources taking turns", {{'x', 10}, {'y', 11}, {'x', 12}, {'y', 13}}, -1);
        row("genuine move", {{'x', 10}, {'x', 11}, {'x', 12}}, 2);
        row("move with loss", {{'x', 10}, {'x', 13}, {'x', 20}}, 2);
        row("move across wrap", {{'x', 65534}, {'x', 65535}, {'x', 0}}, 2);
        row("interrupted, then moves",
            {{'x', 10}, {'x', 11}, {'c'}, {'x', 12}, {'x', 13}, {'x', 14}}, 5);
        row("a copy, then the peer really moves",
            {{'y', 5}, {'c'}, {'x', 10}, {'x', 11}, {'x', 12}}, 4);
    }

    void decisions() {
        QFETCH(std::vector<Arrival>, arrivals);
        QFETCH(int, moveAt);
        RtpLatch latch;
        int moved = -1;
        for (std::size_t i = 0; i < arrivals.size(); ++i) {
            const Arrival &a = arrivals[i];
            if (a.from == 'c') {
                latch.onFromCurrent();
            } else if (latch.onAuthenticatedElsewhere(addressOf(a.from), a.sequence) ==
                       RtpLatch::Decision::Move) {
                QVERIFY2(moved < 0, "moved twice");
                moved = static_cast<int>(i);
            }
        }
        QCOMPARE(moved, moveAt);
    }
};

QTEST_GUILESS_MAIN(TestRtpLatch)
#include "test_rtp_latch.moc"
