// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-bench-media: what our media pipeline costs and how much delay it
// adds, measured on loopback with two MediaSessions (Opus, SRTP
// AES_CM_128_HMAC_SHA1_80, both directions). scripts/bench-media runs it next
// to two baresip instances and prints the ratios. Not a test.
//
//   napkin-bench-media [--seconds N] [--latency-seconds N]
//   napkin-bench-media --write-tone PATH --seconds N   (a 48 kHz mono tone for baresip)
//   napkin-bench-media --write-bursts PATH --seconds N (100 ms 1 kHz bursts, one a second)
//   napkin-bench-media --echo-delay PLAYED RECORDED    (round trip of the bursts through an
//                                                      echoing peer; see scripts/bench-media)
//
// Output lines are "key=value" so that the script can read them.

#include "media/MediaSession.h"
#include "media/WavFile.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

using namespace napkin::media;
using Clock = std::chrono::steady_clock;

namespace {

double cpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double secondsSince(Clock::time_point t0, Clock::time_point t) {
    return std::chrono::duration<double>(t - t0).count();
}

/// 100 ms bursts of 1 kHz every 500 ms; remembers when each frame was read.
class BurstSource final : public AudioSource {
public:
    bool read(std::span<std::int16_t> frame) override {
        const auto now = Clock::now();
        for (std::size_t i = 0; i < frame.size(); ++i) {
            const std::uint64_t n = m_index + i;
            const bool on = (n % 24000) < 4800;
            frame[i] = on ? static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * 1000 *
                                                                      static_cast<double>(n) /
                                                                      kSampleRate))
                          : 0;
        }
        std::lock_guard lock(m_mutex);
        m_reads.push_back({m_index, now});
        m_index += frame.size();
        return true;
    }
    /// When sample `index` was captured, if a microphone had delivered this
    /// frame at read time: the frame's last sample is "now".
    std::optional<Clock::time_point> captureTime(std::uint64_t index) {
        std::lock_guard lock(m_mutex);
        for (const auto &r : m_reads) {
            if (index >= r.first && index < r.first + kFrameSamples) {
                const double before =
                    static_cast<double>(r.first + kFrameSamples - index) / kSampleRate;
                return r.second - std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(before));
            }
        }
        return std::nullopt;
    }

private:
    std::mutex m_mutex;
    std::uint64_t m_index = 0;
    std::vector<std::pair<std::uint64_t, Clock::time_point>> m_reads;
};

/// Finds burst onsets in what is played and when they would be heard.
class OnsetSink final : public AudioSink {
public:
    void write(std::span<const std::int16_t> frame) override {
        const auto now = Clock::now();
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < frame.size(); ++i) {
            if (std::abs(frame[i]) > 2000) {
                if (m_quiet > kSampleRate / 10) {
                    // Heard when a loudspeaker given this frame now reaches sample i.
                    m_onsets.push_back(now + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(
                                                     static_cast<double>(i) / kSampleRate)));
                }
                m_quiet = 0;
            } else {
                ++m_quiet;
            }
        }
    }
    std::vector<Clock::time_point> onsets() {
        std::lock_guard lock(m_mutex);
        return m_onsets;
    }

private:
    std::mutex m_mutex;
    std::size_t m_quiet = 0;
    std::vector<Clock::time_point> m_onsets;
};

struct Pair {
    MediaSession a;
    MediaSession b;
    bool start(std::shared_ptr<AudioSource> srcA, std::shared_ptr<AudioSink> sinkA,
               std::shared_ptr<AudioSource> srcB, std::shared_ptr<AudioSink> sinkB) {
        LocalMediaOptions oa;
        oa.address = "127.0.0.1";
        oa.port = *a.open("127.0.0.1", 0);
        oa.codecs = {CodecId::Opus};
        oa.suites = {SrtpSuite::AesCm128HmacSha1_80};
        LocalMediaOptions ob = oa;
        ob.port = *b.open("127.0.0.1", 0);
        auto offer = makeOffer(oa);
        auto answer = answerOffer(*parseSdp(formatSdp(offer->sdp)), ob);
        auto negotiated = applyAnswer(*offer, *parseSdp(formatSdp(answer->sdp)));
        if (!negotiated) {
            std::fprintf(stderr, "negotiation failed: %s\n", negotiated.error().message.c_str());
            return false;
        }
        MediaSessionConfig ca;
        ca.media = *negotiated;
        ca.source = std::move(srcA);
        ca.sink = std::move(sinkA);
        MediaSessionConfig cb;
        cb.media = answer->media;
        cb.source = std::move(srcB);
        cb.sink = std::move(sinkB);
        return a.start(std::move(ca)).ok() && b.start(std::move(cb)).ok();
    }
};

