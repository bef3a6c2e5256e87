// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/ServiceLocator.h"

#include "sipcore/discovery/DiscoveryLog.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <memory>

namespace napkin::discovery {

namespace {

QString srvName(const QString &domain) {
    return QStringLiteral("_certificates._tcp.") + domain;
}

bool isAbsent(const DnsAnswer &a) {
    return a.status == DnsAnswer::Status::NoSuchName || a.status == DnsAnswer::Status::NoData;
}

} // namespace

ServiceLocator::ServiceLocator(DnsServer server, QObject *parent)
    : QObject(parent), m_server(std::move(server)), m_random(systemUniformRandom()) {}

ServiceLocator::~ServiceLocator() = default;

QString ServiceLocator::serverDescription() const {
    if (m_server.address) {
        return QStringLiteral("the DNS server %1").arg(m_server.address->toString());
    }
    return QStringLiteral("the system's DNS resolver");
}

void ServiceLocator::ask(std::vector<Question> questions, AnswersCallback done) {
    Q_ASSERT(QCoreApplication::instance() != nullptr);
    const quint64 id = m_nextId++;
    m_pending.emplace(id, std::move(done));
    QPointer<ServiceLocator> guard(this);
    const DnsServer server = m_server;
    QThreadPool::globalInstance()->start([guard, id, server, questions = std::move(questions)] {
        std::vector<DnsAnswer> answers;
        answers.reserve(questions.size());
        for (const auto &[name, type] : questions) {
            answers.push_back(queryDns(server, name, type));
        }
        // The application object outlives every locator; the guard is only
        // read on the main thread, where locators are destroyed.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, id, answers = std::move(answers)]() mutable {
                if (guard) {
                    guard->deliver(id, std::move(answers));
                }
            },
            Qt::QueuedConnection);
    });
}

void ServiceLocator::deliver(quint64 id, std::vector<DnsAnswer> answers) {
    auto it = m_pending.find(id);
    if (it == m_pending.end()) {
        return;
    }
    AnswersCallback done = std::move(it->second);
    m_pending.erase(it);
    done(std::move(answers));
}

void ServiceLocator::findTargets(const QString &domain, TargetsCallback done) {
    const QString name = srvName(domain);
    ask({{name, DnsRecordType::Srv}},
        [this, domain, name, done = std::move(done)](std::vector<DnsAnswer> answers) {
            const DnsAnswer &a = answers.front();
            if (a.status == DnsAnswer::Status::Failure) {
                // Like a missing record: the fallback host still has to prove
                // with its TLS certificate that it serves the domain.
                qCWarning(lcDiscovery) << "locate: SRV" << name << "failed:" << a.failure
                                       << "- trying certificates." << domain;
                done(std::vector<ServiceTarget>{
                    ServiceTarget{QStringLiteral("certificates.") + domain, 443, false,
                                  QStringLiteral("%1 failed for %2 (%3)")
                                      .arg(serverDescription(), name, a.failure)}});
                return;
            }
            if (isAbsent(a)) {
                qCDebug(lcDiscovery)
                    << "locate: no SRV for" << domain << "- using certificates." << domain;
                done(std::vector<ServiceTarget>{
                    ServiceTarget{QStringLiteral("certificates.") + domain, 443, false, {}}});
                return;
            }
            if (srvDeclinesService(a.services)) {
                done(fail(discoveryError(
                    DiscoveryErrc::NoService,
                    QStringLiteral("%1 says it runs no certificate service (its SRV record %2 "
                                   "points to \".\").")
                        .arg(domain, name))));
                return;
            }
            std::vector<ServiceTarget> targets;
            for (const auto &srv : orderSrvRecords(a.services, m_random)) {
                targets.push_back(ServiceTarget{srv.target, srv.port, true, {}});
            }
            if (targets.empty()) {
                done(fail(discoveryError(
                    DiscoveryErrc::NoService,
                    QStringLiteral("%1's SRV record %2 names no usable host.").arg(domain, name))));
                return;
            }
            qCDebug(lcDiscovery) << "locate:" << domain << "->" << targets.front().host
                                 << targets.front().port << "and" << targets.size() - 1 << "more";
            done(std::move(targets));
        });
}

void ServiceLocator::resolveHost(const QString &host, const QString &forDomain,
                                 AddressesCallback done) {
    QHostAddress literal;
    if (literal.setAddress(host)) {
        QTimer::singleShot(
            0, this, [literal, done = std::move(done)] { done(QList<QHostAddress>{literal}); });
        return;
    }
    if (!m_server.address) {
        resolveWithSystem(host, forDomain, std::move(done));
        return;
    }
    ask({{host, DnsRecordType::A}, {host, DnsRecordType::Aaaa}},
        [this, host, forDomain, done = std::move(done)](std::vector<DnsAnswer> answers) {
            QList<QHostAddress> addresses;
            bool failed = false;
            QString why;
            for (const auto &a : answers) {
                addresses += a.addresses;
                if (a.status == DnsAnswer::Status::Failure) {
                    failed = true;
                    why = a.failure;
                }
            }
            if (!addresses.isEmpty()) {
                done(std::move(addresses));
                return;
            }
            if (failed) {
                done(fail(discoveryError(
                    DiscoveryErrc::DnsFailure,
                    QStringLiteral("Could not find the address of %1, %2's certificate service: "
                                   "%3 failed (%4).")
                        .arg(host, forDomain, serverDescription(), why))));
                return;
            }
            done(fail(discoveryError(
                DiscoveryErrc::NoService,
                QStringLiteral("%1 has no certificate service: %2 has no address in DNS.")
                    .arg(forDomain, host))));
        });
}

void ServiceLocator::resolveWithSystem(const QString &host, const QString &forDomain,
                                       AddressesCallback done) {
    auto shared = std::make_shared<AddressesCallback>(std::move(done));
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    const int timeoutMs =
        1000 * std::max(1, m_server.timeoutSeconds) * std::max(1, m_server.attempts);
    const int lookupId =
        QHostInfo::lookupHost(host, timer, [shared, timer, host, forDomain](const QHostInfo &info) {
            timer->deleteLater();
            timer->stop();
            if (!*shared) {
                return;
            }
            auto callback = std::move(*shared);
            *shared = nullptr;
            if (info.error() == QHostInfo::NoError && !info.addresses().isEmpty()) {
                callback(info.addresses());
            } else if (info.error() == QHostInfo::HostNotFound ||
                       (info.error() == QHostInfo::NoError && info.addresses().isEmpty())) {
                callback(fail(discoveryError(
                    DiscoveryErrc::NoService,
                    QStringLiteral("%1 has no certificate service: %2 has no address.")
                        .arg(forDomain, host))));
            } else {
                callback(fail(discoveryError(
                    DiscoveryErrc::DnsFailure,
                    QStringLiteral("Could not find the address of %1, %2's certificate "
                                   "service: %3.")
                        .arg(host, forDomain, info.errorString()))));
            }
        });
    connect(timer, &QTimer::timeout, this, [shared, timer, lookupId, host, forDomain, timeoutMs] {
        QHostInfo::abortHostLookup(lookupId);
        timer->deleteLater();
        if (!*shared) {
            return;
        }
        auto callback = std::move(*shared);
        *shared = nullptr;
        callback(fail(discoveryError(
            DiscoveryErrc::DnsFailure,
            QStringLiteral("Could not find the address of %1, %2's certificate service: the "
                           "system's resolver did not answer within %3 s.")
                .arg(host, forDomain)
                .arg(timeoutMs / 1000))));
    });
    timer->start(timeoutMs);
}

} // namespace napkin::discovery
