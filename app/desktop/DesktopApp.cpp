// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/desktop/DesktopApp.h"

#include "app/controllers/AccountController.h"
#include "app/controllers/AccountTest.h"
#include "app/controllers/AppSettings.h"
#include "app/controllers/IceServerTest.h"
#include "app/controllers/KeychainKeyStore.h"
#include "app/controllers/KeychainSecretStore.h"
#include "app/controllers/PhoneController.h"
#include "app/controllers/TurnPassword.h"
#include "media/DeviceAudio.h"
#include "media/IceSession.h"
#include "sipcore/discovery/KeyStore.h"
#include "ui/AccountSetupDialog.h"
#include "ui/MainWindow.h"
#include "ui/PasswordDialog.h"
#include "ui/PhoneBinding.h"
#include "ui/PlainText.h"

#include <QMessageBox>
#include <QStatusBar>
#include <QTimer>

#include <csignal>

#include <glib-unix.h>

namespace napkin::desktop {

namespace {

constexpr int kStopGraceMs = 5000; ///< how long quitting waits for the unregistration

} // namespace

DesktopApp::DesktopApp(DesktopOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)) {}

DesktopApp::~DesktopApp() {
    for (const guint source : std::as_const(m_signalSources)) {
        g_source_remove(source);
    }
    // The binding refers to the window and the phone: it goes first.
    m_binding.reset();
    m_window.reset();
    m_phone.reset();
}

QString DesktopApp::start() {
    m_settings = std::make_unique<app::AppSettings>(m_options.profile);
    if (!m_options.accountFile.isEmpty()) {
        const QString error = m_settings->loadAccountFile(m_options.accountFile);
        if (!error.isEmpty()) {
            m_exitCode = 2;
            return tr("cannot use --account-file %1: %2").arg(m_options.accountFile, error);
        }
    } else {
        const QString error = m_settings->load();
        if (!error.isEmpty()) {
            return tr("cannot read the profile %1: %2").arg(m_settings->profilePath(), error);
        }
    }

    m_secrets = std::make_unique<app::KeychainSecretStore>();
    m_turn = std::make_unique<app::TurnPassword>(m_secrets.get());
    m_iceTest = std::make_unique<app::IceServerTest>(&media::probeIceServers);
    m_phone = std::make_unique<app::PhoneController>(*m_settings);
    m_window = std::make_unique<ui::MainWindow>();
    m_binding = std::make_unique<ui::PhoneBinding>(*m_phone, *m_settings, *m_window);
    m_binding->setTurnPassword(m_turn.get());
    m_binding->setIceServerTest(m_iceTest.get());
    app::AppSettings *settings = m_settings.get();
    m_window->useLayoutStore({[settings](const QString &key) { return settings->appValue(key); },
                              [settings](const QString &key, const QVariant &value) {
                                  settings->setAppValue(key, value);
                              }});
    const QString profile = m_settings->profileName();
    if (!profile.isEmpty() && profile != QLatin1String("default")) {
        m_window->setWindowTitle(tr("Napkin (%1)").arg(profile));
    }
    connect(m_window.get(), &ui::MainWindow::quitRequested, this, [this] { shutdown(0); });
    // Only once no call is live (PhoneBinding waits for the last one to end).
    connect(m_binding.get(), &ui::PhoneBinding::restartWanted, this, &DesktopApp::restartPhone);
    connect(m_phone->account(), &app::AccountController::stopped, this, &DesktopApp::stopped);
    // Close the devices (and the microphone) once no call is left. Connected once here:
    // Qt::UniqueConnection does not work with a lambda.
    connect(m_phone.get(), &app::PhoneController::activeCallChanged, this, [this] {
        if (m_phone->activeCall() == nullptr) {
            m_audio.reset();
        }
    });
    m_window->show();

    if (!m_options.accountFile.isEmpty()) {
        // A napkin-cli profile: the password comes from its password_file (or inline).
        auto profileResult = m_settings->accountProfile();
        if (!profileResult) {
            m_exitCode = 2;
            return profileResult.error();
        }
        auto password = profileResult.value().readPassword();
        if (!password) {
            m_exitCode = 2;
            return tr("cannot read the password of %1: %2")
                .arg(m_options.accountFile, password.error().message);
        }
        QTimer::singleShot(0, this, [this, pw = password.value()] { startPhone(pw); });
    } else if (!m_settings->configured()) {
        QTimer::singleShot(0, this, &DesktopApp::firstRun);
    } else {
        QTimer::singleShot(0, this, &DesktopApp::obtainPassword);
    }
    return {};
}