int writeTone(const char *path, int seconds) {
    auto w = WavWriter::create(path);
    if (!w) {
        std::fprintf(stderr, "%s\n", w.error().message.c_str());
        return 1;
    }
    ToneSource tone(1000, 0.25);
    std::vector<std::int16_t> frame(kFrameSamples);
    for (int i = 0; i < seconds * 50; ++i) {
        tone.read(frame);
        if (!w->write(frame)) {
            return 1;
        }
    }
    return w->close().ok() ? 0 : 1;
}

/// 100 ms bursts of 1 kHz, one a second, for the echo measurement.
int writeBursts(const char *path, int seconds) {
    auto w = WavWriter::create(path);
    if (!w) {
        std::fprintf(stderr, "%s\n", w.error().message.c_str());
        return 1;
    }
    std::vector<std::int16_t> samples(static_cast<std::size_t>(seconds) * kSampleRate);
    for (std::size_t n = 0; n < samples.size(); ++n) {
        const bool on = (n % kSampleRate) < kSampleRate / 10;
        samples[n] =
            on ? static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * 1000 *
                                                           static_cast<double>(n) / kSampleRate))
               : 0;
    }
    if (!w->write(samples)) {
        return 1;
    }
    return w->close().ok() ? 0 : 1;
}

/// Sample indices where sound starts after at least 100 ms of quiet.
std::vector<std::size_t> onsets(const std::vector<std::int16_t> &samples, int threshold) {
    std::vector<std::size_t> out;
    std::size_t quiet = kSampleRate; // the file's start counts as quiet
    for (std::size_t i = 0; i < samples.size(); ++i) {
        if (std::abs(samples[i]) > threshold) {
            if (quiet > kSampleRate / 10) {
                out.push_back(i);
            }
            quiet = 0;
        } else {
            ++quiet;
        }
    }
    return out;
}

/// A napkin agent played PLAYED and recorded RECORDED in one call whose peer
/// sent back what it heard. The media thread reads one 20 ms frame from the
/// file and writes one to the recording at every tick, so sample k of both
/// belongs to the same tick: a burst played from sample s and heard from
/// sample r took (r - s) / 48 kHz + 20 ms from "capture" to "playout" (the
/// same convention as the latency run above: a captured frame's last sample
/// is "now", a played frame's first sample is heard "now").
int echoDelay(const char *playedPath, const char *recordedPath) {
    auto played = readWavFile(playedPath);
    auto recorded = readWavFile(recordedPath);
    if (!played || !recorded) {
        std::fprintf(stderr, "cannot read %s\n", !played ? playedPath : recordedPath);
        return 1;
    }
    const auto sent = onsets(*played, 2000);
    const auto heard = onsets(*recorded, 2000);
    std::vector<double> delays;
    for (std::size_t r : heard) {
        // The latest burst played before it (bursts are 1 s apart, far more
        // than the round trip).
        const auto it = std::upper_bound(sent.begin(), sent.end(), r);
        if (it == sent.begin()) {
            continue;
        }
        delays.push_back(static_cast<double>(r - *(it - 1)) * 1000.0 / kSampleRate +
                         static_cast<double>(kFrameMs));
    }
    if (delays.size() < 3) {
        std::fprintf(stderr, "only %zu bursts came back\n", delays.size());
        return 1;
    }
    // The first burst may meet a jitter buffer still settling; drop it.
    delays.erase(delays.begin());
    std::sort(delays.begin(), delays.end());
    std::printf("echo.bursts=%zu\n", delays.size());
    std::printf("echo.round_trip_ms_median=%.1f\n", delays[delays.size() / 2]);
    std::printf("echo.round_trip_ms_min=%.1f\n", delays.front());
    std::printf("echo.round_trip_ms_max=%.1f\n", delays.back());
    return 0;
}

} // namespace

