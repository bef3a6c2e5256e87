// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// discovery::KeyStore on the system keychain: this device's private key and
// its certificate are kept as one keychain entry per address of record, so
// the same key is enrolled again at every start until its certificate
// expires (the Enroller then replaces it). No keychain means no key kept:
// load() and save() fail with the reason, never falling back to a file.

#include "app/controllers/KeychainSecretStore.h"
#include "sipcore/discovery/KeyStore.h"

#include <memory>

namespace napkin::app {

class KeychainKeyStore final : public discovery::KeyStore {
public:
    explicit KeychainKeyStore(QString service = KeychainSecretStore::defaultService());
    ~KeychainKeyStore() override;

    /// The callback runs later, from the event loop. An entry that no longer
    /// parses, whose key does not match its certificate, or that belongs to
    /// another address loads as "nothing stored" (a fresh key is enrolled).
    void load(const QString &aor, LoadCallback done) override;
    void save(const QString &aor, const crypto::DeviceIdentity &identity,
              SaveCallback done) override;
    [[nodiscard]] bool persistent() const override { return true; }

    /// Removes the stored identity of `aor` (e.g. when the account is removed).
    void remove(const QString &aor, SaveCallback done) override;

    [[nodiscard]] bool available() const { return m_secrets->available(); }
    [[nodiscard]] QString unavailableReason() const { return m_secrets->unavailableReason(); }

    /// The keychain entry name used for `aor`'s identity.
    [[nodiscard]] static QString entryKey(const QString &aor);

private:
    std::unique_ptr<KeychainSecretStore> m_secrets;
};

} // namespace napkin::app
