// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/ServiceClient.h"

#include "sipcore/discovery/AddressScope.h"
#include "sipcore/discovery/DiscoveryLog.h"
#include "sipcore/discovery/LeastRecentlyUsed.h"

#include <optional>

namespace napkin::discovery {

struct ServiceClient::Attempt {
    QString domain;
    std::vector<ServiceTarget> targets;
    std::size_t targetIndex = 0;
    QList<QHostAddress> addresses;
    qsizetype addressIndex = 0;
    std::optional<DiscoveryError> connectError; ///< refused or timed out somewhere
    std::optional<DiscoveryError> resolveError; ///< a target without address
    std::optional<DiscoveryError> blockedError; ///< an address the settings do not allow
};

ServiceClient::ServiceClient(ServiceClientSettings settings,
                             std::shared_ptr<const TrustStore> trust, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_tls(std::make_shared<TlsContext>()),
      m_locator(new ServiceLocator(m_settings.dns, this)) {
    m_tls->trust = std::move(trust);
    m_tls->sessionResumption = m_settings.sessionResumption;
}

ServiceClient::~ServiceClient() {
    for (auto &[domain, state] : m_domains) {
        dropConnection(state);
    }
}

void ServiceClient::request(const QString &domain, HttpRequest request, ResponseCallback done) {
    const QString key = domain.toLower();
    request.setHeader("User-Agent", m_settings.userAgent);
    if (!m_settings.reuseConnections) {
        request.setHeader("Connection", "close");
    }
    use(key).queue.push_back(Pending{std::move(request), std::move(done), false});
    QTimer::singleShot(0, this, [this, key] { pump(key); });
}

ServiceClient::Domain &ServiceClient::use(const QString &domain) {
    auto it = m_domains.find(domain);
    if (it == m_domains.end()) {
        if (m_domains.size() >= m_settings.maxDomains) {
            auto victim = leastRecentlyUsed(m_domains, [](const Domain &d) {
                return d.connecting || !d.queue.empty() || (d.connection && d.connection->isBusy());
            });
            if (victim != m_domains.end()) {
                dropConnection(victim->second);
                delete victim->second.idle;
                m_domains.erase(victim);
            }
        }
        it = m_domains.emplace(domain, Domain{}).first;
    }
    it->second.lastUse = ++m_useClock;
    return it->second;
}

void ServiceClient::closeConnections() {
    for (auto &[domain, state] : m_domains) {
        dropConnection(state);
    }
}

void ServiceClient::dropConnection(Domain &state) {
    if (state.idle != nullptr) {
        state.idle->stop();
    }
    if (state.connection) {
        HttpsConnection *c = state.connection;
        state.connection = nullptr;
        c->disconnect(this);
        c->close();
        c->deleteLater();
    }
}

void ServiceClient::pump(const QString &domain) {
    auto it = m_domains.find(domain);
    if (it == m_domains.end()) {
        return;
    }
    Domain &state = it->second;
    if (state.queue.empty()) {
        if (state.connection && state.connection->isReusable() && m_settings.reuseConnections) {
            if (state.idle == nullptr) {
                state.idle = new QTimer(this);
                state.idle->setSingleShot(true);
                connect(state.idle, &QTimer::timeout, this, [this, domain] {
                    auto found = m_domains.find(domain);
                    if (found != m_domains.end() && found->second.queue.empty()) {
                        dropConnection(found->second);
                    }
                });
            }
            state.idle->start(m_settings.idleTimeoutMs);
        }
        return;
    }
    if (state.connection && state.connection->isBusy()) {
        return;
    }
    if (state.connection && state.connection->isReusable()) {
        if (state.idle != nullptr) {
            state.idle->stop();
        }
        Pending pending = std::move(state.queue.front());
        state.queue.pop_front();
        QPointer<HttpsConnection> connection = state.connection;
        const HttpRequest sent = pending.request;
        connection->send(sent, [this, domain, connection, pending = std::move(pending)](
                                   DiscoveryResult<HttpResponse> result) mutable {
            auto &st = m_domains[domain];
            if (!result.ok() && connection && connection->failedBeforeAnswer() &&
                connection->requestsServed() > 0 && !pending.retried) {
                // A kept-alive connection the server had closed meanwhile:
                // the request never reached it, so send it once more.
                qCDebug(lcDiscovery) << "retrying on a new connection to" << domain;
                pending.retried = true;
                st.queue.push_front(std::move(pending));
                dropConnection(st);
                QTimer::singleShot(0, this, [this, domain] { pump(domain); });
                return;
            }
            if (!m_settings.reuseConnections || !connection || !connection->isReusable()) {
                dropConnection(st);
            }
            QTimer::singleShot(0, this, [this, domain] { pump(domain); });
            pending.done(std::move(result));
        });
        return;
    }
    if (!state.connecting) {
        dropConnection(state);
        startConnecting(domain);
    }
}

void ServiceClient::startConnecting(const QString &domain) {
    m_domains[domain].connecting = true;
    m_locator->findTargets(domain, [this, domain](DiscoveryResult<std::vector<ServiceTarget>> r) {
        if (!r.ok()) {
            connectFailed(domain, r.error());
            return;
        }
        auto attempt = std::make_shared<Attempt>();
        attempt->domain = domain;
        attempt->targets = std::move(r).value();
        tryTarget(attempt);
    });
}

void ServiceClient::tryTarget(const std::shared_ptr<Attempt> &attempt) {
    if (attempt->targetIndex >= attempt->targets.size()) {
        if (attempt->connectError) {
            connectFailed(attempt->domain, *attempt->connectError);
        } else if (attempt->blockedError) {
            connectFailed(attempt->domain, *attempt->blockedError);
        } else if (attempt->resolveError) {
            connectFailed(attempt->domain, *attempt->resolveError);
        } else {
            connectFailed(attempt->domain,
                          discoveryError(DiscoveryErrc::NoService,
                                         QStringLiteral("%1 has no reachable certificate service.")
                                             .arg(attempt->domain)));
        }
        return;
    }
    const ServiceTarget target = attempt->targets[attempt->targetIndex];
    m_locator->resolveHost(
        target.host, attempt->domain,
        [this, attempt, target](DiscoveryResult<QList<QHostAddress>> r) {
            if (!r.ok()) {
                DiscoveryError error = r.error();
                if (!target.srvFailure.isEmpty()) {
                    // The SRV record may exist: this is "could not check".
                    error = discoveryError(
                        DiscoveryErrc::DnsFailure,
                        QStringLiteral("Could not look up %1's certificate service: %2, and the "
                                       "fallback %3 gave no address (%4).")
                            .arg(attempt->domain, target.srvFailure, target.host, error.message));
                } else if (error.code == DiscoveryErrc::NoService && !target.fromSrv) {
                    error.message = QStringLiteral("%1 has no certificate service: there is no "
                                                   "SRV record _certificates._tcp.%1 and %2 has "
                                                   "no address.")
                                        .arg(attempt->domain, target.host);
                }
                if (!attempt->resolveError ||
                    attempt->resolveError->code != DiscoveryErrc::DnsFailure) {
                    attempt->resolveError = std::move(error);
                }
                ++attempt->targetIndex;
                tryTarget(attempt);
                return;
            }
            attempt->addresses = std::move(r).value();
            attempt->addressIndex = 0;
            tryAddress(attempt);
        });
}

void ServiceClient::tryAddress(const std::shared_ptr<Attempt> &attempt) {
    if (attempt->addressIndex >= attempt->addresses.size()) {
        ++attempt->targetIndex;
        tryTarget(attempt);
        return;
    }
    const ServiceTarget &target = attempt->targets[attempt->targetIndex];
    const QHostAddress address = attempt->addresses[attempt->addressIndex];
    // Checked on the address the connection would really go to, after DNS,
    // for SRV targets and the certificates.<domain> fallback alike.
    if (const AddressScope scope = addressScope(address);
        !serviceAddressAllowed(scope, m_settings.allowPrivateServices)) {
        attempt->blockedError = discoveryError(
            DiscoveryErrc::AddressNotAllowed,
            QStringLiteral("%1's certificate service %2 is at %3, %4. Napkin does not connect "
                           "there unless the profile allows private services ([network] "
                           "allow_private_services = true).")
                .arg(attempt->domain, target.host, address.toString(), addressScopeWords(scope)));
        qCInfo(lcDiscovery) << attempt->blockedError->message;
        ++attempt->addressIndex;
        tryAddress(attempt);
        return;
    }
    ConnectTarget where{address, target.port, target.host, attempt->domain};
    auto *connection = new HttpsConnection(where, m_tls, m_settings.connectTimeoutMs,
                                           m_settings.requestTimeoutMs, this);
    ++m_connectionsOpened;
    qCDebug(lcDiscovery) << "connecting to" << connection->describe() << "for" << attempt->domain;
    connection->open([this, attempt, connection](DiscoveryResult<void> r) {
        if (r.ok()) {
            connected(attempt->domain, connection);
            return;
        }
        connection->deleteLater();
        const auto code = r.error().code;
        if (code == DiscoveryErrc::ConnectionRefused || code == DiscoveryErrc::Timeout) {
            qCInfo(lcDiscovery) << r.error().message;
            attempt->connectError = r.error();
            ++attempt->addressIndex;
            tryAddress(attempt);
            return;
        }
        // TLS verdicts are final: another target would not change the fact
        // that this domain's service failed our checks.
        connectFailed(attempt->domain, r.error());
    });
}

void ServiceClient::connected(const QString &domain, HttpsConnection *connection) {
    Domain &state = m_domains[domain];
    state.connecting = false;
    dropConnection(state);
    state.connection = connection;
    pump(domain);
}

void ServiceClient::connectFailed(const QString &domain, DiscoveryError error) {
    Domain &state = m_domains[domain];
    state.connecting = false;
    qCInfo(lcDiscovery) << errcName(error.code) << error.message;
    std::deque<Pending> failed = std::move(state.queue);
    state.queue.clear();
    QPointer<ServiceClient> self(this);
    for (auto &pending : failed) {
        if (!self) {
            return;
        }
        pending.done(fail(error));
    }
}

} // namespace napkin::discovery
