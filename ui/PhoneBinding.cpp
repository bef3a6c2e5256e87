// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/PhoneBinding.h"

#include "app/controllers/AccountController.h"
#include "app/controllers/AccountTest.h"
#include "app/controllers/AppSettings.h"
#include "app/controllers/ContactsModel.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/controllers/IceServerTest.h"
#include "app/controllers/PhoneController.h"
#include "app/controllers/TurnPassword.h"
#include "ui/PlainText.h"

#include <QMessageBox>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>

namespace napkin::ui {

namespace {

using Call = app::CallController;

constexpr int kEndedPanelMs = 2500; ///< how long "Call ended" stays before the tabs return

bool isRinging(const Call &call) {
    return call.direction() == Call::Direction::Incoming &&
           (call.state() == Call::State::Ringing || call.state() == Call::State::Checking);
}

} // namespace

PhoneBinding::PhoneBinding(app::PhoneController &phone, app::AppSettings &settings,
                           MainWindow &window, QObject *parent)
    : QObject(parent), m_phone(phone), m_settings(settings), m_window(window),
      m_turn(new app::TurnPassword(nullptr, this)) {
    app::AccountController *account = phone.account();
    connect(account, &app::AccountController::changed, this, &PhoneBinding::refreshStatus);

    QAbstractItemModel *contacts = phone.contacts();
    QAbstractItemModel *history = phone.history();
    connect(contacts, &QAbstractItemModel::modelReset, this, &PhoneBinding::refreshContacts);
    connect(contacts, &QAbstractItemModel::rowsInserted, this, &PhoneBinding::refreshContacts);
    connect(contacts, &QAbstractItemModel::rowsRemoved, this, &PhoneBinding::refreshContacts);
    connect(contacts, &QAbstractItemModel::dataChanged, this, &PhoneBinding::refreshContacts);
    connect(history, &QAbstractItemModel::modelReset, this, &PhoneBinding::refreshHistory);
    connect(history, &QAbstractItemModel::rowsInserted, this, &PhoneBinding::refreshHistory);
    connect(history, &QAbstractItemModel::rowsRemoved, this, &PhoneBinding::refreshHistory);
    connect(history, &QAbstractItemModel::dataChanged, this, &PhoneBinding::refreshHistory);
    connect(phone.history(), &app::HistoryModel::warning, this,
            [this](const QString &message) { m_window.statusBar()->showMessage(message, 15000); });
    connect(phone.contacts(), &app::ContactsModel::warning, &m_window,
            &MainWindow::setContactsMessage);

    app::DevicesModel *devices = phone.devices();
    connect(devices, &QAbstractItemModel::modelReset, this, &PhoneBinding::refreshDevices);
    connect(devices, &QAbstractItemModel::rowsInserted, this, &PhoneBinding::refreshDevices);
    connect(devices, &QAbstractItemModel::rowsRemoved, this, &PhoneBinding::refreshDevices);
    connect(devices, &QAbstractItemModel::dataChanged, this, &PhoneBinding::refreshDevices);
    connect(devices, &app::DevicesModel::unknownDeviceAppeared, this,
            [this](const QString &fingerprint, const QString &name) {
                m_window.devicesPage()->showUnknownDevice(fingerprint, name);
                m_window.notifyAlert(tr("Unknown device on your address"),
                                     tr("%1 enrolled on your address. Open My devices to "
                                        "acknowledge or revoke it.")
                                         .arg(name.isEmpty() ? fingerprint : name));
            });
    connect(devices, &app::DevicesModel::revokeFinished, m_window.devicesPage(),
            &DevicesPage::revokeFinished);
    connect(devices, &app::DevicesModel::lastErrorChanged, this, [this, devices] {
        if (!devices->lastError().isEmpty()) {
            m_window.devicesPage()->setStatus(devices->lastError());
        }
    });
    DevicesPage *page = m_window.devicesPage();
    connect(page, &DevicesPage::refreshRequested, devices, &app::DevicesModel::refresh);
    connect(page, &DevicesPage::revokeRequested, devices, &app::DevicesModel::revoke);
    connect(page, &DevicesPage::acknowledgeRequested, this,
            [this, devices](const QString &fingerprint) {
                const auto acknowledged = devices->acknowledge(fingerprint);
                m_window.devicesPage()->setStatus(
                    acknowledged ? tr("Acknowledged: this device is now known.")
                                 : tr("Could not acknowledge: %1").arg(acknowledged.error()));
            });

    connect(&phone, &app::PhoneController::incomingCall, this, &PhoneBinding::incomingCall);
    connect(&phone, &app::PhoneController::activeCallChanged, this,
            &PhoneBinding::activeCallChanged);
    connect(&phone, &app::PhoneController::callFailed, this, [this](const QString &reason) {
        m_window.statusBar()->showMessage(tr("Call failed: %1").arg(reason), 15000);
        QMessageBox *box = plainMessageBox(QMessageBox::Warning, tr("Call failed"), reason,
                                           QMessageBox::Ok, &m_window);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    connect(&phone, &app::PhoneController::problem, this,
            [this](const QString &message) { m_window.statusBar()->showMessage(message, 15000); });

    connect(&m_window, &MainWindow::callRequested, this, &PhoneBinding::placeCall);
    connect(&m_window, &MainWindow::dialTextEdited, this,
            [this](const QString &text) { m_window.setCompletions(m_phone.completions(text)); });
    connect(&m_window, &MainWindow::answerRequested, this, &PhoneBinding::answer);
    connect(&m_window, &MainWindow::hangUpRequested, this, &PhoneBinding::hangUp);
    connect(&m_window, &MainWindow::settingsRequested, this, &PhoneBinding::openSettings);
    connect(&m_window, &MainWindow::addContactRequested, this,
            [this](const QString &name, const QString &address) {
                const auto added = m_phone.contacts()->add(name, address);
                m_window.setContactsMessage(added ? tr("Added %1.").arg(address) : added.error());
            });
    connect(&m_window, &MainWindow::removeContactRequested, this,
            [this](int row) { m_phone.contacts()->remove(row); });

    CallPanel *panel = m_window.callPanel();
    connect(panel, &CallPanel::muteToggled, this, [this](bool on) {
        if (m_shown) {
            m_shown->setMuted(on);
        }
    });
    connect(panel, &CallPanel::holdToggled, this, [this](bool on) {
        if (m_shown) {
            m_shown->setOnHold(on);
        }
    });
    connect(panel, &CallPanel::dtmfPressed, this, [this](const QString &digit) {
        if (m_shown) {
            m_shown->sendDtmf(digit);
        }
    });

    refreshStatus();
    refreshContacts();
    refreshHistory();
    refreshDevices();
    activeCallChanged();
}

PhoneBinding::~PhoneBinding() {
    for (const QPointer<IncomingCallDialog> &dialog : std::as_const(m_dialogs)) {
        if (dialog) {
            dialog->deleteLater();
        }
    }
}

BadgeState PhoneBinding::badgeOf(Call::Verdict verdict) {
    switch (verdict) {
    case Call::Verdict::Verified:
        return BadgeState::Verified;
    case Call::Verdict::NewDevice:
        return BadgeState::NewDevice;
    case Call::Verdict::Unverified:
        return BadgeState::Unverified;
    case Call::Verdict::Failed:
        return BadgeState::Failed;
    case Call::Verdict::Unverifiable:
        return BadgeState::Unverifiable;
    case Call::Verdict::Pending:
        break;
    }
    return BadgeState::Pending;
}

CallView PhoneBinding::callView(const Call &call) {
    CallView v;
    v.peer = call.peer();
    v.stateText = call.stateText();
    if (call.state() == Call::State::Ended && !call.endReason().isEmpty()) {
        v.stateText = tr("%1: %2").arg(call.stateText(), call.endReason());
    }
    v.active = call.state() == Call::State::Active;
    v.ended = call.state() == Call::State::Ended;
    v.durationSeconds = call.durationSeconds();
    v.verdict = badgeOf(call.verdict());
    v.verdictDetail = call.verdictDetail();
    v.endToEnd = call.endToEnd();
    v.securityText = call.securityText();
    v.srtpSuite = call.srtpSuite();
    v.codec = call.codec();
    v.vouchingDomain = call.vouchingDomain();
    v.deviceName = call.deviceName();
    v.fingerprintGroups = call.fingerprintGroups();
    v.qualityText = call.qualityText();
    v.mediaPathText = call.mediaPathText();
    v.muted = call.muted();
    v.onHold = call.onHold();
    return v;
}

IncomingCallView PhoneBinding::incomingView(const Call &call) {
    IncomingCallView v;
    v.peer = call.peer();
    v.verdict = badgeOf(call.verdict());
    v.verdictDetail = call.verdictDetail();
    v.deviceName = call.deviceName();
    v.fingerprintGroups = call.fingerprintGroups();
    return v;
}

StatusView PhoneBinding::statusView(const app::AccountController &account) {
    using Reg = app::AccountController::RegistrationState;
    using Enrol = app::AccountController::EnrolmentState;
    StatusView s;
    switch (account.registrationState()) {
    case Reg::Offline:
        s.registration = StatusView::Registration::Offline;
        break;
    case Reg::Registering:
        s.registration = StatusView::Registration::Registering;
        break;
    case Reg::Registered:
        s.registration = StatusView::Registration::Registered;
        break;
    case Reg::Failed:
        s.registration = StatusView::Registration::Failed;
        break;
    }
    s.registrationText = account.registrationText();
    s.enrolled = account.enrolmentState() == Enrol::Enrolled;
    s.enrolmentFailed =
        account.enrolmentState() == Enrol::Failed || account.enrolmentState() == Enrol::NoService;
    s.enrolmentText = account.enrolmentText();
    return s;
}

QList<DeviceRow> PhoneBinding::deviceRows(const app::DevicesModel &model) {
    QList<DeviceRow> rows;
    for (const app::DeviceRow &source : model.rows()) {
        DeviceRow row;
        row.fingerprint = source.fingerprint;
        row.fingerprintGroups = Call::fingerprintGroupsFor(source.fingerprint);
        // The bare name: DeviceNameRole says "This device (...)" for this device, and the
        // page marks this device itself, so the words would come twice.
        row.deviceName = Call::deviceNameFor(source.instanceUrn, source.fingerprint);
        row.notBefore = source.notBefore;
        row.notAfter = source.notAfter;
        row.thisDevice = source.thisDevice;
        row.known = source.known;
        rows << row;
    }
    return rows;
}

QList<HistoryRow> PhoneBinding::historyRows(const QAbstractItemModel &model) {
    QList<HistoryRow> rows;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex i = model.index(r, 0);
        HistoryRow row;
        row.peer = i.data(app::HistoryModel::PeerRole).toString();
        row.incoming = i.data(app::HistoryModel::DirectionRole).toInt() ==
                       static_cast<int>(Call::Direction::Incoming);
        row.started = i.data(app::HistoryModel::StartedRole).toDateTime();
        row.durationSeconds = i.data(app::HistoryModel::DurationRole).toInt();
        row.verdict =
            badgeOf(static_cast<Call::Verdict>(i.data(app::HistoryModel::VerdictRole).toInt()));
        row.endToEnd = i.data(app::HistoryModel::EndToEndRole).toBool();
        row.outcome = i.data(app::HistoryModel::OutcomeRole).toString();
        rows << row;
    }
    return rows;
}

QList<ContactRow> PhoneBinding::contactRows(const QAbstractItemModel &model) {
    QList<ContactRow> rows;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex i = model.index(r, 0);
        rows << ContactRow{i.data(app::ContactsModel::NameRole).toString(),
                           i.data(app::ContactsModel::AddressRole).toString()};
    }
    return rows;
}

SettingsValues PhoneBinding::settingsValues(const app::AppSettings &settings) {
    SettingsValues v;
    v.audioInput = QString::fromUtf8(settings.audioInput());
    v.audioOutput = QString::fromUtf8(settings.audioOutput());
    v.certificateLifetimeDays = settings.certificateLifetimeDays();
    v.cacheTtlSeconds = settings.cacheTtlSeconds();
    v.dnsServer = settings.dnsServer();
    v.caFile = settings.caFile();
    v.stunServer = settings.stunServer();
    v.turnServer = settings.turnServer();
    v.turnUser = settings.turnUser();
    v.turnPasswordKnown = !settings.turnPasswordFile().isEmpty();
    v.requireEndToEnd = settings.requireEndToEnd();
    v.rejectFailedCalls = settings.rejectFailedCalls();
    v.keyStorage = settings.keyStorage() == app::AppSettings::KeyStorage::RegenerateEachStart
                       ? SettingsValues::KeyStorage::RegenerateEachStart
                       : SettingsValues::KeyStorage::Keychain;
    return v;
}

QString PhoneBinding::applySettings(app::AppSettings &settings, const SettingsValues &values) {
    settings.setAudioInput(values.audioInput.toUtf8());
    settings.setAudioOutput(values.audioOutput.toUtf8());
    settings.setCertificateLifetimeDays(values.certificateLifetimeDays);
    settings.setCacheTtlSeconds(values.cacheTtlSeconds);
    settings.setDnsServer(values.dnsServer);
    settings.setCaFile(values.caFile);
    settings.setStunServer(values.stunServer);
    settings.setTurnServer(values.turnServer);
    settings.setTurnUser(values.turnUser);
    settings.setRequireEndToEnd(values.requireEndToEnd);
    settings.setRejectFailedCalls(values.rejectFailedCalls);
    // A napkin-cli profile keeps its key file; the dialog only switches between the two
    // storages the app offers.
    if (settings.keyStorage() != app::AppSettings::KeyStorage::File ||
        values.keyStorage == SettingsValues::KeyStorage::RegenerateEachStart) {
        settings.setKeyStorage(values.keyStorage == SettingsValues::KeyStorage::Keychain
                                   ? app::AppSettings::KeyStorage::Keychain
                                   : app::AppSettings::KeyStorage::RegenerateEachStart);
    }
    return settings.save();
}

QString PhoneBinding::turnPasswordProblem(const SettingsValues &values) {
    if (values.turnServer.isEmpty() || !values.turnPassword.isEmpty() || values.turnPasswordKnown) {
        return {};
    }
    return tr("Enter the password for the TURN server %1.").arg(values.turnServer);
}

Result<media::IceServers, QString> PhoneBinding::iceServersOf(const SettingsValues &values,
                                                              const QByteArray &knownTurnPassword) {
    for (const QString &problem : {app::AppSettings::stunServerProblem(values.stunServer),
                                   app::AppSettings::turnServerProblem(values.turnServer)}) {
        if (!problem.isEmpty()) {
            return fail(problem);
        }
    }
    if (values.stunServer.isEmpty() && values.turnServer.isEmpty()) {
        return fail(tr("Enter a STUN or TURN server to test."));
    }
    media::IceServers servers;
    if (!values.stunServer.isEmpty()) {
        servers.stun = media::parseStunServer(values.stunServer.toStdString()).value();
    }
    if (!values.turnServer.isEmpty()) {
        if (values.turnUser.isEmpty()) {
            return fail(tr("Enter the user name for the TURN server %1.").arg(values.turnServer));
        }
        const QByteArray password =
            values.turnPassword.isEmpty() ? knownTurnPassword : values.turnPassword.toUtf8();
        if (password.isEmpty()) {
            return fail(turnPasswordProblem(values));
        }
        media::TurnServer turn = media::parseTurnServer(values.turnServer.toStdString()).value();
        turn.user = values.turnUser.toStdString();
        turn.password = password.toStdString();
        servers.turn = std::move(turn);
    }
    return servers;
}

app::AccountSetup PhoneBinding::accountSetup(const AccountSetupValues &values,
                                             const app::AppSettings &settings) {
    app::AccountSetup setup;
    setup.address = values.address;
    setup.password = values.password;
    setup.registrar = values.registrar;
    setup.outboundProxy = values.outboundProxy;
    setup.transport = values.transport;
    setup.dnsServer = settings.dnsServer();
    setup.caFile = settings.caFile();
    setup.allowPrivateServices = settings.allowPrivateServices();
    return setup;
}

void PhoneBinding::connectAccountTest(AccountSetupDialog &dialog, app::AccountTest &test,
                                      const app::AppSettings &settings) {
    QObject::connect(&dialog, &AccountSetupDialog::testRequested, &test,
                     [&test, &settings](const AccountSetupValues &values) {
                         test.run(accountSetup(values, settings));
                     });
    QObject::connect(&test, &app::AccountTest::progress, &dialog,
                     &AccountSetupDialog::testProgress);
    QObject::connect(&test, &app::AccountTest::finished, &dialog,
                     &AccountSetupDialog::testFinished);
    QObject::connect(&dialog, &QDialog::rejected, &test, &app::AccountTest::cancel);
}

bool PhoneBinding::needsRestart(const SettingsValues &before, const SettingsValues &after) {
    // Audio devices are opened afresh for every call (DesktopApp's factories read the
    // settings then): they need no restart. Everything else is part of the engine's
    // configuration.
    return before.certificateLifetimeDays != after.certificateLifetimeDays ||
           before.cacheTtlSeconds != after.cacheTtlSeconds || before.dnsServer != after.dnsServer ||
           before.caFile != after.caFile || before.stunServer != after.stunServer ||
           before.turnServer != after.turnServer || before.turnUser != after.turnUser ||
           before.requireEndToEnd != after.requireEndToEnd ||
           before.rejectFailedCalls != after.rejectFailedCalls ||
           before.keyStorage != after.keyStorage;
}

bool PhoneBinding::hasLiveCall() const {
    const auto live = [](const Call *call) {
        return call != nullptr && call->state() != Call::State::Ended;
    };
    if (live(m_shown) || live(m_phone.activeCall())) {
        return true;
    }
    for (const QPointer<Call> &call : m_ringing) {
        if (live(call)) {
            return true;
        }
    }
    const auto calls = m_phone.findChildren<Call *>(Qt::FindDirectChildrenOnly);
    return std::any_of(calls.cbegin(), calls.cend(), live);
}

QString PhoneBinding::liveCallNotice() {
    return tr("A call is in progress. Audio devices apply from the next call; the other "
              "settings apply once the call has ended, so it is not cut off.");
}

void PhoneBinding::setTurnPassword(app::TurnPassword *turn) {
    m_turn = turn;
}

void PhoneBinding::setIceServerTest(app::IceServerTest *test) {
    m_iceTest = test;
}

QByteArray PhoneBinding::knownTurnPassword() const {
    if (m_turn && m_turn->known()) {
        return m_turn->value();
    }
    if (!m_settings.turnPasswordFile().isEmpty()) {
        // A napkin-cli profile: the engine reads the same file.
        if (auto profile = m_settings.accountProfile(); profile) {
            if (auto servers = profile->iceServers(); servers && servers->turn) {
                return QByteArray::fromStdString(servers->turn->password);
            }
        }
    }
    return {};
}

bool PhoneBinding::applyTurnPassword(const SettingsValues &values) {
    if (!m_turn) {
        return false;
    }
    QPointer<PhoneBinding> guard(this);
    const auto report = [guard](const QString &problem) {
        if (guard && !problem.isEmpty()) {
            guard->m_window.statusBar()->showMessage(problem, 20000);
        }
    };
    const QByteArray before = m_turn->value();
    if (values.turnServer.isEmpty()) {
        if (m_turn->known()) {
            m_turn->forget(m_settings.address(), report);
        }
    } else if (!values.turnPassword.isEmpty()) {
        m_turn->store(m_settings.address(), values.turnPassword.toUtf8(), report);
    }
    m_phone.setTurnPassword(m_turn->value());
    return m_turn->value() != before;
}

void PhoneBinding::runIceTest(SettingsDialog *dialog, const SettingsValues &values) {
    if (!m_iceTest) {
        return;
    }
    auto servers = iceServersOf(values, knownTurnPassword());
    if (!servers) {
        dialog->iceTestFinished(false, servers.error());
        return;
    }
    discovery::DnsServer dns;
    if (auto server = discovery::Profile::parseDnsServer(values.dnsServer); server) {
        dns = server.value();
    }
    dialog->iceTestStarted();
    m_iceTest->run(servers.value(), dns);
}

void PhoneBinding::openSettings() {
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    auto *dialog = new SettingsDialog(&m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    SettingsValues current = settingsValues(m_settings);
    current.turnPasswordKnown = current.turnPasswordKnown || (m_turn && m_turn->known());
    dialog->setValues(current);
    dialog->setNotice(hasLiveCall() ? liveCallNotice() : QString());
    dialog->setIceTestAvailable(m_iceTest != nullptr);
    if (m_iceTest) {
        connect(dialog, &SettingsDialog::iceTestRequested, this,
                [this, dialog](const SettingsValues &values) { runIceTest(dialog, values); });
        connect(m_iceTest, &app::IceServerTest::finished, dialog, &SettingsDialog::iceTestFinished);
    }
    dialog->setApply([this](const SettingsValues &values) {
        // A bad server first, then a missing password (nothing is saved either way).
        for (const QString &problem : {app::AppSettings::turnServerProblem(values.turnServer),
                                       turnPasswordProblem(values)}) {
            if (!problem.isEmpty()) {
                return problem;
            }
        }
        const SettingsValues before = settingsValues(m_settings);
        const QString error = applySettings(m_settings, values);
        if (!error.isEmpty()) {
            return error;
        }
        const bool turnPasswordChanged = applyTurnPassword(values);
        if (!needsRestart(before, values) && !turnPasswordChanged) {
            m_window.statusBar()->showMessage(
                tr("Settings saved. Audio devices apply from the next call."), 15000);
        } else if (hasLiveCall()) {
            // Restarting the account now would end the call: wait for the last one.
            m_restartPending = true;
            m_window.statusBar()->showMessage(
                tr("Settings saved. They apply after the current call ends; the call goes on "
                   "as it is."));
        } else {
            m_window.statusBar()->showMessage(tr("Settings saved. Restarting the account..."),
                                              15000);
            // After the dialog closed: the app restarts the account.
            QTimer::singleShot(0, this, &PhoneBinding::restartWanted);
        }
        QTimer::singleShot(0, this, &PhoneBinding::settingsSaved);
        return QString();
    });
    m_settingsDialog = dialog;
    dialog->open();
}

void PhoneBinding::applyPendingRestart() {
    if (m_settingsDialog) {
        m_settingsDialog->setNotice(hasLiveCall() ? liveCallNotice() : QString());
    }
    if (!m_restartPending || hasLiveCall()) {
        return;
    }
    m_restartPending = false;
    m_window.statusBar()->showMessage(
        tr("The call has ended: the account restarts with the new settings."), 15000);
    // Not inside the call's own signal: the restart replaces the engine.
    QTimer::singleShot(0, this, &PhoneBinding::restartWanted);
}

void PhoneBinding::refreshStatus() {
    m_window.setStatus(statusView(*m_phone.account()));
}

void PhoneBinding::refreshContacts() {
    m_window.setContacts(contactRows(*m_phone.contacts()));
}

void PhoneBinding::refreshHistory() {
    m_window.setHistory(historyRows(*m_phone.history()));
}

void PhoneBinding::refreshDevices() {
    const app::DevicesModel &devices = *m_phone.devices();
    m_window.devicesPage()->setDevices(deviceRows(devices));
    if (!devices.lastError().isEmpty()) {
        m_window.devicesPage()->setStatus(devices.lastError());
    }
}

void PhoneBinding::placeCall(const QString &address) {
    if (m_shown && m_shown->state() != Call::State::Ended) {
        m_window.statusBar()->showMessage(tr("Hang up the current call first."), 8000);
        return;
    }
    // Failures come back through PhoneController::callFailed in words.
    Call *call = m_phone.placeCall(address);
    if (call != nullptr) {
        showCall(call);
    }
}

void PhoneBinding::incomingCall(Call *call) {
    if (call == nullptr) {
        return;
    }
    QPointer<Call> guard(call);
    m_ringing << guard;
    auto *dialog = new IncomingCallDialog(&m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setView(incomingView(*call));
    m_dialogs.insert(call, dialog);
    connect(dialog, &IncomingCallDialog::answerRequested, this, [this, guard] {
        if (guard) {
            guard->answer();
            showCall(guard);
        }
    });
    connect(dialog, &IncomingCallDialog::declineRequested, this, [guard] {
        if (guard) {
            guard->reject();
        }
    });
    connect(call, &Call::changed, dialog, [this, guard, dialog] {
        if (!guard) {
            return;
        }
        if (isRinging(*guard)) {
            dialog->setView(incomingView(*guard));
        } else {
            dialog->dismiss();
        }
        updateCallActions();
    });
    connect(call, &QObject::destroyed, dialog, &IncomingCallDialog::dismiss);
    connect(call, &QObject::destroyed, this, [this, call] { m_dialogs.remove(call); });
    connect(call, &Call::ended, this, [this, guard] {
        if (guard && guard->outcome() == QLatin1String("missed")) {
            m_window.statusBar()->showMessage(tr("Missed call from %1").arg(guard->peer()), 30000);
        }
        updateCallActions();
    });
    // show() returns at once; the notification is a tray balloon, not a blocking box.
    dialog->show();
    dialog->raise();
    m_window.notifyIncomingCall(call->peer(), badgeOf(call->verdict()), call->verdictDetail());
    updateCallActions();
}

void PhoneBinding::activeCallChanged() {
    if (Call *call = m_phone.activeCall()) {
        if (!isRinging(*call)) {
            showCall(call);
        }
    }
    updateCallActions();
}

void PhoneBinding::showCall(Call *call) {
    if (m_shown == call) {
        return;
    }
    if (m_shown) {
        disconnect(m_shown, nullptr, this, nullptr);
    }
    m_shown = call;
    const QPointer<Call> guard(call);
    connect(call, &Call::changed, this, [this, guard] {
        if (guard && guard == m_shown) {
            m_window.callPanel()->setView(callView(*guard));
            updateCallActions();
        }
    });
    connect(call, &Call::ended, this, [this, guard] {
        if (guard) {
            m_window.callPanel()->setView(callView(*guard));
        }
        QTimer::singleShot(kEndedPanelMs, this, [this, guard] {
            if (m_shown == guard) {
                m_shown = nullptr;
                m_window.showCallPanel(false);
            }
            updateCallActions();
        });
    });
    connect(call, &Call::requestFailed, this,
            [this](const QString &message) { m_window.statusBar()->showMessage(message, 10000); });
    connect(call, &Call::plainCallConsentNeeded, this,
            [this, guard](const QString &question) { askPlainCall(guard, question); });
    m_window.callPanel()->setView(callView(*call));
    m_window.showCallPanel(true);
    updateCallActions();
}

QMessageBox *PhoneBinding::plainCallConsent(QWidget *parent, const QString &question,
                                            std::function<void(bool allow)> answered) {
    // The question names a remote address and quotes the refusal's reason phrase.
    QMessageBox *box = plainMessageBox(QMessageBox::Warning, tr("Call without protection?"),
                                       question, QMessageBox::Yes | QMessageBox::No, parent);
    box->setObjectName(QStringLiteral("plainCallConsent"));
    box->setDefaultButton(QMessageBox::No);
    box->setEscapeButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, box,
            [answered = std::move(answered)](int result) { answered(result == QMessageBox::Yes); });
    box->open();
    return box;
}

void PhoneBinding::askPlainCall(const QPointer<Call> &call, const QString &question) {
    plainCallConsent(&m_window, question, [call](bool allow) {
        if (!call) {
            return;
        }
        if (allow) {
            call->allowPlainCall();
        } else {
            call->refusePlainCall();
        }
    });
}

Call *PhoneBinding::ringingCall() const {
    for (auto it = m_ringing.crbegin(); it != m_ringing.crend(); ++it) {
        if (*it && isRinging(**it)) {
            return *it;
        }
    }
    return nullptr;
}

void PhoneBinding::updateCallActions() {
    m_ringing.removeIf([](const QPointer<Call> &c) { return c.isNull(); });
    const bool canHangUp =
        (m_shown && m_shown->state() != Call::State::Ended) || ringingCall() != nullptr;
    m_window.setCallActions(ringingCall() != nullptr, canHangUp);
    applyPendingRestart();
}

void PhoneBinding::answer() {
    if (Call *call = ringingCall()) {
        if (const QPointer<IncomingCallDialog> dialog = m_dialogs.value(call)) {
            dialog->dismiss();
        }
        call->answer();
        showCall(call);
    }
}

void PhoneBinding::hangUp() {
    if (m_shown && m_shown->state() != Call::State::Ended) {
        m_shown->hangUp();
        return;
    }
    if (Call *call = ringingCall()) {
        if (const QPointer<IncomingCallDialog> dialog = m_dialogs.value(call)) {
            dialog->dismiss();
        }
        call->reject();
    }
}

} // namespace napkin::ui
