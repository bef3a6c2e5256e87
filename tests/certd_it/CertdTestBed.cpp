// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/certd_it/CertdTestBed.h"

#include "crypto/DeviceIdentity.h"

#include <QDir>
#include <QTest>

namespace napkin::testing {

QByteArray searchTarget(const QString &address, const QByteArray &parameter) {
    return "/search-cgi?" + parameter + '=' + percentEncode(address);
}

HttpRequest enrolRequest(const QString &address, const QByteArray &body,
                         const QByteArray &contentType) {
    HttpRequest req;
    req.method = "PUT";
    req.target = searchTarget(address);
    req.body = body;
    if (!contentType.isEmpty()) {
        req.header("Content-Type", contentType);
    }
    return req;
}

IssuedCert makeDevice(const QString &address, std::optional<QString> instanceUrn) {
    DeviceCertSpec spec;
    spec.aor = QStringLiteral("sip:") + address;
    spec.instanceUrn = instanceUrn ? *instanceUrn : CertBuilder::randomInstanceUrn();
    auto cert = CertBuilder::device(spec);
    if (!cert) {
        QTest::qFail(qPrintable(cert.error()), __FILE__, __LINE__);
        return IssuedCert{crypto::Certificate(crypto::X509Ptr(X509_new())), {}, {}, {}};
    }
    return *cert;
}

IssuedCert renewDevice(const IssuedCert &previous) {
    auto fail = [](const std::string &why) {
        QTest::qFail(why.c_str(), __FILE__, __LINE__);
        return IssuedCert{crypto::Certificate(crypto::X509Ptr(X509_new())), {}, {}, {}};
    };
    auto key = crypto::PrivateKey::fromPem(previous.keyPem.toStdString());
    if (!key) {
        return fail(key.error().message);
    }
    crypto::DeviceIdentity old{previous.certificate, std::move(key).value()};
    crypto::IdentityOptions options;
    options.aor = previous.certificate.sipUri().value_or("");
    options.instanceUrn = previous.certificate.instanceUrn();
    auto renewed = crypto::createDeviceIdentity(options, &old);
    if (!renewed) {
        return fail(renewed.error().message);
    }
    return CertBuilder::package(renewed->certificate, renewed->key);
}

TestResult<QStringList> servedFingerprints(HttpsClient &client, const QString &address) {
    auto r = client.get(searchTarget(address));
    if (!r) {
        return fail(r.error());
    }
    if (r->status == 404) {
        return QStringList{};
    }
    if (r->status != 200) {
        return fail(QStringLiteral("GET %1: %2").arg(address, r->describe()));
    }
    auto certs = CertsOnlyReader::fromDer(r->body);
    if (!certs) {
        return fail(certs.error());
    }
    return CertsOnlyReader::fingerprints(*certs);
}

TestResult<std::unique_ptr<CertdTestBed>> CertdTestBed::create(const QStringList &domains,
                                                               bool rsa) {
    std::unique_ptr<CertdTestBed> bed(new CertdTestBed);
    if (!bed->m_dir.isValid()) {
        return fail(QStringLiteral("cannot create a temporary directory"));
    }
    bed->m_domains = domains;
    auto ca = TestCa::create(bed->m_dir.filePath(QStringLiteral("pki")));
    if (!ca) {
        return fail(ca.error());
    }
    bed->m_ca.emplace(std::move(ca).value());
    auto server = bed->m_ca->issueServer(QStringLiteral("service"), domains, {},
                                         rsa ? TestKeyKind::Rsa2048 : TestKeyKind::EcP256);
    if (!server) {
        return fail(server.error());
    }
    bed->m_server = *server;
    return bed;
}

CertdConfig CertdTestBed::config() const {
    CertdConfig c;
    // NAPKIN_CERTD_BINARY runs the same tests against another build or an
    // installed napkin-certd.
    c.binary = qEnvironmentVariable("NAPKIN_CERTD_BINARY", QStringLiteral(NAPKIN_CERTD_PATH));
    c.domains = m_domains;
    c.tlsCert = m_server->certPath;
    c.tlsKey = m_server->keyPath;
    c.caFile = m_ca->rootCertPath();
    c.threads = 4;
    return c;
}

std::unique_ptr<CertdInstance> CertdTestBed::instance(const QString &name,
                                                      const CertdConfig &config) const {
    return std::make_unique<CertdInstance>(QDir(m_dir.path()).filePath(name), config, name);
}

} // namespace napkin::testing
