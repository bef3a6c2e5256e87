// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Converts between what an audio device speaks (16-bit or float samples,
// any channel count, any rate) and the engine's 48 kHz mono 16-bit PCM.

#include "media/MediaError.h"
#include "media/Resampler.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace napkin::media {

enum class SampleType { Int16, Float32 };

struct DeviceFormat {
    int sampleRate = 48000;
    int channels = 1;
    SampleType type = SampleType::Int16;
    [[nodiscard]] std::size_t bytesPerFrame() const {
        return static_cast<std::size_t>(channels) * (type == SampleType::Int16 ? 2 : 4);
    }
};

/// Device bytes in, engine samples out (capture).
class CaptureConverter {
public:
    [[nodiscard]] static MediaResult<CaptureConverter> create(DeviceFormat format);
    /// Converts whole frames of `bytes`; a trailing partial frame is kept
    /// for the next call.
    void convert(std::span<const std::uint8_t> bytes, std::vector<std::int16_t> &out);

private:
    DeviceFormat m_format;
    std::optional<Resampler> m_resampler;
    std::vector<std::uint8_t> m_partial;
    std::vector<std::int16_t> m_mono;
};

/// Engine samples in, device bytes out (playback).
class PlaybackConverter {
public:
    [[nodiscard]] static MediaResult<PlaybackConverter> create(DeviceFormat format);
    void convert(std::span<const std::int16_t> samples, std::vector<std::uint8_t> &out);

private:
    DeviceFormat m_format;
    std::optional<Resampler> m_resampler;
    std::vector<std::int16_t> m_resampled;
};

} // namespace napkin::media
