#pragma once

// Digest authentication against the store: the subscriber's secrets, and
// replay protection through the shared digest_nonce_use table.

#include "certd/CertStore.h"
#include "certd/DigestAuth.h"
#include "certd/HttpMessage.h"

#include <string>

namespace napkin::certd {

/// A subscriber whose Digest credentials verified.
struct AuthenticatedUser {
    std::string username; ///< user part, as in the subscriber table
    std::string domain;   ///< = the realm
};

class DigestAuthenticator {
public:
    explicit DigestAuthenticator(NonceCodec nonces) : m_nonces(std::move(nonces)) {}

    /// Verifies the request's Authorization header for `realm`. The error is
    /// the complete answer to send: 401 with fresh challenges (stale=true for
    /// an expired or replayed nonce), or 503 when the database is down.
    [[nodiscard]] Result<AuthenticatedUser, HttpResponse> authenticate(const HttpRequest &request,
                                                                       std::string_view realm,
                                                                       CertStore &store,
                                                                       std::int64_t now) const;

    /// A 401 answer with the SHA-256 and MD5 challenges (in that order).
    [[nodiscard]] HttpResponse challenge(std::string_view realm, bool stale, Problem problem,
                                         std::int64_t now) const;

    [[nodiscard]] const NonceCodec &nonces() const { return m_nonces; }

private:
    NonceCodec m_nonces;
};

/// The 503 answer for a database failure (the detail names no secrets).
[[nodiscard]] HttpResponse storeFailure(const StoreError &error);

} // namespace napkin::certd
