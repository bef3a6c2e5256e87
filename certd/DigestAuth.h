// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// HTTP Digest access authentication (RFC 7616) as certd speaks it: qop=auth,
// SHA-256 or MD5, and stateless nonces that any instance sharing the nonce
// secret can validate. Pure functions, no I/O: the database side (users,
// replay protection) lives in DigestAuthenticator.

#include "crypto/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::certd {

enum class DigestAlgorithm { Md5, Sha256 };

[[nodiscard]] std::string_view algorithmName(DigestAlgorithm algorithm);

/// Why an Authorization header was refused.
enum class DigestErrc {
    NotDigest,            ///< another scheme (Basic, Bearer...) or empty
    Malformed,            ///< not auth-param syntax, duplicate or oversized parameter
    MissingParameter,     ///< username, realm, nonce, uri, response, qop, nc or cnonce absent
    UnsupportedAlgorithm, ///< neither MD5 nor SHA-256 (e.g. MD5-sess, SHA-512-256)
    UnsupportedQop,       ///< qop other than "auth"
    Unsupported,          ///< username* (RFC 8187) or userhash=true
};

struct DigestError {
    DigestErrc code;
    std::string message;
};

/// The parameters of an "Authorization: Digest ..." header, unquoted.
struct DigestCredentials {
    std::string username;
    std::string realm;
    std::string nonce;
    std::string uri;
    std::string response; ///< lower-case hex, length matching the algorithm
    std::string cnonce;
    std::string nc; ///< exactly 8 hex digits, lower-case
    std::string qop;
    std::optional<std::string> opaque;
    DigestAlgorithm algorithm = DigestAlgorithm::Md5;

    /// nc as a number.
    [[nodiscard]] std::uint32_t nonceCount() const;
};

/// Longest Authorization header accepted.
constexpr std::size_t kMaxAuthorizationLength = 4096;

/// Parses an Authorization header value strictly (RFC 7235 auth-param syntax,
/// RFC 7616 parameters). Unknown parameters are ignored, duplicates refused.
[[nodiscard]] Result<DigestCredentials, DigestError>
parseDigestAuthorization(std::string_view header);

/// Lower-case hex of H(data) for the algorithm.
[[nodiscard]] std::string digestHex(DigestAlgorithm algorithm, std::string_view data);

/// HA1 = H(username ":" realm ":" password).
[[nodiscard]] std::string computeHa1(DigestAlgorithm algorithm, std::string_view username,
                                     std::string_view realm, std::string_view password);

/// The expected response for qop=auth:
/// H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri)).
[[nodiscard]] std::string computeResponse(DigestAlgorithm algorithm, std::string_view ha1,
                                          std::string_view nonce, std::string_view nc,
                                          std::string_view cnonce, std::string_view qop,
                                          std::string_view method, std::string_view uri);

/// Compares two hex strings in constant time, ignoring case.
[[nodiscard]] bool hexEqualConstantTime(std::string_view a, std::string_view b);

/// The value of one WWW-Authenticate header: a Digest challenge.
[[nodiscard]] std::string digestChallenge(DigestAlgorithm algorithm, std::string_view realm,
                                          std::string_view nonce, bool stale);

enum class NonceStatus {
    Valid,
    Expired, ///< genuine, but older than the lifetime: answer stale=true
    Invalid, ///< not made with our secret for this realm (forged, truncated, wrong realm)
};

/// Makes and checks stateless nonces:
/// base64url(issued (8 bytes, big-endian unix seconds) || 16 random bytes ||
///           HMAC-SHA256(secret, issued || random || realm)).
/// Every instance holding the same secret accepts the others' nonces.
class NonceCodec {
public:
    /// `secret` must be at least 16 bytes (see CertdConfig); `lifetimeSeconds` > 0.
    NonceCodec(std::vector<std::uint8_t> secret, std::int64_t lifetimeSeconds);

    [[nodiscard]] std::string issue(std::string_view realm, std::int64_t now) const;

    /// Checks a nonce for the realm. On Valid and Expired, `issuedAt` is set.
    [[nodiscard]] NonceStatus check(std::string_view nonce, std::string_view realm,
                                    std::int64_t now, std::int64_t *issuedAt = nullptr) const;

    [[nodiscard]] std::int64_t lifetime() const { return m_lifetime; }

    /// The token the device page embeds in its forms, valid for
    /// kCsrfLifetime: "<issued unix seconds>." + hex HMAC-SHA256(secret,
    /// "csrf|" + issued + "|" + user + "|" + domain). Review L4: a leaked
    /// token no longer stays valid until the secret changes.
    [[nodiscard]] std::string csrfToken(std::string_view username, std::string_view domain,
                                        std::int64_t now) const;

    /// Checks a form's token for this user. Expired: genuine but older than
    /// kCsrfLifetime; Invalid: anything else (another user's, forged, from
    /// the future).
    [[nodiscard]] NonceStatus checkCsrfToken(std::string_view token, std::string_view username,
                                             std::string_view domain, std::int64_t now) const;

    /// How long a devices page's forms stay usable.
    static constexpr std::int64_t kCsrfLifetime = 3600;

private:
    std::vector<std::uint8_t> m_secret;
    std::int64_t m_lifetime;
};

/// Encoded length of a nonce (56 bytes in base64url without padding).
constexpr std::size_t kNonceLength = 75;

} // namespace napkin::certd
