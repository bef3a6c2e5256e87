// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What every napkin-certd integration test starts from: a temporary
// directory, a test CA, a service certificate for the domains, and helpers
// to build device certificates and talk to the search-cgi resource.

#include "tests/support/CertBuilder.h"
#include "tests/support/CertdInstance.h"
#include "tests/support/CertsOnlyReader.h"
#include "tests/support/HttpsClient.h"
#include "tests/support/TestCa.h"

#include <QTemporaryDir>

#include <memory>
#include <optional>

namespace napkin::testing {

/// The query target for an address: "/search-cgi?sip=bob%40b.example".
[[nodiscard]] QByteArray searchTarget(const QString &address, const QByteArray &parameter = "sip");

/// A PUT (or any method) of a DER device certificate to an address.
[[nodiscard]] HttpRequest enrolRequest(const QString &address, const QByteArray &body,
                                       const QByteArray &contentType = "application/pkix-cert");

/// A self-signed EC device certificate for `address` ("bob@b.example") with a
/// random instance URN; aborts the test function (QVERIFY) on failure.
[[nodiscard]] IssuedCert makeDevice(const QString &address,
                                    std::optional<QString> instanceUrn = std::nullopt);

/// A renewal of `previous` (same address and instance URN, fresh EC key)
/// carrying previous's key continuity proof; aborts the test function on failure.
[[nodiscard]] IssuedCert renewDevice(const IssuedCert &previous);

/// The sorted fingerprints an address's GET returns (empty on 404); an error
/// for any other answer.
[[nodiscard]] TestResult<QStringList> servedFingerprints(HttpsClient &client,
                                                         const QString &address);

class CertdTestBed {
public:
    /// Creates the directory, the CA and a service certificate naming `domains`
    /// (RSA 2048 when `rsa`, so that the RFC 3268 suite can be negotiated).
    [[nodiscard]] static TestResult<std::unique_ptr<CertdTestBed>>
    create(const QStringList &domains = {QStringLiteral("b.example"), QStringLiteral("a.example")},
           bool rsa = false);

    /// A configuration for an instance using the service certificate.
    [[nodiscard]] CertdConfig config() const;
    /// A new instance in its own sub-directory (not started).
    [[nodiscard]] std::unique_ptr<CertdInstance> instance(const QString &name,
                                                          const CertdConfig &config) const;

    [[nodiscard]] QString dir() const { return m_dir.path(); }
    [[nodiscard]] const TestCa &ca() const { return *m_ca; }
    [[nodiscard]] const ServerCertFiles &serverCert() const { return *m_server; }
    [[nodiscard]] const QStringList &domains() const { return m_domains; }

private:
    CertdTestBed() = default;

    QTemporaryDir m_dir;
    std::optional<TestCa> m_ca;
    std::optional<ServerCertFiles> m_server;
    QStringList m_domains;
};

} // namespace napkin::testing
