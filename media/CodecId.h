// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <cstdint>
#include <string_view>

namespace napkin::media {

/// The audio codecs Napkin speaks.
enum class CodecId {
    Opus, ///< RFC 7587, 48 kHz, the preferred one
    Pcmu, ///< G.711 mu-law, 8 kHz, the gateway fallback
    Pcma, ///< G.711 A-law, 8 kHz
};

/// The rtpmap encoding name: "opus", "PCMU", "PCMA".
[[nodiscard]] constexpr std::string_view codecName(CodecId codec) {
    switch (codec) {
    case CodecId::Opus:
        return "opus";
    case CodecId::Pcmu:
        return "PCMU";
    case CodecId::Pcma:
        return "PCMA";
    }
    return "unknown";
}

/// RTP clock rate (RFC 7587 fixes Opus at 48000 whatever it codes).
[[nodiscard]] constexpr std::uint32_t codecClockRate(CodecId codec) {
    return codec == CodecId::Opus ? 48000 : 8000;
}

} // namespace napkin::media
