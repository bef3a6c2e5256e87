#include "certd/DigestAuthenticator.h"

#include "crypto/LogText.h"

#include <cstdio>

namespace napkin::certd {

HttpResponse storeFailure(const StoreError &error) {
    // The operator sees the details in the log; the client gets a retry hint.
    // A database's message may quote a value from the request.
    std::fprintf(stderr, "napkin-certd: database error: %s\n",
                 crypto::escapeControls(error.message).c_str());
    auto response = HttpResponse::problem(
        ProblemType::Unavailable,
        "the certificate database is not available right now; try again shortly");
    response.addHeader("Retry-After", "5");
    return response;
}

HttpResponse DigestAuthenticator::challenge(std::string_view realm, bool stale, Problem problem,
                                            std::int64_t now) const {
    auto response = HttpResponse::problem(problem);
    auto nonce = m_nonces.issue(realm, now);
    response.addHeader("WWW-Authenticate",
                       digestChallenge(DigestAlgorithm::Sha256, realm, nonce, stale));
    response.addHeader("WWW-Authenticate",
                       digestChallenge(DigestAlgorithm::Md5, realm, nonce, stale));
    response.addHeader("Cache-Control", "no-store");
    return response;
}

Result<AuthenticatedUser, HttpResponse>
DigestAuthenticator::authenticate(const HttpRequest &request, std::string_view realm,
                                  CertStore &store, std::int64_t now) const {
    auto refuse = [&](std::string detail) {
        return fail(
            challenge(realm, false, Problem{ProblemType::Unauthorized, std::move(detail)}, now));
    };
    auto stale = [&](std::string detail) {
        return fail(
            challenge(realm, true, Problem{ProblemType::StaleNonce, std::move(detail)}, now));
    };

    auto header = request.header("Authorization");
    if (!header) {
        return refuse("this request needs HTTP Digest credentials for realm " + std::string(realm));
    }
    auto parsed = parseDigestAuthorization(*header);
    if (!parsed) {
        return refuse("the Authorization header was refused: " + parsed.error().message);
    }
    const DigestCredentials &creds = *parsed;
    if (creds.realm != realm) {
        return refuse("the credentials are for realm \"" + creds.realm +
                      "\"; this address needs "
                      "realm \"" +
                      std::string(realm) + "\"");
    }
    if (creds.uri != request.target) {
        return refuse("the Digest uri does not match the request target");
    }
    std::int64_t issuedAt = 0;
    switch (m_nonces.check(creds.nonce, realm, now, &issuedAt)) {
    case NonceStatus::Invalid:
        return refuse("the nonce was not issued by this service");
    case NonceStatus::Expired:
        return stale("the nonce has expired; retry with the new one");
    case NonceStatus::Valid:
        break;
    }

    // "bob" in realm b.example, or "bob@b.example" (Kamailio's ha1b form).
    std::string user = creds.username;
    bool atForm = false;
    if (auto at = user.rfind('@'); at != std::string::npos) {
        if (user.substr(at + 1) != realm) {
            return refuse("wrong user name or password");
        }
        user.erase(at);
        atForm = true;
    }
    auto stored = store.credentials(user, realm);
    if (!stored) {
        return fail(storeFailure(stored.error()));
    }
    if (!stored.value()) {
        return refuse("wrong user name or password");
    }
    const UserCredentials &secrets = **stored;
    std::string_view ha1;
    if (creds.algorithm == DigestAlgorithm::Sha256) {
        if (atForm || !secrets.ha1Sha256) {
            return refuse("this account has no SHA-256 secret; use MD5 Digest or reset the "
                          "password with napkin-certd user add");
        }
        ha1 = *secrets.ha1Sha256;
    } else {
        ha1 = atForm ? secrets.ha1b : secrets.ha1;
    }
    auto expected = computeResponse(creds.algorithm, ha1, creds.nonce, creds.nc, creds.cnonce,
                                    creds.qop, request.method, creds.uri);
    if (ha1.empty() || !hexEqualConstantTime(expected, creds.response)) {
        return refuse("wrong user name or password");
    }
    // Only a verified request spends its (nonce, nc), so nobody else can burn them.
    auto fresh =
        store.recordNonceUse(creds.nonce, creds.nonceCount(), issuedAt + m_nonces.lifetime() + 60);
    if (!fresh) {
        return fail(storeFailure(fresh.error()));
    }
    if (!*fresh) {
        return stale("this nonce and nonce count were used before (a replay)");
    }
    return AuthenticatedUser{std::move(user), std::string(realm)};
}

} // namespace napkin::certd
