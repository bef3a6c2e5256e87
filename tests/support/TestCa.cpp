// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/TestCa.h"

#include <QDir>

namespace napkin::testing {

using namespace napkin::crypto;

namespace {

TestResult<void> writeText(const QString &path, const QByteArray &data, unsigned mode) {
    auto r = writeFileAtomically(path.toStdString(), data.toStdString(), mode);
    if (!r) {
        return fail(QStringLiteral("cannot write %1: %2")
                        .arg(path, QString::fromStdString(r.error().message)));
    }
    return {};
}

TestResult<ServerCertFiles> writeServerFiles(const QString &dir, const QString &stem,
                                             const IssuedCert &issued, const QByteArray &rootPem) {
    ServerCertFiles files{issued, QDir(dir).filePath(stem + QStringLiteral(".pem")),
                          QDir(dir).filePath(stem + QStringLiteral(".key")),
                          QDir(dir).filePath(stem + QStringLiteral("-chain.pem"))};
    for (auto r : {writeText(files.certPath, issued.pem, 0644),
                   writeText(files.keyPath, issued.keyPem, 0600),
                   writeText(files.chainPath, issued.pem + rootPem, 0644)}) {
        if (!r) {
            return fail(r.error());
        }
    }
    return files;
}

CertTemplate serverTemplate(const QStringList &dnsNames, const QStringList &ips, TestKeyKind kind) {
    CertTemplate t;
    t.commonName = dnsNames.isEmpty() ? QStringLiteral("test server") : dnsNames.first();
    t.dnsNames = dnsNames;
    t.ipAddresses = ips;
    t.keyUsage = kind == TestKeyKind::Rsa2048 || kind == TestKeyKind::Rsa1024
                     ? QStringLiteral("critical,digitalSignature,keyEncipherment")
                     : QStringLiteral("critical,digitalSignature");
    t.extendedKeyUsage = QStringLiteral("serverAuth");
    return t;
}

} // namespace

TestCa::TestCa(QString dir, QString rootPath, Certificate cert, PrivateKey key)
    : m_dir(std::move(dir)), m_rootPath(std::move(rootPath)), m_cert(std::move(cert)),
      m_key(std::move(key)) {}

TestResult<TestCa> TestCa::create(const QString &dir, TestKeyKind kind, const QString &name) {
    if (!QDir().mkpath(dir)) {
        return fail(QStringLiteral("cannot create %1").arg(dir));
    }
    auto key = CertBuilder::generateKey(kind);
    if (!key) {
        return fail(key.error());
    }
    CertTemplate t;
    t.commonName = name;
    t.isCa = true;
    t.keyUsage = QStringLiteral("critical,keyCertSign,cRLSign");
    t.notBeforeOffset = -3600;
    t.notAfterOffset = 365 * 86400;
    auto cert = CertBuilder::build(t, *key, nullptr, *key);
    if (!cert) {
        return fail(cert.error());
    }
    const QString path = QDir(dir).filePath(QStringLiteral("ca.pem"));
    if (auto w = writeText(path, QByteArray::fromStdString(cert->toPem()), 0644); !w) {
        return fail(w.error());
    }
    return TestCa(dir, path, *cert, std::move(key).value());
}

TestResult<ServerCertFiles> TestCa::issueServer(const QString &stem, const QStringList &dnsNames,
                                                const QStringList &ipAddresses, TestKeyKind kind,
                                                qint64 notBeforeOffset,
                                                qint64 notAfterOffset) const {
    auto key = CertBuilder::generateKey(kind);
    if (!key) {
        return fail(key.error());
    }
    CertTemplate t = serverTemplate(dnsNames, ipAddresses, kind);
    t.notBeforeOffset = notBeforeOffset;
    t.notAfterOffset = notAfterOffset;
    auto cert = CertBuilder::build(t, *key, &m_cert, m_key);
    if (!cert) {
        return fail(cert.error());
    }
    return writeServerFiles(m_dir, stem, CertBuilder::package(*cert, *key),
                            QByteArray::fromStdString(m_cert.toPem()));
}

TestResult<ServerCertFiles> TestCa::issueWrongName(const QString &stem, const QString &domain,
                                                   WrongName how) const {
    switch (how) {
    case WrongName::OtherDomain:
        return issueServer(stem, {QStringLiteral("other.example")});
    case WrongName::SubDomain:
        return issueServer(stem, {QStringLiteral("certs.") + domain});
    case WrongName::Wildcard:
        return issueServer(stem, {QStringLiteral("*.") + domain});
    case WrongName::CommonNameOnly:
        break;
    }
    auto key = CertBuilder::generateKey(TestKeyKind::EcP256);
    if (!key) {
        return fail(key.error());
    }
    CertTemplate t = serverTemplate({}, {}, TestKeyKind::EcP256);
    t.commonName = domain;
    auto cert = CertBuilder::build(t, *key, &m_cert, m_key);
    if (!cert) {
        return fail(cert.error());
    }
    return writeServerFiles(m_dir, stem, CertBuilder::package(*cert, *key),
                            QByteArray::fromStdString(m_cert.toPem()));
}

TestResult<ServerCertFiles> TestCa::selfSignedServer(const QString &dir, const QString &stem,
                                                     const QStringList &dnsNames,
                                                     TestKeyKind kind) {
    auto key = CertBuilder::generateKey(kind);
    if (!key) {
        return fail(key.error());
    }
    auto cert = CertBuilder::build(serverTemplate(dnsNames, {}, kind), *key, nullptr, *key);
    if (!cert) {
        return fail(cert.error());
    }
    return writeServerFiles(dir, stem, CertBuilder::package(*cert, *key), {});
}

} // namespace napkin::testing
