// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// CertificateSource on napkin_discovery's CertificateDirectory: the draft's
// location, retrieval and cache, with the refresh-on-unknown rule.

#include "sipcore/CertificateSource.h"
#include "sipcore/discovery/CertificateDirectory.h"

#include <QObject>

#include <memory>

namespace napkin::sip {

class DirectoryCertificates final : public QObject, public CertificateSource {
    Q_OBJECT
public:
    using Origin = discovery::CertificateDirectory::Origin;

    /// `directory` must outlive this object. Fetches are charged as `origin`.
    explicit DirectoryCertificates(discovery::CertificateDirectory &directory,
                                   QObject *parent = nullptr, Origin origin = Origin::Own);
    ~DirectoryCertificates() override;

    void fetch(const std::string &aor, SetCallback done) override;
    void refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                          CertificateCallback done) override;
    /// The same directory, with fetches charged as Origin::Peer (rate-limited
    /// per domain).
    [[nodiscard]] CertificateSource &forPeerRequests() override;

private:
    discovery::CertificateDirectory &m_directory;
    Origin m_origin;
    std::unique_ptr<DirectoryCertificates> m_peer; ///< made on first use
};

} // namespace napkin::sip
