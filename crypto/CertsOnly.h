// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The certificates-only CMS structure of RFC 5751 §3.6 (a degenerate
// SignedData: certificates, no signers, no content), as the certificate
// service publishes a user's device certificates.

#include "crypto/Certificate.h"

#include <span>
#include <vector>

namespace napkin::crypto {

constexpr std::size_t kMaxCertsOnlyCertificates = 64;
constexpr std::size_t kMaxCertsOnlySize = 1024 * 1024;

/// DER of a certs-only SignedData holding `certificates` (duplicates are
/// written once). InvalidArgument for none or more than
/// kMaxCertsOnlyCertificates.
[[nodiscard]] CryptoResult<Bytes> encodeCertsOnly(std::span<const Certificate> certificates);

/// The certificates of a certs-only structure, in encoding order (DER
/// sorts the SET OF, so not necessarily the order they were added in). MalformedDer for
/// anything else: not CMS, not SignedData, signers or content present, no
/// certificates, more than kMaxCertsOnlyCertificates, trailing bytes, or
/// larger than kMaxCertsOnlySize.
[[nodiscard]] CryptoResult<std::vector<Certificate>> decodeCertsOnly(ByteView der);

} // namespace napkin::crypto
