// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/EchoCanceller.h"

#include "media/AudioFormat.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>

#include <algorithm>
#include <array>

namespace napkin::media {

namespace {
constexpr std::size_t kChunk = kSampleRate / 100; // the module works in 10 ms
} // namespace

EchoCanceller::~EchoCanceller() = default;

MediaResult<std::shared_ptr<EchoCanceller>> EchoCanceller::create(EchoCancellerOptions options) {
    webrtc::Config config;
    config.Set<webrtc::ExtendedFilter>(new webrtc::ExtendedFilter(true));
    config.Set<webrtc::DelayAgnostic>(new webrtc::DelayAgnostic(true));
    std::unique_ptr<webrtc::AudioProcessing> apm(webrtc::AudioProcessing::Create(config));
    if (!apm) {
        return mediaFail(MediaErrc::Internal,
                         "the WebRTC audio processing module could not be created");
    }
    const webrtc::ProcessingConfig processing = {
        {webrtc::StreamConfig(kSampleRate, 1), webrtc::StreamConfig(kSampleRate, 1),
         webrtc::StreamConfig(kSampleRate, 1), webrtc::StreamConfig(kSampleRate, 1)}};
    if (apm->Initialize(processing) != webrtc::AudioProcessing::kNoError) {
        return mediaFail(MediaErrc::Internal,
                         "the WebRTC audio processing module refused 48 kHz mono");
    }
    bool ok = apm->echo_cancellation()->enable_drift_compensation(false) == 0 &&
              apm->echo_cancellation()->set_suppression_level(
                  webrtc::EchoCancellation::kHighSuppression) == 0 &&
              apm->echo_cancellation()->Enable(options.echoCancellation) == 0 &&
              apm->noise_suppression()->set_level(webrtc::NoiseSuppression::kHigh) == 0 &&
              apm->noise_suppression()->Enable(options.noiseSuppression) == 0 &&
              apm->high_pass_filter()->Enable(options.highPassFilter) == 0;
    if (!ok) {
        return mediaFail(MediaErrc::Internal,
                         "the WebRTC audio processing module refused its settings");
    }
    std::shared_ptr<EchoCanceller> out(new EchoCanceller());
    out->m_apm = std::move(apm);
    out->m_options = options;
    return out;
}

void EchoCanceller::analyzePlayout(std::span<const std::int16_t> frame) {
    const webrtc::StreamConfig mono(kSampleRate, 1);
    std::array<float, kChunk> buffer{};
    for (std::size_t offset = 0; offset + kChunk <= frame.size(); offset += kChunk) {
        for (std::size_t i = 0; i < kChunk; ++i) {
            buffer[i] = frame[offset + i] / 32768.0f;
        }
        float *channels[] = {buffer.data()};
        if (m_apm->ProcessReverseStream(channels, mono, mono, channels) != 0) {
            ++m_errors;
        }
    }
}

void EchoCanceller::processCapture(std::span<std::int16_t> frame) {
    const webrtc::StreamConfig mono(kSampleRate, 1);
    std::array<float, kChunk> buffer{};
    for (std::size_t offset = 0; offset + kChunk <= frame.size(); offset += kChunk) {
        for (std::size_t i = 0; i < kChunk; ++i) {
            buffer[i] = frame[offset + i] / 32768.0f;
        }
        m_apm->set_stream_delay_ms(m_options.deviceDelayMs);
        float *channels[] = {buffer.data()};
        if (m_apm->ProcessStream(channels, mono, mono, channels) != 0) {
            ++m_errors;
            continue;
        }
        for (std::size_t i = 0; i < kChunk; ++i) {
            frame[offset + i] =
                static_cast<std::int16_t>(std::clamp(buffer[i] * 32768.0f, -32768.0f, 32767.0f));
        }
    }
}

} // namespace napkin::media
