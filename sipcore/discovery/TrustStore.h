// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The certificate authorities a certificate service's TLS certificate must
// chain to: the system's store plus an optional extra CA file. Verification
// is OpenSSL's own (X509_verify_cert, purpose "TLS server"), done after the
// handshake and before any request is sent. The system store is consulted
// lazily by hash, so creating a TrustStore costs nothing until it is used
// (Qt's systemCaCertificates() parses every file in /etc/ssl/certs).

#include "crypto/OpenSslPtr.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QList>
#include <QSslCertificate>
#include <QString>

#include <memory>

namespace napkin::discovery {

class TrustStore {
public:
    /// `extraCaFile`: PEM file with one or more CA certificates (may be empty).
    /// LocalFailure when that file is unreadable or holds no certificate.
    [[nodiscard]] static DiscoveryResult<std::shared_ptr<const TrustStore>>
    create(const QString &extraCaFile, bool includeSystem = true);

    /// Verifies a chain as the server sent it (leaf first) for TLS server
    /// use at the current time. The error says why, in OpenSSL's words.
    [[nodiscard]] Result<void, QString> verify(const QList<QSslCertificate> &chain) const;

private:
    explicit TrustStore(crypto::X509StorePtr store) : m_store(std::move(store)) {}

    crypto::X509StorePtr m_store;
};

/// TrustStore::create(extraCaFile, includeSystem), under the name callers know.
[[nodiscard]] inline DiscoveryResult<std::shared_ptr<const TrustStore>>
loadTrustStore(const QString &extraCaFile, bool includeSystem = true) {
    return TrustStore::create(extraCaFile, includeSystem);
}

} // namespace napkin::discovery
