// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/CertdService.h"
#include "certd/QueryString.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <ctime>

namespace napkin::certd {

namespace {

constexpr std::string_view kCertsOnlyType = "application/pkcs7-mime; smime-type=certs-only";
constexpr std::string_view kPemChainType = "application/pem-certificate-chain";

/// What onHeaders learnt about a PUT, for onRequest.
struct EnrolState final : RequestState {
    crypto::Aor aor;
};

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

/// q of one media range, 1 when absent, 0 when malformed.
double qualityOf(std::string_view params) {
    std::size_t pos = 0;
    while (pos < params.size()) {
        auto semi = params.find(';', pos);
        auto param = trim(params.substr(pos, semi == std::string_view::npos ? semi : semi - pos));
        if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            double q = 0;
            auto *begin = param.data() + 2;
            auto [end, ec] = std::from_chars(begin, param.data() + param.size(), q);
            return (ec == std::errc() && end == param.data() + param.size() && q >= 0 && q <= 1)
                       ? q
                       : 0.0;
        }
        if (semi == std::string_view::npos) {
            break;
        }
        pos = semi + 1;
    }
    return 1.0;
}

std::string devicesJson(std::string_view fingerprint, std::size_t devices) {
    std::string body = R"({"fingerprint":")";
    appendJsonEscaped(body, fingerprint);
    body += R"(","devices":)";
    body += std::to_string(devices);
    body += "}";
    return body;
}

HttpResponse badQuery(const QueryError &error) {
    return HttpResponse::problem(ProblemType::BadQuery, error.message);
}

} // namespace

HttpResponse methodNotAllowed(std::string_view method, std::string_view allow) {
    auto response = HttpResponse::problem(ProblemType::MethodNotAllowed,
                                          std::string(method) + " is not allowed here; use " +
                                              std::string(allow));
    response.addHeader("Allow", std::string(allow));
    return response;
}

