// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where the app keeps an account's password between runs. The implementation
// is the system keychain (KeychainSecretStore, Secret Service on Linux); when
// no keychain is reachable the store says so and why, and the app asks for
// the password at every start. There is never a plaintext fallback.

#include "crypto/Result.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace napkin::app {

enum class SecretErrc {
    Unavailable,  ///< no keychain reachable (no session bus, no Secret Service)
    AccessDenied, ///< the keychain refused (locked, or the user declined)
    Failed,       ///< the keychain answered with another error
};

struct SecretError {
    SecretErrc code = SecretErrc::Failed;
    QString message; ///< for people; never contains the secret
};

template <typename T> using SecretResult = napkin::Result<T, SecretError>;

/// Asynchronous password storage: per address of record, one entry for the
/// SIP password and one for the TURN server's password. Callbacks
/// always run later, from the event loop of the calling thread (never inside
/// the call that started them); no nested event loop is ever started.
class SecretStore {
public:
    /// nullopt: nothing is stored for that address.
    using ReadCallback = std::function<void(SecretResult<std::optional<QByteArray>>)>;
    using DoneCallback = std::function<void(SecretResult<void>)>;

    virtual ~SecretStore() = default;

    /// Whether a keychain was reachable when last checked.
    [[nodiscard]] virtual bool available() const = 0;
    /// Why the keychain cannot be used, in words; empty when available().
    [[nodiscard]] virtual QString unavailableReason() const = 0;

    virtual void readPassword(const QString &aor, ReadCallback done) = 0;
    virtual void writePassword(const QString &aor, const QByteArray &password,
                               DoneCallback done) = 0;
    /// Deleting an entry that does not exist succeeds.
    virtual void deletePassword(const QString &aor, DoneCallback done) = 0;

    /// The password of the account's TURN server ([network] turn_server),
    /// kept apart from the SIP password; the same rules.
    virtual void readTurnPassword(const QString &aor, ReadCallback done) = 0;
    virtual void writeTurnPassword(const QString &aor, const QByteArray &password,
                                   DoneCallback done) = 0;
    virtual void deleteTurnPassword(const QString &aor, DoneCallback done) = 0;
};

} // namespace napkin::app
