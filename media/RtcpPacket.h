// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RTCP (RFC 3550 section 6): sender and receiver reports, SDES CNAME and BYE,
// built as one compound packet and parsed with every length checked.

#include "media/MediaError.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace napkin::media {

/// One reception report block (RFC 3550 section 6.4.1).
struct ReportBlock {
    std::uint32_t ssrc = 0;          ///< the source this block is about
    std::uint8_t fractionLost = 0;   ///< lost/expected since the last report, x256
    std::int32_t cumulativeLost = 0; ///< 24-bit signed on the wire
    std::uint32_t extendedHighestSequence = 0;
    std::uint32_t jitter = 0;                     ///< interarrival jitter, timestamp units
    std::uint32_t lastSenderReport = 0;           ///< middle 32 bits of the last SR's NTP time
    std::uint32_t delaySinceLastSenderReport = 0; ///< 1/65536 s
};

struct SenderInfo {
    std::uint64_t ntpTimestamp = 0;
    std::uint32_t rtpTimestamp = 0;
    std::uint32_t packetCount = 0;
    std::uint32_t octetCount = 0;
};

/// What Napkin reads from (and writes into) a compound RTCP packet.
struct RtcpCompound {
    std::uint32_t senderSsrc = 0;
    std::optional<SenderInfo> senderInfo; ///< present for an SR
    std::vector<ReportBlock> reports;
    std::string cname;
    bool bye = false;
};

/// Parses a (decrypted) compound packet. MalformedRtcp when a length, a
/// version or a count does not add up, or when it does not start with SR/RR.
[[nodiscard]] MediaResult<RtcpCompound> parseRtcp(std::span<const std::uint8_t> packet);

/// Builds SR (when senderInfo is set) or RR, then SDES with the CNAME, then
/// BYE when asked. At most 31 report blocks.
[[nodiscard]] std::vector<std::uint8_t> buildRtcp(const RtcpCompound &compound);

/// The current wall-clock time as a 64-bit NTP timestamp.
[[nodiscard]] std::uint64_t ntpNow();
/// The middle 32 bits of an NTP timestamp (what LSR and RTT use).
[[nodiscard]] constexpr std::uint32_t ntpMiddle(std::uint64_t ntp) {
    return static_cast<std::uint32_t>(ntp >> 16);
}

} // namespace napkin::media
