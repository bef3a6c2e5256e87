// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Hex and base64 (RFC 4648): the one encoder and decoder every library uses.
// Decoding is for input from the network: anything malformed is an error
// value, never a crash or a silent guess.

#include "crypto/CryptoError.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::crypto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class HexCase { Lower, Upper };

/// Two hex digits per byte, no separators: {0x3f, 0x2a} -> "3f2a".
[[nodiscard]] std::string toHex(ByteView bytes, HexCase letters = HexCase::Lower);

/// A character for an error message: 'c' if printable, else its code ("0x0a").
[[nodiscard]] std::string describeChar(char c);

/// RFC 4648 section 4 ("+/") or section 5 ("-_", for URLs and tokens).
enum class Base64Alphabet { Standard, Url };

enum class Base64Padding {
    Required, ///< a whole number of 4-character groups, '=' as needed
    Optional, ///< '=' may be left off (SDES keys, RFC 4568)
    Omitted,  ///< never written; '=' on input is an error
};

/// How strictly text must follow the encoding.
struct Base64Rules {
    Base64Alphabet alphabet = Base64Alphabet::Standard;
    Base64Padding padding = Base64Padding::Required;
    bool skipWhitespace = false; ///< ignore CR, LF, space and tab anywhere (MIME bodies)
    /// Reject unused low bits that are not zero, so that each byte string has
    /// exactly one accepted encoding.
    bool canonical = true;
};

/// MIME bodies (RFC 2045 section 6.8): line breaks allowed, padding required.
inline constexpr Base64Rules kMimeBase64{Base64Alphabet::Standard, Base64Padding::Required, true,
                                         false};
/// A single token, such as an SDES key: no whitespace, padding optional.
inline constexpr Base64Rules kTokenBase64{Base64Alphabet::Standard, Base64Padding::Optional, false,
                                          true};
/// base64url without padding, as in URLs and HTTP tokens.
inline constexpr Base64Rules kUrlBase64{Base64Alphabet::Url, Base64Padding::Omitted, false, true};

/// Base64 on one line, padded unless `rules` omit padding.
[[nodiscard]] std::string encodeBase64(ByteView bytes, const Base64Rules &rules = kTokenBase64);

/// Decodes base64 under `rules`. Fails with MalformedEncoding, in words that
/// quote at most the one character outside the alphabet (the text may be a key). The output is
/// reserved once and wiped on failure, so secrets leave no stray copies behind.
[[nodiscard]] CryptoResult<Bytes> decodeBase64(std::string_view text, const Base64Rules &rules);

} // namespace napkin::crypto
