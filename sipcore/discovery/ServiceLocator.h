// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Finds a domain's certificate service (draft-jennings-sipping-certs §5):
// the SRV record _certificates._tcp.<domain>, else certificates.<domain>:443;
// and the addresses of a target. With a configured DNS server, every question
// (SRV and A/AAAA) goes to that server and nowhere else: never /etc/hosts,
// never the system resolver. Without one, the system's resolver is used.

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/SrvSelection.h"

#include <QHostAddress>
#include <QList>
#include <QObject>

#include <functional>
#include <map>
#include <vector>

namespace napkin::discovery {

/// Where to connect for a domain's service, before address resolution.
struct ServiceTarget {
    QString host; ///< also the TLS server name indication
    quint16 port = 443;
    bool fromSrv = false; ///< false: the certificates.<domain> fallback
    /// For the fallback: why the SRV query failed (SERVFAIL, REFUSED, no
    /// answer), or empty when the domain simply has no SRV record. Then a
    /// fallback host without an address means "could not check", not "no service".
    QString srvFailure;
};

/// Asynchronous DNS for the certificate service. Callbacks run later on the
/// thread that owns the locator (never inside the call), and never after the
/// locator is destroyed.
class ServiceLocator : public QObject {
    Q_OBJECT
public:
    using TargetsCallback = std::function<void(DiscoveryResult<std::vector<ServiceTarget>>)>;
    using AddressesCallback = std::function<void(DiscoveryResult<QList<QHostAddress>>)>;

    explicit ServiceLocator(DnsServer server, QObject *parent = nullptr);
    ~ServiceLocator() override;

    /// The targets to try, in RFC 2782 order, or the fallback host (also when
    /// the SRV query fails: only the TLS name check decides trust, so a
    /// failed SRV query is no reason to give up). Errors: NoService (an SRV
    /// record says "."), InvalidAddress.
    void findTargets(const QString &domain, TargetsCallback done);

    /// IPv4 then IPv6 addresses of a host. NoService when the name has none
    /// (`forDomain` names the service's domain in that message); DnsFailure
    /// when the server fails or does not answer.
    void resolveHost(const QString &host, const QString &forDomain, AddressesCallback done);

    /// Replaces the random source of the weighted SRV order (tests).
    void setRandom(UniformRandom random) { m_random = std::move(random); }

    [[nodiscard]] const DnsServer &server() const { return m_server; }
    /// "the DNS server 127.0.0.53" or "the system's DNS resolver", for messages.
    [[nodiscard]] QString serverDescription() const;

private:
    using Question = std::pair<QString, DnsRecordType>;
    using AnswersCallback = std::function<void(std::vector<DnsAnswer>)>;

    /// Runs the questions one after another on a worker thread.
    void ask(std::vector<Question> questions, AnswersCallback done);
    void deliver(quint64 id, std::vector<DnsAnswer> answers);
    void resolveWithSystem(const QString &host, const QString &forDomain, AddressesCallback done);

    DnsServer m_server;
    UniformRandom m_random;
    quint64 m_nextId = 1;
    std::map<quint64, AnswersCallback> m_pending;
};

} // namespace napkin::discovery
