// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Codecs: G.711 against the standard's values, Opus with FEC and PLC, the
// 48 kHz <-> 8 kHz path of PCMU/PCMA, and RFC 4733 telephone-events.

#include "media/AudioCodec.h"
#include "media/AudioPort.h"
#include "media/G711.h"
#include "media/TelephoneEvent.h"
#include "tests/media/MediaTestSupport.h"

#include <QTest>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <vector>

using namespace napkin::media;
using namespace napkin::media::testing;

namespace {

std::vector<std::int16_t> tone(std::size_t frames, double hz = 1000, double amplitude = 0.25) {
    ToneSource source(hz, amplitude);
    std::vector<std::int16_t> out(frames * kFrameSamples);
    for (std::size_t i = 0; i < frames; ++i) {
        source.read(std::span(out).subspan(i * kFrameSamples, kFrameSamples));
    }
    return out;
}

/// Encodes and decodes `pcm` frame by frame; `lost` frames go through PLC
/// (or FEC from the next packet when `useFec`).
std::vector<std::int16_t> transcode(CodecId codec, const std::vector<std::int16_t> &pcm,
                                    const std::vector<bool> &lost = {}, bool useFec = false) {
    auto enc = makeEncoder(codec);
    auto dec = makeDecoder(codec);
    if (!enc || !dec) {
        qFatal("codec creation failed");
    }
    const std::size_t frames = pcm.size() / kFrameSamples;
    std::vector<std::vector<std::uint8_t>> packets;
    for (std::size_t i = 0; i < frames; ++i) {
        std::vector<std::uint8_t> out(1500);
        auto n = (*enc)->encode(std::span(pcm).subspan(i * kFrameSamples, kFrameSamples), out);
        if (!n) {
            qFatal("encode failed: %s", n.error().message.c_str());
        }
        out.resize(*n);
        packets.push_back(out);
    }
    std::vector<std::int16_t> result;
    std::vector<std::int16_t> frame(kMaxDecodedSamples);
    for (std::size_t i = 0; i < frames; ++i) {
        std::size_t n = kFrameSamples;
        if (i < lost.size() && lost[i]) {
            auto r = useFec && i + 1 < frames
                         ? (*dec)->decodeFec(packets[i + 1], std::span(frame).first(kFrameSamples))
                         : MediaResult<std::size_t>(mediaFail(MediaErrc::Codec, "no fec"));
            if (!r) {
                (*dec)->conceal(std::span(frame).first(kFrameSamples));
            }
        } else {
            auto r = (*dec)->decode(packets[i], frame);
            if (!r) {
                qFatal("decode failed: %s", r.error().message.c_str());
            }
            n = *r;
        }
        result.insert(result.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return result;
}

} // namespace

class TestCodecs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void g711KnownValues() {
        QCOMPARE(g711::linearToUlaw(0), std::uint8_t{0xff});
        QCOMPARE(g711::linearToUlaw(-1), std::uint8_t{0x7f});
        QCOMPARE(g711::linearToUlaw(32767), std::uint8_t{0x80});
        QCOMPARE(g711::linearToUlaw(-32768), std::uint8_t{0x00});
        QCOMPARE(g711::ulawToLinear(0xff), std::int16_t{0});
        QCOMPARE(g711::ulawToLinear(0x80), std::int16_t{32124});
        QCOMPARE(g711::ulawToLinear(0x00), std::int16_t{-32124});
        QCOMPARE(g711::linearToAlaw(0), std::uint8_t{0xd5});
        QCOMPARE(g711::linearToAlaw(-1), std::uint8_t{0x55});
        QCOMPARE(g711::linearToAlaw(32767), std::uint8_t{0xaa});
        QCOMPARE(g711::linearToAlaw(-32768), std::uint8_t{0x2a});
        QCOMPARE(g711::alawToLinear(0xd5), std::int16_t{8});
        QCOMPARE(g711::alawToLinear(0xaa), std::int16_t{32256});
        QCOMPARE(g711::alawToLinear(0x2a), std::int16_t{-32256});
    }

    void g711IsConsistent() {
        // Every code decodes to a value that encodes back to the same code
        // (except mu-law's negative zero, which becomes positive zero).
        for (int c = 0; c < 256; ++c) {
            const auto code = static_cast<std::uint8_t>(c);
            if (code != 0x7f) {
                QCOMPARE(g711::linearToUlaw(g711::ulawToLinear(code)), code);
            }
            QCOMPARE(g711::linearToAlaw(g711::alawToLinear(code)), code);
        }
        // Quantisation error stays within the segment's step (relative error < 7 %).
        for (int v = -32000; v <= 32000; v += 37) {
            const auto s = static_cast<std::int16_t>(v);
            const int eu = std::abs(g711::ulawToLinear(g711::linearToUlaw(s)) - v);
            const int ea = std::abs(g711::alawToLinear(g711::linearToAlaw(s)) - v);
            QVERIFY(eu <= std::max(8, std::abs(v) / 15));
            QVERIFY(ea <= std::max(16, std::abs(v) / 15));
        }
    }

    void opusCarriesATone() {
        const auto in = tone(100);
        const auto out = transcode(CodecId::Opus, in);
        QCOMPARE(out.size(), in.size());
        const std::span<const std::int16_t> tail(out.data() + 20 * kFrameSamples,
                                                 60 * kFrameSamples);
        const double level = goertzelLevel(tail, 1000, kSampleRate);
        const double expected = 0.25 / std::sqrt(2.0);
        QVERIFY2(std::fabs(level - expected) < 0.25 * expected, std::to_string(level).c_str());
        // Almost all energy is the tone.
        QVERIFY(goertzelLevel(tail, 1000, kSampleRate) > 0.9 * rmsLevel(tail));
        QVERIFY(goertzelLevel(tail, 1500, kSampleRate) < 0.05 * level);
    }

    void opusPacketsAreSmallAndSized() {
        auto enc = makeEncoder(CodecId::Opus);
        auto dec = makeDecoder(CodecId::Opus);
        const auto in = tone(1);
        std::uint8_t out[1500];
        auto n = (*enc)->encode(in, out);
        QVERIFY(n.ok());
        QVERIFY(*n > 10 && *n < 200); // 32 kbit/s: about 80 bytes per 20 ms
        QCOMPARE((*dec)->payloadDuration(std::span<const std::uint8_t>(out, *n)), 960u);
        QCOMPARE((*enc)->timestampsPerFrame(), 960u);
        std::vector<std::int16_t> wrong(100);
        QCOMPARE((*enc)->encode(wrong, out).error().code, MediaErrc::InvalidArgument);
        std::vector<std::int16_t> pcm(kMaxDecodedSamples);
        const std::uint8_t garbage[] = {0xff, 0xff, 0xff};
        QCOMPARE((*dec)->decode(garbage, pcm).error().code, MediaErrc::Codec);
    }

    void opusConcealsAndRecoversWithFec() {
        // Opus only sends in-band FEC for frames its voice detector calls
        // active, so use something voice-like: a 150 Hz harmonic series with
        // vibrato and a 3 Hz syllable envelope.
        std::vector<std::int16_t> voice(300 * kFrameSamples);
        double phase = 0;
        for (std::size_t t = 0; t < voice.size(); ++t) {
            const double env = 0.6 + 0.4 * std::sin(2 * std::numbers::pi * 3 * t / 48000.0);
            phase += 2 * std::numbers::pi *
                     (150 + 20 * std::sin(2 * std::numbers::pi * 0.7 * t / 48000.0)) / 48000;
            double v = 0;
            for (int h = 1; h <= 8; ++h) {
                v += std::sin(h * phase) / h;
            }
            voice[t] = static_cast<std::int16_t>(6000 * env * v);
        }
        std::vector<bool> lost(300, false);
        for (std::size_t i = 25; i < 299; i += 10) {
            lost[i] = true; // 10 % loss
        }
        const auto clean = transcode(CodecId::Opus, voice);
        const auto plc = transcode(CodecId::Opus, voice, lost, false);
        const auto fec = transcode(CodecId::Opus, voice, lost, true);
        QCOMPARE(plc.size(), voice.size());
        QCOMPARE(fec.size(), voice.size());
        // Compare the lost frames with what a loss-free decoder made of them.
        auto snr = [&](const std::vector<std::int16_t> &x) {
            double signal = 0;
            double noise = 0;
            for (std::size_t i = 25; i < 299; i += 10) {
                for (std::size_t k = i * kFrameSamples; k < (i + 1) * kFrameSamples; ++k) {
                    signal += double(clean[k]) * clean[k];
                    noise += (double(clean[k]) - x[k]) * (double(clean[k]) - x[k]);
                }
            }
            return 10 * std::log10(signal / noise);
        };
        const double plcSnr = snr(plc);
        const double fecSnr = snr(fec);
        qInfo("lost frames vs loss-free decoding: PLC %.1f dB, FEC %.1f dB", plcSnr, fecSnr);
        QVERIFY(plcSnr > 0.0);          // concealment is not silence
        QVERIFY(fecSnr > plcSnr + 2.0); // FEC rebuilds the frame, it does not guess

        // A steady tone is concealed too (the tone goes on, quieter).
        const auto in = tone(60);
        std::vector<bool> toneLost(60, false);
        toneLost[40] = true;
        const auto concealed = transcode(CodecId::Opus, in, toneLost, false);
        const double level = goertzelLevel(
            std::span(concealed).subspan(40 * kFrameSamples, kFrameSamples), 1000, kSampleRate);
        QVERIFY2(level > 0.1 * 0.25 / std::sqrt(2.0), std::to_string(level).c_str());
    }

    void g711CarriesATone_data() {
        QTest::addColumn<CodecId>("codec");
        QTest::newRow("PCMU") << CodecId::Pcmu;
        QTest::newRow("PCMA") << CodecId::Pcma;
    }

    void g711CarriesATone() {
        QFETCH(CodecId, codec);
        auto enc = makeEncoder(codec);
        QVERIFY(enc.ok());
        QCOMPARE((*enc)->timestampsPerFrame(), 160u);
        const auto in = tone(50);
        const auto out = transcode(codec, in);
        QCOMPARE(out.size(), in.size());
        const std::span<const std::int16_t> tail(out.data() + 10 * kFrameSamples,
                                                 30 * kFrameSamples);
        const double level = goertzelLevel(tail, 1000, kSampleRate);
        const double expected = 0.25 / std::sqrt(2.0);
        QVERIFY2(std::fabs(level - expected) < 0.1 * expected, std::to_string(level).c_str());
        // 8 kHz: a 5 kHz tone does not survive the trip.
        const auto high = transcode(codec, tone(50, 5000));
        QVERIFY(rmsLevel(std::span(high).subspan(10 * kFrameSamples)) < 0.02);
    }

    void g711ConcealmentFades() {
        auto dec = makeDecoder(CodecId::Pcmu);
        std::vector<std::uint8_t> payload(160);
        const auto in = tone(1);
        std::vector<std::int16_t> narrow(160);
        for (std::size_t i = 0; i < 160; ++i) {
            payload[i] = g711::linearToUlaw(in[i * 6]);
        }
        std::vector<std::int16_t> pcm(kMaxDecodedSamples);
        QCOMPARE(*(*dec)->decode(payload, pcm), std::size_t{960});
        std::vector<std::int16_t> concealed(kFrameSamples);
        double previous = 1.0;
        for (int i = 0; i < 6; ++i) {
            (*dec)->conceal(concealed);
            const double level = rmsLevel(concealed);
            QVERIFY(level < previous);
            previous = level;
        }
        QCOMPARE(previous, 0.0);
        QVERIFY(!(*dec)->hasForwardErrorCorrection());
    }

    void telephoneEventWireFormat() {
        const TelephoneEventPayload e{11, true, 10, 1600};
        const auto bytes = writeTelephoneEvent(e);
        QCOMPARE(bytes[0], std::uint8_t{11});
        QCOMPARE(bytes[1], std::uint8_t{0x8a});
        QCOMPARE(bytes[2], std::uint8_t{0x06});
        QCOMPARE(bytes[3], std::uint8_t{0x40});
        auto parsed = parseTelephoneEvent(bytes);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->event, std::uint8_t{11});
        QVERIFY(parsed->end);
        QCOMPARE(parsed->duration, std::uint16_t{1600});
        const std::uint8_t shortPayload[] = {1, 2, 3};
        QCOMPARE(parseTelephoneEvent(shortPayload).error().code, MediaErrc::MalformedRtp);
        QCOMPARE(*dtmfEventCode('#'), std::uint8_t{11});
        QCOMPARE(*dtmfEventCode('d'), std::uint8_t{15});
        QVERIFY(!dtmfEventCode('x'));
        QCOMPARE(*dtmfDigit(10), '*');
        QVERIFY(!dtmfDigit(16));
    }

