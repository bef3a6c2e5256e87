// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A real DNS server for tests: Debian's dnsmasq on a loopback address of its
// own, port 53 (Qt's QDnsLookup and most resolvers only speak to port 53),
// answering only from the records the test gives it. Names under the
// "local" domains that have no record get NXDOMAIN; anything else is REFUSED
// (no upstream), which a client sees as a DNS failure.
//
// dnsmasq changes its credentials at start-up, which clears the
// PR_SET_PDEATHSIG that ManagedProcess sets, so a test killed without running
// destructors would leave it behind. Each instance therefore records
// "dnsmasq pid -> test pid" in a directory under /tmp, and start() stops the
// instances whose test process is gone.

#include "tests/support/ManagedProcess.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace napkin::testing {

class DnsmasqServer {
public:
    struct SrvRecord {
        QString name;   ///< "_certificates._tcp.a.example"
        QString target; ///< empty: the RFC 2782 "." record (service decidedly absent)
        quint16 port = 0;
        quint16 priority = 0;
        quint16 weight = 0;
    };
    struct HostRecord {
        QString name;
        QString address; ///< IPv4 or IPv6 text
    };

    /// `workDir` receives the logs; `name` tells several instances apart.
    explicit DnsmasqServer(QString workDir, QString name = QStringLiteral("dnsmasq"));
    ~DnsmasqServer();
    DnsmasqServer(const DnsmasqServer &) = delete;
    DnsmasqServer &operator=(const DnsmasqServer &) = delete;

    /// Answers NXDOMAIN for names under `domain` that have no record
    /// (instead of REFUSED). Domains of added records are made local too.
    void addLocalDomain(const QString &domain);
    void addSrv(const SrvRecord &record);
    /// `localDomain` false: other names of its domain (its SRV record, say)
    /// stay REFUSED, as from a DNS server that fails for them.
    void addHost(const QString &name, const QString &address, bool localDomain = true);
    /// Forgets every record and local domain (restart() to apply).
    void clearRecords();

    /// Starts on a fresh unique loopback address, port 53, and waits until it serves.
    [[nodiscard]] TestResult<void> start(int timeoutMs = 10000);
    /// Stops and starts again on the same address with the current records
    /// (dnsmasq does not re-read command-line records on SIGHUP).
    [[nodiscard]] TestResult<void> restart(int timeoutMs = 10000);
    ProcessExit stop();

    [[nodiscard]] QHostAddress address() const { return m_address; }
    [[nodiscard]] quint16 port() const { return 53; }
    /// How many queries for `name` (any type) it has logged so far.
    [[nodiscard]] int queriesFor(const QString &name) const;
    [[nodiscard]] ManagedProcess *process() { return m_process.get(); }

private:
    [[nodiscard]] QStringList arguments() const;
    [[nodiscard]] TestResult<void> launch(int timeoutMs);
    /// Stops dnsmasq processes left behind by test processes that died.
    static void reapOrphans();

    QString m_workDir;
    QString m_name;
    QHostAddress m_address;
    QStringList m_localDomains;
    std::vector<SrvRecord> m_srv;
    std::vector<HostRecord> m_hosts;
    std::unique_ptr<ManagedProcess> m_process;
    int m_generation = 0;
};

} // namespace napkin::testing
