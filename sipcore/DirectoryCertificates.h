#pragma once

// CertificateSource on napkin_discovery's CertificateDirectory: the draft's
// location, retrieval and cache, with the refresh-on-unknown rule.

#include "sipcore/CertificateSource.h"

#include <QObject>

namespace napkin::discovery {
class CertificateDirectory;
}

namespace napkin::sip {

class DirectoryCertificates final : public QObject, public CertificateSource {
    Q_OBJECT
public:
    /// `directory` must outlive this object.
    explicit DirectoryCertificates(discovery::CertificateDirectory &directory,
                                   QObject *parent = nullptr);

    void fetch(const std::string &aor, SetCallback done) override;
    void refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                          CertificateCallback done) override;

private:
    discovery::CertificateDirectory &m_directory;
};

} // namespace napkin::sip
