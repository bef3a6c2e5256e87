// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/KeyStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <openssl/evp.h>

namespace napkin::discovery {

namespace {

/// A second handle on the same identity (the key is reference counted, not copied).
crypto::DeviceIdentity share(const crypto::DeviceIdentity &identity) {
    EVP_PKEY_up_ref(identity.key.native());
    return crypto::DeviceIdentity{identity.certificate,
                                  crypto::PrivateKey(crypto::EvpPkeyPtr(identity.key.native()))};
}

} // namespace

void MemoryKeyStore::load(const QString &aor, LoadCallback done) {
    if (m_identity && m_aor == aor) {
        done(std::optional<crypto::DeviceIdentity>(share(*m_identity)));
        return;
    }
    done(std::optional<crypto::DeviceIdentity>());
}

void MemoryKeyStore::save(const QString &aor, const crypto::DeviceIdentity &identity,
                          SaveCallback done) {
    m_aor = aor;
    m_identity = share(identity);
    done({});
}

void MemoryKeyStore::remove(const QString &aor, SaveCallback done) {
    if (m_aor == aor) {
        m_identity.reset();
    }
    done({});
}

FileKeyStore::FileKeyStore(QString directory) : m_directory(std::move(directory)) {}

QString FileKeyStore::keyPath() const {
    return QDir(m_directory).filePath(QStringLiteral("device-key.pem"));
}

QString FileKeyStore::certificatePath() const {
    return QDir(m_directory).filePath(QStringLiteral("device-cert.pem"));
}

void FileKeyStore::load(const QString &aor, LoadCallback done) {
    if (!QFileInfo::exists(keyPath()) && !QFileInfo::exists(certificatePath())) {
        done(std::optional<crypto::DeviceIdentity>());
        return;
    }
    auto certs = crypto::Certificate::loadFile(certificatePath().toStdString());
    auto key = crypto::PrivateKey::loadFile(keyPath().toStdString());
    if (!certs || !key || certs->empty() || !key->matches(certs->front())) {
        // A broken or half-written pair: enrol a fresh identity instead.
        done(std::optional<crypto::DeviceIdentity>());
        return;
    }
    auto aorParsed = crypto::parseAor(aor.toStdString());
    if (!aorParsed || !crypto::checkCertificateForAor(certs->front(), *aorParsed)) {
        done(std::optional<crypto::DeviceIdentity>()); // kept for another address
        return;
    }
    done(std::optional<crypto::DeviceIdentity>(
        crypto::DeviceIdentity{certs->front(), std::move(key).value()}));
}

void FileKeyStore::save(const QString &aor, const crypto::DeviceIdentity &identity,
                        SaveCallback done) {
    Q_UNUSED(aor);
    if (!QDir().mkpath(m_directory)) {
        done(fail(discoveryError(DiscoveryErrc::LocalFailure,
                                 QStringLiteral("Cannot create the directory %1 for this "
                                                "device's key.")
                                     .arg(m_directory))));
        return;
    }
    if (auto r = identity.key.saveFile(keyPath().toStdString()); !r) {
        done(fail(discoveryError(DiscoveryErrc::LocalFailure,
                                 QStringLiteral("Cannot save this device's key: %1.")
                                     .arg(QString::fromStdString(r.error().message)))));
        return;
    }
    if (auto r = crypto::writeFileAtomically(certificatePath().toStdString(),
                                             identity.certificate.toPem(), 0644);
        !r) {
        done(fail(discoveryError(DiscoveryErrc::LocalFailure,
                                 QStringLiteral("Cannot save this device's certificate: %1.")
                                     .arg(QString::fromStdString(r.error().message)))));
        return;
    }
    done({});
}

void FileKeyStore::remove(const QString &aor, SaveCallback done) {
    Q_UNUSED(aor);
    // The key first: a certificate without its key is never enrolled again.
    for (const QString &path : {keyPath(), certificatePath()}) {
        if (QFileInfo::exists(path) && !QFile::remove(path)) {
            done(fail(discoveryError(DiscoveryErrc::LocalFailure,
                                     QStringLiteral("Cannot remove %1.").arg(path))));
            return;
        }
    }
    done({});
}

} // namespace napkin::discovery
