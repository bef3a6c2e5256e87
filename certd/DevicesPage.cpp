// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The device-management page: GET /devices lists the authenticated user's
// devices, each with a plain HTML form that POSTs to /devices/revoke. No
// JavaScript; every dynamic value is HTML-escaped.

#include "certd/CertdService.h"
#include "certd/QueryString.h"

#include <cctype>
#include <ctime>

namespace napkin::certd {

namespace {

struct FormRevokeState final : RequestState {
    AuthenticatedUser user;
};

std::string escapeHtml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string formatUtc(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

/// "sha256:3f2a91c0..." → "3F2A 91C0 ...".
std::string fingerprintForPeople(std::string_view fingerprint) {
    auto hex = fingerprint.substr(fingerprint.find(':') + 1);
    std::string out;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        if (i > 0 && i % 4 == 0) {
            out += ' ';
        }
        char c = hex[i];
        out += (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

HttpResponse htmlResponse(int status, std::string body) {
    auto response = HttpResponse::text(status, "text/html; charset=utf-8", std::move(body));
    response.addHeader("Cache-Control", "no-store");
    response.addHeader("Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                       "frame-ancestors 'none'; base-uri 'none'");
    response.addHeader("X-Frame-Options", "DENY");
    response.addHeader("X-Content-Type-Options", "nosniff");
    // Not no-referrer: with it browsers send "Origin: null" on the revoke form.
    response.addHeader("Referrer-Policy", "same-origin");
    return response;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) {
            return false;
        }
    }
    return true;
}

/// A 403 unless the form post names this service as its Origin, or, for a
/// browser that sends no Origin, as its Referer ("https://host/...").
std::optional<HttpResponse> refuseForeignForm(const HttpRequest &request) {
    const auto host = request.header("Host").value_or("");
    const std::string self = "https://" + std::string(host);
    auto refuse = [](std::string detail) {
        return HttpResponse::problem(ProblemType::Forbidden, std::move(detail));
    };
    if (host.empty()) {
        return refuse("the form post names no Host");
    }
    if (auto origin = request.header("Origin")) {
        if (!equalsNoCase(*origin, self)) {
            return refuse("the form was posted from another site (" +
                          std::string(origin->substr(0, 200)) + ")");
        }
        return std::nullopt;
    }
    if (auto referer = request.header("Referer")) {
        const bool ours = referer->size() > self.size() && (*referer)[self.size()] == '/' &&
                          equalsNoCase(referer->substr(0, self.size()), self);
        if (!ours) {
            return refuse("the form was posted from another page (" +
                          std::string(referer->substr(0, 200)) + ")");
        }
        return std::nullopt;
    }
    return refuse("the form post names neither Origin nor Referer, so it cannot be told "
                  "from another site's; submit it from " +
                  self + "/devices");
}

} // namespace

HttpResponse CertdService::devicesPage(const HttpRequest &request) {
    auto realm = realmForHost(request);
    auto t = now();
    auto store = m_pool.lease();
    auto user = m_auth.authenticate(request, realm, *store, t);
    if (!user) {
        return std::move(user).error();
    }
    auto devices = store->devices(user->username, user->domain, t);
    if (!devices) {
        return storeFailure(devices.error());
    }
    auto address = escapeHtml("sip:" + user->username + "@" + user->domain);
    auto csrf = m_auth.nonces().csrfToken(user->username, user->domain, t);
    std::string html = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Devices of )" + address +
                       R"(</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 70em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4em 0.8em; border-bottom: 1px solid #ccc; }
code { font-size: 0.9em; }
</style>
</head>
<body>
<h1>Devices of )" + address +
                       R"(</h1>
<p>Each device below has published a certificate for your address. People who call you
encrypt to these devices. Revoke any device you do not recognise or no longer use.</p>
)";
    if (devices->empty()) {
        html += "<p id=\"no-devices\">No device certificate is enrolled.</p>\n";
    } else {
        html += R"(<table id="devices">
<thead><tr><th>Fingerprint</th><th>Instance</th><th>Enrolled</th><th>Expires</th><th></th></tr></thead>
<tbody>
)";
        for (const auto &device : *devices) {
            html += "<tr><td><code class=\"fingerprint\">" +
                    escapeHtml(fingerprintForPeople(device.fingerprint)) + "</code></td><td>" +
                    escapeHtml(device.instanceUrn.value_or("-")) + "</td><td>" +
                    formatUtc(device.enrolledAt) + "</td><td>" + formatUtc(device.notAfter) +
                    "</td><td><form method=\"post\" action=\"/devices/revoke\">"
                    "<input type=\"hidden\" name=\"fingerprint\" value=\"" +
                    escapeHtml(device.fingerprint) +
                    "\"><input type=\"hidden\" name=\"csrf\" value=\"" + escapeHtml(csrf) +
                    "\"><button type=\"submit\">Revoke</button></form></td></tr>\n";
        }
        html += "</tbody>\n</table>\n";
    }
    html += "</body>\n</html>\n";
    return htmlResponse(200, std::move(html));
}

