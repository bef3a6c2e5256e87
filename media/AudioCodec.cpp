// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/AudioCodec.h"

#include "media/G711.h"
#include "media/Resampler.h"

#include <opus/opus.h>

#include <algorithm>
#include <deque>
#include <vector>

namespace napkin::media {

namespace {

struct OpusEncoderDeleter {
    void operator()(OpusEncoder *e) const { opus_encoder_destroy(e); }
};
struct OpusDecoderDeleter {
    void operator()(OpusDecoder *d) const { opus_decoder_destroy(d); }
};

std::string opusMessage(const char *what, int status) {
    return std::string(what) + " (" + opus_strerror(status) + ")";
}

class OpusAudioEncoder final : public AudioEncoder {
public:
    explicit OpusAudioEncoder(OpusEncoder *e) : m_enc(e) {}

    MediaResult<std::size_t> encode(std::span<const std::int16_t> frame,
                                    std::span<std::uint8_t> out) override {
        if (frame.size() != kFrameSamples) {
            return mediaFail(MediaErrc::InvalidArgument, "Opus frames must be 20 ms");
        }
        const opus_int32 n = opus_encode(m_enc.get(), frame.data(), static_cast<int>(frame.size()),
                                         out.data(), static_cast<opus_int32>(out.size()));
        if (n < 0) {
            return mediaFail(MediaErrc::Codec, opusMessage("Opus encoding failed", n));
        }
        return static_cast<std::size_t>(n);
    }

    void setExpectedLossPercent(int percent) override {
        opus_encoder_ctl(m_enc.get(), OPUS_SET_PACKET_LOSS_PERC_REQUEST,
                         opus_int32{std::clamp(percent, 0, 100)});
    }

    std::uint32_t timestampsPerFrame() const override { return kFrameSamples; }

private:
    std::unique_ptr<OpusEncoder, OpusEncoderDeleter> m_enc;
};

class OpusAudioDecoder final : public AudioDecoder {
public:
    explicit OpusAudioDecoder(OpusDecoder *d) : m_dec(d) {}

    MediaResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                    std::span<std::int16_t> out) override {
        const int n =
            opus_decode(m_dec.get(), payload.data(), static_cast<opus_int32>(payload.size()),
                        out.data(), static_cast<int>(std::min(out.size(), kMaxDecodedSamples)), 0);
        if (n < 0) {
            return mediaFail(MediaErrc::Codec, opusMessage("Opus decoding failed", n));
        }
        return static_cast<std::size_t>(n);
    }

    void conceal(std::span<std::int16_t> out) override {
        const int n =
            opus_decode(m_dec.get(), nullptr, 0, out.data(), static_cast<int>(out.size()), 0);
        if (n < 0) {
            std::fill(out.begin(), out.end(), 0);
        }
    }

    bool hasForwardErrorCorrection() const override { return true; }

    MediaResult<std::size_t> decodeFec(std::span<const std::uint8_t> next,
                                       std::span<std::int16_t> out) override {
        // In-band FEC (LBRR) exists only in SILK and hybrid frames (TOC
        // configurations 0-15); a CELT-only packet cannot rebuild its predecessor.
        if (next.empty() || (next[0] >> 3) >= 16) {
            return mediaFail(MediaErrc::Codec,
                             "the next Opus packet is CELT-only and carries no FEC");
        }
        const int n =
            opus_decode(m_dec.get(), next.data(), static_cast<opus_int32>(next.size()), out.data(),
                        static_cast<int>(std::min(out.size(), kFrameSamples)), 1);
        if (n < 0) {
            return mediaFail(MediaErrc::Codec, opusMessage("Opus FEC decoding failed", n));
        }
        return static_cast<std::size_t>(n);
    }

    std::uint32_t payloadDuration(std::span<const std::uint8_t> payload) const override {
        const int n = opus_packet_get_nb_samples(payload.data(),
                                                 static_cast<opus_int32>(payload.size()), 48000);
        return n > 0 ? static_cast<std::uint32_t>(n) : 0;
    }

private:
    std::unique_ptr<OpusDecoder, OpusDecoderDeleter> m_dec;
};

/// Takes exactly `count` samples from a FIFO, padding with leading zeros
/// while the resampler's output is still short (only at the start).
void takeExactly(std::deque<std::int16_t> &fifo, std::size_t count, std::span<std::int16_t> out) {
    const std::size_t have = std::min(fifo.size(), count);
    const std::size_t pad = count - have;
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(pad), 0);
    std::copy(fifo.begin(), fifo.begin() + static_cast<std::ptrdiff_t>(have),
              out.begin() + static_cast<std::ptrdiff_t>(pad));
    fifo.erase(fifo.begin(), fifo.begin() + static_cast<std::ptrdiff_t>(have));
}

class G711Encoder final : public AudioEncoder {
public:
    G711Encoder(bool ulaw, Resampler r) : m_ulaw(ulaw), m_down(std::move(r)) {}