    void telephoneEventSenderPacketTrain() {
        TelephoneEventSender sender(8000);
        QVERIFY(sender.queue('5', 100).ok());
        QVERIFY(sender.queue('#', 60).ok());
        QCOMPARE(sender.queue('x', 100).error().code, MediaErrc::InvalidArgument);
        QCOMPARE(sender.queue('1', 10).error().code, MediaErrc::InvalidArgument);
        std::vector<TelephoneEventPacket> packets;
        std::uint32_t ts = 5000;
        for (int tick = 0; tick < 30; ++tick, ts += 160) {
            if (auto p = sender.next(ts)) {
                packets.push_back(*p);
            }
        }
        QVERIFY(sender.idle());
        // '5': 100 ms = 800 units: start(160), 320, 480, 640, then end(800) x3.
        QVERIFY(packets.size() >= 7);
        QVERIFY(packets[0].marker);
        QCOMPARE(packets[0].payload.event, std::uint8_t{5});
        QCOMPARE(packets[0].payload.duration, std::uint16_t{160});
        int ends = 0;
        std::size_t i = 0;
        for (; i < packets.size() && packets[i].payload.event == 5; ++i) {
            QCOMPARE(packets[i].timestamp, 5000u);
            QCOMPARE(packets[i].marker, i == 0);
            if (packets[i].payload.end) {
                ++ends;
                QCOMPARE(packets[i].payload.duration, std::uint16_t{800});
            } else if (i > 0) {
                QVERIFY(packets[i].payload.duration > packets[i - 1].payload.duration);
            }
        }
        QCOMPARE(ends, 3);
        // Then '#', with its own timestamp and marker.
        QVERIFY(i < packets.size());
        QCOMPARE(packets[i].payload.event, std::uint8_t{11});
        QVERIFY(packets[i].marker);
        QVERIFY(packets[i].timestamp > 5000u);
    }

    void telephoneEventReceiverReportsOnce() {
        TelephoneEventReceiver receiver;
        TelephoneEventSender sender(48000);
        QVERIFY(sender.queue('7', 200).ok());
        int reported = 0;
        std::vector<TelephoneEventPacket> all;
        for (std::uint32_t ts = 0; ts < 48000; ts += 960) {
            if (auto p = sender.next(ts)) {
                all.push_back(*p);
                if (auto d = receiver.onPacket(p->timestamp, p->payload)) {
                    ++reported;
                    QCOMPARE(d->digit, '7');
                }
            }
        }
        QCOMPARE(reported, 1);
        // A late duplicate of the first packet does not report it again.
        QVERIFY(!receiver.onPacket(all.front().timestamp, all.front().payload));
        // A non-DTMF event (e.g. 32, a fax tone) is ignored.
        QVERIFY(!receiver.onPacket(99999, TelephoneEventPayload{32, false, 10, 160}));
    }
};

QTEST_GUILESS_MAIN(TestCodecs)
#include "test_codecs.moc"
