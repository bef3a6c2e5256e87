// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/PcmConverter.h"

#include "media/AudioFormat.h"

#include <algorithm>
#include <cstring>

namespace napkin::media {

namespace {

MediaResult<void> checkFormat(const DeviceFormat &f) {
    if (f.sampleRate < 8000 || f.sampleRate > 192000 || f.channels < 1 || f.channels > 32) {
        return mediaFail(MediaErrc::AudioFormat,
                         "the audio device format (" + std::to_string(f.sampleRate) + " Hz, " +
                             std::to_string(f.channels) + " channels) is not supported");
    }
    return {};
}

float sampleAt(const std::uint8_t *p, SampleType type) {
    if (type == SampleType::Int16) {
        std::int16_t v;
        std::memcpy(&v, p, sizeof v);
        return v / 32768.0f;
    }
    float v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace

MediaResult<CaptureConverter> CaptureConverter::create(DeviceFormat format) {
    if (auto ok = checkFormat(format); !ok) {
        return fail(ok.error());
    }
    CaptureConverter c;
    c.m_format = format;
    if (format.sampleRate != kSampleRate) {
        auto r = Resampler::create(format.sampleRate, kSampleRate);
        if (!r) {
            return fail(r.error());
        }
        c.m_resampler.emplace(std::move(*r));
    }
    return c;
}

void CaptureConverter::convert(std::span<const std::uint8_t> bytes,
                               std::vector<std::int16_t> &out) {
    m_partial.insert(m_partial.end(), bytes.begin(), bytes.end());
    const std::size_t frameBytes = m_format.bytesPerFrame();
    const std::size_t frames = m_partial.size() / frameBytes;
    const std::size_t sampleBytes = m_format.type == SampleType::Int16 ? 2 : 4;
    m_mono.resize(frames);
    for (std::size_t i = 0; i < frames; ++i) {
        float sum = 0;
        for (int c = 0; c < m_format.channels; ++c) {
            sum += sampleAt(m_partial.data() + i * frameBytes +
                                static_cast<std::size_t>(c) * sampleBytes,
                            m_format.type);
        }
        const float v = std::clamp(sum / static_cast<float>(m_format.channels), -1.0f, 1.0f);
        m_mono[i] = static_cast<std::int16_t>(v * 32767.0f);
    }
    m_partial.erase(m_partial.begin(),
                    m_partial.begin() + static_cast<std::ptrdiff_t>(frames * frameBytes));
    if (m_resampler) {
        m_resampler->process(m_mono, out);
    } else {
        out.insert(out.end(), m_mono.begin(), m_mono.end());
    }
}

MediaResult<PlaybackConverter> PlaybackConverter::create(DeviceFormat format) {
    if (auto ok = checkFormat(format); !ok) {
        return fail(ok.error());
    }
    PlaybackConverter c;
    c.m_format = format;
    if (format.sampleRate != kSampleRate) {
        auto r = Resampler::create(kSampleRate, format.sampleRate);
        if (!r) {
            return fail(r.error());
        }
        c.m_resampler.emplace(std::move(*r));
    }
    return c;
}

void PlaybackConverter::convert(std::span<const std::int16_t> samples,
                                std::vector<std::uint8_t> &out) {
    std::span<const std::int16_t> mono = samples;
    if (m_resampler) {
        m_resampled.clear();
        m_resampler->process(samples, m_resampled);
        mono = m_resampled;
    }
    const std::size_t start = out.size();
    out.resize(start + mono.size() * m_format.bytesPerFrame());
    std::uint8_t *p = out.data() + start;
    for (std::int16_t s : mono) {
        for (int c = 0; c < m_format.channels; ++c) {
            if (m_format.type == SampleType::Int16) {
                std::memcpy(p, &s, 2);
                p += 2;
            } else {
                const float f = s / 32768.0f;
                std::memcpy(p, &f, 4);
                p += 4;
            }
        }
    }
}

} // namespace napkin::media
