// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What a certificate service said when it refused a request: the RFC 9457
// problem details (application/problem+json) if present, turned into a typed
// DiscoveryError that tells the user what happened.

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/HttpMessage.h"

#include <QString>

#include <chrono>
#include <optional>

namespace napkin::discovery {

struct ServiceProblem {
    QString slug;   ///< the last path segment of "type", e.g. "forbidden-aor"
    QString title;  ///< may be empty
    QString detail; ///< may be empty
};

/// The problem details of a response; empty fields when the body is not
/// application/problem+json or does not parse (never an error: it is optional).
[[nodiscard]] ServiceProblem parseServiceProblem(const HttpResponse &response);

/// The delay a Retry-After header asks for: delta-seconds only (an HTTP-date
/// is ignored), capped at a day; nullopt when absent or not a number.
[[nodiscard]] std::optional<std::chrono::seconds> retryAfterOf(const HttpResponse &response);

/// A DiscoveryError for an unexpected status: AuthFailed for 401, Forbidden
/// for 403, Rejected for 400/409/413/415/422, HttpError otherwise; with
/// the response's Retry-After (retryAfterOf) in `retryAfter`. `action`
/// says what we tried ("fetching sip:bob@b.example's certificates").
[[nodiscard]] DiscoveryError errorFromResponse(const HttpResponse &response, const QString &action);

} // namespace napkin::discovery
