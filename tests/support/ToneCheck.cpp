// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/ToneCheck.h"

#include "media/WavFile.h"
#include "tests/media/MediaTestSupport.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <vector>

namespace napkin::testing {

namespace {

constexpr double kSampleRate = 48000;

/// The strongest frequency among 50 Hz steps from 300 to 3000 Hz.
double dominantFrequency(std::span<const std::int16_t> s) {
    double best = 0;
    double bestLevel = -1;
    for (double f = 300; f <= 3000; f += 50) {
        const double l = napkin::media::testing::goertzelLevel(s, f, kSampleRate);
        if (l > bestLevel) {
            bestLevel = l;
            best = f;
        }
    }
    return best;
}

} // namespace

TestResult<void> writeTone(const QString &path, double frequency, int seconds) {
    auto writer = napkin::media::WavWriter::create(path.toStdString());
    if (!writer) {
        return fail(QString::fromStdString(writer.error().message));
    }
    std::vector<std::int16_t> samples(static_cast<std::size_t>(kSampleRate) * seconds);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        samples[i] = static_cast<std::int16_t>(std::lround(
            32767 * kToneAmplitude *
            std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / kSampleRate)));
    }
    if (auto w = writer->write(samples); !w) {
        return fail(QString::fromStdString(w.error().message));
    }
    if (auto c = writer->close(); !c) {
        return fail(QString::fromStdString(c.error().message));
    }
    return {};
}

namespace {

/// Checks samples [from, to) of the recording at `path` (seconds; `to`
/// counts back from the end when negative), after at least `minimum` seconds.
TestResult<void> checkSegment(const QString &path, double frequency, double from, double to,
                              double minimum) {
    napkin::media::WavInfo info;
    auto samples = napkin::media::readWavFile(path.toStdString(), &info);
    if (!samples) {
        return fail(path + QStringLiteral(": ") + QString::fromStdString(samples.error().message));
    }
    const auto rate = static_cast<std::size_t>(kSampleRate);
    if (static_cast<double>(samples->size()) < minimum * kSampleRate) {
        return fail(QStringLiteral("%1 holds only %2 ms of audio")
                        .arg(path)
                        .arg(samples->size() * 1000 / rate));
    }
    const double total = static_cast<double>(samples->size()) / kSampleRate;
    const double begin = from < 0 ? total + from : from;
    const double stop = to < 0 ? total + to : to;
    if (begin < 0 || stop <= begin + 0.5) {
        return fail(
            QStringLiteral("%1: %2 s of audio, too short for the check").arg(path).arg(total));
    }
    const std::span<const std::int16_t> part(
        samples->data() + static_cast<std::size_t>(begin * kSampleRate),
        static_cast<std::size_t>((stop - begin) * kSampleRate));
    const double dominant = dominantFrequency(part);
    const double level = napkin::media::testing::goertzelLevel(part, frequency, kSampleRate);
    const double sent = kToneAmplitude / std::sqrt(2.0);
    const double db = 20 * std::log10(std::max(level, 1e-9) / sent);
    qInfo("%s: %.0f Hz at %.1f dB of what was sent, dominant %.0f Hz, %.2f s to %.2f s of %.2f s",
          qPrintable(QFileInfo(path).fileName()), frequency, db, dominant, begin, stop, total);
    if (dominant != frequency) {
        return fail(QStringLiteral("%1: the dominant frequency is %2 Hz, not %3 Hz")
                        .arg(path)
                        .arg(dominant)
                        .arg(frequency));
    }
    if (std::fabs(db) > 3.0) {
        return fail(QStringLiteral("%1: the %2 Hz tone arrived at %3 dB of its sent level")
                        .arg(path)
                        .arg(frequency)
                        .arg(db, 0, 'f', 1));
    }
    return {};
}

} // namespace

TestResult<void> checkTone(const QString &path, double frequency) {
    // From 1.5 s in to 0.5 s before the end.
    return checkSegment(path, frequency, 1.5, -0.5, 3);
}

TestResult<void> checkToneTail(const QString &path, double frequency, double seconds) {
    // The last `seconds` but the final half second.
    return checkSegment(path, frequency, -seconds, -0.5, seconds);
}

} // namespace napkin::testing
