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
    };
    struct Attempt;

    void pump(const QString &domain);
    void startConnecting(const QString &domain);
    void tryTarget(const std::shared_ptr<Attempt> &attempt);
    void tryAddress(const std::shared_ptr<Attempt> &attempt);
    void connected(const QString &domain, HttpsConnection *connection);
    void connectFailed(const QString &domain, DiscoveryError error);
    void dropConnection(Domain &state);

    ServiceClientSettings m_settings;
    std::shared_ptr<TlsContext> m_tls;
    ServiceLocator *m_locator;
    std::map<QString, Domain> m_domains;
    int m_connectionsOpened = 0;
};

} // namespace napkin::discovery
