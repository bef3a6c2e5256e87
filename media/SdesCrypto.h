// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// SDES key transport: the SDP a=crypto attribute of RFC 4568 (and RFC 7714
// for AEAD_AES_128_GCM). The formatted attribute carries a master key in
// clear: never log it.

#include "media/MediaError.h"
#include "media/SecretBytes.h"
#include "media/SrtpSuite.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::media {

/// One a=crypto attribute: a tag, a suite and one inline master key||salt.
struct CryptoAttribute {
    std::uint32_t tag = 1;
    SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
    SecretBytes keySalt; ///< master key followed by master salt, keySaltLength(suite) bytes
    /// Master key lifetime in packets, when the attribute states one.
    std::optional<std::uint64_t> lifetime;
};

/// The largest lifetime SRTP allows (2^48 packets, RFC 3711 section 9.2).
inline constexpr std::uint64_t kMaxSrtpLifetime = std::uint64_t{1} << 48;

/// Parses the value of an a=crypto attribute (the text after "a=crypto:").
///
/// Strict: exactly one `inline:` key of the exact length for the suite, in
/// base64 (padding optional), an optional lifetime (decimal or 2^n, at most
/// 2^48). Fails with
/// - MalformedCrypto for syntax errors, bad base64, a key of the wrong length
///   or an out-of-range lifetime;
/// - UnsupportedCrypto for an unknown suite, an MKI, several keys, a key
///   method other than inline, or a session parameter other than WSH.
/// Error messages never contain key material.
[[nodiscard]] MediaResult<CryptoAttribute> parseCryptoAttribute(std::string_view value);

/// The attribute value for SDP ("1 AES_CM_128_HMAC_SHA1_80 inline:..."): it
/// contains the key, so it must only ever go into an encrypted SDP body.
[[nodiscard]] std::string formatCryptoAttribute(const CryptoAttribute &crypto);

/// A fresh attribute with a random key from OpenSSL; RandomFailure if the
/// generator fails.
[[nodiscard]] MediaResult<CryptoAttribute> makeCryptoAttribute(std::uint32_t tag, SrtpSuite suite);

} // namespace napkin::media
