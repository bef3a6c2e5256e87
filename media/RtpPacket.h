// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RTP fixed header (RFC 3550 section 5.1): parsing with every length checked,
// and writing the plain form Napkin sends (no CSRC, no extension).

#include "media/MediaError.h"

#include <cstdint>
#include <span>
#include <vector>

namespace napkin::media {

struct RtpHeader {
    bool marker = false;
    std::uint8_t payloadType = 0;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
};

/// A parsed packet; `payload` points into the buffer that was parsed.
struct RtpView {
    RtpHeader header;
    std::span<const std::uint8_t> payload;
};

inline constexpr std::size_t kRtpHeaderSize = 12;

/// Parses an RTP packet: version 2, CSRC list, extension and padding checked
/// against the length. MalformedRtp otherwise.
[[nodiscard]] MediaResult<RtpView> parseRtp(std::span<const std::uint8_t> packet);

/// Writes header + payload into `out` (replacing its contents).
void writeRtp(std::vector<std::uint8_t> &out, const RtpHeader &header,
              std::span<const std::uint8_t> payload);

/// RFC 5761 demultiplexing on one port: true when the second byte is an RTCP
/// packet type (192-223), i.e. the packet is RTCP rather than RTP.
[[nodiscard]] bool isRtcpPacket(std::span<const std::uint8_t> packet);

/// 16-bit sequence arithmetic: a - b as a signed distance.
[[nodiscard]] constexpr std::int16_t sequenceDistance(std::uint16_t a, std::uint16_t b) {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}
/// 32-bit timestamp arithmetic: a - b as a signed distance.
[[nodiscard]] constexpr std::int32_t timestampDistance(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b);
}

} // namespace napkin::media
