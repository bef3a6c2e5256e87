// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/CertificateDirectory.h"

#include "sipcore/discovery/DiscoveryLog.h"
#include "sipcore/discovery/LeastRecentlyUsed.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/ServiceProblem.h"

#include <QPointer>
#include <QTimer>

namespace napkin::discovery {

namespace {

/// "sip:user@host": sip and sips name the same set.
QString cacheKey(const crypto::Aor &aor) {
    return QStringLiteral("sip:") + QString::fromStdString(aor.address());
}

std::optional<std::chrono::seconds> parseMaxAge(const QByteArray &cacheControl) {
    for (const auto &item : cacheControl.split(',')) {
        const QByteArray directive = item.trimmed().toLower();
        if (directive == "no-store" || directive == "no-cache") {
            return std::chrono::seconds(0);
        }
        if (directive.startsWith("max-age=")) {
            bool ok = false;
            const qlonglong v = directive.mid(8).toLongLong(&ok);
            if (ok && v >= 0) {
                return std::chrono::seconds(std::min<qlonglong>(v, 365LL * 86400));
            }
        }
    }
    return std::nullopt;
}

std::vector<std::string> fingerprints(const std::optional<CertificateSet> &set) {
    std::vector<std::string> out;
    if (set) {
        for (const auto &c : set->certificates) {
            out.push_back(c.fingerprint());
        }
        std::sort(out.begin(), out.end());
    }
    return out;
}

} // namespace

CertificateDirectory::CertificateDirectory(ServiceClient &client, DirectorySettings settings,
                                           QObject *parent)
    : QObject(parent), m_client(client), m_settings(settings),
      m_peerBudget(settings.maxPeerFetchesPerDomainPerMinute) {}

CertificateDirectory::~CertificateDirectory() = default;

bool CertificateDirectory::isFresh(const Entry &entry) const {
    if (!entry.set) {
        return false;
    }
    auto ttl = m_settings.ttl;
    if (entry.set->maxAge && *entry.set->maxAge < ttl) {
        ttl = *entry.set->maxAge;
    }
    return std::chrono::steady_clock::now() - entry.storedAt < ttl;
}

CertificateDirectory::Entry &CertificateDirectory::use(const QString &key) {
    auto it = m_entries.find(key);
    if (it == m_entries.end()) {
        if (m_entries.size() >= m_settings.maxEntries) {
            auto victim = leastRecentlyUsed(
                m_entries, [](const Entry &e) { return e.inFlight || !e.waiting.empty(); });
            if (victim != m_entries.end()) {
                m_entries.erase(victim);
            }
        }
        it = m_entries.emplace(key, Entry{}).first;
    }
    it->second.lastUse = ++m_useClock;
    return it->second;
}

void CertificateDirectory::fetch(const QString &aorText, SetCallback done, Policy policy,
                                 Origin origin) {
    auto parsed = crypto::parseAor(aorText.toStdString());
    if (!parsed) {
        QTimer::singleShot(
            0, this,
            [done = std::move(done), aorText,
             why = QString::fromStdString(parsed.error().message)] {
                done(fail(discoveryError(
                    DiscoveryErrc::InvalidAddress,
                    QStringLiteral("'%1' is not a SIP address: %2.").arg(aorText, why))));
            });
        return;
    }
    const crypto::Aor aor = std::move(parsed).value();
    const QString key = cacheKey(aor);
    Entry &entry = use(key);
    if (policy == Policy::UseCache && isFresh(entry) && !entry.inFlight) {
        // Certificates can expire while cached: filter again for now.
        auto refiltered =
            filterCertificateSet(aor, entry.set->certificates, std::chrono::system_clock::now());
        if (refiltered.ok()) {
            refiltered->dropped = entry.set->dropped;
            refiltered->etag = entry.set->etag;
            refiltered->maxAge = entry.set->maxAge;
            refiltered->fetchedAt = entry.set->fetchedAt;
        }
        QTimer::singleShot(0, this, [done = std::move(done), r = std::move(refiltered)]() mutable {
            done(std::move(r));
        });
        return;
    }
    const QString domain = QString::fromStdString(aor.host);
    if (!entry.inFlight && origin == Origin::Peer &&
        !m_peerBudget.take(domain, std::chrono::steady_clock::now())) {
        const QString why =
            QStringLiteral("Napkin already asked %1's certificate service %2 times in the last "
                           "minute for calls from there, its limit ([network] "
                           "max_fetches_per_domain_per_minute); %3's certificates are not "
                           "fetched now.")
                .arg(domain, QString::number(m_peerBudget.perMinute()), aorText);
        qCInfo(lcDiscovery) << "rate-limited:" << why;
        QTimer::singleShot(0, this, [done = std::move(done), why] {
            done(fail(discoveryError(DiscoveryErrc::RateLimited, why)));
        });
        return;
    }
    entry.waiting.push_back(std::move(done));
    if (!entry.inFlight) {
        entry.inFlight = true;
        startRequest(key, aor, false);
    }
}

void CertificateDirectory::startRequest(const QString &key, const crypto::Aor &aor,
                                        bool emailAlias) {
    Entry &entry = m_entries[key];
    HttpRequest request;
    request.method = "GET";
    request.target = QByteArray("/search-cgi?") + (emailAlias ? "email=" : "sip=") +
                     percentEncodeQueryValue(QByteArray::fromStdString(aor.address()));
    request.setHeader("Accept", kCertificateSetAccept);
    if (entry.set && !entry.set->etag.isEmpty()) {
        request.setHeader("If-None-Match", entry.set->etag);
    }
    entry.lastNetworkFetch = std::chrono::steady_clock::now();
    ++m_requestsSent;
    QPointer<CertificateDirectory> self(this);
    m_client.request(QString::fromStdString(aor.host), std::move(request),
                     [self, key, aor, emailAlias](DiscoveryResult<HttpResponse> result) {
                         if (self) {
                             self->handleResponse(key, aor, emailAlias, std::move(result));
                         }
                     });
}

void CertificateDirectory::handleResponse(const QString &key, const crypto::Aor &aor,
                                          bool emailAlias, DiscoveryResult<HttpResponse> result) {
    if (!result.ok()) {
        complete(key, fail(result.error()));
        return;
    }
    const HttpResponse &response = result.value();
    Entry &entry = m_entries[key];
    const auto now = std::chrono::system_clock::now();
    const QString action = QStringLiteral("fetching %1's certificates").arg(aorText(aor));

    if (response.status == 304) {
        ++m_notModified;
        if (!entry.set) {
            complete(key, fail(discoveryError(
                              DiscoveryErrc::MalformedResponse,
                              QStringLiteral("The certificate service answered 'not modified' "
                                             "to a request for a set Napkin does not have."))));
            return;
        }
        entry.storedAt = std::chrono::steady_clock::now();
        entry.set->fetchedAt = now;
        if (auto maxAge = parseMaxAge(response.header("Cache-Control"))) {
            entry.set->maxAge = maxAge;
        }
        auto refiltered = filterCertificateSet(aor, entry.set->certificates, now);
        if (refiltered.ok()) {
            refiltered->dropped = entry.set->dropped;
            refiltered->etag = entry.set->etag;
            refiltered->maxAge = entry.set->maxAge;
        }
        complete(key, std::move(refiltered));
        return;
    }
    if (response.status == 404) {
        const ServiceProblem problem = parseServiceProblem(response);
        if (problem.slug == QLatin1String("unknown-domain")) {
            complete(key, fail(errorFromResponse(response, action)));
            return;
        }
        if (!emailAlias) {
            startRequest(key, aor, true);
            return;
        }
        const bool hadSet = entry.set.has_value();
        entry.set.reset();
        if (hadSet) {
            Q_EMIT setChanged(key);
        }
        complete(key, fail(discoveryError(
                          DiscoveryErrc::EmptySet,
                          QStringLiteral("%1 has no device certificate: %2 publishes none for it.")
                              .arg(aorText(aor), QString::fromStdString(aor.host)))));
        return;
    }
    if (response.status != 200) {
        complete(key, fail(errorFromResponse(response, action)));
        return;
    }
    auto decoded = decodeCertificateSet(response.header("Content-Type"), response.body);
    if (!decoded.ok()) {
        complete(key, fail(decoded.error()));
        return;
    }
    auto filtered = filterCertificateSet(aor, std::move(decoded).value(), now);
    if (!filtered.ok()) {
        const bool hadSet = entry.set.has_value();
        entry.set.reset();
        if (hadSet) {
            Q_EMIT setChanged(key);
        }
        complete(key, fail(filtered.error()));
        return;
    }
    CertificateSet set = std::move(filtered).value();
    set.etag = response.header("ETag");
    set.maxAge = parseMaxAge(response.header("Cache-Control"));
    if (!set.dropped.empty()) {
        for (const auto &d : set.dropped) {
            qCWarning(lcDiscovery)
                << "dropped a certificate of" << key << d.fingerprint << "-" << d.reason;
        }
        Q_EMIT certificatesDropped(key, set.dropped);
    }
    const bool changed = fingerprints(entry.set) != fingerprints(set);
    entry.set = set;
    entry.storedAt = std::chrono::steady_clock::now();
    if (changed) {
        Q_EMIT setChanged(key);
    }
    complete(key, std::move(set));
}

void CertificateDirectory::complete(const QString &key, DiscoveryResult<CertificateSet> result) {
    auto it = m_entries.find(key);
    if (it == m_entries.end()) {
        return;
    }
    std::vector<SetCallback> waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    it->second.inFlight = false;
    QPointer<CertificateDirectory> self(this);
    for (auto &done : waiting) {
        if (!self) {
            return;
        }
        done(result);
    }
}

void CertificateDirectory::refreshIfUnknown(const QString &aor, const QString &fingerprint,
                                            CertificateCallback done, Origin origin) {
    const QString wanted = fingerprint.trimmed().toLower();
    auto parsed = crypto::parseAor(aor.toStdString());
    bool mayAsk = true;
    if (parsed) {
        const auto it = m_entries.find(cacheKey(*parsed));
        if (it != m_entries.end()) {
            if (it->second.set) {
                if (auto found = it->second.set->find(wanted)) {
                    QTimer::singleShot(0, this, [done = std::move(done), c = *found] { done(c); });
                    return;
                }
            }
            mayAsk = it->second.inFlight ||
                     std::chrono::steady_clock::now() - it->second.lastNetworkFetch >=
                         m_settings.minRefreshInterval;
        }
    }
    auto answer = [aor, wanted, done = std::move(done)](DiscoveryResult<CertificateSet> r) {
        if (!r.ok()) {
            done(fail(r.error()));
            return;
        }
        if (auto found = r->find(wanted)) {
            done(*found);
            return;
        }
        done(fail(discoveryError(DiscoveryErrc::NotListed,
                                 QStringLiteral("%1's certificate service does not list the "
                                                "certificate %2; it must not be trusted.")
                                     .arg(aor, wanted))));
    };
    fetch(aor, std::move(answer), mayAsk ? Policy::Revalidate : Policy::UseCache, origin);
}

std::optional<CertificateSet> CertificateDirectory::cached(const QString &aor) const {
    auto parsed = crypto::parseAor(aor.toStdString());
    if (!parsed) {
        return std::nullopt;
    }
    const auto it = m_entries.find(cacheKey(*parsed));
    if (it == m_entries.end()) {
        return std::nullopt;
    }
    return it->second.set;
}

void CertificateDirectory::forget(const QString &aor) {
    auto parsed = crypto::parseAor(aor.toStdString());
    if (!parsed) {
        return;
    }
    auto it = m_entries.find(cacheKey(*parsed));
    if (it != m_entries.end() && !it->second.inFlight) {
        m_entries.erase(it);
    }
}

} // namespace napkin::discovery