void DesktopApp::firstRun() {
    m_accountTest = std::make_unique<app::AccountTest>();
    auto *dialog = new ui::AccountSetupDialog(m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    ui::PhoneBinding::connectAccountTest(*dialog, *m_accountTest, *m_settings);
    dialog->setApply([this](const ui::AccountSetupValues &values) {
        m_settings->setAddress(values.address);
        m_settings->setRegistrar(values.registrar);
        m_settings->setOutboundProxy(values.outboundProxy);
        m_settings->setTransport(values.transport);
        const QString error = m_settings->save();
        if (!error.isEmpty()) {
            return error;
        }
        m_password = values.password.toUtf8();
        if (m_secrets->available()) {
            m_secrets->writePassword(m_settings->address(), m_password,
                                     [this](app::SecretResult<void> result) {
                                         if (!result && m_window) {
                                             m_window->statusBar()->showMessage(
                                                 tr("The password was not stored in the "
                                                    "keychain: %1. You will be asked again "
                                                    "next time.")
                                                     .arg(result.error().message),
                                                 20000);
                                         }
                                     });
        } else {
            m_window->statusBar()->showMessage(
                tr("No keychain: %1. You will be asked for the password at every start.")
                    .arg(m_secrets->unavailableReason()),
                20000);
        }
        return QString();
    });
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!dialog->testPassed()) {
            m_window->statusBar()->showMessage(
                tr("The account was saved without a successful connection test. If it does "
                   "not register, check the address, password and server."),
                30000);
        }
        startPhone(m_password);
    });
    connect(dialog, &QDialog::rejected, this, [this] {
        if (!m_settings->configured()) {
            shutdown(0);
        }
    });
    dialog->open();
}

void DesktopApp::obtainPassword() {
    if (!m_secrets->available()) {
        askPassword(tr("Napkin cannot keep it between starts because no system keychain is "
                       "available: %1\nIt is not written to any file, so you will be asked "
                       "again next time.")
                        .arg(m_secrets->unavailableReason()));
        return;
    }
    QPointer<DesktopApp> guard(this);
    m_secrets->readPassword(
        m_settings->address(), [guard](app::SecretResult<std::optional<QByteArray>> result) {
            if (!guard) {
                return;
            }
            if (!result) {
                guard->askPassword(
                    tr("The keychain did not give the stored password: %1\nIt is not written "
                       "to any file.")
                        .arg(result.error().message));
            } else if (!result.value().has_value()) {
                guard->askPassword(tr("No password is stored in the keychain for this address "
                                      "yet. Napkin will keep it there."));
            } else {
                guard->startPhone(*result.value());
            }
        });
}

void DesktopApp::askPassword(const QString &why) {
    auto *dialog = new ui::PasswordDialog(m_settings->address(), why, m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QByteArray password = dialog->password();
        if (m_secrets->available()) {
            m_secrets->writePassword(m_settings->address(), password,
                                     [](app::SecretResult<void>) {});
        }
        startPhone(password);
    });
    connect(dialog, &QDialog::rejected, this, [this] { shutdown(0); });
    dialog->open();
}

void DesktopApp::configureKeyStore() {
    using Storage = app::AppSettings::KeyStorage;
    switch (m_settings->keyStorage()) {
    case Storage::Keychain:
        if (m_secrets->available()) {
            m_phone->setKeyStoreFactory([] { return std::make_unique<app::KeychainKeyStore>(); });
        } else {
            // Never a key file in place of the keychain: a fresh key at every start.
            m_window->statusBar()->showMessage(
                tr("No keychain (%1): this device's key is not kept; a new certificate is "
                   "published at every start.")
                    .arg(m_secrets->unavailableReason()),
                20000);
            m_phone->setKeyStoreFactory(
                [] { return std::make_unique<discovery::MemoryKeyStore>(); });
        }
        break;
    case Storage::RegenerateEachStart:
        m_phone->setKeyStoreFactory([] { return std::make_unique<discovery::MemoryKeyStore>(); });
        break;
    case Storage::File:
        // A napkin-cli profile (--account-file) keeps its key where the profile says.
        m_phone->setKeyStoreFactory({});
        break;
    }
}