bool acceptsPemChain(std::optional<std::string_view> accept) {
    if (!accept) {
        return false;
    }
    double pem = 0;
    double cms = 0;
    std::size_t pos = 0;
    std::string_view text = *accept;
    while (pos <= text.size()) {
        auto comma = text.find(',', pos);
        auto range = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
        auto semi = range.find(';');
        auto type = lower(trim(range.substr(0, semi)));
        double q = semi == std::string_view::npos ? 1.0 : qualityOf(range.substr(semi + 1));
        if (type == kPemChainType) {
            pem = std::max(pem, q);
        } else if (type == "application/pkcs7-mime") {
            cms = std::max(cms, q);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return pem > 0 && pem > cms;
}

bool ifNoneMatchMatches(std::string_view ifNoneMatch, std::string_view etag) {
    auto opaque = [](std::string_view tag) {
        if (tag.starts_with("W/")) {
            tag.remove_prefix(2);
        }
        return tag;
    };
    std::size_t pos = 0;
    while (pos <= ifNoneMatch.size()) {
        auto comma = ifNoneMatch.find(',', pos);
        auto tag =
            trim(ifNoneMatch.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
        if (tag == "*" || (!tag.empty() && opaque(tag) == opaque(etag))) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return false;
}

std::string mediaType(std::string_view contentType) {
    return lower(trim(contentType.substr(0, contentType.find(';'))));
}

std::string realmForHost(std::optional<std::string_view> host,
                         const std::vector<std::string> &domains) {
    assert(!domains.empty());
    if (host) {
        std::string_view h = *host;
        if (!h.empty() && h.front() == '[') {
            h = h.substr(0, h.find(']') + 1);
        } else {
            h = h.substr(0, h.find(':'));
        }
        if (auto normalised = crypto::normaliseDomain(h);
            normalised && std::find(domains.begin(), domains.end(), *normalised) != domains.end()) {
            return *normalised;
        }
    }
    return domains.front();
}

CertdService::CertdService(ServiceOptions options, CertStorePool &pool, NonceCodec nonces)
    : m_options(std::move(options)), m_pool(pool), m_auth(std::move(nonces), m_options.audit) {
    if (!m_options.clock) {
        m_options.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
    }
}

std::int64_t CertdService::now() const {
    return m_options.clock();
}

std::string CertdService::realmForHost(const HttpRequest &request) const {
    return certd::realmForHost(request.header("Host"), m_options.domains);
}

bool CertdService::serves(std::string_view domain) const {
    return std::find(m_options.domains.begin(), m_options.domains.end(), domain) !=
           m_options.domains.end();
}

std::optional<HttpResponse> CertdService::onHeaders(const HttpRequest &request,
                                                    std::unique_ptr<RequestState> &state) {
    const auto &path = request.path;
    const auto &method = request.method;
    bool get = method == "GET" || method == "HEAD";
    if (path == "/search-cgi") {
        if (get) {
            return getCertificates(request);
        }
        if (method == "PUT") {
            return beginEnrol(request, state);
        }
        if (method == "DELETE") {
            return revokeByQuery(request);
        }
        return methodNotAllowed(method, "GET, HEAD, PUT, DELETE");
    }
    if (path == "/healthz") {
        return get ? healthz() : methodNotAllowed(method, "GET, HEAD");
    }
    if (path == "/devices") {
        return get ? devicesPage(request) : methodNotAllowed(method, "GET, HEAD");
    }
    if (path == "/devices/revoke") {
        return method == "POST" ? beginFormRevoke(request, state)
                                : methodNotAllowed(method, "POST");
    }
    return HttpResponse::problem(ProblemType::NotFound,
                                 "there is nothing at this path; certificates are at "
                                 "/search-cgi?sip=USER@DOMAIN");
}

HttpResponse CertdService::onRequest(const HttpRequest &request, RequestState *state) {
    if (request.path == "/search-cgi" && request.method == "PUT") {
        return finishEnrol(request, state);
    }
    if (request.path == "/devices/revoke" && request.method == "POST") {
        return finishFormRevoke(request, state);
    }
    return HttpResponse::problem(ProblemType::Internal, "no handler for this request");
}

HttpResponse CertdService::healthz() {
    auto store = m_pool.lease();
    if (auto r = store->ping(); !r) {
        return storeFailure(r.error());
    }
    auto response = HttpResponse::text(200, "text/plain; charset=utf-8", "ok\n");
    response.addHeader("Cache-Control", "no-store");
    return response;
}

HttpResponse CertdService::getCertificates(const HttpRequest &request) {
    auto query = parseSearchQuery(request.query, false);
    if (!query) {
        return badQuery(query.error());
    }
    const auto &aor = query->aor;
    if (!serves(aor.host)) {
        return HttpResponse::problem(ProblemType::UnknownDomain,
                                     "this service does not publish certificates for " + aor.host);
    }
    auto t = now();
    auto store = m_pool.lease();
    auto fingerprints = store->fingerprints(aor.user, aor.host, t);
    if (!fingerprints) {
        return storeFailure(fingerprints.error());
    }
    if (fingerprints->empty()) {
        return HttpResponse::problem(ProblemType::NotFound,
                                     "no valid certificate is published for " + aor.address());
    }
    auto etag = certSetEtag(*fingerprints);
    auto set = m_cache.find(etag);
    bool pem = acceptsPemChain(request.header("Accept"));
    auto cacheControl = "max-age=" + std::to_string(m_options.maxAge);
    auto inm = request.header("If-None-Match");
    if (inm && ifNoneMatchMatches(*inm, pem ? pemEtag(etag) : etag)) {
        HttpResponse notModified;
        notModified.status = 304;
        notModified.addHeader("ETag", pem ? pemEtag(etag) : etag);
        notModified.addHeader("Cache-Control", cacheControl);
        notModified.addHeader("Vary", "Accept");
        return notModified;
    }
    if (!set) {
        auto devices = store->devices(aor.user, aor.host, t);
        if (!devices) {
            return storeFailure(devices.error());
        }
        if (devices->empty()) { // revoked between the two queries
            return HttpResponse::problem(ProblemType::NotFound,
                                         "no valid certificate is published for " + aor.address());
        }
        auto encoded = encodeCertSet(*devices);
        if (!encoded) {
            return HttpResponse::problem(ProblemType::Internal,
                                         "a stored certificate cannot be encoded: " +
                                             encoded.error().message);
        }
        set = std::move(encoded).value();
        m_cache.insert(set);
    }
    HttpResponse response;
    response.status = 200;
    response.contentType = pem ? kPemChainType : kCertsOnlyType;
    response.sharedBody = pem ? set->pem : set->der;
    response.addHeader("ETag", pem ? pemEtag(set->etag) : set->etag);
    response.addHeader("Cache-Control", cacheControl);
    response.addHeader("Vary", "Accept");
    return response;
}

std::optional<HttpResponse> CertdService::beginEnrol(const HttpRequest &request,
                                                     std::unique_ptr<RequestState> &state) {
    auto query = parseSearchQuery(request.query, false);
    if (!query) {
        return badQuery(query.error());
    }
    const auto &aor = query->aor;
    if (!serves(aor.host)) {
        return HttpResponse::problem(ProblemType::UnknownDomain,
                                     "this service does not publish certificates for " + aor.host);
    }
    {
        auto store = m_pool.lease();
        auto user = m_auth.authenticate(request, aor.host, *store, now());
        if (!user) {
            return std::move(user).error();
        }
        if (user->username != aor.user || user->domain != aor.host) {
            return HttpResponse::problem(ProblemType::ForbiddenAor,
                                         user->username + "@" + user->domain +
                                             " may not enrol certificates for " + aor.address());
        }
    }
    auto type = mediaType(request.header("Content-Type").value_or(""));
    if (type != "application/pkix-cert" && type != "application/x-x509-user-cert" &&
        type != "application/x-pem-file" && type != kPemChainType) {
        return HttpResponse::problem(ProblemType::UnsupportedMediaType,
                                     (type.empty()
                                          ? std::string("the body has no Content-Type")
                                          : "the body's type " + type + " is not accepted") +
                                         "; send the certificate as application/pkix-cert (DER) or "
                                         "application/pem-certificate-chain (PEM)");
    }
    auto enrol = std::make_unique<EnrolState>();
    enrol->aor = aor;
    state = std::move(enrol);
    return std::nullopt;
}

HttpResponse CertdService::finishEnrol(const HttpRequest &request, RequestState *state) {
    auto *enrol = dynamic_cast<EnrolState *>(state);
    if (enrol == nullptr) {
        return HttpResponse::problem(ProblemType::Internal, "enrolment state is missing");
    }
    const auto &aor = enrol->aor;
    auto cert = parseDeviceCertificate(request.body);
    if (!cert) {
        return HttpResponse::problem(cert.error());
    }
    auto t = now();
    auto checked = checkDeviceCertificate(*cert, aor, m_options.policy,
                                          std::chrono::system_clock::from_time_t(t));
    if (!checked) {
        return HttpResponse::problem(checked.error());
    }
    DeviceRecord device;
    device.fingerprint = cert->fingerprint();
    device.instanceUrn = cert->instanceUrn();
    device.der = cert->toDer();
    device.notBefore = std::chrono::system_clock::to_time_t(cert->notBefore());
    device.notAfter = std::chrono::system_clock::to_time_t(cert->notAfter());
    device.enrolledAt = t;

    auto store = m_pool.lease();
    auto result = store->enrol(aor.user, aor.host, device, m_options.maxDevices, t);
    if (!result) {
        if (result.error().code == StoreErrc::Constraint) {
            return HttpResponse::problem(ProblemType::AorMismatch,
                                         "this certificate is already enrolled for another "
                                         "address");
        }
        return storeFailure(result.error());
    }
    if (result->urnConflictWith) {
        // Review M2: the instance URN of an enrolled device, without that
        // device's key continuity proof. Kept beside it, never replacing it.
        m_auth.audit("urn-conflict", {{"user", aor.address()},
                                      {"ip", request.clientAddress},
                                      {"instance", device.instanceUrn.value_or("")},
                                      {"old", *result->urnConflictWith},
                                      {"new", device.fingerprint}});
    }
    if (result->outcome == EnrolOutcome::LimitReached) {
        std::string detail =
            aor.address() + " already has " + std::to_string(m_options.maxDevices) +
            " devices; revoke one first (DELETE with its fingerprint, or /devices)";
        if (result->urnConflictWith) {
            detail += ". A device with this instance URN is enrolled (" + *result->urnConflictWith +
                      "), but this certificate carries no key continuity proof by its key, so "
                      "it cannot replace it";
        }
        return HttpResponse::problem(ProblemType::TooManyDevices, detail);
    }
    const bool created = result->outcome == EnrolOutcome::Created;
    m_auth.audit(created ? "enrol" : "replace", {{"user", aor.address()},
                                                 {"ip", request.clientAddress},
                                                 {"fingerprint", device.fingerprint},
                                                 {"instance", device.instanceUrn.value_or("")}});
    HttpResponse response;
    response.status = created ? 201 : 200;
    response.contentType = "application/json";
    response.body = devicesJson(device.fingerprint, result->fingerprints.size());
    response.addHeader("ETag", certSetEtag(result->fingerprints));
    response.addHeader("Cache-Control", "no-store");
    if (response.status == 201) {
        response.addHeader("Location", "/search-cgi?sip=" + percentEncode(aor.address()));
    }
    return response;
}

HttpResponse CertdService::revokeByQuery(const HttpRequest &request) {
    auto query = parseSearchQuery(request.query, true);
    if (!query) {
        return badQuery(query.error());
    }
    if (!query->fingerprint) {
        return badQuery(QueryError{"DELETE needs fingerprint=sha256:HEX of the certificate to "
                                   "revoke"});
    }
    const auto &aor = query->aor;
    if (!serves(aor.host)) {
        return HttpResponse::problem(ProblemType::UnknownDomain,
                                     "this service does not publish certificates for " + aor.host);
    }
    auto t = now();
    auto store = m_pool.lease();
    auto user = m_auth.authenticate(request, aor.host, *store, t);
    if (!user) {
        return std::move(user).error();
    }
    if (user->username != aor.user || user->domain != aor.host) {
        return HttpResponse::problem(ProblemType::ForbiddenAor,
                                     user->username + "@" + user->domain +
                                         " may not revoke certificates of " + aor.address());
    }
    auto remaining = store->revoke(aor.user, aor.host, *query->fingerprint, t);
    if (!remaining) {
        return storeFailure(remaining.error());
    }
    if (!remaining.value()) {
        return HttpResponse::problem(ProblemType::NotFound,
                                     "no certificate " + *query->fingerprint + " is enrolled for " +
                                         aor.address());
    }
    m_auth.audit("revoke", {{"user", aor.address()},
                            {"ip", request.clientAddress},
                            {"fingerprint", *query->fingerprint},
                            {"via", "delete"}});
    HttpResponse response;
    response.status = 200;
    response.contentType = "application/json";
    response.body = devicesJson(*query->fingerprint, remaining.value()->size());
    response.addHeader("ETag", certSetEtag(*remaining.value()));
    response.addHeader("Cache-Control", "no-store");
    return response;
}

} // namespace napkin::certd
