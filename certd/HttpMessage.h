// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The request and response as the handlers see them, independent of the
// HTTP library underneath (HttpServer adapts libmicrohttpd to these).

#include "certd/Problem.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace napkin::certd {

/// Looks up request headers by name, case-insensitively.
class HeaderSource {
public:
    virtual ~HeaderSource() = default;
    [[nodiscard]] virtual std::optional<std::string_view> header(std::string_view name) const = 0;
};

/// A request; views stay valid for the duration of the handler call.
struct HttpRequest {
    std::string_view method;
    std::string_view target; ///< the raw request-target, e.g. "/search-cgi?sip=bob%40b.example"
    std::string_view path;   ///< target up to '?'
    std::string_view query;  ///< target after '?', empty when none
    std::string_view body;
    std::string_view clientAddress; ///< the client's numeric IP address; empty when unknown
    const HeaderSource *headers = nullptr;

    [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const {
        return headers != nullptr ? headers->header(name) : std::nullopt;
    }
};

/// Splits a raw request-target into path and query.
inline void splitTarget(std::string_view target, std::string_view &path, std::string_view &query) {
    auto q = target.find('?');
    path = target.substr(0, q);
    query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

struct HttpResponse {
    int status = 200;
    std::string contentType;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    /// When set, the body is this shared buffer instead (cached GET answers).
    std::shared_ptr<const std::string> sharedBody;

    [[nodiscard]] std::string_view bodyView() const {
        return sharedBody ? std::string_view(*sharedBody) : std::string_view(body);
    }
    void addHeader(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }

    [[nodiscard]] static HttpResponse problem(const Problem &problem) {
        HttpResponse r;
        r.status = problemStatus(problem.type);
        r.contentType = "application/problem+json";
        r.body = problem.toJson();
        return r;
    }
    [[nodiscard]] static HttpResponse problem(ProblemType type, std::string detail) {
        return problem(Problem{type, std::move(detail)});
    }
    [[nodiscard]] static HttpResponse text(int status, std::string contentType, std::string body) {
        HttpResponse r;
        r.status = status;
        r.contentType = std::move(contentType);
        r.body = std::move(body);
        return r;
    }
};

/// What a handler remembers between onHeaders and onRequest (e.g. who
/// authenticated, so that a nonce is used once per request).
class RequestState {
public:
    virtual ~RequestState() = default;
};

/// What HttpServer asks of the application. Both calls may run concurrently
/// on several worker threads.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    /// Called once the headers are in, before any body is read. Returning a
    /// response ends the request there (the body, if any, is not read); else
    /// `state` may be filled for onRequest.
    [[nodiscard]] virtual std::optional<HttpResponse>
    onHeaders(const HttpRequest &request, std::unique_ptr<RequestState> &state) = 0;
    /// Called with the complete body (at most maxBodySize() bytes).
    [[nodiscard]] virtual HttpResponse onRequest(const HttpRequest &request,
                                                 RequestState *state) = 0;
    /// Bodies larger than this are refused with 413 body-too-large.
    [[nodiscard]] virtual std::size_t maxBodySize() const = 0;
};

} // namespace napkin::certd
