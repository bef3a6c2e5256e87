// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The application behind HttpServer: routes requests to the search-cgi
// (GET/PUT/DELETE), the device page, and the health check.

#include "certd/CertSetCache.h"
#include "certd/CertStore.h"
#include "certd/DigestAuthenticator.h"
#include "certd/EnrolPolicy.h"
#include "certd/HttpMessage.h"

#include <functional>
#include <string>
#include <vector>

namespace napkin::certd {

struct ServiceOptions {
    std::vector<std::string> domains; ///< normalised SIP domains served (realms)
    int maxAge = 60;                  ///< Cache-Control max-age of GET answers
    int maxDevices = 10;
    EnrolPolicyOptions policy;
    std::size_t maxBodySize = 16 * 1024;
    /// Unix time; the system clock unless a test sets it.
    std::function<std::int64_t()> clock;
    /// Where audit lines go (enrolments, revocations, failed authentications).
    AuditSink audit;
};

class CertdService final : public RequestHandler {
public:
    CertdService(ServiceOptions options, CertStorePool &pool, NonceCodec nonces);

    [[nodiscard]] std::optional<HttpResponse>
    onHeaders(const HttpRequest &request, std::unique_ptr<RequestState> &state) override;
    [[nodiscard]] HttpResponse onRequest(const HttpRequest &request, RequestState *state) override;
    [[nodiscard]] std::size_t maxBodySize() const override { return m_options.maxBodySize; }

    [[nodiscard]] const CertSetCache &cache() const { return m_cache; }

private:
    [[nodiscard]] std::int64_t now() const;
    [[nodiscard]] bool serves(std::string_view domain) const;
    [[nodiscard]] std::string realmForHost(const HttpRequest &request) const;

    [[nodiscard]] HttpResponse getCertificates(const HttpRequest &request);
    [[nodiscard]] std::optional<HttpResponse> beginEnrol(const HttpRequest &request,
                                                         std::unique_ptr<RequestState> &state);
    [[nodiscard]] HttpResponse finishEnrol(const HttpRequest &request, RequestState *state);
    [[nodiscard]] HttpResponse revokeByQuery(const HttpRequest &request);
    [[nodiscard]] HttpResponse healthz();

    // DevicesPage.cpp
    [[nodiscard]] HttpResponse devicesPage(const HttpRequest &request);
    [[nodiscard]] std::optional<HttpResponse> beginFormRevoke(const HttpRequest &request,
                                                              std::unique_ptr<RequestState> &state);
    [[nodiscard]] HttpResponse finishFormRevoke(const HttpRequest &request, RequestState *state);

    ServiceOptions m_options;
    CertStorePool &m_pool;
    DigestAuthenticator m_auth;
    CertSetCache m_cache;
};

/// "405 method-not-allowed" with its Allow header.
[[nodiscard]] HttpResponse methodNotAllowed(std::string_view method, std::string_view allow);

/// True when the Accept header asks for application/pem-certificate-chain
/// (with a non-zero q) rather than the default certs-only CMS.
[[nodiscard]] bool acceptsPemChain(std::optional<std::string_view> accept);

/// If-None-Match matches the entity tag (weak comparison, or "*").
[[nodiscard]] bool ifNoneMatchMatches(std::string_view ifNoneMatch, std::string_view etag);

/// The media type of a Content-Type value: lower-case, parameters dropped.
[[nodiscard]] std::string mediaType(std::string_view contentType);

/// The Digest realm for a request's Host header: its domain when `domains`
/// holds it (normalised, port or IPv6 brackets dropped), else the first of
/// `domains`, which must not be empty.
[[nodiscard]] std::string realmForHost(std::optional<std::string_view> host,
                                       const std::vector<std::string> &domains);

} // namespace napkin::certd
