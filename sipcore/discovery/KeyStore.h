// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where this device's key and certificate are kept between runs. The app
// implements it with the system keychain (QtKeychain, asynchronous); the CLI
// uses a file in the profile's state directory or keeps nothing at all.

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QString>

#include <functional>
#include <optional>

namespace napkin::discovery {

class KeyStore {
public:
    using LoadCallback =
        std::function<void(DiscoveryResult<std::optional<crypto::DeviceIdentity>>)>;
    using SaveCallback = std::function<void(DiscoveryResult<void>)>;

    virtual ~KeyStore() = default;

    /// The stored identity of `aor`, or nullopt if there is none. The callback
    /// may run inside this call or later on the same thread.
    virtual void load(const QString &aor, LoadCallback done) = 0;
    /// Replaces the stored identity of `aor`.
    virtual void save(const QString &aor, const crypto::DeviceIdentity &identity,
                      SaveCallback done) = 0;
    /// Removes the stored identity of `aor`, so that no later start enrols it
    /// again (e.g. after the service stopped listing it: revoked).
    virtual void remove(const QString &aor, SaveCallback done) = 0;
    /// Whether identities survive a restart (false: a fresh key at every start).
    [[nodiscard]] virtual bool persistent() const = 0;
};

/// Keeps the identity for the life of the process only: every start
/// generates and enrols a fresh key (the "key not kept" configuration).
class MemoryKeyStore final : public KeyStore {
public:
    void load(const QString &aor, LoadCallback done) override;
    void save(const QString &aor, const crypto::DeviceIdentity &identity,
              SaveCallback done) override;
    void remove(const QString &aor, SaveCallback done) override;
    [[nodiscard]] bool persistent() const override { return false; }

private:
    QString m_aor;
    std::optional<crypto::DeviceIdentity> m_identity;
};

/// Keeps `device-key.pem` (mode 0600) and `device-cert.pem` in a directory.
class FileKeyStore final : public KeyStore {
public:
    explicit FileKeyStore(QString directory);
    void load(const QString &aor, LoadCallback done) override;
    void save(const QString &aor, const crypto::DeviceIdentity &identity,
              SaveCallback done) override;
    void remove(const QString &aor, SaveCallback done) override;
    [[nodiscard]] bool persistent() const override { return true; }

    [[nodiscard]] QString keyPath() const;
    [[nodiscard]] QString certificatePath() const;

private:
    QString m_directory;
};

} // namespace napkin::discovery
