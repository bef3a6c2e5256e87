// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace napkin::media {

/// The SRTP crypto suites Napkin negotiates with SDES (RFC 4568, RFC 7714).
enum class SrtpSuite {
    AesCm128HmacSha1_80, ///< AES_CM_128_HMAC_SHA1_80, the mandatory one
    AesCm128HmacSha1_32, ///< AES_CM_128_HMAC_SHA1_32 (RTP tag 4 bytes, RTCP tag 10)
    AeadAes128Gcm,       ///< AEAD_AES_128_GCM (RFC 7714, 16-byte tag)
};

/// The SDP name, e.g. "AES_CM_128_HMAC_SHA1_80".
[[nodiscard]] std::string_view suiteName(SrtpSuite suite);
/// The suite for an SDP name (case-sensitive, as RFC 4568 registers them).
[[nodiscard]] std::optional<SrtpSuite> suiteFromName(std::string_view name);

[[nodiscard]] constexpr std::size_t masterKeyLength(SrtpSuite) {
    return 16;
}
[[nodiscard]] constexpr std::size_t masterSaltLength(SrtpSuite suite) {
    return suite == SrtpSuite::AeadAes128Gcm ? 12 : 14;
}
/// Length of the inline key||salt of an a=crypto line for this suite.
[[nodiscard]] constexpr std::size_t keySaltLength(SrtpSuite suite) {
    return masterKeyLength(suite) + masterSaltLength(suite);
}

} // namespace napkin::media
