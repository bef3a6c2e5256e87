// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Name checks of the draft: does a device certificate belong to an AOR, and
// does a certificate service's TLS certificate name the AOR's domain.

#include "crypto/Certificate.h"

#include <optional>
#include <string>
#include <string_view>

namespace napkin::crypto {

/// An address of record, normalised: scheme "sip" or "sips", user part as
/// written (case-sensitive), host lower-cased without a trailing dot.
struct Aor {
    std::string scheme = "sip";
    std::string user;
    std::string host;

    /// "sip:user@host" (the scheme as parsed).
    [[nodiscard]] std::string uri() const;
    /// "user@host", the form used in the service's query string.
    [[nodiscard]] std::string address() const;
    [[nodiscard]] bool operator==(const Aor &) const = default;
};

/// Parses "sip:user@host", "sips:user@host", or a bare "user@host". URI
/// parameters (";transport=tcp") and headers ("?subject=x") are dropped; a port
/// is rejected (an AOR has none), so are an empty user and an invalid host.
[[nodiscard]] CryptoResult<Aor> parseAor(std::string_view text);

/// A SAN URI names an AOR: scheme sip/sips (either matches either), user part
/// exactly equal, host equal ignoring case and one trailing dot, parameters ignored.
[[nodiscard]] bool sanUriMatchesAor(std::string_view sanUri, const Aor &aor);

/// Some SIP/SIPS SAN URI of the certificate names the AOR; NameMismatch otherwise,
/// saying which names the certificate carries.
[[nodiscard]] Result<void, CryptoError> checkCertificateForAor(const Certificate &cert,
                                                               const Aor &aor);

/// RFC 5922 / the draft: some DNS SAN of the service certificate equals the
/// domain, case-insensitively (one trailing dot ignored on either side).
/// Sub-domains, wildcards and IP addresses never match a host name; the subject
/// CN is not consulted when DNS SANs are present (nor used at all).
[[nodiscard]] bool serviceCertificateNamesDomain(const Certificate &cert, std::string_view domain);

/// Like serviceCertificateNamesDomain, with a NameMismatch error that lists the
/// names the certificate does carry.
[[nodiscard]] Result<void, CryptoError> checkServiceCertificate(const Certificate &cert,
                                                                std::string_view domain);

/// The domain as compared: lower-case ASCII, one trailing dot removed. An IDN
/// must already be in punycode (A-label) form; non-ASCII is rejected.
[[nodiscard]] std::optional<std::string> normaliseDomain(std::string_view domain);

} // namespace napkin::crypto
