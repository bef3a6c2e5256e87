// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/DiscoveryError.h"

namespace napkin::discovery {

QString errcName(DiscoveryErrc code) {
    switch (code) {
    case DiscoveryErrc::InvalidAddress:
        return QStringLiteral("invalid-address");
    case DiscoveryErrc::NoService:
        return QStringLiteral("no-service");
    case DiscoveryErrc::DnsFailure:
        return QStringLiteral("dns-failure");
    case DiscoveryErrc::ConnectionRefused:
        return QStringLiteral("connection-refused");
    case DiscoveryErrc::Timeout:
        return QStringLiteral("timeout");
    case DiscoveryErrc::TlsFailure:
        return QStringLiteral("tls-failure");
    case DiscoveryErrc::UntrustedServiceCertificate:
        return QStringLiteral("untrusted-service-certificate");
    case DiscoveryErrc::TlsNameMismatch:
        return QStringLiteral("tls-name-mismatch");
    case DiscoveryErrc::HttpError:
        return QStringLiteral("http-error");
    case DiscoveryErrc::MalformedResponse:
        return QStringLiteral("malformed-response");
    case DiscoveryErrc::MalformedSet:
        return QStringLiteral("malformed-set");
    case DiscoveryErrc::EmptySet:
        return QStringLiteral("empty-set");
    case DiscoveryErrc::NotListed:
        return QStringLiteral("not-listed");
    case DiscoveryErrc::AuthFailed:
        return QStringLiteral("auth-failed");
    case DiscoveryErrc::Forbidden:
        return QStringLiteral("forbidden");
    case DiscoveryErrc::Rejected:
        return QStringLiteral("rejected");
    case DiscoveryErrc::LocalFailure:
        return QStringLiteral("local-failure");
    case DiscoveryErrc::Cancelled:
        return QStringLiteral("cancelled");
    case DiscoveryErrc::AddressNotAllowed:
        return QStringLiteral("address-not-allowed");
    case DiscoveryErrc::RateLimited:
        return QStringLiteral("rate-limited");
    }
    return QStringLiteral("unknown");
}

} // namespace napkin::discovery
