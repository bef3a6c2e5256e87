// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Digest authentication against the store: the subscriber's secrets, and
// replay protection through the shared digest_nonce_use table. Failures are
// throttled (AuthThrottle) and audited; every failure, whether the user is
// unknown, lacks the secret for the algorithm or gave a wrong password, gets
// the same answer after the same hash work (review L1).

#include "certd/AuditLog.h"
#include "certd/AuthThrottle.h"
#include "certd/CertStore.h"
#include "certd/DigestAuth.h"
#include "certd/HttpMessage.h"

#include <memory>
#include <string>

namespace napkin::certd {

/// A subscriber whose Digest credentials verified.
struct AuthenticatedUser {
    std::string username; ///< user part, as in the subscriber table
    std::string domain;   ///< = the realm
};

class DigestAuthenticator {
public:
    explicit DigestAuthenticator(NonceCodec nonces, AuditSink audit = {})
        : m_nonces(std::move(nonces)), m_audit(std::move(audit)),
          m_throttle(std::make_unique<AuthThrottle>()) {}

    /// Verifies the request's Authorization header for `realm`. The error is
    /// the complete answer to send: 401 with fresh challenges (stale=true for
    /// an expired or replayed nonce), 429 with Retry-After while the user or
    /// the client address is throttled, or 503 when the database is down.
    /// May run on several threads at once.
    [[nodiscard]] Result<AuthenticatedUser, HttpResponse> authenticate(const HttpRequest &request,
                                                                       std::string_view realm,
                                                                       CertStore &store,
                                                                       std::int64_t now) const;

    /// A 401 answer with the SHA-256 and MD5 challenges (in that order).
    [[nodiscard]] HttpResponse challenge(std::string_view realm, bool stale, Problem problem,
                                         std::int64_t now) const;

    [[nodiscard]] const NonceCodec &nonces() const { return m_nonces; }

    /// The answer to every failed password check.
    static constexpr std::string_view kWrongCredentials =
        "wrong user name or password (accounts made with Kamailio's tools have no SHA-256 "
        "secret: use MD5 Digest, or set the password again with napkin-certd user add)";

    /// Writes one audit line (see AuditLog.h) to the sink given at construction.
    void audit(std::string_view event,
               std::initializer_list<std::pair<std::string_view, std::string_view>> fields) const;

private:
    NonceCodec m_nonces;
    AuditSink m_audit;
    std::unique_ptr<AuthThrottle> m_throttle;
};

/// The 503 answer for a database failure (the detail names no secrets).
[[nodiscard]] HttpResponse storeFailure(const StoreError &error);

} // namespace napkin::certd
