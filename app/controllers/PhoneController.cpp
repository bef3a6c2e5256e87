// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/PhoneController.h"

#include "app/controllers/AccountController.h"
#include "app/controllers/AppSettings.h"
#include "app/controllers/CallController.h"
#include "app/controllers/ContactsModel.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/engine/Engine.h"
#include "sipcore/Call.h"

#include <QTimer>

namespace napkin::app {

namespace {

/// How long an ended call's controller stays around for the UI to show it.
constexpr int endedCallLingerMs = 30000;

QString bare(const QString &address) {
    return address.startsWith(QLatin1String("sip:")) ? address.mid(4) : address;
}

} // namespace

PhoneController::PhoneController(AppSettings &settings, QObject *parent)
    : QObject(parent), m_settings(settings), m_account(new AccountController(this, this)),
      m_history(new HistoryModel(settings.dataDir() + QStringLiteral("/history.json"), this)),
      m_contacts(new ContactsModel(settings.dataDir() + QStringLiteral("/contacts.json"), this)),
      m_devices(new DevicesModel(this)) {
    connect(m_history, &HistoryModel::warning, this, &PhoneController::problem);
    connect(m_contacts, &ContactsModel::warning, this, &PhoneController::problem);
    m_history->load();
    m_contacts->load();
    m_account->setAddress(settings.address());
}

PhoneController::~PhoneController() {
    // The engine's user agent ends its calls in its destructor when stop()
    // did not run to the end.
    m_devices->setEngine(nullptr);
    m_account->detach();
}

void PhoneController::setPassword(const QByteArray &password) {
    m_password = password;
}

void PhoneController::setTurnPassword(const QByteArray &password) {
    m_turnPassword = password;
}

void PhoneController::setKeyStoreFactory(KeyStoreFactory factory) {
    m_keyStores = std::move(factory);
}

void PhoneController::setAudio(SourceFactory source, SinkFactory sink) {
    m_source = std::move(source);
    m_sink = std::move(sink);
}

void PhoneController::setNoAudio(bool noAudio) {
    m_noAudio = noAudio;
}

Result<void, QString> PhoneController::start() {
    if (m_engine) {
        return fail(tr("The account is already running."));
    }
    auto profile = m_settings.accountProfile();
    if (!profile) {
        return fail(profile.error());
    }
    auto sip = m_settings.sipProfile();
    if (!sip) {
        return fail(sip.error());
    }
    engine::EngineConfig config;
    // A protected callee reachable only in clear: the person decides.
    config.plainToProtected = sip::PolicySettings::PlainToProtected::Ask;
    config.profile = profile.value();
    config.sip = sip.value();
    config.password = m_password;
    config.turnPassword = m_turnPassword;
    config.noAudio = m_noAudio;
    QString turnProblem;
    if (config.profile.turnServer && config.profile.turnPasswordFile.isEmpty() &&
        m_turnPassword.isEmpty() && !m_noAudio) {
        // The engine refuses TURN without a password; the app still phones,
        // through STUN (and direct paths) only.
        turnProblem = tr("No password is known for the TURN server %1 (none in the keychain): "
                         "calls go without the relay. Enter it in Settings, Network.")
                          .arg(m_settings.turnServer());
        config.profile.turnServer.reset();
        config.profile.turnUser.clear();
    }
    config.media.source = m_source;
    config.media.sink = m_sink;
    if (m_keyStores) {
        config.keyStore = m_keyStores();
    }
    auto created = engine::Engine::create(std::move(config));
    if (!created) {
        return fail(tr("The account cannot start: %1").arg(created.error().message));
    }
    m_engine = std::move(created).value();
    engine::Engine *e = m_engine.get();
    connect(e, &engine::Engine::incomingCall, this, [this](sip::Call *call) {
        CallController *controller = adopt(call);
        if (!m_active) {
            m_active = controller;
            Q_EMIT activeCallChanged();
        }
        Q_EMIT incomingCall(controller);
    });
    connect(e, &engine::Engine::problem, this, &PhoneController::problem);
    connect(e, &engine::Engine::shutdownFinished, this, &PhoneController::engineStopped);
    for (const QString &warning : e->startupWarnings()) {
        Q_EMIT problem(warning);
    }
    if (!turnProblem.isEmpty()) {
        Q_EMIT problem(turnProblem);
    }
    m_account->attach(e);
    m_devices->setEngine(e);
    if (auto started = e->start(); !started) {
        m_account->detach();
        m_devices->setEngine(nullptr);
        m_engine.reset();
        m_account->applyStopped();
        return fail(tr("The account cannot start: %1").arg(started.error().message));
    }
    Q_EMIT runningChanged();
    return {};
}

void PhoneController::stop() {
    if (!m_engine || m_engine->isShuttingDown()) {
        return;
    }
    m_engine->shutdown();
}

void PhoneController::engineStopped() {
    m_account->detach();
    m_devices->setEngine(nullptr);
    // Deleted later: this runs inside the engine's own signal.
    if (m_engine) {
        m_engine.release()->deleteLater();
    }
    m_account->applyStopped();
    Q_EMIT runningChanged();
}

CallController *PhoneController::placeCall(const QString &address) {
    QString error;
    const QString target = ContactsModel::normaliseAddress(address, &error);
    if (target.isEmpty()) {
        Q_EMIT callFailed(error);
        return nullptr;
    }
    if (!m_engine || m_engine->isShuttingDown()) {
        Q_EMIT callFailed(tr("The account is not running."));
        return nullptr;
    }
    if (!m_engine->readyForCalls()) {
        Q_EMIT callFailed(tr("Not ready to call yet: %1").arg(m_account->registrationText()));
        return nullptr;
    }
    if (m_active && m_active->state() != CallController::State::Ended) {
        Q_EMIT callFailed(tr("End the current call first."));
        return nullptr;
    }
    auto call = m_engine->call(target);
    if (!call) {
        Q_EMIT callFailed(tr("The call could not be placed: %1").arg(call.error().message));
        return nullptr;
    }
    CallController *controller = adopt(call.value());
    m_active = controller;
    Q_EMIT activeCallChanged();
    return controller;
}

CallController *PhoneController::adopt(sip::Call *call) {
    auto *controller = new CallController(call, this);
    connect(controller, &CallController::ended, this,
            [this, controller] { callEnded(controller); });
    return controller;
}

void PhoneController::callEnded(CallController *call) {
    m_history->add(HistoryModel::entryOf(*call));
    if (m_active == call) {
        m_active.clear();
        // Another call (ringing or held) becomes the one shown.
        for (auto *other : findChildren<CallController *>(Qt::FindDirectChildrenOnly)) {
            if (other != call && other->state() != CallController::State::Ended) {
                m_active = other;
                break;
            }
        }
        Q_EMIT activeCallChanged();
    }
    QTimer::singleShot(endedCallLingerMs, call, &QObject::deleteLater);
}

QStringList PhoneController::completions(const QString &prefix) const {
    const QString wanted = bare(prefix.trimmed()).toLower();
    QStringList out;
    auto offer = [&](const QString &address, const QString &name) {
        const QString b = bare(address);
        if (out.contains(b)) {
            return;
        }
        if (b.toLower().startsWith(wanted) ||
            (!name.isEmpty() && name.toLower().startsWith(wanted))) {
            out.append(b);
        }
    };
    for (const auto &c : m_contacts->contacts()) {
        offer(c.address, c.name);
    }
    for (const auto &e : m_history->entries()) {
        offer(e.peer, {});
    }
    return out;
}

} // namespace napkin::app