std::optional<HttpResponse> CertdService::beginFormRevoke(const HttpRequest &request,
                                                          std::unique_ptr<RequestState> &state) {
    // A cross-site form post carries the other site's Origin: refuse it before
    // anything else (the CSRF token is checked again with the body). Review
    // L4: a post naming neither Origin nor Referer is refused too; browsers
    // send Origin on every form POST.
    if (auto refused = refuseForeignForm(request)) {
        return refused;
    }
    auto realm = realmForHost(request);
    {
        auto store = m_pool.lease();
        auto user = m_auth.authenticate(request, realm, *store, now());
        if (!user) {
            return std::move(user).error();
        }
        auto revoke = std::make_unique<FormRevokeState>();
        revoke->user = std::move(user).value();
        state = std::move(revoke);
    }
    auto type = mediaType(request.header("Content-Type").value_or(""));
    if (type != "application/x-www-form-urlencoded") {
        state.reset();
        return HttpResponse::problem(ProblemType::UnsupportedMediaType,
                                     "the revoke form must be application/x-www-form-urlencoded");
    }
    return std::nullopt;
}

HttpResponse CertdService::finishFormRevoke(const HttpRequest &request, RequestState *state) {
    auto *revoke = dynamic_cast<FormRevokeState *>(state);
    if (revoke == nullptr) {
        return HttpResponse::problem(ProblemType::Internal, "revocation state is missing");
    }
    const auto &user = revoke->user;
    auto fields = parseQuery(request.body, true);
    if (!fields) {
        return HttpResponse::problem(ProblemType::BadRequest,
                                     "the form is malformed: " + fields.error().message);
    }
    std::optional<std::string> fingerprint;
    std::optional<std::string> csrf;
    for (auto &[name, value] : *fields) {
        if (name == "fingerprint" && !fingerprint) {
            fingerprint = value;
        } else if (name == "csrf" && !csrf) {
            csrf = value;
        }
    }
    if (!csrf) {
        return HttpResponse::problem(ProblemType::Forbidden,
                                     "the form's csrf token is missing; reload /devices");
    }
    switch (m_auth.nonces().checkCsrfToken(*csrf, user.username, user.domain, now())) {
    case NonceStatus::Valid:
        break;
    case NonceStatus::Expired:
        return HttpResponse::problem(ProblemType::Forbidden,
                                     "the form has expired (it is valid for an hour); "
                                     "reload /devices");
    case NonceStatus::Invalid:
        return HttpResponse::problem(ProblemType::Forbidden,
                                     "the form's csrf token is wrong; reload /devices");
    }
    auto normalised = fingerprint ? normaliseFingerprint(*fingerprint) : std::nullopt;
    if (!normalised) {
        return HttpResponse::problem(ProblemType::BadRequest,
                                     "the form needs fingerprint=sha256:HEX");
    }
    auto store = m_pool.lease();
    auto remaining = store->revoke(user.username, user.domain, *normalised, now());
    if (!remaining) {
        return storeFailure(remaining.error());
    }
    if (remaining.value()) {
        m_auth.audit("revoke", {{"user", user.username + "@" + user.domain},
                                {"ip", request.clientAddress},
                                {"fingerprint", *normalised},
                                {"via", "devices-page"}});
    }
    // Revoked now or already gone: either way the list shows the truth.
    HttpResponse response = htmlResponse(
        303, "<!DOCTYPE html><html><body><p><a href=\"/devices\">Back to your devices</a></p>"
             "</body></html>\n");
    response.addHeader("Location", "/devices");
    return response;
}

} // namespace napkin::certd
