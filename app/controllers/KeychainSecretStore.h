// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// SecretStore on the system keychain through QtKeychain (the Secret Service
// D-Bus API on Linux: gnome-keyring, KWallet). Every operation is a QtKeychain
// job whose finished signal delivers the result; nothing blocks and no event
// loop is nested. QtKeychain's insecure fallback (a plaintext QSettings file)
// is switched off on every job: when the keychain cannot be used, the store
// reports it instead.

#include "app/controllers/SecretStore.h"

#include <QObject>

namespace QKeychain {
class Job;
}

namespace napkin::app {

class KeychainSecretStore final : public QObject, public SecretStore {
    Q_OBJECT
public:
    /// The keychain "service" under which Napkin's entries are filed.
    static QString defaultService();

    /// Checks at once (without waiting on the keychain itself) whether a
    /// session bus and a Secret Service are reachable.
    explicit KeychainSecretStore(QString service = defaultService(), QObject *parent = nullptr);
    ~KeychainSecretStore() override;

    [[nodiscard]] bool available() const override { return m_reason.isEmpty(); }
    [[nodiscard]] QString unavailableReason() const override { return m_reason; }
    /// Looks again for a keychain (after the user started or unlocked one).
    void recheck();

    /// Callbacks always run later, from the event loop, on this object's
    /// thread; they are dropped if the store is destroyed first.
    void readPassword(const QString &aor, ReadCallback done) override;
    void writePassword(const QString &aor, const QByteArray &password, DoneCallback done) override;
    void deletePassword(const QString &aor, DoneCallback done) override;
    void readTurnPassword(const QString &aor, ReadCallback done) override;
    void writeTurnPassword(const QString &aor, const QByteArray &password,
                           DoneCallback done) override;
    void deleteTurnPassword(const QString &aor, DoneCallback done) override;

    /// The entry keys: "password <aor>" and "turn-password <aor>".
    [[nodiscard]] static QString passwordKey(const QString &aor);
    [[nodiscard]] static QString turnPasswordKey(const QString &aor);

    /// Entries under any key (KeychainKeyStore keeps the device identity here).
    void readSecret(const QString &key, ReadCallback done);
    void writeSecret(const QString &key, const QByteArray &data, DoneCallback done);
    void deleteSecret(const QString &key, DoneCallback done);

    [[nodiscard]] QString service() const { return m_service; }

private:
    [[nodiscard]] SecretError errorOf(const QKeychain::Job &job);
    void failLater(DoneCallback done);
    void failLater(ReadCallback done);

    QString m_service;
    QString m_reason; ///< empty: available
};

} // namespace napkin::app
