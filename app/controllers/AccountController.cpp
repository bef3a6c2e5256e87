// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/AccountController.h"

#include "app/controllers/CallController.h"
#include "app/controllers/PhoneController.h"
#include "app/engine/Engine.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QLocale>
#include <QUrl>

namespace napkin::app {

namespace {

/// "sip:a.example;lr" / "sip:127.0.0.1:5060" -> "a.example" / "127.0.0.1:5060".
QString hostOf(const QString &uri) {
    QString rest = uri;
    const qsizetype colon = rest.indexOf(QLatin1Char(':'));
    if (rest.startsWith(QLatin1String("sip"))) {
        rest = rest.mid(colon + 1);
    }
    rest = rest.section(QLatin1Char(';'), 0, 0);
    return rest.section(QLatin1Char('@'), -1);
}

} // namespace

AccountController::AccountController(PhoneController *phone, QObject *parent)
    : QObject(parent), m_phone(phone) {
    m_registrationText = registrationTextFor(RegistrationState::Offline, {}, {});
    m_enrolmentText = tr("Not published yet");
}

QString AccountController::fingerprintGroups() const {
    return CallController::fingerprintGroupsFor(m_fingerprint);
}

Result<void, QString> AccountController::start() {
    if (!m_phone) {
        return fail(tr("There is no account to start."));
    }
    return m_phone->start();
}

void AccountController::stop() {
    if (m_phone) {
        m_phone->stop();
    }
}

QString AccountController::domain() const {
    return m_address.section(QLatin1Char('@'), -1);
}

void AccountController::setAddress(const QString &address) {
    if (m_address != address) {
        m_address = address;
        Q_EMIT changed();
    }
}

void AccountController::attach(engine::Engine *engine) {
    detach();
    m_engine = engine;
    if (engine == nullptr) {
        return;
    }
    m_running = true;
    setAddress(engine->profile().aor);
    m_registration = RegistrationState::Offline;
    m_registrationText = registrationTextFor(m_registration, {}, {});
    connect(engine, &engine::Engine::registrationChanged, this,
            &AccountController::applyRegistration);
    connect(engine, &engine::Engine::enrolled, this, &AccountController::applyEnrolled);
    connect(engine, &engine::Engine::enrolmentError, this, &AccountController::applyEnrolmentError);
    connect(engine, &engine::Engine::identityWithdrawn, this,
            &AccountController::applyIdentityWithdrawn);
    applyEnrolling();
}

void AccountController::detach() {
    if (m_engine) {
        disconnect(m_engine, nullptr, this, nullptr);
    }
    m_engine.clear();
}

void AccountController::applyEnrolling() {
    m_enrolment = EnrolmentState::Enrolling;
    m_enrolmentText = tr("Publishing this device's certificate at %1…").arg(domain());
    Q_EMIT changed();
}

void AccountController::applyIdentityWithdrawn(const QString &, const QString &reason,
                                               const QString &) {
    // The certificate is gone and a new one is being enrolled: calls are
    // unsigned meanwhile, which the status line must not hide.
    m_enrolment = EnrolmentState::Enrolling;
    m_fingerprint.clear();
    m_enrolmentText =
        reason == QLatin1String("expired")
            ? tr("This device's certificate expired: calls are not signed; enrolling a new "
                 "certificate at %1…")
                  .arg(domain())
            : tr("This device was removed from %1's list: calls are not signed; enrolling a new "
                 "certificate…")
                  .arg(domain());
    Q_EMIT changed();
}

void AccountController::applyRegistration(sip::UserAgent::Registration state,
                                          const QString &message) {
    RegistrationState mapped = m_registration;
    switch (state) {
    case sip::UserAgent::Registration::None:
    case sip::UserAgent::Registration::Unregistered:
        mapped = RegistrationState::Offline;
        break;
    case sip::UserAgent::Registration::Registering:
        mapped = RegistrationState::Registering;
        break;
    case sip::UserAgent::Registration::Registered:
        mapped = RegistrationState::Registered;
        break;
    case sip::UserAgent::Registration::Failed:
        mapped = RegistrationState::Failed;
        break;
    }
    const QString registrar = m_engine ? m_engine->profile().registrar : QString();
    m_registration = mapped;
    m_registrationText =
        registrationTextFor(mapped, registrar.isEmpty() ? domain() : hostOf(registrar), message);
    Q_EMIT changed();
}

QString AccountController::registrationTextFor(RegistrationState state,
                                               const QString &registrarHost,
                                               const QString &message) {
    switch (state) {
    case RegistrationState::Offline:
        return tr("Offline");
    case RegistrationState::Registering:
        return tr("Registering at %1…").arg(registrarHost);
    case RegistrationState::Registered:
        return tr("Registered at %1").arg(registrarHost);
    case RegistrationState::Failed:
        break;
    }
    // The agent's message ends with the registrar's status ("... (403 Forbidden)").
    // 904: Sofia found no usable challenge for the credentials it sent again,
    // which is how a wrong password usually ends.
    if (message.contains(QLatin1String(" 904 "))) {
        return tr("Registration failed: wrong user name or password");
    }
    if (message.contains(QLatin1String("401")) || message.contains(QLatin1String("407")) ||
        message.contains(QLatin1String("refused the credentials"))) {
        return tr("Registration failed: wrong user name or password (%1)")
            .arg(message.section(QLatin1Char('('), -1).remove(QLatin1Char(')')));
    }
    if (message.contains(QLatin1String(" 403"))) {
        return tr("Registration failed: wrong password (403)");
    }
    if (message.contains(QLatin1String(" 404"))) {
        return tr("Registration failed: %1 does not know this address (404)").arg(registrarHost);
    }
    if (message.contains(QLatin1String(" 408")) || message.contains(QLatin1String(" 503"))) {
        return tr("Registration failed: %1 cannot be reached").arg(registrarHost);
    }
    return message.isEmpty() ? tr("Registration failed")
                             : tr("Registration failed: %1").arg(message);
}

void AccountController::applyEnrolled(const QString &fingerprint, const QDateTime &notAfter) {
    m_enrolment = EnrolmentState::Enrolled;
    m_fingerprint = fingerprint;
    const QString until = QLocale().toString(notAfter.toLocalTime(), QStringLiteral("d MMM HH:mm"));
    m_enrolmentText = tr("Certificate published at %1 until %2").arg(domain(), until);
    Q_EMIT changed();
}

void AccountController::applyEnrolmentError(const discovery::DiscoveryError &error,
                                            qint64 retryInMs) {
    if (error.code == discovery::DiscoveryErrc::NoService) {
        m_enrolment = EnrolmentState::NoService;
        m_enrolmentText = tr("%1 publishes no certificates: calls are not signed and not "
                             "end-to-end")
                              .arg(domain());
    } else {
        m_enrolment = EnrolmentState::Failed;
        m_enrolmentText = retryInMs > 0 ? tr("Certificate not published: %1 (trying again in %2 s)")
                                              .arg(error.message)
                                              .arg((retryInMs + 999) / 1000)
                                        : tr("Certificate not published: %1").arg(error.message);
    }
    Q_EMIT changed();
}

void AccountController::applyStopped() {
    detach();
    m_running = false;
    m_registration = RegistrationState::Offline;
    m_registrationText = registrationTextFor(m_registration, {}, {});
    if (m_enrolment == EnrolmentState::Enrolling) {
        m_enrolment = EnrolmentState::NotEnrolled;
        m_enrolmentText = tr("Not published yet");
    }
    Q_EMIT changed();
    Q_EMIT stopped();
}

} // namespace napkin::app
