// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Sends HTTP requests to a domain's certificate service: finds it with
// ServiceLocator, tries the SRV targets and their addresses in order until a
// connection passes the TLS checks, and keeps that connection for the next
// request (and a TLS session ticket for the next connection).

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/HttpsConnection.h"
#include "sipcore/discovery/ServiceLocator.h"

#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>

namespace napkin::discovery {

struct ServiceClientSettings {
    DnsServer dns;
    int connectTimeoutMs = 10000;
    int requestTimeoutMs = 15000;
    /// An idle connection is closed after this long.
    int idleTimeoutMs = 30000;
    /// Keep connections open between requests (false: a new one each time).
    bool reuseConnections = true;
    /// Offer the last TLS session ticket when opening a new connection.
    bool sessionResumption = true;
    QByteArray userAgent = "Napkin";
    /// Connect to services at loopback, link-local, private (RFC 1918), CGNAT
    /// and unique local IPv6 addresses ([network] allow_private_services).
    /// Off: a domain's DNS (which an incoming INVITE's sender may control)
    /// cannot aim this device at its own host or its LAN. Multicast, broadcast
    /// and unspecified addresses are refused either way.
    bool allowPrivateServices = false;
    /// Per-domain state (connections, queues) kept for at most this many
    /// domains; the least recently used idle one is forgotten first.
    std::size_t maxDomains = 256;
};

class ServiceClient : public QObject {
    Q_OBJECT
public:
    using ResponseCallback = std::function<void(DiscoveryResult<HttpResponse>)>;

    /// `trust` comes from TrustStore::create() (or loadTrustStore()).
    ServiceClient(ServiceClientSettings settings, std::shared_ptr<const TrustStore> trust,
                  QObject *parent = nullptr);
    ~ServiceClient() override;

    /// Sends `request` to `domain`'s certificate service. The callback runs
    /// later on this object's thread (never inside this call) and never after
    /// this object is destroyed. Any HTTP status is a success here; callers
    /// interpret it.
    void request(const QString &domain, HttpRequest request, ResponseCallback done);

    /// Closes every open connection (the next request opens a new one).
    void closeConnections();

    [[nodiscard]] ServiceLocator &locator() { return *m_locator; }
    [[nodiscard]] const ServiceClientSettings &settings() const { return m_settings; }
    /// How many TLS connections were opened so far (benchmarks, tests).
    [[nodiscard]] int connectionsOpened() const { return m_connectionsOpened; }

private:
    struct Pending {
        HttpRequest request;
        ResponseCallback done;
        bool retried = false;
    };
    struct Domain {
        QPointer<HttpsConnection> connection;
        std::deque<Pending> queue;
        bool connecting = false;
        QTimer *idle = nullptr;
        std::uint64_t lastUse = 0;
    };
    struct Attempt;

    void pump(const QString &domain);
    void startConnecting(const QString &domain);
    void tryTarget(const std::shared_ptr<Attempt> &attempt);
    void tryAddress(const std::shared_ptr<Attempt> &attempt);
    void connected(const QString &domain, HttpsConnection *connection);
    void connectFailed(const QString &domain, DiscoveryError error);
    void dropConnection(Domain &state);
    /// The state of `domain` (made when new, forgetting the least recently
    /// used idle domain beyond maxDomains), marked as used now.
    Domain &use(const QString &domain);

    ServiceClientSettings m_settings;
    std::shared_ptr<TlsContext> m_tls;
    ServiceLocator *m_locator;
    std::map<QString, Domain> m_domains;
    std::uint64_t m_useClock = 0;
    int m_connectionsOpened = 0;
};

} // namespace napkin::discovery
