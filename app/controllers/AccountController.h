// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The running account as the status line shows it: registration and
// certificate enrolment, each a state with words beside it, and this device's
// fingerprint. start() and stop() go to the PhoneController that owns the
// engine.

#include "crypto/Result.h"
#include "sipcore/UserAgent.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>

namespace napkin::engine {
class Engine;
}
namespace napkin::discovery {
struct DiscoveryError;
}

namespace napkin::app {

class PhoneController;

class AccountController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString address READ address NOTIFY changed)
    Q_PROPERTY(RegistrationState registrationState READ registrationState NOTIFY changed)
    Q_PROPERTY(QString registrationText READ registrationText NOTIFY changed)
    Q_PROPERTY(EnrolmentState enrolmentState READ enrolmentState NOTIFY changed)
    Q_PROPERTY(QString enrolmentText READ enrolmentText NOTIFY changed)
    Q_PROPERTY(QString fingerprint READ fingerprint NOTIFY changed)
    Q_PROPERTY(QString fingerprintGroups READ fingerprintGroups NOTIFY changed)
    Q_PROPERTY(bool running READ running NOTIFY changed)
public:
    enum class RegistrationState { Offline, Registering, Registered, Failed };
    Q_ENUM(RegistrationState)
    enum class EnrolmentState { NotEnrolled, Enrolling, Enrolled, Failed, NoService };
    Q_ENUM(EnrolmentState)

    /// `phone` may be null (then start() and stop() only report).
    explicit AccountController(PhoneController *phone, QObject *parent = nullptr);

    [[nodiscard]] QString address() const { return m_address; }
    [[nodiscard]] RegistrationState registrationState() const { return m_registration; }
    [[nodiscard]] QString registrationText() const { return m_registrationText; }
    [[nodiscard]] EnrolmentState enrolmentState() const { return m_enrolment; }
    [[nodiscard]] QString enrolmentText() const { return m_enrolmentText; }
    [[nodiscard]] QString fingerprint() const { return m_fingerprint; }
    [[nodiscard]] QString fingerprintGroups() const;
    [[nodiscard]] bool running() const { return m_running; }

    /// Starts the account (engine); the reason in words when it cannot start.
    [[nodiscard]] Q_INVOKABLE Result<void, QString> start();
    /// Stops it; stopped() follows once unregistered.
    Q_INVOKABLE void stop();

    // Fed by PhoneController (and tests).
    void attach(engine::Engine *engine);
    void detach();
    void setAddress(const QString &address);
    void applyRegistration(sip::UserAgent::Registration state, const QString &message);
    void applyEnrolled(const QString &fingerprint, const QDateTime &notAfter);
    void applyEnrolmentError(const discovery::DiscoveryError &error, qint64 retryInMs);
    void applyEnrolling();
    void applyIdentityWithdrawn(const QString &fingerprint, const QString &reason,
                                const QString &message);
    void applyStopped();

    /// "Registration failed: <why>" and the like, from the agent's message.
    [[nodiscard]] static QString registrationTextFor(RegistrationState state,
                                                     const QString &registrarHost,
                                                     const QString &message);

Q_SIGNALS:
    void changed();
    void stopped();

private:
    [[nodiscard]] QString domain() const;

    QPointer<PhoneController> m_phone;
    QPointer<engine::Engine> m_engine;
    QString m_address;
    RegistrationState m_registration = RegistrationState::Offline;
    QString m_registrationText;
    EnrolmentState m_enrolment = EnrolmentState::NotEnrolled;
    QString m_enrolmentText;
    QString m_fingerprint;
    bool m_running = false;
};

} // namespace napkin::app
