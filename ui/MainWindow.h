// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "ui/UiIcons.h"

#include <QDateTime>
#include <QMainWindow>
#include <QPointer>
#include <QVariant>
#include <functional>
#include <memory>

namespace Ui {
class MainWindow;
}

class QLabel;
class QStringListModel;
class QSystemTrayIcon;

namespace napkin::ui {

class CallPanel;
class DevicesPage;

/// One row of the call history.
struct HistoryRow {
    QString peer;
    bool incoming = false;
    QDateTime started;
    int durationSeconds = 0;
    BadgeState verdict = BadgeState::Pending;
    bool endToEnd = false;
    QString outcome; ///< answered | missed | rejected | failed
};

struct ContactRow {
    QString name;
    QString address;
};

/// Registration and enrolment, in words, for the status line.
struct StatusView {
    enum class Registration { Offline, Registering, Registered, Failed };
    Registration registration = Registration::Offline;
    QString registrationText;
    bool enrolled = false;
    bool enrolmentFailed = false;
    QString enrolmentText;
};

/// The main window: dial field with completion, Contacts / History / My devices tabs, the
/// call panel while a call runs, a status line in words, tray icon and notifications.
/// Answer: Ctrl+Return or Ctrl+Shift+A. Hang up: Escape or Ctrl+H.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    void setContacts(const QList<ContactRow> &rows);
    void setHistory(const QList<HistoryRow> &rows);
    void setStatus(const StatusView &status);
    /// Completions offered in the dial field (contacts and history for the typed prefix).
    void setCompletions(const QStringList &addresses);
    void setContactsMessage(const QString &message);

    [[nodiscard]] DevicesPage *devicesPage() const;
    [[nodiscard]] CallPanel *callPanel() const;
    /// Shows the call panel instead of the tabs (true) or the tabs again (false).
    void showCallPanel(bool show);
    /// Which of answer / hang-up make sense right now (disables their shortcuts otherwise).
    void setCallActions(bool canAnswer, bool canHangUp);
    /// Selects the Contacts (0), History (1) or My devices (2) tab.
    void showTab(int index);
    [[nodiscard]] QString statusText() const;
    [[nodiscard]] QString dialText() const;

    /// Tray notification for an incoming call; falls back to flashing the window.
    void notifyIncomingCall(const QString &peer, BadgeState verdict, const QString &detail);
    /// Tray notification for an alarm (unknown device on the account).
    void notifyAlert(const QString &title, const QString &message);

    /// Where window geometry/state are remembered (app::AppSettings::appValue in the app,
    /// anything in tests).
    struct LayoutStore {
        std::function<QVariant(const QString &key)> read;
        std::function<void(const QString &key, const QVariant &value)> write;
    };
    /// Restores geometry/state from the store now and saves them there when closing.
    void useLayoutStore(LayoutStore store);
    void saveLayout();

Q_SIGNALS:
    void callRequested(const QString &address);
    void dialTextEdited(const QString &text);
    void answerRequested();
    void hangUpRequested();
    void settingsRequested();
    void addContactRequested(const QString &name, const QString &address);
    void removeContactRequested(int row);
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void setupActions();
    void setupTray();
    void requestCall();

    std::unique_ptr<::Ui::MainWindow> m_ui;
    QStringListModel *m_completions = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    LayoutStore m_layout;
    QLabel *m_registrationIcon = nullptr;
    QLabel *m_registrationLabel = nullptr;
    QLabel *m_enrolmentLabel = nullptr;
    bool m_quitting = false;
    bool m_trayRinging = false;
};

} // namespace napkin::ui
