// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/AudioPort.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace napkin::media {

bool ToneSource::read(std::span<std::int16_t> frame) {
    const double step = 2.0 * std::numbers::pi * m_frequency / kSampleRate;
    const double scale = std::clamp(m_amplitude, 0.0, 1.0) * 32767.0;
    for (auto &sample : frame) {
        sample = static_cast<std::int16_t>(std::lround(scale * std::sin(m_phase)));
        m_phase += step;
    }
    m_phase = std::fmod(m_phase, 2.0 * std::numbers::pi);
    return true;
}

bool SilenceSource::read(std::span<std::int16_t> frame) {
    std::fill(frame.begin(), frame.end(), 0);
    return true;
}

} // namespace napkin::media
