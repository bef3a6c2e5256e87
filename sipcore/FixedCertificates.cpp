// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/FixedCertificates.h"

#include "crypto/NameMatch.h"

#include <QTimer>

namespace napkin::sip {

namespace {

std::string keyOf(const std::string &aor) {
    auto parsed = crypto::parseAor(aor);
    return parsed ? parsed->uri() : aor;
}

} // namespace

FixedCertificates::FixedCertificates(QObject *parent) : QObject(parent) {}

void FixedCertificates::publish(const std::string &aor,
                                std::vector<crypto::Certificate> certificates) {
    m_sets[keyOf(aor)] = std::move(certificates);
}

void FixedCertificates::breakDomain(const std::string &domain, std::string message) {
    m_broken[domain] = std::move(message);
}

SourceResult<std::vector<crypto::Certificate>>
FixedCertificates::lookup(const std::string &aor) const {
    auto parsed = crypto::parseAor(aor);
    if (!parsed) {
        return fail(SourceError{SourceError::Kind::Failed, "'" + aor + "' is not an address"});
    }
    if (auto broken = m_broken.find(parsed->host); broken != m_broken.end()) {
        return fail(SourceError{SourceError::Kind::Failed, broken->second});
    }
    auto it = m_sets.find(parsed->uri());
    if (it == m_sets.end()) {
        bool domainKnown = false;
        for (const auto &[key, certs] : m_sets) {
            auto other = crypto::parseAor(key);
            domainKnown = domainKnown || (other && other->host == parsed->host);
        }
        if (!domainKnown) {
            return fail(SourceError{SourceError::Kind::NoService,
                                    parsed->host + " publishes no certificate service"});
        }
        return fail(SourceError{SourceError::Kind::Empty,
                                parsed->host + " publishes no certificate for " + parsed->uri()});
    }
    return it->second;
}

void FixedCertificates::fetch(const std::string &aor, SetCallback done) {
    ++m_fetches;
    auto result = lookup(aor);
    QTimer::singleShot(0, this, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

void FixedCertificates::refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                                         CertificateCallback done) {
    ++m_fetches;
    auto set = lookup(aor);
    SourceResult<crypto::Certificate> result =
        fail(SourceError{SourceError::Kind::NotListed, fingerprint + " is not listed for " + aor});
    if (!set) {
        result = fail(set.error());
    } else {
        for (const auto &cert : *set) {
            if (cert.fingerprint() == fingerprint) {
                result = cert;
            }
        }
    }
    QTimer::singleShot(0, this, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

} // namespace napkin::sip
