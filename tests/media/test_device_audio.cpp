// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The device side of audio: the rings and format conversion between a device
// and the engine, and Qt Multimedia device handling. Headless machines have no
// sound card, so the device test checks the clear error there and real
// capture/playback where a device exists.

#include "media/AudioPort.h"
#include "media/AudioRing.h"
#include "media/DeviceAudio.h"
#include "media/PcmConverter.h"
#include "tests/media/MediaTestSupport.h"

#include <QElapsedTimer>
#include <QTest>

#include <cmath>
#include <cstring>
#include <numbers>

using namespace napkin::media;
using namespace napkin::media::testing;

class TestDeviceAudio : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ringPadsAndDrops() {
        AudioRing ring(100);
        std::vector<std::int16_t> in(60, 7);
        ring.write(in);
        std::vector<std::int16_t> out(80, -1);
        QCOMPARE(ring.read(out), std::size_t{60});
        QCOMPARE(out[59], std::int16_t{7});
        QCOMPARE(out[60], std::int16_t{0}); // padded with silence
        QCOMPARE(ring.paddedSamples(), std::uint64_t{20});
        std::vector<std::int16_t> big(150);
        for (std::size_t i = 0; i < big.size(); ++i) {
            big[i] = static_cast<std::int16_t>(i);
        }
        ring.write(big);
        QCOMPARE(ring.size(), std::size_t{100});
        QCOMPARE(ring.droppedSamples(), std::uint64_t{50});
        std::vector<std::int16_t> first(1);
        ring.read(first);
        QCOMPARE(first[0], std::int16_t{50}); // the oldest went first
    }

    void captureConvertsStereoFloat44100() {
        auto conv = CaptureConverter::create(DeviceFormat{44100, 2, SampleType::Float32});
        QVERIFY(conv.ok());
        // 1 s of a 1 kHz tone, left and right equal, fed in odd-sized chunks.
        std::vector<std::uint8_t> bytes;
        for (int i = 0; i < 44100; ++i) {
            const float v =
                0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 1000 * i / 44100.0));
            for (int c = 0; c < 2; ++c) {
                std::uint8_t b[4];
                std::memcpy(b, &v, 4);
                bytes.insert(bytes.end(), b, b + 4);
            }
        }
        std::vector<std::int16_t> out;
        for (std::size_t pos = 0; pos < bytes.size(); pos += 1001) {
            conv->convert(
                std::span(bytes).subspan(pos, std::min<std::size_t>(1001, bytes.size() - pos)),
                out);
        }
        QVERIFY(std::abs(static_cast<long>(out.size()) - 48000) < 200);
        const double level = goertzelLevel(std::span(out).subspan(4800, 38400), 1000, 48000);
        QVERIFY2(std::fabs(level - 0.5 / std::sqrt(2.0)) < 0.02, std::to_string(level).c_str());
    }

    void playbackConvertsToStereo16k() {
        auto conv = PlaybackConverter::create(DeviceFormat{16000, 2, SampleType::Int16});
        QVERIFY(conv.ok());
        ToneSource tone(500, 0.25);
        std::vector<std::int16_t> frame(kFrameSamples);
        std::vector<std::uint8_t> bytes;
        for (int i = 0; i < 50; ++i) {
            tone.read(frame);
            conv->convert(frame, bytes);
        }
        QCOMPARE(bytes.size() % 4, std::size_t{0});
        std::vector<std::int16_t> left(bytes.size() / 4);
        for (std::size_t i = 0; i < left.size(); ++i) {
            std::int16_t l;
            std::int16_t r;
            std::memcpy(&l, bytes.data() + 4 * i, 2);
            std::memcpy(&r, bytes.data() + 4 * i + 2, 2);
            QCOMPARE(l, r);
            left[i] = l;
        }
        QVERIFY(std::abs(static_cast<long>(left.size()) - 16000) < 100);
        const double level = goertzelLevel(std::span(left).subspan(1600, 12800), 500, 16000);
        QVERIFY2(std::fabs(level - 0.25 / std::sqrt(2.0)) < 0.02, std::to_string(level).c_str());
        QCOMPARE(CaptureConverter::create(DeviceFormat{1000, 1, SampleType::Int16}).error().code,
                 MediaErrc::AudioFormat);
    }

    void devicesOrAClearError() {
        const auto inputs = DeviceAudio::inputs();
        const auto outputs = DeviceAudio::outputs();
        qInfo("%lld audio inputs, %lld outputs", static_cast<long long>(inputs.size()),
              static_cast<long long>(outputs.size()));

        auto missing = DeviceAudio::open(DeviceAudioOptions{"no-such-device", {}, true, false});
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, MediaErrc::AudioDevice);
        QVERIFY(missing.error().message.find("no-such-device") != std::string::npos);

        auto opened = DeviceAudio::open(DeviceAudioOptions{});
        if (inputs.isEmpty() || outputs.isEmpty()) {
            QVERIFY(!opened.ok());
            QCOMPARE(opened.error().code, MediaErrc::AudioDevice);
            QVERIFY2(opened.error().message.find("sound server") != std::string::npos,
                     opened.error().message.c_str());
            return;
        }
        // A machine with sound: capture delivers frames and playback takes them.
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        auto source = (*opened)->source();
        auto sink = (*opened)->sink();
        std::vector<std::int16_t> frame(kFrameSamples);
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 500) {
            QVERIFY(source->read(frame));
            sink->write(frame);
            QTest::qWait(20);
        }
        QVERIFY(!(*opened)->inputDescription().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDeviceAudio)
#include "test_device_audio.moc"
