// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A user's device certificates as the certificate service published them,
// after our own checks: every certificate names the address, is self-signed
// and is valid now. The others are dropped and reported, never used.

#include "crypto/Certificate.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <optional>
#include <vector>

namespace napkin::discovery {

/// A certificate the set contained that we will not use, and why.
struct DroppedCertificate {
    QString fingerprint; ///< "sha256:hex"
    QString reason;      ///< for people: "it is issued for sip:eve@b.example"
};

struct CertificateSet {
    crypto::Aor aor;
    std::vector<crypto::Certificate> certificates; ///< accepted, never empty
    std::vector<DroppedCertificate> dropped;
    QByteArray etag; ///< as the service sent it (with quotes), may be empty
    std::chrono::system_clock::time_point fetchedAt;
    /// The service's Cache-Control max-age, if it sent one.
    std::optional<std::chrono::seconds> maxAge;

    /// Whether an accepted certificate has this fingerprint ("sha256:hex").
    [[nodiscard]] bool contains(const QString &fingerprint) const;
    [[nodiscard]] std::optional<crypto::Certificate> find(const QString &fingerprint) const;
};

/// How long a device certificate's notBefore may lie in the future (clocks drift).
constexpr std::chrono::minutes kNotBeforeTolerance{5};

/// The Accept header of a GET for a set: the draft's certs-only CMS first,
/// then the other encodings decodeCertificateSet reads, at a lower quality.
constexpr const char *kCertificateSetAccept =
    "application/pkcs7-mime, application/pkix-cert;q=0.5, "
    "application/pem-certificate-chain;q=0.5";

/// The certificates of a response body: `application/pkcs7-mime;
/// smime-type=certs-only` (DER, crypto::decodeCertsOnly),
/// `application/pem-certificate-chain`, or `application/pkix-cert` (RFC 2585:
/// a set of one, a single DER certificate with nothing after it).
/// MalformedSet otherwise, and for an empty body.
[[nodiscard]] DiscoveryResult<std::vector<crypto::Certificate>>
decodeCertificateSet(const QByteArray &contentType, const QByteArray &body);

/// Splits `certificates` into those we accept for `aor` at `now` and those
/// we drop (another address, not self-signed, expired, not yet valid, a
/// duplicate). EmptySet when nothing is left, naming what was dropped.
[[nodiscard]] DiscoveryResult<CertificateSet>
filterCertificateSet(const crypto::Aor &aor, std::vector<crypto::Certificate> certificates,
                     std::chrono::system_clock::time_point now);

/// "sip:bob@b.example" for messages.
[[nodiscard]] QString aorText(const crypto::Aor &aor);
/// The fingerprint as QString.
[[nodiscard]] QString fingerprintOf(const crypto::Certificate &certificate);
/// ISO 8601 UTC, for messages and output.
[[nodiscard]] QString isoTime(std::chrono::system_clock::time_point when);

} // namespace napkin::discovery
