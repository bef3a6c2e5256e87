// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The Authenticated Identity Body of RFC 3893: a message/sipfrag copy of the
// headers that identify a request, signed with S/MIME so that the callee can
// check that no proxy changed who is calling whom.

#include "crypto/Result.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::sip {

/// The headers an AIB covers, as they appear in the SIP message (values only).
struct IdentityHeaders {
    std::string from;
    std::string to;
    std::string callId;
    std::string cseq;
    std::string date;
    std::string contact;
};

enum class AibErrc {
    Malformed,     ///< not a message/sipfrag entity, or a header line does not parse
    Missing,       ///< a required header is absent from the AIB
    Mismatch,      ///< the AIB and the real message disagree on a header
    DateOutOfRange ///< Date too far from the receiver's clock
};

struct AibError {
    AibErrc code;
    std::string
        message; ///< in words, e.g. "the signed From is sip:a@x but the message's is sip:b@x"
};

/// The MIME entity to sign: Content-Type message/sipfrag, Content-Disposition
/// aib;handling=optional, then the headers, CRLF line ends.
[[nodiscard]] std::string buildIdentityBody(const IdentityHeaders &headers);

/// Parses a signed entity back into its headers. Accepts compact header
/// names (f, t, i, m). Size-bounded; rejects duplicates and NULs.
[[nodiscard]] Result<IdentityHeaders, AibError> parseIdentityBody(std::string_view entity);

/// Compares the AIB with the headers of the message that carried it:
/// From and To (URI and tag), Call-ID, CSeq (number and method), Contact URI,
/// and Date (equal, and within `window` of `now`).
[[nodiscard]] Result<void, AibError>
checkIdentityBody(const IdentityHeaders &signed_, const IdentityHeaders &actual,
                  std::chrono::system_clock::time_point now,
                  std::chrono::seconds window = std::chrono::minutes(10));

/// RFC 1123 date as SIP uses it: "Mon, 23 Nov 2026 17:52:06 GMT". parseSipDate
/// refuses dates the clock cannot represent (after 2262).
[[nodiscard]] std::string formatSipDate(std::chrono::system_clock::time_point when);
[[nodiscard]] std::optional<std::chrono::system_clock::time_point>
parseSipDate(std::string_view text);

/// The parts of a From/To/Contact value that identify it.
struct NameAddr {
    std::string uri; ///< without the angle brackets
    std::string tag; ///< the tag parameter, empty when absent
};
[[nodiscard]] std::optional<NameAddr> parseNameAddr(std::string_view value);

/// RFC 3261 §19.1.4 in the parts that matter here: scheme and host compare
/// case-insensitively, user exactly, parameters must agree when both have them.
/// A URI that names a parameter twice equals nothing.
[[nodiscard]] bool sipUrisEqual(std::string_view a, std::string_view b);

} // namespace napkin::sip
