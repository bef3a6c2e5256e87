// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A throw-away certificate authority for tests: a root CA and server
// certificates for loopback services, written as PEM files into a directory
// the test owns, plus deliberately wrong certificates for negative tests.

#include "tests/support/CertBuilder.h"

#include <QString>
#include <QStringList>

namespace napkin::testing {

/// A server certificate written to disk.
struct ServerCertFiles {
    IssuedCert issued;
    QString certPath;  ///< leaf certificate, PEM
    QString keyPath;   ///< its key, PEM, mode 0600
    QString chainPath; ///< leaf followed by the root, PEM
};

/// Ways a service certificate can fail to name the domain it serves.
enum class WrongName {
    OtherDomain,    ///< names "other.example" instead
    SubDomain,      ///< names "certs.<domain>"
    Wildcard,       ///< names "*.<domain>"
    CommonNameOnly, ///< the domain only in the subject CN, no DNS SAN
};

class TestCa {
public:
    /// Creates a root CA and writes `<dir>/ca.pem`.
    [[nodiscard]] static TestResult<TestCa>
    create(const QString &dir, TestKeyKind kind = TestKeyKind::EcP256,
           const QString &name = QStringLiteral("Napkin Test Root CA"));

    /// Issues a server certificate (serverAuth) for the DNS names and IP
    /// addresses and writes `<dir>/<stem>.pem`, `<stem>.key`, `<stem>-chain.pem`.
    [[nodiscard]] TestResult<ServerCertFiles>
    issueServer(const QString &stem, const QStringList &dnsNames,
                const QStringList &ipAddresses = {}, TestKeyKind kind = TestKeyKind::EcP256,
                qint64 notBeforeOffset = -300, qint64 notAfterOffset = 30 * 86400) const;

    /// A trusted certificate that does not name `domain` in the way `how` says.
    [[nodiscard]] TestResult<ServerCertFiles>
    issueWrongName(const QString &stem, const QString &domain, WrongName how) const;

    /// A self-signed server certificate for the names: right names, but no
    /// client that trusts only this CA accepts it.
    [[nodiscard]] static TestResult<ServerCertFiles>
    selfSignedServer(const QString &dir, const QString &stem, const QStringList &dnsNames,
                     TestKeyKind kind = TestKeyKind::EcP256);

    /// Path of the root certificate (PEM), to trust in clients.
    [[nodiscard]] QString rootCertPath() const { return m_rootPath; }
    [[nodiscard]] const crypto::Certificate &rootCertificate() const { return m_cert; }
    [[nodiscard]] const crypto::PrivateKey &rootKey() const { return m_key; }
    [[nodiscard]] QString directory() const { return m_dir; }

private:
    TestCa(QString dir, QString rootPath, crypto::Certificate cert, crypto::PrivateKey key);

    QString m_dir;
    QString m_rootPath;
    crypto::Certificate m_cert;
    crypto::PrivateKey m_key;
};

} // namespace napkin::testing
