// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/Problem.h"

#include <array>

namespace napkin::certd {

namespace {

struct ProblemInfo {
    std::string_view slug;
    std::string_view title;
    int status;
};

constexpr ProblemInfo info(ProblemType type) {
    switch (type) {
    case ProblemType::Unauthorized:
        return {"unauthorized", "Authentication required", 401};
    case ProblemType::StaleNonce:
        return {"stale-nonce", "The Digest nonce is stale; retry with the new one", 401};
    case ProblemType::ForbiddenAor:
        return {"forbidden-aor", "This user may not manage certificates for this address", 403};
    case ProblemType::Forbidden:
        return {"forbidden", "The request was refused", 403};
    case ProblemType::NotSelfSigned:
        return {"not-self-signed", "The certificate is not self-signed", 422};
    case ProblemType::BadSignature:
        return {"bad-signature", "The certificate's self-signature does not verify", 422};
    case ProblemType::AorMismatch:
        return {"aor-mismatch", "The certificate does not name exactly this address", 422};
    case ProblemType::ValidityTooLong:
        return {"validity-too-long", "The certificate is valid for too long", 422};
    case ProblemType::CertificateExpired:
        return {"certificate-expired", "The certificate has expired", 422};
    case ProblemType::CertificateNotYetValid:
        return {"certificate-not-yet-valid", "The certificate is not valid yet", 422};
    case ProblemType::KeyNotAllowed:
        return {"key-not-allowed", "The certificate's key type or size is not allowed", 422};
    case ProblemType::TooManyDevices:
        return {"too-many-devices", "This address already has the maximum number of devices", 409};
    case ProblemType::MalformedCertificate:
        return {"malformed-certificate", "The body is not a certificate", 400};
    case ProblemType::BadInstanceUrn:
        return {"bad-instance-urn", "The certificate's instance URN is not a urn:uuid: UUID", 400};
    case ProblemType::BadQuery:
        return {"bad-query", "The query string is malformed", 400};
    case ProblemType::BadRequest:
        return {"bad-request", "The request is malformed", 400};
    case ProblemType::UnknownDomain:
        return {"unknown-domain", "This service does not serve that domain", 404};
    case ProblemType::NotFound:
        return {"not-found", "Not found", 404};
    case ProblemType::BodyTooLarge:
        return {"body-too-large", "The request body is too large", 413};
    case ProblemType::UnsupportedMediaType:
        return {"unsupported-media-type", "The request body has an unsupported media type", 415};
    case ProblemType::MethodNotAllowed:
        return {"method-not-allowed", "Method not allowed", 405};
    case ProblemType::Internal:
        return {"internal-error", "Internal server error", 500};
    case ProblemType::Unavailable:
        return {"unavailable", "The service is temporarily unavailable", 503};
    case ProblemType::TooManyAttempts:
        return {"too-many-attempts", "Too many failed authentications; retry later", 429};
    }
    return {"internal-error", "Internal server error", 500};
}

} // namespace

std::string_view problemSlug(ProblemType type) {
    return info(type).slug;
}

std::string_view problemTitle(ProblemType type) {
    return info(type).title;
}

int problemStatus(ProblemType type) {
    return info(type).status;
}

void appendJsonEscaped(std::string &out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u >= 0x80) {
                // Details may quote client input; keep the body valid UTF-8.
                out += '?';
            } else if (u < 0x20 || u == 0x7f) {
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0x0f];
            } else {
                out += c;
            }
        }
    }
}

std::string Problem::toJson() const {
    std::string out = R"({"type":"https://napkin.invalid/problems/)";
    out += problemSlug(type);
    out += R"(","title":")";
    appendJsonEscaped(out, problemTitle(type));
    out += R"(","status":)";
    out += std::to_string(problemStatus(type));
    out += R"(,"detail":")";
    appendJsonEscaped(out, detail);
    out += "\"}";
    return out;
}

} // namespace napkin::certd
