// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RFC 9457 problem details: every error certd answers carries one of these
// types, named by a stable slug that clients and tests switch on.

#include <string>
#include <string_view>

namespace napkin::certd {

enum class ProblemType {
    Unauthorized,           ///< 401 unauthorized: missing or wrong Digest credentials
    StaleNonce,             ///< 401 stale-nonce: nonce expired or (nonce, nc) replayed
    ForbiddenAor,           ///< 403 forbidden-aor: the user does not own the AOR
    Forbidden,              ///< 403 forbidden: cross-site form or bad CSRF token
    NotSelfSigned,          ///< 422 not-self-signed
    BadSignature,           ///< 422 bad-signature: self-signature does not verify
    AorMismatch,            ///< 422 aor-mismatch: SAN URI is not exactly the AOR
    ValidityTooLong,        ///< 422 validity-too-long
    CertificateExpired,     ///< 422 certificate-expired
    CertificateNotYetValid, ///< 422 certificate-not-yet-valid
    KeyNotAllowed,          ///< 422 key-not-allowed
    TooManyDevices,         ///< 409 too-many-devices
    MalformedCertificate,   ///< 400 malformed-certificate
    BadInstanceUrn,         ///< 400 bad-instance-urn: a urn:uuid: SAN that is not a UUID
    BadQuery,               ///< 400 bad-query
    BadRequest,             ///< 400 bad-request: anything else malformed (e.g. a form)
    UnknownDomain,          ///< 404 unknown-domain: the AOR's domain is not served here
    NotFound,               ///< 404 not-found
    BodyTooLarge,           ///< 413 body-too-large
    UnsupportedMediaType,   ///< 415 unsupported-media-type
    MethodNotAllowed,       ///< 405 method-not-allowed
    Internal,               ///< 500 internal-error
    Unavailable,            ///< 503 unavailable: the database cannot be reached
    TooManyAttempts,        ///< 429 too-many-attempts: Digest failures throttled
};

[[nodiscard]] std::string_view problemSlug(ProblemType type);
[[nodiscard]] std::string_view problemTitle(ProblemType type);
[[nodiscard]] int problemStatus(ProblemType type);

/// One error answer: its type and a sentence saying what exactly is wrong.
struct Problem {
    ProblemType type;
    std::string detail;

    /// The application/problem+json body.
    [[nodiscard]] std::string toJson() const;
};

/// Appends `text` to `out` as the contents of a JSON string (no quotes).
void appendJsonEscaped(std::string &out, std::string_view text);

} // namespace napkin::certd
