// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A CertificateSource from a fixed table, for tests and for agents that run
// without any certificate service.

#include "sipcore/CertificateSource.h"

#include <QObject>

#include <map>

namespace napkin::sip {

class FixedCertificates final : public QObject, public CertificateSource {
    Q_OBJECT
public:
    explicit FixedCertificates(QObject *parent = nullptr);

    /// Publishes `certificates` for `aor` (replacing what it had).
    void publish(const std::string &aor, std::vector<crypto::Certificate> certificates);
    /// Makes the domain one with a service that fails (DNS, TLS...).
    void breakDomain(const std::string &domain, std::string message);

    void fetch(const std::string &aor, SetCallback done) override;
    void refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                          CertificateCallback done) override;

    [[nodiscard]] int fetchCount() const { return m_fetches; }

private:
    [[nodiscard]] SourceResult<std::vector<crypto::Certificate>>
    lookup(const std::string &aor) const;

    std::map<std::string, std::vector<crypto::Certificate>> m_sets;
    std::map<std::string, std::string> m_broken;
    int m_fetches = 0;
};

} // namespace napkin::sip
