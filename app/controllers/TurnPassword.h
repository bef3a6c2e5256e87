// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The TURN server's password in the desktop app: held in memory for the
// engine and, between starts, in the system keychain (SecretStore's
// turn-password entry of the account), never in the profile, another file or
// a log. A napkin-cli profile's turn_password_file is read by the engine
// instead.

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

namespace napkin::app {

class SecretStore;

class TurnPassword : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool known READ known NOTIFY changed)
public:
    /// What went wrong, in words; empty when all went well. Always called
    /// later from the event loop, never inside the call that started it, and
    /// not at all once this object is gone.
    using Done = std::function<void(const QString &problem)>;

    /// `store` may be null (no keychain at all): the password then lasts
    /// until the app quits. The store must outlive this object.
    explicit TurnPassword(SecretStore *store, QObject *parent = nullptr);
    ~TurnPassword() override;

    /// Whether a password is held now.
    [[nodiscard]] bool known() const { return !m_password.isEmpty(); }
    /// The password for the engine. Never log it.
    [[nodiscard]] QByteArray value() const { return m_password; }

    /// Reads the keychain's password of `aor` into memory. Nothing stored
    /// is no problem (known() stays false); a keychain failure is.
    void load(const QString &aor, Done done);
    /// Holds `password` from now on and keeps it in the keychain for `aor`.
    /// Without a keychain, or when it refuses, the problem says that the
    /// password lasts only until Napkin quits.
    void store(const QString &aor, const QByteArray &password, Done done);
    /// Forgets the password here and in the keychain (the TURN server was
    /// removed).
    void forget(const QString &aor, Done done);

Q_SIGNALS:
    void changed();

private:
    void set(const QByteArray &password);
    void later(Done done, const QString &problem);

    SecretStore *m_store;
    QByteArray m_password;
};

} // namespace napkin::app
