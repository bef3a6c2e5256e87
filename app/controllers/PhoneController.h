// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The phone: owns the engine of the running account and the controllers the
// UI shows (account, calls, history, contacts, devices). The composition root
// gives it the settings, the password, the device key store and the audio.

#include "crypto/Result.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace napkin::engine {
class Engine;
}
namespace napkin::discovery {
class KeyStore;
}
namespace napkin::media {
class AudioSource;
class AudioSink;
} // namespace napkin::media
namespace napkin::sip {
class Call;
}

namespace napkin::app {

class AccountController;
class AppSettings;
class CallController;
class ContactsModel;
class DevicesModel;
class HistoryModel;

class PhoneController : public QObject {
    Q_OBJECT
    Q_PROPERTY(napkin::app::CallController *activeCall READ activeCall NOTIFY activeCallChanged)
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
public:
    using KeyStoreFactory = std::function<std::unique_ptr<discovery::KeyStore>()>;
    using SourceFactory = std::function<std::shared_ptr<media::AudioSource>()>;
    using SinkFactory = std::function<std::shared_ptr<media::AudioSink>()>;

    /// History and contacts live in `settings`' data directory.
    explicit PhoneController(AppSettings &settings, QObject *parent = nullptr);
    ~PhoneController() override;

    /// The SIP password (never logged); used at the next start().
    void setPassword(const QByteArray &password);
    /// The TURN server's password from the keychain (never logged); used at
    /// the next start() when the profile has no turn_password_file. Without
    /// either, calls go without the TURN relay and problem() says why.
    void setTurnPassword(const QByteArray &password);
    /// Where the device key is kept (the keychain adapter, or a MemoryKeyStore
    /// for "regenerate at every start"); called at every start(). Unset: the
    /// profile's key_storage (file | none).
    void setKeyStoreFactory(KeyStoreFactory factory);
    /// Audio for each call (unset or returning null: silence / discard).
    void setAudio(SourceFactory source, SinkFactory sink);
    /// Keys-only media, no audio engine (tests).
    void setNoAudio(bool noAudio);

    /// Creates and starts the engine from the saved settings; the reason in
    /// words when it cannot start.
    [[nodiscard]] Result<void, QString> start();
    /// Ends calls and unregisters; AccountController::stopped() follows.
    void stop();
    [[nodiscard]] bool running() const { return m_engine != nullptr; }

    /// Calls "bob@b.example" or "sip:bob@b.example". Null (and callFailed())
    /// when the address is bad or the account cannot call now.
    Q_INVOKABLE napkin::app::CallController *placeCall(const QString &address);
    [[nodiscard]] CallController *activeCall() const { return m_active; }

    [[nodiscard]] AccountController *account() const { return m_account; }
    [[nodiscard]] HistoryModel *history() const { return m_history; }
    [[nodiscard]] ContactsModel *contacts() const { return m_contacts; }
    [[nodiscard]] DevicesModel *devices() const { return m_devices; }
    /// Addresses from contacts and history starting with `prefix` (with or
    /// without "sip:"), contacts first, no duplicates.
    Q_INVOKABLE QStringList completions(const QString &prefix) const;

    /// The running engine (null when stopped).
    [[nodiscard]] engine::Engine *engine() const { return m_engine.get(); }

Q_SIGNALS:
    void incomingCall(napkin::app::CallController *call);
    void callFailed(const QString &reason);
    void activeCallChanged();
    void runningChanged();
    /// Something the user should know outside a call (in words).
    void problem(const QString &message);

private:
    CallController *adopt(sip::Call *call);
    void callEnded(CallController *call);
    void engineStopped();

    AppSettings &m_settings;
    QByteArray m_password;
    QByteArray m_turnPassword;
    KeyStoreFactory m_keyStores;
    SourceFactory m_source;
    SinkFactory m_sink;
    bool m_noAudio = false;

    std::unique_ptr<engine::Engine> m_engine;
    AccountController *m_account;
    HistoryModel *m_history;
    ContactsModel *m_contacts;
    DevicesModel *m_devices;
    QPointer<CallController> m_active;
};

} // namespace napkin::app
