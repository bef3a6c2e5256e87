// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/Resampler.h"

#include <speex/speex_resampler.h>

namespace napkin::media {

void SpeexResamplerDeleter::operator()(SpeexResamplerState_ *state) const {
    if (state != nullptr) {
        speex_resampler_destroy(state);
    }
}

MediaResult<Resampler> Resampler::create(int inRate, int outRate, int channels, int quality) {
    if (inRate < 1000 || inRate > 384000 || outRate < 1000 || outRate > 384000 || channels < 1 ||
        channels > 8 || quality < 0 || quality > 10) {
        return mediaFail(MediaErrc::InvalidArgument,
                         "resampler rates or channel count out of range");
    }
    int err = 0;
    SpeexResamplerState *state =
        speex_resampler_init(static_cast<spx_uint32_t>(channels), static_cast<spx_uint32_t>(inRate),
                             static_cast<spx_uint32_t>(outRate), quality, &err);
    if (state == nullptr || err != RESAMPLER_ERR_SUCCESS) {
        return mediaFail(MediaErrc::Internal, "speexdsp could not create a resampler");
    }
    // Without this the output starts with the filter's delay in zeros.
    speex_resampler_skip_zeros(state);
    Resampler r;
    r.m_state.reset(state);
    r.m_inRate = inRate;
    r.m_outRate = outRate;
    r.m_channels = channels;
    return r;
}

void Resampler::process(std::span<const std::int16_t> in, std::vector<std::int16_t> &out) {
    const auto channels = static_cast<std::size_t>(m_channels);
    std::size_t consumed = 0;
    const std::size_t frames = in.size() / channels;
    while (consumed < frames) {
        const std::size_t chunk = std::min<std::size_t>(frames - consumed, 4096);
        const std::size_t room =
            chunk * static_cast<std::size_t>(m_outRate) / static_cast<std::size_t>(m_inRate) + 16;
        const std::size_t start = out.size();
        out.resize(start + room * channels);
        auto inLen = static_cast<spx_uint32_t>(chunk);
        auto outLen = static_cast<spx_uint32_t>(room);
        speex_resampler_process_interleaved_int(m_state.get(), in.data() + consumed * channels,
                                                &inLen, out.data() + start, &outLen);
        out.resize(start + outLen * channels);
        if (inLen == 0) {
            break; // cannot happen with room for the output; guard against a loop
        }
        consumed += inLen;
    }
}

} // namespace napkin::media
