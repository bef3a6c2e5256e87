// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The composition root of the desktop app: the profile (AppSettings), the keychain
// (SecretStore) for the password, the TURN password and the device key, the PhoneController with
// its engine, and the MainWindow wired by PhoneBinding. Startup is asynchronous (keychain reads,
// first-run setup, password prompt); nothing here runs a nested event loop.

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <memory>

namespace napkin::app {
class AccountTest;
class AppSettings;
class IceServerTest;
class KeychainSecretStore;
class PhoneController;
class TurnPassword;
} // namespace napkin::app

namespace napkin::media {
class DeviceAudio;
}

namespace napkin::ui {
class MainWindow;
class PhoneBinding;
} // namespace napkin::ui

namespace napkin::desktop {

struct DesktopOptions {
    QString profile;     ///< empty: "default"
    QString accountFile; ///< a napkin-cli INI profile instead of first-run setup
};

class DesktopApp : public QObject {
    Q_OBJECT
public:
    explicit DesktopApp(DesktopOptions options, QObject *parent = nullptr);
    ~DesktopApp() override;

    /// Loads the profile and starts the asynchronous startup. Returns an error in words
    /// when the profile cannot be used at all (then the app exits with `exitCode`).
    [[nodiscard]] QString start();
    /// 2 for a bad --account-file (a usage error), 1 otherwise.
    [[nodiscard]] int exitCode() const { return m_exitCode; }

    /// Ends calls, unregisters and shuts the engine (and a running connection test) down,
    /// then emits quit(code): at once when nothing runs, else once everything stopped or
    /// after a bounded grace time. Never blocks and never runs a nested event loop, so it
    /// may be called from anywhere (Quit, the last window closing, SIGINT/SIGTERM). A
    /// second call while stopping quits at once.
    void shutdown(int code);
    /// Routes SIGINT, SIGTERM and SIGHUP to shutdown(0) on the GLib main loop that Qt and
    /// Sofia share (a GLib source, not a signal handler). Undone by the destructor.
    void watchUnixSignals();

Q_SIGNALS:
    /// The app should end with this code (the user quit, or startup was abandoned).
    void quit(int code);

private:
    void firstRun();
    void obtainPassword();
    void askPassword(const QString &why);
    void startPhone(const QByteArray &password);
    void restartPhone();
    void configureKeyStore();
    void configureAudio();
    void stopped();
    void finishQuit();

    DesktopOptions m_options;
    int m_exitCode = 1;
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::KeychainSecretStore> m_secrets;
    std::unique_ptr<app::TurnPassword> m_turn; ///< the TURN password (keychain)
    std::unique_ptr<app::IceServerTest> m_iceTest;
    std::unique_ptr<app::PhoneController> m_phone;
    std::unique_ptr<ui::MainWindow> m_window;
    std::unique_ptr<ui::PhoneBinding> m_binding;
    std::unique_ptr<app::AccountTest> m_accountTest;
    std::shared_ptr<media::DeviceAudio> m_audio;
    QByteArray m_password;            ///< kept in memory for restarts; never logged
    bool m_turnPasswordAsked = false; ///< the keychain was asked for the TURN password
    bool m_restartPending = false;
    bool m_quitting = false;
    bool m_quitEmitted = false;
    int m_quitCode = 0;
    QTimer *m_quitDeadline = nullptr;
    QList<unsigned int> m_signalSources; ///< GLib source ids
};

} // namespace napkin::desktop
