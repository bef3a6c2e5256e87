// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A strict, bounded MIME parser and builder (RFC 2045, RFC 2046, RFC 5322
// header syntax) for the S/MIME bodies Napkin signs, encrypts and receives.
// Everything here rejects what it does not understand with
// CryptoErrc::MalformedMime and a message that says exactly what was wrong.

#include "crypto/Certificate.h"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace napkin::crypto {

constexpr std::size_t kMaxMimeHeaders = 100;
/// Longest header field, in bytes, before and after unfolding.
constexpr std::size_t kMaxMimeHeaderLine = 8 * 1024;
/// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
constexpr std::size_t kMaxBoundaryLength = 70;
constexpr std::size_t kDefaultMaxParts = 16;
constexpr std::size_t kMaxContentTypeParameters = 32;

/// One header field. The value is unfolded (line breaks removed) and trimmed.
struct MimeHeader {
    std::string name; ///< as written
    std::string value;
};

/// A MIME entity split into its header fields and its body.
struct MimeEntity {
    std::vector<MimeHeader> headers;
    /// Points into the bytes given to parseMimeEntity(), which must outlive it.
    ByteView body;

    /// The value of the first header with this name (case-insensitive).
    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

/// Splits `entity` into headers and body. Accepts CRLF or LF line ends and
/// folded headers. Rejects empty input, a missing blank line after the
/// headers, NUL or control characters in headers, more than
/// kMaxMimeHeaders fields and fields longer than kMaxMimeHeaderLine.
/// An entity that starts with a blank line has no headers (RFC 2045 defaults).
[[nodiscard]] CryptoResult<MimeEntity> parseMimeEntity(ByteView entity);

/// A parsed Content-Type value.
struct ContentType {
    std::string type;    ///< lower-case, e.g. "multipart"
    std::string subtype; ///< lower-case, e.g. "signed"
    /// Names lower-case, values unquoted and unescaped, in order of appearance.
    std::vector<std::pair<std::string, std::string>> parameters;

    [[nodiscard]] std::optional<std::string_view> parameter(std::string_view name) const;
    /// Case-insensitive comparison with a type and subtype.
    [[nodiscard]] bool is(std::string_view type, std::string_view subtype) const;
    /// "type/subtype".
    [[nodiscard]] std::string mediaType() const;
};

/// Parses a Content-Type header value (RFC 2045 §5.1): type "/" subtype and
/// ";"-separated parameters whose values are tokens or quoted strings with
/// backslash escapes. Parameter names are case-insensitive and may not repeat.
/// Comments are not supported.
[[nodiscard]] CryptoResult<ContentType> parseContentType(std::string_view value);

/// Formats a Content-Type value, quoting parameter values that need it.
[[nodiscard]] std::string formatContentType(const ContentType &contentType);

/// True when every LF is preceded by CR.
[[nodiscard]] bool hasCanonicalLineEnds(ByteView data);
/// RFC 5751 §3.1.1 canonical form: every LF not preceded by CR becomes CRLF.
/// Other bytes, including bare CRs, are left as they are.
[[nodiscard]] Bytes canonicalizeLineEnds(ByteView data);

/// Checks a boundary against RFC 2046 §5.1.1 (1..70 characters from
/// bchars, not ending in a space).
[[nodiscard]] Result<void, CryptoError> checkBoundary(std::string_view boundary);

/// Splits a multipart body into its parts (RFC 2046 §5.1.1). The preamble
/// and epilogue are ignored; the line break before each delimiter belongs to
/// the delimiter, so each part is exactly the bytes between delimiter lines.
/// Delimiter lines may end in CRLF or LF. Rejects a body without delimiters,
/// without the close delimiter, with no parts or with more than `maxParts`.
/// The parts point into `body`.
[[nodiscard]] CryptoResult<std::vector<ByteView>>
splitMultipart(ByteView body, std::string_view boundary, std::size_t maxParts = kDefaultMaxParts);

/// A multipart body and the boundary it uses.
struct Multipart {
    std::string boundary;
    Bytes body;
};

/// A fresh random boundary (RFC 2046 bchars only).
[[nodiscard]] std::string randomBoundary();

/// Joins parts (each a complete entity: headers, blank line, body) into a
/// multipart body with CRLF delimiters and a random boundary that occurs in
/// none of the parts.
[[nodiscard]] CryptoResult<Multipart> buildMultipart(std::span<const ByteView> parts);
/// As above with a given boundary; fails if it is invalid or occurs in a part.
[[nodiscard]] CryptoResult<Multipart> buildMultipart(std::span<const ByteView> parts,
                                                     std::string_view boundary);

/// Base64 with CRLF line breaks every 76 characters (RFC 2045 §6.8). Decode
/// it with decodeBase64(text, kMimeBase64) from crypto/Encoding.h.
[[nodiscard]] std::string encodeBase64Lines(ByteView data);

/// Views text as bytes and back, without copying.
[[nodiscard]] inline ByteView asBytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}
[[nodiscard]] inline std::string_view asText(ByteView bytes) {
    return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

} // namespace napkin::crypto