void DesktopApp::configureAudio() {
    QPointer<DesktopApp> guard(this);
    // One DeviceAudio per call, opened when the call's media starts; the source factory
    // runs first, the sink factory takes the same devices.
    m_phone->setAudio(
        [guard]() -> std::shared_ptr<media::AudioSource> {
            if (!guard) {
                return nullptr;
            }
            media::DeviceAudioOptions options;
            options.inputId = guard->m_settings->audioInput();
            options.outputId = guard->m_settings->audioOutput();
            auto opened = media::DeviceAudio::open(options);
            if (!opened) {
                guard->m_audio.reset();
                guard->m_window->statusBar()->showMessage(
                    tr("No audio: %1. The call continues without sound.")
                        .arg(QString::fromStdString(opened.error().message)),
                    20000);
                return nullptr;
            }
            guard->m_audio = std::move(opened.value());
            return guard->m_audio->source();
        },
        [guard]() -> std::shared_ptr<media::AudioSink> {
            if (!guard || !guard->m_audio) {
                return nullptr;
            }
            return guard->m_audio->sink();
        });
}

void DesktopApp::startPhone(const QByteArray &password) {
    if (m_quitting) {
        return;
    }
    m_password = password;
    if (!m_turnPasswordAsked && !m_settings->turnServer().isEmpty() &&
        m_settings->turnPasswordFile().isEmpty()) {
        // Once per run: afterwards Settings keeps m_turn up to date.
        m_turnPasswordAsked = true;
        QPointer<DesktopApp> guard(this);
        m_turn->load(m_settings->address(), [guard, password](const QString &problem) {
            if (!guard) {
                return;
            }
            if (!problem.isEmpty()) {
                guard->m_window->statusBar()->showMessage(problem, 20000);
            }
            guard->startPhone(password);
        });
        return;
    }
    m_phone->setPassword(password);
    m_phone->setTurnPassword(m_turn->value());
    configureKeyStore();
    configureAudio();
    if (auto started = m_phone->start(); !started) {
        const QString &error = started.error();
        m_window->statusBar()->showMessage(error);
        QMessageBox *box =
            ui::plainMessageBox(QMessageBox::Warning, tr("Napkin cannot start the account"), error,
                                QMessageBox::Ok, m_window.get());
        box->setInformativeText(tr("Check the account in Settings; saving restarts it."));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
}

void DesktopApp::restartPhone() {
    if (m_password.isEmpty() || m_quitting) {
        return;
    }
    if (m_phone->running()) {
        m_restartPending = true;
        m_phone->stop();
    } else {
        startPhone(m_password);
    }
}

void DesktopApp::stopped() {
    if (m_quitting) {
        if (!(m_accountTest && m_accountTest->running())) {
            // Leave the engine's own stop signal first; its deleteLater() runs before.
            QTimer::singleShot(0, this, &DesktopApp::finishQuit);
        }
    } else if (m_restartPending) {
        m_restartPending = false;
        // Leave the engine's own stop signal before building the next engine.
        QTimer::singleShot(0, this, [this] { startPhone(m_password); });
    }
}

void DesktopApp::shutdown(int code) {
    if (m_quitting) {
        // Asked again (a second Ctrl+C): do not wait any longer.
        finishQuit();
        return;
    }
    m_quitting = true;
    m_quitCode = code;
    m_restartPending = false;
    if (m_window) {
        m_window->saveLayout();
        m_window->hide();
    }
    bool waiting = false;
    if (m_accountTest && m_accountTest->running()) {
        connect(m_accountTest.get(), &app::AccountTest::runningChanged, this, [this] {
            if (!m_accountTest->running() && !(m_phone && m_phone->running())) {
                QTimer::singleShot(0, this, &DesktopApp::finishQuit);
            }
        });
        m_accountTest->cancel();
        waiting = true;
    }
    if (m_phone && m_phone->running()) {
        // Ends the calls (BYE / CANCEL / 486), unregisters, stops enrolment: stopped() follows.
        m_phone->stop();
        waiting = true;
    }
    if (!waiting) {
        QTimer::singleShot(0, this, &DesktopApp::finishQuit);
        return;
    }
    // Unregistering may hang on a dead network: do not hang with it.
    m_quitDeadline = new QTimer(this);
    m_quitDeadline->setSingleShot(true);
    connect(m_quitDeadline, &QTimer::timeout, this, &DesktopApp::finishQuit);
    m_quitDeadline->start(kStopGraceMs);
}

void DesktopApp::finishQuit() {
    if (m_quitEmitted) {
        return;
    }
    m_quitEmitted = true;
    if (m_quitDeadline != nullptr) {
        m_quitDeadline->stop();
    }
    Q_EMIT quit(m_quitCode);
}

namespace {

gboolean onUnixSignal(gpointer data) {
    // Runs on the main loop (GLib dispatches it), never inside a signal handler.
    static_cast<DesktopApp *>(data)->shutdown(0);
    return G_SOURCE_CONTINUE;
}

} // namespace

void DesktopApp::watchUnixSignals() {
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
        m_signalSources << g_unix_signal_add(signal, &onUnixSignal, this);
    }
}

} // namespace napkin::desktop
