// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Echo cancellation and noise suppression (WebRTC audio processing): a far
// end that comes back into the microphone delayed and quieter is removed;
// near-end speech with no far end passes; steady noise is suppressed.

#include "media/AudioFormat.h"
#include "media/EchoCanceller.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

using namespace napkin::media;
using namespace napkin::media::testing;

namespace {

/// Voice-like test signal: harmonics of a wobbling pitch with a syllable envelope.
std::vector<std::int16_t> voice(std::size_t samples, double f0, double amplitude) {
    std::vector<std::int16_t> out(samples);
    double phase = 0;
    for (std::size_t t = 0; t < samples; ++t) {
        const double env = 0.6 + 0.4 * std::sin(2 * std::numbers::pi * 3 * t / 48000.0);
        phase += 2 * std::numbers::pi *
                 (f0 + 10 * std::sin(2 * std::numbers::pi * 0.5 * t / 48000.0)) / 48000;
        double v = 0;
        for (int h = 1; h <= 6; ++h) {
            v += std::sin(h * phase) / h;
        }
        out[t] = static_cast<std::int16_t>(amplitude * 20000 * env * v);
    }
    return out;
}

/// Runs far/near through the canceller 20 ms at a time; returns the output.
std::vector<std::int16_t> run(EchoCanceller &ec, const std::vector<std::int16_t> &far,
                              const std::vector<std::int16_t> &near) {
    std::vector<std::int16_t> out;
    for (std::size_t i = 0; i + kFrameSamples <= near.size(); i += kFrameSamples) {
        ec.analyzePlayout(std::span(far).subspan(i, kFrameSamples));
        std::vector<std::int16_t> frame(near.begin() + static_cast<std::ptrdiff_t>(i),
                                        near.begin() +
                                            static_cast<std::ptrdiff_t>(i + kFrameSamples));
        ec.processCapture(frame);
        out.insert(out.end(), frame.begin(), frame.end());
    }
    return out;
}

double db(double r) {
    return 20 * std::log10(std::max(r, 1e-9));
}

} // namespace

class TestEchoCanceller : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void removesEcho() {
        auto ec = EchoCanceller::create({true, false, true, 40});
        QVERIFY(ec.ok());
        const std::size_t n = 10 * kSampleRate;
        const auto far = voice(n, 180, 0.5);
        std::vector<std::int16_t> near(n, 0);
        const std::size_t delay = 40 * 48; // 40 ms of loudspeaker-to-microphone path
        for (std::size_t i = delay; i < n; ++i) {
            near[i] = static_cast<std::int16_t>(far[i - delay] / 2);
        }
        const auto out = run(**ec, far, near);
        const std::span<const std::int16_t> inTail(near.data() + 6 * kSampleRate, 4 * kSampleRate);
        const std::span<const std::int16_t> outTail(out.data() + 6 * kSampleRate, 4 * kSampleRate);
        const double reduction = db(rmsLevel(outTail) / rmsLevel(inTail));
        qInfo("echo reduced by %.1f dB", -reduction);
        QVERIFY2(reduction < -15.0, std::to_string(reduction).c_str());
        QCOMPARE((*ec)->errors(), 0);
    }

    void keepsNearEndSpeech() {
        auto ec = EchoCanceller::create({true, false, true, 40});
        QVERIFY(ec.ok());
        const std::size_t n = 5 * kSampleRate;
        const std::vector<std::int16_t> silence(n, 0);
        const auto near = voice(n, 220, 0.3);
        const auto out = run(**ec, silence, near);
        const std::span<const std::int16_t> inTail(near.data() + 2 * kSampleRate, 3 * kSampleRate);
        const std::span<const std::int16_t> outTail(out.data() + 2 * kSampleRate, 3 * kSampleRate);
        const double change = db(rmsLevel(outTail) / rmsLevel(inTail));
        qInfo("near-end speech changed by %.1f dB", change);
        QVERIFY2(std::fabs(change) < 3.0, std::to_string(change).c_str());
    }

    void suppressesSteadyNoise() {
        auto ec = EchoCanceller::create({false, true, false, 40});
        QVERIFY(ec.ok());
        const std::size_t n = 5 * kSampleRate;
        std::mt19937 rng(7);
        std::normal_distribution<double> noise(0, 1500);
        std::vector<std::int16_t> near(n);
        for (auto &s : near) {
            s = static_cast<std::int16_t>(std::clamp(noise(rng), -32000.0, 32000.0));
        }
        const std::vector<std::int16_t> silence(n, 0);
        const auto out = run(**ec, silence, near);
        const std::span<const std::int16_t> inTail(near.data() + 2 * kSampleRate, 3 * kSampleRate);
        const std::span<const std::int16_t> outTail(out.data() + 2 * kSampleRate, 3 * kSampleRate);
        const double reduction = db(rmsLevel(outTail) / rmsLevel(inTail));
        qInfo("steady noise reduced by %.1f dB", -reduction);
        QVERIFY2(reduction < -6.0, std::to_string(reduction).c_str());
    }
};

QTEST_GUILESS_MAIN(TestEchoCanceller)
#include "test_echo_canceller.moc"
