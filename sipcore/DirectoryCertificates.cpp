// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/DirectoryCertificates.h"

#include "sipcore/discovery/CertificateDirectory.h"

#include <QPointer>

namespace napkin::sip {

namespace {

SourceError sourceError(const discovery::DiscoveryError &error) {
    SourceError out;
    switch (error.code) {
    case discovery::DiscoveryErrc::NoService:
        out.kind = SourceError::Kind::NoService;
        break;
    case discovery::DiscoveryErrc::NotListed:
        out.kind = SourceError::Kind::NotListed;
        break;
    case discovery::DiscoveryErrc::EmptySet:
        out.kind = SourceError::Kind::Empty;
        break;
    default:
        // DNS, connection, TLS, HTTP and parse failures, the fetch budget
        // and the private-address guard: the certificates could not be had.
        out.kind = SourceError::Kind::Failed;
        break;
    }
    out.message = error.message.toStdString();
    return out;
}

} // namespace

DirectoryCertificates::DirectoryCertificates(discovery::CertificateDirectory &directory,
                                             QObject *parent, Origin origin)
    : QObject(parent), m_directory(directory), m_origin(origin) {}

DirectoryCertificates::~DirectoryCertificates() = default;

CertificateSource &DirectoryCertificates::forPeerRequests() {
    if (m_origin == Origin::Peer) {
        return *this;
    }
    if (!m_peer) {
        m_peer = std::make_unique<DirectoryCertificates>(m_directory, nullptr, Origin::Peer);
    }
    return *m_peer;
}

void DirectoryCertificates::fetch(const std::string &aor, SetCallback done) {
    QPointer<DirectoryCertificates> self(this);
    m_directory.fetch(
        QString::fromStdString(aor),
        [self,
         done = std::move(done)](discovery::DiscoveryResult<discovery::CertificateSet> result) {
            if (!self) {
                return;
            }
            if (!result) {
                done(fail(sourceError(result.error())));
                return;
            }
            done(std::move(result->certificates));
        },
        discovery::CertificateDirectory::Policy::UseCache, m_origin);
}

void DirectoryCertificates::refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                                             CertificateCallback done) {
    QPointer<DirectoryCertificates> self(this);
    m_directory.refreshIfUnknown(
        QString::fromStdString(aor), QString::fromStdString(fingerprint),
        [self, done = std::move(done)](discovery::DiscoveryResult<crypto::Certificate> result) {
            if (!self) {
                return;
            }
            if (!result) {
                done(fail(sourceError(result.error())));
                return;
            }
            done(std::move(result).value());
        },
        m_origin);
}

} // namespace napkin::sip
