// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/AuthenticatedRequest.h"

#include "sipcore/discovery/DiscoveryLog.h"

namespace napkin::discovery {

namespace {

struct DigestExchange {
    ServiceClient *client = nullptr;
    QString domain;
    std::shared_ptr<DigestSession> session;
    HttpRequest request;
    ServiceClient::ResponseCallback done;
    bool answeredChallenge = false;
    bool retriedStale = false;
};

void sendOnce(const std::shared_ptr<DigestExchange> &x) {
    HttpRequest request = x->request;
    x->session->authorise(request);
    x->client->request(x->domain, std::move(request), [x](DiscoveryResult<HttpResponse> r) {
        if (!r.ok() || r->status != 401) {
            x->done(std::move(r));
            return;
        }
        auto challenge = x->session->absorb(r.value());
        if (!challenge.ok()) {
            DiscoveryError error = discoveryError(
                DiscoveryErrc::AuthFailed,
                QStringLiteral("Cannot authenticate to %1's certificate service: %2.")
                    .arg(x->domain, challenge.error()));
            error.httpStatus = 401;
            x->done(fail(std::move(error)));
            return;
        }
        // The first 401 of an exchange is the normal challenge (we sent no
        // credentials, or ones for an older nonce): answer it.
        if (!x->answeredChallenge) {
            x->answeredChallenge = true;
            sendOnce(x);
            return;
        }
        if (challenge->stale && !x->retriedStale) {
            qCDebug(lcDiscovery) << "nonce went stale at" << x->domain << "- retrying once";
            x->retriedStale = true;
            sendOnce(x);
            return;
        }
        x->session->forget();
        x->done(std::move(r));
    });
}

} // namespace

void sendWithDigest(ServiceClient &client, const QString &domain,
                    std::shared_ptr<DigestSession> session, HttpRequest request,
                    ServiceClient::ResponseCallback done) {
    auto x = std::make_shared<DigestExchange>();
    x->client = &client;
    x->domain = domain;
    x->session = std::move(session);
    x->request = std::move(request);
    x->done = std::move(done);
    sendOnce(x);
}

} // namespace napkin::discovery
