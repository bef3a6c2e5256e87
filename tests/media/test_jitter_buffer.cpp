// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The adaptive jitter buffer, driven by a simulated network and playout
// clock: minimum delay on a clean network, growth under jitter, shrinking
// back afterwards, FEC/PLC on loss, late packets, pauses and wrap-around.

#include "media/JitterBuffer.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

using namespace napkin::media;

namespace {

constexpr std::uint32_t kFrame = 960;

std::vector<std::uint8_t> payloadFor(std::uint32_t index) {
    return {static_cast<std::uint8_t>(index), static_cast<std::uint8_t>(index >> 8), 0x55};
}
std::uint32_t indexOf(const std::vector<std::uint8_t> &payload) {
    return payload[0] | (payload[1] << 8);
}

struct Tally {
    int packets = 0;
    int fec = 0;
    int conceal = 0;
    int notStarted = 0;
    std::vector<std::uint32_t> playedOrder;
    std::vector<unsigned> delays;
};

/// Sends `count` packets, one per 20 ms, each delayed by delayUs(i) (or lost
/// when it returns a negative value); pops every 20 ms at `phaseUs`.
template <typename DelayFn>
Tally simulate(JitterBuffer &jb, std::uint32_t firstIndex, int count, std::int64_t phaseUs,
               DelayFn delayUs, std::uint32_t tsBase = 1000) {
    std::multimap<std::int64_t, std::uint32_t> arrivals;
    for (int i = 0; i < count; ++i) {
        const std::int64_t d = delayUs(i);
        if (d >= 0) {
            arrivals.emplace(i * 20000LL + d, firstIndex + static_cast<std::uint32_t>(i));
        }
    }
    Tally t;
    const std::int64_t limit = count * 20000LL + 1000000;
    auto next = arrivals.begin();
    // Pop until every packet has arrived and the buffer has played out.
    for (std::int64_t pop = phaseUs; pop < limit; pop += 20000) {
        if (next == arrivals.end() && jb.levelFrames() == 0) {
            break;
        }
        while (next != arrivals.end() && next->first <= pop) {
            const std::uint32_t idx = next->second;
            jb.insert(tsBase + idx * kFrame, payloadFor(idx));
            ++next;
        }
        PlayoutFrame f = jb.pop();
        switch (f.kind) {
        case PlayoutKind::Packet:
            ++t.packets;
            t.playedOrder.push_back(indexOf(f.payload));
            break;
        case PlayoutKind::Fec:
            ++t.fec;
            break;
        case PlayoutKind::Conceal:
            ++t.conceal;
            break;
        case PlayoutKind::NotStarted:
            ++t.notStarted;
            break;
        }
        t.delays.push_back(jb.stats().delayMs);
    }
    return t;
}

double meanDelay(const std::vector<unsigned> &d, std::size_t from, std::size_t to) {
    double sum = 0;
    to = std::min(to, d.size());
    for (std::size_t i = from; i < to; ++i) {
        sum += d[i];
    }
    return to > from ? sum / static_cast<double>(to - from) : 0;
}

} // namespace

