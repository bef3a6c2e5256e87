// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Shared helpers for the media tests: QCOMPARE prints MediaErrc by name, and
// a Goertzel filter measures a tone in recorded audio.

#include "media/MediaError.h"

#include <QByteArray>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>

namespace napkin::media {
inline char *toString(MediaErrc code) {
    return qstrdup(std::string(errcName(code)).c_str());
}
} // namespace napkin::media

namespace napkin::media::testing {

/// RMS amplitude (of full scale) of the component at `frequency` Hz, by the
/// Goertzel algorithm over `samples` at `rate`.
inline double goertzelLevel(std::span<const std::int16_t> samples, double frequency, double rate) {
    if (samples.empty()) {
        return 0;
    }
    const double w = 2.0 * std::numbers::pi * frequency / rate;
    const double coeff = 2.0 * std::cos(w);
    double s1 = 0;
    double s2 = 0;
    for (std::int16_t x : samples) {
        const double s = x / 32768.0 + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // |X(f)| = N*A/2 for a sine of amplitude A; RMS = A/sqrt(2).
    const double amplitude =
        2.0 * std::sqrt(std::max(0.0, power)) / static_cast<double>(samples.size());
    return amplitude / std::sqrt(2.0);
}

/// RMS of the whole signal (of full scale).
inline double rmsLevel(std::span<const std::int16_t> samples) {
    if (samples.empty()) {
        return 0;
    }
    double sum = 0;
    for (std::int16_t x : samples) {
        sum += (x / 32768.0) * (x / 32768.0);
    }
    return std::sqrt(sum / static_cast<double>(samples.size()));
}

} // namespace napkin::media::testing
