// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "app/controllers/CallController.h"
#include "crypto/Result.h"
#include "media/IceServers.h"
#include "ui/AccountSetupDialog.h"
#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IncomingCallDialog.h"
#include "ui/MainWindow.h"
#include "ui/SettingsDialog.h"

#include <QHash>
#include <QMessageBox>
#include <QObject>
#include <QPointer>

#include <functional>

class QAbstractItemModel;

namespace napkin::app {
class AccountController;
class AccountTest;
class AppSettings;
class DevicesModel;
class IceServerTest;
class PhoneController;
class TurnPassword;
struct AccountSetup;
} // namespace napkin::app

namespace napkin::ui {

/// Wires the controllers to the widgets: the status line, contacts, history, devices,
/// incoming-call dialogs (one per ringing call, non-modal), the call panel, the answer /
/// hang-up shortcuts, tray notifications and the settings dialog. Nothing here blocks
/// inside a controller signal: dialogs are shown with show()/open().
class PhoneBinding : public QObject {
    Q_OBJECT
public:
    PhoneBinding(app::PhoneController &phone, app::AppSettings &settings, MainWindow &window,
                 QObject *parent = nullptr);
    ~PhoneBinding() override;

    /// Where the TURN password entered in Settings is kept (the app's keychain
    /// adapter). Unset: a memory-only one of the binding's own.
    void setTurnPassword(app::TurnPassword *turn);
    /// Runs Settings' "Test servers" (hidden when unset).
    void setIceServerTest(app::IceServerTest *test);

    /// Opens the settings dialog (non-modal); settingsSaved() follows a successful save,
    /// and restartWanted() when the account must restart to use the new values.
    void openSettings();
    /// A call is ringing, being set up, running or on hold.
    [[nodiscard]] bool hasLiveCall() const;
    /// Saved settings wait for the last call to end before the account restarts.
    [[nodiscard]] bool restartPending() const { return m_restartPending; }
    /// Whether going from `before` to `after` needs the account restarted (audio devices
    /// do not: each call opens them afresh).
    [[nodiscard]] static bool needsRestart(const SettingsValues &before,
                                           const SettingsValues &after);

    // Conversions from controllers to the widgets' view structs (tested on their own).
    [[nodiscard]] static BadgeState badgeOf(app::CallController::Verdict verdict);
    [[nodiscard]] static CallView callView(const app::CallController &call);
    [[nodiscard]] static IncomingCallView incomingView(const app::CallController &call);
    [[nodiscard]] static StatusView statusView(const app::AccountController &account);
    [[nodiscard]] static QList<DeviceRow> deviceRows(const app::DevicesModel &model);
    [[nodiscard]] static QList<HistoryRow> historyRows(const QAbstractItemModel &model);
    [[nodiscard]] static QList<ContactRow> contactRows(const QAbstractItemModel &model);
    [[nodiscard]] static SettingsValues settingsValues(const app::AppSettings &settings);
    /// Copies the values into the settings and saves; the error in words or empty.
    /// The TURN password is not among them: see turnPasswordProblem and TurnPassword.
    [[nodiscard]] static QString applySettings(app::AppSettings &settings,
                                               const SettingsValues &values);
    /// A TURN server with no password typed and none known: the words asking for it.
    [[nodiscard]] static QString turnPasswordProblem(const SettingsValues &values);
    /// The servers "Test servers" gathers with: the values entered, the TURN
    /// password typed or else `knownTurnPassword`; the problem in words.
    [[nodiscard]] static Result<media::IceServers, QString>
    iceServersOf(const SettingsValues &values, const QByteArray &knownTurnPassword);
    [[nodiscard]] static app::AccountSetup accountSetup(const AccountSetupValues &values,
                                                        const app::AppSettings &settings);
    /// Runs `test` when the dialog asks and reports its progress and outcome there.
    static void connectAccountTest(AccountSetupDialog &dialog, app::AccountTest &test,
                                   const app::AppSettings &settings);

    /// Asks whether to call a protected peer in clear: a window-modal box,
    /// the question as plain text, default and Escape "No"; `answered` runs
    /// once with the choice. Returns the open box (it deletes itself).
    static QMessageBox *plainCallConsent(QWidget *parent, const QString &question,
                                         std::function<void(bool allow)> answered);

Q_SIGNALS:
    /// The settings were saved (what needs a restart follows with restartWanted()).
    void settingsSaved();
    /// Restart the account now to use the saved settings. Never while a call is live:
    /// then it comes once the last call has ended (and the person was told so in words).
    void restartWanted();

private:
    void incomingCall(app::CallController *call);
    void activeCallChanged();
    void showCall(app::CallController *call);
    /// Asks whether to call a protected peer in clear (default: no).
    void askPlainCall(const QPointer<app::CallController> &call, const QString &question);
    void updateCallActions();
    void answer();
    void hangUp();
    void placeCall(const QString &address);
    void refreshStatus();
    void refreshContacts();
    void refreshHistory();
    void refreshDevices();
    [[nodiscard]] app::CallController *ringingCall() const;
    void applyPendingRestart();
    [[nodiscard]] static QString liveCallNotice();
    /// The TURN password in use: the keychain's, or a napkin-cli profile's file.
    [[nodiscard]] QByteArray knownTurnPassword() const;
    /// Keeps (or forgets) the TURN password after a save; whether it changed.
    bool applyTurnPassword(const SettingsValues &values);
    void runIceTest(SettingsDialog *dialog, const SettingsValues &values);

    app::PhoneController &m_phone;
    app::AppSettings &m_settings;
    MainWindow &m_window;
    QPointer<app::CallController> m_shown;
    QHash<app::CallController *, QPointer<IncomingCallDialog>> m_dialogs;
    QList<QPointer<app::CallController>> m_ringing;
    QPointer<SettingsDialog> m_settingsDialog;
    QPointer<app::TurnPassword> m_turn;
    QPointer<app::IceServerTest> m_iceTest;
    bool m_restartPending = false;
};

} // namespace napkin::ui
