// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Sample-rate conversion of 16-bit mono or interleaved audio with speexdsp.

#include "media/MediaError.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct SpeexResamplerState_;

namespace napkin::media {

struct SpeexResamplerDeleter {
    void operator()(SpeexResamplerState_ *state) const;
};

class Resampler {
public:
    /// quality 0..10 (speexdsp; 3 is its VoIP setting).
    [[nodiscard]] static MediaResult<Resampler> create(int inRate, int outRate, int channels = 1,
                                                       int quality = 3);

    /// Converts all of `in` and appends the result to `out`.
    void process(std::span<const std::int16_t> in, std::vector<std::int16_t> &out);

    [[nodiscard]] int inRate() const { return m_inRate; }
    [[nodiscard]] int outRate() const { return m_outRate; }

private:
    Resampler() = default;
    std::unique_ptr<SpeexResamplerState_, SpeexResamplerDeleter> m_state;
    int m_inRate = 0;
    int m_outRate = 0;
    int m_channels = 1;
};

} // namespace napkin::media
