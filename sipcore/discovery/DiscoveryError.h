// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The typed errors of certificate discovery and enrolment. Each code is one
// thing the UI can explain in words; the message already says it, naming the
// domain, host or certificate involved, and never contains a secret.

#include "crypto/Result.h"

#include <QString>

#include <chrono>

namespace napkin::discovery {

enum class DiscoveryErrc {
    InvalidAddress,              ///< the address of record does not parse
    NoService,                   ///< the domain publishes no certificate service
    DnsFailure,                  ///< the DNS server failed, refused or did not answer
    ConnectionRefused,           ///< nothing listens at the service's address
    Timeout,                     ///< the service accepted but did not answer in time
    TlsFailure,                  ///< the TLS handshake failed for another reason
    UntrustedServiceCertificate, ///< the service's certificate chain is not trusted
    TlsNameMismatch,             ///< trusted chain, but the certificate does not name the domain
    HttpError,                   ///< an HTTP status the operation cannot use (see httpStatus)
    MalformedResponse,           ///< the HTTP response itself is broken
    MalformedSet,                ///< the body is not a certificate set
    EmptySet,                    ///< the service publishes no usable certificate for the address
    NotListed,                   ///< refreshIfUnknown: the service does not list that certificate
    AuthFailed,                  ///< the service rejected the user name or password
    Forbidden,                   ///< authenticated, but not allowed to act for this address
    Rejected,                    ///< the service refused the enrolled certificate (see problemType)
    LocalFailure,                ///< a local file, key store or key generation failed
    Cancelled,                   ///< the operation was abandoned by its owner
    AddressNotAllowed, ///< the service is at a loopback, private or link-local address, and the
                       ///< profile does not allow those ([network] allow_private_services)
    RateLimited,       ///< the domain's service was asked too often in the last minute
};

/// A short stable name for logs, JSON output and tests ("tls-name-mismatch").
[[nodiscard]] QString errcName(DiscoveryErrc code);

struct DiscoveryError {
    DiscoveryErrc code = DiscoveryErrc::LocalFailure;
    QString message;     ///< for people; names what failed and what to check
    int httpStatus = 0;  ///< for HttpError, AuthFailed, Forbidden, Rejected
    QString problemType; ///< the RFC 9457 problem slug, when the service sent one
    /// The service's Retry-After (429, 503), in seconds; zero when it sent none.
    std::chrono::seconds retryAfter{0};
};

template <typename T> using DiscoveryResult = napkin::Result<T, DiscoveryError>;

/// Shorthand for building an error value.
[[nodiscard]] inline DiscoveryError discoveryError(DiscoveryErrc code, QString message) {
    return DiscoveryError{code, std::move(message), 0, {}, {}};
}

} // namespace napkin::discovery
