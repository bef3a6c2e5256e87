// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The world the discovery tests run in, all on loopback: a test CA (and a
// rogue one nobody trusts), a real dnsmasq answering for the test domains,
// real napkin-certd instances with certificates that name (or deliberately
// fail to name) their domains, and helpers to seed their databases.

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/ServiceClient.h"
#include "tests/support/CertBuilder.h"
#include "tests/support/CertdInstance.h"
#include "tests/support/DnsmasqServer.h"
#include "tests/support/TestCa.h"

#include <QTemporaryDir>

#include <map>
#include <memory>
#include <optional>

namespace napkin::testing {

/// One certificate service the bed runs.
struct ServiceSpec {
    QString name;          ///< "certd-b"
    QStringList domains;   ///< what certd serves (its certificate must name these)
    QStringList certNames; ///< DNS SANs of its certificate (default: domains)
    bool rogueCa = false;  ///< issued by the CA that clients do not trust
    quint16 port = 0;      ///< 0: any free port
    std::optional<int> maxAge;
    std::optional<int> maxValidityDays;
    std::optional<int> nonceLifetime;
};

class DiscoveryTestBed {
public:
    /// Temporary directory, the two CAs, and a dnsmasq that is not started yet.
    [[nodiscard]] static TestResult<std::unique_ptr<DiscoveryTestBed>> create();

    /// Issues its certificate and starts a certd for `spec`.
    [[nodiscard]] TestResult<CertdInstance *> startService(const ServiceSpec &spec);
    [[nodiscard]] CertdInstance *service(const QString &name) const;

    /// Records are added before startDns() (or restartDns()).
    [[nodiscard]] DnsmasqServer &dns() { return m_dns; }
    [[nodiscard]] TestResult<void> startDns() { return m_dns.start(); }
    /// SRV _certificates._tcp.<domain> -> <host>:<port of service>, and A <host> -> its address.
    void pointSrv(const QString &domain, const QString &host, const CertdInstance &service,
                  quint16 priority = 0, quint16 weight = 0);

    /// A user of a service (`napkin-certd user add`).
    [[nodiscard]] TestResult<void> addUser(CertdInstance &service, const QString &address,
                                           const QString &password);
    /// Writes a device row straight into the service's SQLite database,
    /// bypassing every check the service makes on PUT. `username`/`domain`
    /// say whose set it joins; `notAfterColumn` overrides the stored expiry.
    [[nodiscard]] TestResult<void> insertDevice(CertdInstance &service, const QString &username,
                                                const QString &domain, const IssuedCert &device,
                                                std::optional<qint64> notAfterColumn = {});
    /// A self-signed device certificate; `notAfterOffset` seconds from now.
    [[nodiscard]] static TestResult<IssuedCert>
    device(const QString &aor, qint64 notAfterOffset = 7 * 86400, qint64 notBeforeOffset = -300);

    /// Request log lines of a service that contain `text` ("GET /search-cgi?sip=bob%40b.example").
    [[nodiscard]] static int logLines(CertdInstance &service, const QString &text);

    /// Settings for a ServiceClient that asks only our dnsmasq and trusts the test CA.
    [[nodiscard]] discovery::ServiceClientSettings clientSettings() const;
    [[nodiscard]] std::shared_ptr<const discovery::TrustStore> trust() const;
    [[nodiscard]] std::unique_ptr<discovery::ServiceClient> makeClient() const;

    [[nodiscard]] QString dir() const { return m_dir.path(); }
    [[nodiscard]] const TestCa &ca() const { return *m_ca; }
    [[nodiscard]] QString caFile() const { return m_ca->rootCertPath(); }
    [[nodiscard]] static QString certdBinary();

private:
    DiscoveryTestBed();

    QTemporaryDir m_dir;
    std::optional<TestCa> m_ca;
    std::optional<TestCa> m_rogue;
    DnsmasqServer m_dns;
    std::map<QString, std::unique_ptr<CertdInstance>> m_services;
};

/// Runs the event loop until `done` is true or `timeoutMs` passes.
[[nodiscard]] bool spinUntil(const std::function<bool()> &done, int timeoutMs);

} // namespace napkin::testing
