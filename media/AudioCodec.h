// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The codec interface the media session uses: 48 kHz mono PCM in 20 ms
// frames on one side, RTP payloads on the other.

#include "media/AudioFormat.h"
#include "media/CodecId.h"
#include "media/MediaError.h"

#include <cstdint>
#include <memory>
#include <span>

namespace napkin::media {

class AudioEncoder {
public:
    virtual ~AudioEncoder() = default;
    /// Encodes one 20 ms frame (kFrameSamples) into `out`; returns the payload size.
    [[nodiscard]] virtual MediaResult<std::size_t> encode(std::span<const std::int16_t> frame,
                                                          std::span<std::uint8_t> out) = 0;
    /// The loss the peer reports, so that the encoder can add redundancy.
    virtual void setExpectedLossPercent(int /*percent*/) {}
    /// RTP timestamp units per 20 ms frame.
    [[nodiscard]] virtual std::uint32_t timestampsPerFrame() const = 0;
};

class AudioDecoder {
public:
    virtual ~AudioDecoder() = default;
    /// Decodes a payload into `out` (room for kMaxDecodedSamples); returns
    /// the number of samples at 48 kHz.
    [[nodiscard]] virtual MediaResult<std::size_t> decode(std::span<const std::uint8_t> payload,
                                                          std::span<std::int16_t> out) = 0;
    /// Packet-loss concealment for one missing frame of `samples` samples.
    virtual void conceal(std::span<std::int16_t> out) = 0;
    /// True when the packet after a lost one can rebuild it (Opus in-band FEC).
    [[nodiscard]] virtual bool hasForwardErrorCorrection() const { return false; }
    /// Rebuilds the lost frame from the FEC data in `next`; Codec error when
    /// `next` carries none (the caller then conceals).
    [[nodiscard]] virtual MediaResult<std::size_t> decodeFec(std::span<const std::uint8_t> /*next*/,
                                                             std::span<std::int16_t> /*out*/) {
        return mediaFail(MediaErrc::Codec, "this codec has no forward error correction");
    }
    /// RTP timestamp units of a payload (for the jitter buffer); 0 if unknown.
    [[nodiscard]] virtual std::uint32_t
    payloadDuration(std::span<const std::uint8_t> payload) const = 0;
};

/// Encoder settings; only Opus uses them.
struct EncoderOptions {
    int bitrate = 32000; ///< bits/s
    int complexity = 5;  ///< 0..10
    bool fec = true;     ///< in-band FEC
    int expectedLossPercent = 10;
};

[[nodiscard]] MediaResult<std::unique_ptr<AudioEncoder>>
makeEncoder(CodecId codec, const EncoderOptions &options = {});
[[nodiscard]] MediaResult<std::unique_ptr<AudioDecoder>> makeDecoder(CodecId codec);

} // namespace napkin::media