    MediaResult<std::size_t> encode(std::span<const std::int16_t> frame,
                                    std::span<std::uint8_t> out) override {
        constexpr std::size_t narrow = kFrameSamples / 6;
        if (frame.size() != kFrameSamples || out.size() < narrow) {
            return mediaFail(MediaErrc::InvalidArgument, "G.711 frames must be 20 ms");
        }
        m_scratch.clear();
        m_down.process(frame, m_scratch);
        m_fifo.insert(m_fifo.end(), m_scratch.begin(), m_scratch.end());
        std::int16_t pcm[narrow];
        takeExactly(m_fifo, narrow, pcm);
        if (m_ulaw) {
            g711::encodeUlaw(pcm, out.first(narrow));
        } else {
            g711::encodeAlaw(pcm, out.first(narrow));
        }
        return narrow;
    }

    std::uint32_t timestampsPerFrame() const override { return kFrameSamples / 6; }

private:
    bool m_ulaw;
    Resampler m_down;
    std::vector<std::int16_t> m_scratch;
    std::deque<std::int16_t> m_fifo;
};

class G711Decoder final : public AudioDecoder {
public:
    G711Decoder(bool ulaw, Resampler r) : m_ulaw(ulaw), m_up(std::move(r)) {}

    MediaResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                    std::span<std::int16_t> out) override {
        const std::size_t wide = payload.size() * 6;
        if (payload.empty() || wide > out.size()) {
            return mediaFail(MediaErrc::Codec, "G.711 payload is empty or longer than 120 ms");
        }
        std::vector<std::int16_t> narrow(payload.size());
        if (m_ulaw) {
            g711::decodeUlaw(payload, narrow);
        } else {
            g711::decodeAlaw(payload, narrow);
        }
        m_scratch.clear();
        m_up.process(narrow, m_scratch);
        m_fifo.insert(m_fifo.end(), m_scratch.begin(), m_scratch.end());
        takeExactly(m_fifo, wide, out.first(wide));
        m_last.assign(out.begin(),
                      out.begin() + static_cast<std::ptrdiff_t>(std::min(wide, kFrameSamples)));
        m_concealed = 0;
        return wide;
    }

    void conceal(std::span<std::int16_t> out) override {
        // Repeat the last frame, fading: -6 dB per lost frame, silent after 5.
        ++m_concealed;
        for (std::size_t i = 0; i < out.size(); ++i) {
            const int v = m_last.empty() || m_concealed > 5 ? 0 : m_last[i % m_last.size()];
            out[i] = static_cast<std::int16_t>(v >> m_concealed);
        }
    }

    std::uint32_t payloadDuration(std::span<const std::uint8_t> payload) const override {
        return static_cast<std::uint32_t>(payload.size());
    }

private:
    bool m_ulaw;
    Resampler m_up;
    std::vector<std::int16_t> m_scratch;
    std::deque<std::int16_t> m_fifo;
    std::vector<std::int16_t> m_last;
    int m_concealed = 0;
};

} // namespace

MediaResult<std::unique_ptr<AudioEncoder>> makeEncoder(CodecId codec,
                                                       const EncoderOptions &options) {
    if (codec == CodecId::Opus) {
        int err = 0;
        OpusEncoder *enc = opus_encoder_create(kSampleRate, 1, OPUS_APPLICATION_VOIP, &err);
        if (enc == nullptr || err != OPUS_OK) {
            return mediaFail(MediaErrc::Codec, opusMessage("cannot create an Opus encoder", err));
        }
        auto out = std::make_unique<OpusAudioEncoder>(enc);
        opus_encoder_ctl(enc, OPUS_SET_BITRATE_REQUEST,
                         opus_int32{std::clamp(options.bitrate, 6000, 510000)});
        opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY_REQUEST,
                         opus_int32{std::clamp(options.complexity, 0, 10)});
        opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC_REQUEST, opus_int32{options.fec ? 1 : 0});
        opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC_REQUEST,
                         opus_int32{std::clamp(options.expectedLossPercent, 0, 100)});
        opus_encoder_ctl(enc, OPUS_SET_DTX_REQUEST, opus_int32{0});
        return std::unique_ptr<AudioEncoder>(std::move(out));
    }
    auto down = Resampler::create(kSampleRate, 8000);
    if (!down) {
        return fail(down.error());
    }
    return std::unique_ptr<AudioEncoder>(
        std::make_unique<G711Encoder>(codec == CodecId::Pcmu, std::move(*down)));
}

MediaResult<std::unique_ptr<AudioDecoder>> makeDecoder(CodecId codec) {
    if (codec == CodecId::Opus) {
        int err = 0;
        OpusDecoder *dec = opus_decoder_create(kSampleRate, 1, &err);
        if (dec == nullptr || err != OPUS_OK) {
            return mediaFail(MediaErrc::Codec, opusMessage("cannot create an Opus decoder", err));
        }
        return std::unique_ptr<AudioDecoder>(std::make_unique<OpusAudioDecoder>(dec));
    }
    auto up = Resampler::create(8000, kSampleRate);
    if (!up) {
        return fail(up.error());
    }
    return std::unique_ptr<AudioDecoder>(
        std::make_unique<G711Decoder>(codec == CodecId::Pcmu, std::move(*up)));
}

} // namespace napkin::media
