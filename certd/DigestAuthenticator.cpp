// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

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

void DigestAuthenticator::audit(
    std::string_view event,
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) const {
    if (m_audit) {
        m_audit(auditLine(event, fields));
    }
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
    bool ourRealm = true;
    if (auto at = user.rfind('@'); at != std::string::npos) {
        ourRealm = user.substr(at + 1) == realm;
        if (ourRealm) {
            user.erase(at);
            atForm = true;
        }
    }
    // Counted as "bob@b.example" whichever form the client used.
    const std::string who = ourRealm ? user + "@" + std::string(realm) : creds.username;
    const std::string_view address =
        request.clientAddress.empty() ? std::string_view("-") : request.clientAddress;
    if (auto wait = m_throttle->retryAfter(who, address, now)) {
        audit("auth-throttled",
              {{"user", who}, {"ip", address}, {"retry-after", std::to_string(*wait)}});
        auto response = HttpResponse::problem(
            ProblemType::TooManyAttempts,
            "too many failed authentications for this user or from this address; retry in " +
                std::to_string(*wait) + " s");
        response.addHeader("Retry-After", std::to_string(*wait));
        response.addHeader("Cache-Control", "no-store");
        return fail(std::move(response));
    }
    std::optional<UserCredentials> secrets;
    if (ourRealm) {
        auto stored = store.credentials(user, realm);
        if (!stored) {
            return fail(storeFailure(stored.error()));
        }
        secrets = std::move(stored).value();
    }
    const bool sha256 = creds.algorithm == DigestAlgorithm::Sha256;
    std::string_view ha1;
    std::string_view reason = "unknown-user";
    if (secrets) {
        if (sha256) {
            ha1 = !atForm && secrets->ha1Sha256 ? std::string_view(*secrets->ha1Sha256)
                                                : std::string_view();
        } else {
            ha1 = atForm ? secrets->ha1b : secrets->ha1;
        }
        reason = ha1.empty() ? "no-secret-for-algorithm" : "wrong-password";
    }
    // Hash against a stand-in when there is no secret to check, so that an
    // unknown user costs the same as a wrong password.
    static const std::string kStandIn(64, '0');
    auto expected = computeResponse(
        creds.algorithm, ha1.empty() ? std::string_view(kStandIn).substr(0, sha256 ? 64 : 32) : ha1,
        creds.nonce, creds.nc, creds.cnonce, creds.qop, request.method, creds.uri);
    const bool matches = hexEqualConstantTime(expected, creds.response);
    if (ha1.empty() || !matches) {
        auto lock = m_throttle->failed(who, address, now);
        audit("auth-failed", {{"user", who},
                              {"ip", address},
                              {"reason", reason},
                              {"method", request.method},
                              {"lock", std::to_string(lock)}});
        return refuse(std::string(kWrongCredentials));
    }
    m_throttle->succeeded(who);
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
