// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/EnrolPolicy.h"

#include "crypto/LogText.h"

#include <openssl/err.h>

namespace napkin::certd {

namespace {

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != prefix[i]) {
            return false;
        }
    }
    return true;
}

Result<void, Problem> problem(ProblemType type, std::string detail) {
    return fail(Problem{type, std::move(detail)});
}

/// A "urn:uuid:" SAN URI is the device's instance: clients show it and key on it, so it
/// must be a UUID and nothing else, and there is at most one.
std::optional<Problem> checkInstanceUrns(const crypto::Certificate &cert) {
    int instances = 0;
    for (const auto &uri : cert.sanUris()) {
        if (!startsWithNoCase(uri, "urn:uuid:")) {
            continue;
        }
        if (auto canonical = crypto::normaliseInstanceUrn(uri); !canonical) {
            // The message quotes the URI: no control character goes back or into a log.
            return Problem{ProblemType::BadInstanceUrn,
                           crypto::escapeControls(canonical.error().message) +
                               "; a device's instance URN must be urn:uuid: and a UUID of "
                               "8-4-4-4-12 hex digits, such as "
                               "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"};
        }
        if (++instances > 1) {
            return Problem{ProblemType::BadInstanceUrn,
                           "the certificate names more than one urn:uuid: instance; a device "
                           "certificate names one at most"};
        }
    }
    return std::nullopt;
}

std::string formatDays(std::chrono::seconds s) {
    auto days = s.count() / 86400;
    auto hours = (s.count() % 86400) / 3600;
    std::string out = std::to_string(days);
    out += " days";
    if (hours != 0) {
        out += ' ';
        out += std::to_string(hours);
        out += " hours";
    }
    return out;
}

} // namespace

Result<crypto::Certificate, Problem> parseDeviceCertificate(std::string_view body) {
    crypto::ByteView bytes(reinterpret_cast<const std::uint8_t *>(body.data()), body.size());
    if (body.empty()) {
        return fail(Problem{ProblemType::MalformedCertificate, "the request body is empty"});
    }
    if (body.find("-----BEGIN ") != std::string_view::npos) {
        auto list = crypto::Certificate::listFromPem(body);
        if (!list) {
            return fail(
                Problem{ProblemType::MalformedCertificate,
                        "the PEM body does not hold a certificate: " + list.error().message});
        }
        if (list->size() != 1) {
            return fail(Problem{ProblemType::MalformedCertificate,
                                "the body holds " + std::to_string(list->size()) +
                                    " certificates; enrol one device certificate at a time"});
        }
        return std::move(list.value().front());
    }
    auto cert = crypto::Certificate::fromDer(bytes);
    if (!cert) {
        return fail(Problem{ProblemType::MalformedCertificate,
                            "the body is not a DER certificate: " + cert.error().message});
    }
    return std::move(cert).value();
}

Result<void, Problem> checkDeviceCertificate(const crypto::Certificate &cert,
                                             const crypto::Aor &aor,
                                             const EnrolPolicyOptions &options,
                                             crypto::SystemTime now) {
    auto key = cert.keyInfo();
    bool keyOk = false;
    if (key.type == crypto::KeyType::Ec) {
        keyOk = key.curve == "prime256v1" || key.curve == "secp384r1";
    } else if (key.type == crypto::KeyType::Rsa) {
        keyOk = key.bits >= 2048 && key.bits <= kMaxRsaBits;
    }
    if (!keyOk) {
        return problem(ProblemType::KeyNotAllowed,
                       "the certificate has a " + key.algorithm +
                           " key; allowed are EC P-256, EC P-384 and RSA of 2048 to " +
                           std::to_string(kMaxRsaBits) + " bits");
    }

    X509 *x = cert.native();
    if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) != 0) {
        return problem(ProblemType::NotSelfSigned,
                       "the certificate's issuer differs from its subject: a device certificate "
                       "must be self-signed");
    }
    EVP_PKEY *pub = X509_get0_pubkey(x);
    int verified = pub != nullptr ? X509_verify(x, pub) : -1;
    ERR_clear_error();
    if (verified != 1) {
        return problem(ProblemType::BadSignature,
                       "the certificate's self-signature does not verify with its own key");
    }

    bool named = false;
    for (const auto &uri : cert.sanUris()) {
        if (!startsWithNoCase(uri, "sip:") && !startsWithNoCase(uri, "sips:")) {
            continue;
        }
        if (!crypto::sanUriMatchesAor(uri, aor)) {
            return problem(ProblemType::AorMismatch, "the certificate also names " + uri +
                                                         "; it must name only " + aor.uri());
        }
        named = true;
    }
    if (!named) {
        return problem(ProblemType::AorMismatch,
                       "the certificate has no subjectAltName URI " + aor.uri());
    }
    if (auto bad = checkInstanceUrns(cert)) {
        return fail(std::move(*bad));
    }

    if (cert.notBefore() > now + kPolicyClockSkew) {
        return problem(ProblemType::CertificateNotYetValid,
                       "the certificate is not valid until later (check the device's clock)");
    }
    if (cert.notAfter() <= now) {
        return problem(ProblemType::CertificateExpired, "the certificate has expired");
    }
    auto period =
        std::chrono::duration_cast<std::chrono::seconds>(cert.notAfter() - cert.notBefore());
    std::chrono::seconds max{static_cast<std::int64_t>(options.maxValidityDays) * 86400};
    if (period > max + kValidityTolerance) {
        return problem(ProblemType::ValidityTooLong,
                       "the certificate is valid for " + formatDays(period) + "; at most " +
                           std::to_string(options.maxValidityDays) + " days are accepted");
    }
    return {};
}

} // namespace napkin::certd