class TestJitterBuffer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanNetworkPlaysWithMinimumDelay() {
        JitterBuffer jb;
        // Packets arrive 5 ms before each pop, with 1 ms of scheduling noise.
        std::mt19937 rng(1);
        std::uniform_int_distribution<int> noise(0, 1000);
        Tally t = simulate(jb, 0, 500, 5000, [&](int) { return noise(rng); });
        QCOMPARE(t.packets, 500);
        QCOMPARE(t.fec + t.conceal, 0);
        QCOMPARE(jb.stats().underruns, std::uint64_t{0});
        // One frame buffered (the one being played): 20 ms, no more.
        QCOMPARE(*std::max_element(t.delays.begin(), t.delays.begin() + 480), 20u);
        for (std::size_t i = 1; i < t.playedOrder.size(); ++i) {
            QCOMPARE(t.playedOrder[i], t.playedOrder[i - 1] + 1);
        }
    }

    void arrivalsStraddlingThePlayoutTickGrowOnceThenSettle() {
        JitterBuffer jb;
        // Arrivals jitter by +-1 ms around the pop instant: an underrun now
        // and then until one extra frame is buffered, then none.
        std::mt19937 rng(2);
        std::uniform_int_distribution<int> noise(0, 2000);
        Tally t = simulate(jb, 0, 1000, 1000, [&](int) { return noise(rng); });
        QVERIFY(t.packets >= 990);
        QVERIFY2(jb.stats().underruns <= 4, std::to_string(jb.stats().underruns).c_str());
        QVERIFY(meanDelay(t.delays, 200, 1000) <= 40.0);
    }

    void delayGrowsUnderJitterAndShrinksAfter() {
        JitterBuffer jb;
        std::mt19937 rng(3);
        std::uniform_int_distribution<int> jitter(0, 40000); // 0-40 ms, reorders packets
        // 10 s of 40 ms jitter, then 10 s of a clean network.
        Tally t = simulate(jb, 0, 1000, 3000, [&](int i) { return i < 500 ? jitter(rng) : 1000; });
        const double during = meanDelay(t.delays, 100, 500);
        const double after = meanDelay(t.delays, 850, 1000);
        qInfo("jitter: mean delay %.1f ms during, %.1f ms after; %d played, %d fec, %d concealed, "
              "%llu late",
              during, after, t.packets, t.fec, t.conceal,
              static_cast<unsigned long long>(jb.stats().late));
        QVERIFY2(during >= 30.0, std::to_string(during).c_str());
        QVERIFY2(after <= 25.0, std::to_string(after).c_str());
        // Once grown, late packets are rare: most frames play as they were sent.
        QVERIFY2(t.packets >= 960, std::to_string(t.packets).c_str());
        QVERIFY(jb.stats().dropped > 0); // the shrink dropped frames
    }

    void lossAtMinimumDelayConcealsWithoutAddingDelay() {
        JitterBuffer jb;
        Tally t = simulate(jb, 0, 100, 10000, [](int i) { return i == 50 ? -1 : 1000; });
        QCOMPARE(t.conceal, 1); // the slot concealed while waiting for 50
        QCOMPARE(t.fec, 0);
        QCOMPARE(t.packets, 99);
        QCOMPARE(*std::max_element(t.delays.begin(), t.delays.end()), 20u);

        JitterBuffer burst;
        Tally b = simulate(burst, 0, 100, 10000,
                           [](int i) { return i == 50 || i == 51 || i == 52 ? -1 : 1000; });
        QCOMPARE(b.packets, 97);
        QCOMPARE(b.conceal, 3);
        QCOMPARE(*std::max_element(b.delays.begin(), b.delays.end()), 20u);
    }

    void lossWithABufferedSuccessorUsesFec() {
        JitterBuffer jb;
        for (std::uint32_t i : {0u, 1u, 3u, 4u}) { // 2 is lost
            jb.insert(i * kFrame, payloadFor(i));
        }
        QCOMPARE(indexOf(jb.pop().payload), 0u);
        QCOMPARE(indexOf(jb.pop().payload), 1u);
        PlayoutFrame f = jb.pop();
        QCOMPARE(f.kind, PlayoutKind::Fec);
        QCOMPARE(indexOf(f.payload), 3u); // rebuilt from the packet after it
        QCOMPARE(f.timestamp, 2 * kFrame);
        PlayoutFrame g = jb.pop();
        QCOMPARE(g.kind, PlayoutKind::Packet);
        QCOMPARE(indexOf(g.payload), 3u);
        QCOMPARE(jb.stats().fecRecovered, std::uint64_t{1});
    }

    void latePacketsAreDroppedAndCounted() {
        JitterBuffer jb;
        // Packet 30 arrives 65 ms late, after 31 and 32: its slot was
        // concealed and skipped, so it is too late when it comes.
        Tally t = simulate(jb, 0, 100, 10000, [](int i) { return i == 30 ? 65000 : 1000; });
        QCOMPARE(jb.stats().late, std::uint64_t{1});
        QCOMPARE(t.conceal, 1);
        QCOMPARE(t.packets, 99);
    }

    void duplicatesAreIgnored() {
        JitterBuffer jb;
        jb.insert(0, payloadFor(0));
        jb.insert(0, payloadFor(0));
        QCOMPARE(jb.stats().duplicates, std::uint64_t{1});
        QCOMPARE(jb.pop().kind, PlayoutKind::Packet);
        QCOMPARE(jb.pop().kind, PlayoutKind::Conceal); // waiting for the next one
    }

    void pauseRestartsWithoutOldDelay() {
        JitterBufferConfig cfg;
        JitterBuffer jb(cfg);
        for (std::uint32_t i = 0; i < 5; ++i) {
            jb.insert(i * kFrame, payloadFor(i));
            QCOMPARE(jb.pop().kind, PlayoutKind::Packet);
        }
        for (unsigned i = 0; i + 1 < cfg.restartAfterFrames; ++i) {
            QCOMPARE(jb.pop().kind, PlayoutKind::Conceal);
        }
        QCOMPARE(jb.pop().kind, PlayoutKind::NotStarted);
        QCOMPARE(jb.pop().kind, PlayoutKind::NotStarted);
        // The stream resumes 2 s later: it plays at once.
        jb.insert(105 * kFrame, payloadFor(105));
        PlayoutFrame f = jb.pop();
        QCOMPARE(f.kind, PlayoutKind::Packet);
        QCOMPARE(indexOf(f.payload), 105u);
    }

    void timestampsWrap() {
        JitterBuffer jb;
        Tally t = simulate(
            jb, 0, 200, 10000, [](int) { return 1000; }, 0xffffffffu - 100 * kFrame);
        QCOMPARE(t.packets, 200);
        QCOMPARE(t.fec + t.conceal, 0);
    }

    void delayIsCapped() {
        JitterBufferConfig cfg;
        cfg.maxDelayMs = 200;
        JitterBuffer jb(cfg);
        for (std::uint32_t i = 0; i < 50; ++i) {
            jb.insert(i * kFrame, payloadFor(i));
        }
        QVERIFY(jb.levelFrames() <= 10);
        QCOMPARE(jb.stats().dropped, std::uint64_t{40});
        PlayoutFrame f = jb.pop();
        QCOMPARE(f.kind, PlayoutKind::Packet);
        QCOMPARE(indexOf(f.payload), 40u); // the newest ones are kept
    }

    void timestampJumpRestarts() {
        JitterBuffer jb;
        for (std::uint32_t i = 0; i < 3; ++i) {
            jb.insert(i * kFrame, payloadFor(i));
            QCOMPARE(jb.pop().kind, PlayoutKind::Packet);
        }
        // The sender's clock jumps 10 s ahead (e.g. it restarted after hold).
        jb.insert(500 * kFrame, payloadFor(500));
        PlayoutFrame f = jb.pop();
        QCOMPARE(f.kind, PlayoutKind::Packet);
        QCOMPARE(indexOf(f.payload), 500u);
        QVERIFY(jb.levelFrames() <= 1);
    }

    void longerPacketsAdvanceByTheirDuration() {
        JitterBuffer jb;
        jb.insert(0, payloadFor(0), 2 * kFrame); // a 40 ms packet
        jb.insert(2 * kFrame, payloadFor(1));
        QCOMPARE(indexOf(jb.pop().payload), 0u);
        PlayoutFrame f = jb.pop();
        QCOMPARE(f.kind, PlayoutKind::Packet);
        QCOMPARE(indexOf(f.payload), 1u);
    }
};

QTEST_GUILESS_MAIN(TestJitterBuffer)
#include "test_jitter_buffer.moc"
