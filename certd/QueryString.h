// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Strict parsing of query strings and form bodies. Anything that is not
// well-formed percent-encoding is an error, never guessed at.

#include "crypto/NameMatch.h"
#include "crypto/Result.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace napkin::certd {

/// Why a query string or form was refused, in words.
struct QueryError {
    std::string message;
};

template <typename T> using QueryResult = Result<T, QueryError>;

/// Limits that keep hostile input cheap.
constexpr std::size_t kMaxQueryLength = 4096;
constexpr std::size_t kMaxQueryFields = 32;

/// Decodes %XX escapes (hex digits of either case). A '%' not followed by two
/// hex digits is an error, and so is any control character (NUL..0x1F, DEL)
/// before or after decoding. With `plusIsSpace` (HTML forms) '+' means a space;
/// otherwise it is kept, because telephone-number user parts start with '+'.
[[nodiscard]] QueryResult<std::string> percentDecode(std::string_view text, bool plusIsSpace);

/// Splits "a=1&b=2" into decoded (name, value) pairs. Empty fields ("a=1&&b=2")
/// are skipped; a field without '=' has an empty value.
[[nodiscard]] QueryResult<std::vector<std::pair<std::string, std::string>>>
parseQuery(std::string_view query, bool plusIsSpace);

/// The parameters of /search-cgi.
struct SearchQuery {
    crypto::Aor aor;
    std::optional<std::string> fingerprint; ///< normalised "sha256:" + 64 lower-case hex
};

/// Parses the /search-cgi query: exactly one of sip= or email= (its alias)
/// holding an AOR ("bob@b.example" or "sip:bob@b.example"), and with
/// `fingerprintAllowed` an optional fingerprint=. Repeated parameters are an
/// error; unknown parameters are ignored.
[[nodiscard]] QueryResult<SearchQuery> parseSearchQuery(std::string_view query,
                                                        bool fingerprintAllowed);

/// "sha256:" followed by 64 hex digits (either case) → lower-case form.
[[nodiscard]] std::optional<std::string> normaliseFingerprint(std::string_view text);

/// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] std::string percentEncode(std::string_view text);

} // namespace napkin::certd
