// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/KeychainKeyStore.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <openssl/crypto.h>

Q_DECLARE_LOGGING_CATEGORY(lcKeychain)

namespace napkin::app {

namespace {

using discovery::DiscoveryErrc;
using discovery::discoveryError;

constexpr std::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";

QString tr(const char *text) {
    return QCoreApplication::translate("KeychainKeyStore", text);
}

discovery::DiscoveryError keychainError(const SecretError &error) {
    return discoveryError(DiscoveryErrc::LocalFailure,
                          tr("This device's key is kept in the system keychain, which cannot "
                             "be used: %1")
                              .arg(error.message));
}

/// Clears a buffer that held key material before it is freed.
void wipe(QByteArray &bytes) {
    if (!bytes.isEmpty()) {
        OPENSSL_cleanse(bytes.data(), static_cast<std::size_t>(bytes.size()));
    }
}

void wipe(std::string &text) {
    if (!text.empty()) {
        OPENSSL_cleanse(text.data(), text.size());
    }
}

/// The identity in an entry (key PEM, then certificate PEM), or nullopt
/// with the reason logged.
std::optional<crypto::DeviceIdentity> parseEntry(const QByteArray &entry, const QString &aor) {
    const std::string_view text(entry.constData(), static_cast<std::size_t>(entry.size()));
    const auto split = text.find(kCertificateBegin);
    if (split == std::string_view::npos) {
        qCWarning(lcKeychain) << "keychain: the stored identity has no certificate; a new key "
                                 "will be enrolled";
        return std::nullopt;
    }
    auto key = crypto::PrivateKey::fromPem(text.substr(0, split));
    auto certificate = crypto::Certificate::fromPem(text.substr(split));
    if (!key || !certificate) {
        qCWarning(lcKeychain) << "keychain: the stored identity does not parse; a new key "
                                 "will be enrolled";
        return std::nullopt;
    }
    if (!key->matches(*certificate)) {
        qCWarning(lcKeychain) << "keychain: the stored key does not match its certificate; a "
                                 "new key will be enrolled";
        return std::nullopt;
    }
    auto parsedAor = crypto::parseAor(aor.toStdString());
    if (!parsedAor || !crypto::checkCertificateForAor(*certificate, *parsedAor)) {
        qCWarning(lcKeychain) << "keychain: the stored certificate is for another address";
        return std::nullopt;
    }
    return crypto::DeviceIdentity{std::move(certificate).value(), std::move(key).value()};
}

} // namespace

KeychainKeyStore::KeychainKeyStore(QString service)
    : m_secrets(std::make_unique<KeychainSecretStore>(std::move(service))) {}

KeychainKeyStore::~KeychainKeyStore() = default;

QString KeychainKeyStore::entryKey(const QString &aor) {
    return QStringLiteral("device-identity %1").arg(aor.trimmed());
}

void KeychainKeyStore::load(const QString &aor, LoadCallback done) {
    m_secrets->readSecret(entryKey(aor), [aor, done = std::move(done)](
                                             SecretResult<std::optional<QByteArray>> read) mutable {
        if (!read) {
            done(fail(keychainError(read.error())));
            return;
        }
        if (!read.value()) {
            done(std::optional<crypto::DeviceIdentity>());
            return;
        }
        QByteArray &entry = *read.value();
        auto identity = parseEntry(entry, aor);
        wipe(entry);
        done(std::move(identity));
    });
}

void KeychainKeyStore::save(const QString &aor, const crypto::DeviceIdentity &identity,
                            SaveCallback done) {
    std::string keyPem = identity.key.toPem();
    QByteArray entry = QByteArray::fromStdString(keyPem);
    wipe(keyPem);
    entry.append(QByteArray::fromStdString(identity.certificate.toPem()));
    m_secrets->writeSecret(entryKey(aor), entry,
                           [done = std::move(done)](SecretResult<void> written) {
                               if (!written) {
                                   done(fail(keychainError(written.error())));
                                   return;
                               }
                               done({});
                           });
    wipe(entry);
}

void KeychainKeyStore::remove(const QString &aor, SaveCallback done) {
    m_secrets->deleteSecret(entryKey(aor), [done = std::move(done)](SecretResult<void> removed) {
        if (!removed) {
            done(fail(keychainError(removed.error())));
            return;
        }
        done({});
    });
}

} // namespace napkin::app