int main(int argc, char **argv) {
    int seconds = 20;
    int latencySeconds = 6;
    const char *tonePath = nullptr;
    const char *burstPath = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--latency-seconds") == 0 && i + 1 < argc) {
            latencySeconds = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--write-tone") == 0 && i + 1 < argc) {
            tonePath = argv[++i];
        } else if (std::strcmp(argv[i], "--write-bursts") == 0 && i + 1 < argc) {
            burstPath = argv[++i];
        } else if (std::strcmp(argv[i], "--echo-delay") == 0 && i + 2 < argc) {
            const char *played = argv[++i];
            return echoDelay(played, argv[++i]);
        } else {
            std::fprintf(stderr, "usage: napkin-bench-media [--seconds N] [--latency-seconds N] "
                                 "[--write-tone PATH] [--write-bursts PATH] "
                                 "[--echo-delay PLAYED RECORDED]\n");
            return 2;
        }
    }
    if (tonePath != nullptr) {
        return writeTone(tonePath, seconds);
    }
    if (burstPath != nullptr) {
        return writeBursts(burstPath, seconds);
    }

    // 1. CPU: a real-time call, a tone both ways (pre-computed, as baresip
    // reads its tone from a file), for `seconds`.
    {
        auto toneSamples = [&](double hz) {
            ToneSource tone(hz, 0.25);
            std::vector<std::int16_t> samples(static_cast<std::size_t>(kSampleRate)); // 1 s, looped
            tone.read(samples);
            return samples;
        };
        Pair call;
        if (!call.start(std::make_shared<WavFileSource>(toneSamples(1000), true),
                        std::make_shared<NullSink>(),
                        std::make_shared<WavFileSource>(toneSamples(700), true),
                        std::make_shared<NullSink>())) {
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        const double c0 = cpuSeconds();
        const auto t0 = Clock::now();
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        const double cpu = cpuSeconds() - c0;
        const double wall = secondsSince(t0, Clock::now());
        const MediaStatistics sb = call.b.statistics();
        const MediaStatistics sa = call.a.statistics();
        call.a.stop();
        call.b.stop();
        std::printf("napkin.call_seconds=%.2f\n", wall);
        std::printf("napkin.cpu_seconds=%.4f\n", cpu);
        std::printf("napkin.cpu_ms_per_call_second=%.3f\n", cpu / wall * 1000.0);
        std::printf("napkin.packets=%llu\n",
                    static_cast<unsigned long long>(sa.packetsReceived + sb.packetsReceived));
        std::printf("napkin.lost=%lld\n", static_cast<long long>(sa.packetsLost + sb.packetsLost));
    }

    // 2. Latency: bursts from A, onsets heard at B.
    {
        auto source = std::make_shared<BurstSource>();
        auto sink = std::make_shared<OnsetSink>();
        Pair call;
        if (!call.start(source, std::make_shared<NullSink>(), std::make_shared<SilenceSource>(),
                        sink)) {
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::seconds(latencySeconds));
        const MediaStatistics sb = call.b.statistics();
        call.a.stop();
        call.b.stop();
        const auto onsets = sink->onsets();
        std::vector<double> delays;
        // Bursts are 500 ms apart and the delay is far less: each onset
        // belongs to the latest burst captured before it.
        for (std::size_t i = 1; i < onsets.size(); ++i) {
            double best = -1;
            for (std::uint64_t k = 0; k < static_cast<std::uint64_t>(latencySeconds) * 2 + 2; ++k) {
                if (auto t = source->captureTime(k * 24000)) {
                    const double d =
                        std::chrono::duration<double, std::milli>(onsets[i] - *t).count();
                    if (d >= 0 && (best < 0 || d < best)) {
                        best = d;
                    }
                }
            }
            if (best >= 0) {
                delays.push_back(best);
            }
        }
        if (delays.empty()) {
            std::fprintf(stderr, "no bursts were heard\n");
            return 1;
        }
        std::sort(delays.begin(), delays.end());
        const double median = delays[delays.size() / 2];
        std::printf("napkin.latency_bursts=%zu\n", delays.size());
        std::printf("napkin.mouth_to_ear_ms_median=%.1f\n", median);
        std::printf("napkin.mouth_to_ear_ms_max=%.1f\n", delays.back());
        std::printf("napkin.added_latency_ms_median=%.1f\n",
                    median - static_cast<double>(kFrameMs));
        std::printf("napkin.jitter_buffer_ms=%u\n", sb.jitterBuffer.averageDelayMs);
    }
    return 0;
}
