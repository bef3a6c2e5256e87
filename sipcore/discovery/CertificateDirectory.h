// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Fetches and caches the certificate sets of addresses of record: the
// "Retrieve" and "Cache" parts of draft-jennings-sipping-certs on the client.
// A set is kept for the configured TTL (zero allowed: then every use asks the
// service again, cheaply, with If-None-Match), and a certificate that
// signalling shows but the cache lacks is accepted only if the service lists
// it when asked again at once.

#include "crypto/NameMatch.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/FetchBudget.h"
#include "sipcore/discovery/HttpMessage.h"

#include <QObject>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace napkin::discovery {

class ServiceClient;

struct DirectorySettings {
    /// How long a fetched set is used without asking the service; 0 = always ask.
    /// The service's Cache-Control max-age shortens it, never lengthens it.
    std::chrono::seconds ttl{300};
    /// refreshIfUnknown() asks the service at most once per this interval per
    /// address, so that a flood of unknown certificates in signalling cannot
    /// turn into a flood of requests.
    std::chrono::milliseconds minRefreshInterval{1000};
    /// Fetches that other parties' requests start (Origin::Peer: an incoming
    /// INVITE) may ask one domain's service at most this often per minute
    /// ([network] max_fetches_per_domain_per_minute); beyond, they fail at
    /// once with RateLimited. This device's own fetches (Origin::Own: its
    /// calls, enrolment, device checks) are not charged, so a flood of
    /// INVITEs naming a domain never stops the user from calling it.
    int maxPeerFetchesPerDomainPerMinute = 10;
    /// Addresses whose sets (or requests) are kept; the least recently used
    /// one without a request in flight is forgotten first.
    std::size_t maxEntries = 1000;
};

class CertificateDirectory : public QObject {
    Q_OBJECT
public:
    using SetCallback = std::function<void(DiscoveryResult<CertificateSet>)>;
    using CertificateCallback = std::function<void(DiscoveryResult<crypto::Certificate>)>;

    enum class Policy {
        UseCache,   ///< a fresh cached set is returned without network traffic
        Revalidate, ///< always ask the service (conditionally, when a set is cached)
    };
    /// Who wants the set: this device, or a request from someone else.
    enum class Origin {
        Own,  ///< this device's own action: never rate-limited
        Peer, ///< started by another party's request: charged to the domain's budget
    };

    CertificateDirectory(ServiceClient &client, DirectorySettings settings,
                         QObject *parent = nullptr);
    ~CertificateDirectory() override;

    /// The set of `aor` ("sip:bob@b.example" or "bob@b.example"). The callback
    /// runs later, on this object's thread, never after it is destroyed.
    /// Errors: InvalidAddress, the service's errors (NoService, DnsFailure,
    /// TLS, Timeout...), HttpError, MalformedSet, EmptySet.
    /// A Peer fetch that needs the network beyond the domain's budget fails
    /// with RateLimited (a fresh cached set is still returned).
    void fetch(const QString &aor, SetCallback done, Policy policy = Policy::UseCache,
               Origin origin = Origin::Own);

    /// Signalling showed `fingerprint` for `aor`: the certificate, if the
    /// cached set has it or the service lists it when asked again now;
    /// NotListed otherwise.
    void refreshIfUnknown(const QString &aor, const QString &fingerprint, CertificateCallback done,
                          Origin origin = Origin::Own);

    /// The cached set, without network traffic and regardless of its age.
    [[nodiscard]] std::optional<CertificateSet> cached(const QString &aor) const;
    void forget(const QString &aor);

    /// Requests sent to services, and how many were answered 304 (tests, benchmarks).
    [[nodiscard]] int requestsSent() const { return m_requestsSent; }
    [[nodiscard]] int notModifiedAnswers() const { return m_notModified; }

Q_SIGNALS:
    /// A fresh answer contained certificates that were dropped (another
    /// address, not self-signed, expired...). The app may log or show them.
    void certificatesDropped(const QString &aor, const std::vector<DroppedCertificate> &dropped);
    /// The fingerprints of an address's set changed (or it appeared).
    void setChanged(const QString &aor);

private:
    struct Entry {
        std::optional<CertificateSet> set;
        std::chrono::steady_clock::time_point storedAt;
        std::chrono::steady_clock::time_point lastNetworkFetch;
        std::vector<SetCallback> waiting; ///< callbacks of the request in flight
        bool inFlight = false;
        std::uint64_t lastUse = 0;
    };

    void startRequest(const QString &key, const crypto::Aor &aor, bool emailAlias);
    void handleResponse(const QString &key, const crypto::Aor &aor, bool emailAlias,
                        DiscoveryResult<HttpResponse> result);
    void complete(const QString &key, DiscoveryResult<CertificateSet> result);
    [[nodiscard]] bool isFresh(const Entry &entry) const;
    /// The entry of `key` (made when new, forgetting the least recently used
    /// idle entry beyond maxEntries), marked as used now.
    Entry &use(const QString &key);

    ServiceClient &m_client;
    DirectorySettings m_settings;
    std::map<QString, Entry> m_entries;
    std::uint64_t m_useClock = 0;
    FetchBudget m_peerBudget;
    int m_requestsSent = 0;
    int m_notModified = 0;
};

} // namespace napkin::discovery
