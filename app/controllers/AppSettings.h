// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The app's profile: the account INI that napkin-cli reads too
// (discovery::Profile + sip::SipProfile) at <config dir>/profile.ini, plus
// app-only values (audio devices, window geometry) in <config dir>/settings.ini
// through QSettings. Directories: $XDG_CONFIG_HOME/napkin/<profile>/ and
// $XDG_DATA_HOME/napkin/<profile>/.
//
// Setters only change memory; save() checks every value (a specific message
// for the first bad one) and replaces the file atomically, so the old file
// survives any failure.

#include "crypto/Result.h"
#include "sipcore/SipProfile.h"
#include "sipcore/discovery/Profile.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QVariant>

#include <optional>
#include <utility>

namespace napkin::app {

class AppSettings : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool configured READ configured NOTIFY changed)
    Q_PROPERTY(QString address READ address WRITE setAddress NOTIFY changed)
    Q_PROPERTY(QString registrar READ registrar WRITE setRegistrar NOTIFY changed)
    Q_PROPERTY(QString outboundProxy READ outboundProxy WRITE setOutboundProxy NOTIFY changed)
    Q_PROPERTY(QString transport READ transport WRITE setTransport NOTIFY changed)
    Q_PROPERTY(int certificateLifetimeDays READ certificateLifetimeDays WRITE
                   setCertificateLifetimeDays NOTIFY changed)
    Q_PROPERTY(int cacheTtlSeconds READ cacheTtlSeconds WRITE setCacheTtlSeconds NOTIFY changed)
    Q_PROPERTY(QString dnsServer READ dnsServer WRITE setDnsServer NOTIFY changed)
    Q_PROPERTY(QString caFile READ caFile WRITE setCaFile NOTIFY changed)
    Q_PROPERTY(QString stunServer READ stunServer WRITE setStunServer NOTIFY changed)
    Q_PROPERTY(QString turnServer READ turnServer WRITE setTurnServer NOTIFY changed)
    Q_PROPERTY(QString turnUser READ turnUser WRITE setTurnUser NOTIFY changed)
    Q_PROPERTY(bool requireEndToEnd READ requireEndToEnd WRITE setRequireEndToEnd NOTIFY changed)
    Q_PROPERTY(
        bool rejectFailedCalls READ rejectFailedCalls WRITE setRejectFailedCalls NOTIFY changed)
    Q_PROPERTY(KeyStorage keyStorage READ keyStorage WRITE setKeyStorage NOTIFY changed)
    Q_PROPERTY(QByteArray audioInput READ audioInput WRITE setAudioInput NOTIFY changed)
    Q_PROPERTY(QByteArray audioOutput READ audioOutput WRITE setAudioOutput NOTIFY changed)
    Q_PROPERTY(QString profileName READ profileName CONSTANT)
public:
    enum class KeyStorage {
        Keychain,            ///< the device key lives in the system keychain
        RegenerateEachStart, ///< nothing kept: a fresh key is enrolled at every start
        File,                ///< a key file in the state directory (napkin-cli profiles)
    };
    Q_ENUM(KeyStorage)

    static constexpr int maxLifetimeDays = 90;
    static constexpr int maxCacheTtlSeconds = 7 * 86400;

    /// The profile `profileName` ("default" when empty) in the XDG directories.
    explicit AppSettings(const QString &profileName = {}, QObject *parent = nullptr);

    /// Reads <config dir>/profile.ini (a missing file: not configured) and
    /// settings.ini. The reason in words when the profile is unusable (the
    /// file is left as it is).
    [[nodiscard]] QString load();
    /// Uses an existing napkin-cli profile instead (`--account-file`); save()
    /// then writes to that file.
    [[nodiscard]] QString loadAccountFile(const QString &path);
    /// Checks every value and writes the profile atomically; the reason in
    /// words for the first bad value or a failed write (empty: saved).
    [[nodiscard]] Q_INVOKABLE QString save();
    /// The first problem of the current values in words (empty: all fine).
    [[nodiscard]] QString validate() const;
    /// What is wrong with a DNS server "IP" or "IP:port", in words (empty: fine).
    [[nodiscard]] static QString dnsServerProblem(const QString &text);
    /// What is wrong with a STUN server "HOST[:PORT]", in words (empty: fine).
    [[nodiscard]] static QString stunServerProblem(const QString &text);
    /// What is wrong with a TURN server "turn:HOST[:PORT][?transport=udp|tcp]"
    /// or "turns:HOST[:PORT]", in words (empty: fine).
    [[nodiscard]] static QString turnServerProblem(const QString &text);

    [[nodiscard]] bool configured() const { return m_configured; }
    [[nodiscard]] QString address() const { return m_address; }
    [[nodiscard]] QString registrar() const { return m_registrar; }
    [[nodiscard]] QString outboundProxy() const { return m_outboundProxy; }
    [[nodiscard]] QString transport() const { return m_transport; }
    [[nodiscard]] int certificateLifetimeDays() const { return m_lifetimeDays; }
    [[nodiscard]] int cacheTtlSeconds() const { return m_cacheTtl; }
    [[nodiscard]] QString dnsServer() const { return m_dnsServer; }
    [[nodiscard]] QString caFile() const { return m_caFile; }
    /// ICE's servers as the profile writes them ([network] stun_server,
    /// turn_server, turn_user); empty: none. The TURN password is never here:
    /// it lives in the keychain (TurnPassword) or a napkin-cli profile's file.
    [[nodiscard]] QString stunServer() const { return m_stunServer; }
    [[nodiscard]] QString turnServer() const { return m_turnServer; }
    [[nodiscard]] QString turnUser() const { return m_turnUser; }
    /// [network] turn_password_file of the loaded profile (napkin-cli
    /// profiles); empty: the TURN password is in the keychain.
    [[nodiscard]] QString turnPasswordFile() const {
        return m_loaded ? m_loaded->turnPasswordFile : QString();
    }
    /// [network] allow_private_services of the loaded profile (no switch in
    /// Settings yet: a LAN deployment sets it in the profile file).
    [[nodiscard]] bool allowPrivateServices() const {
        return m_loaded && m_loaded->allowPrivateServices;
    }
    [[nodiscard]] bool requireEndToEnd() const { return m_requireEndToEnd; }
    [[nodiscard]] bool rejectFailedCalls() const { return m_rejectFailed; }
    [[nodiscard]] KeyStorage keyStorage() const { return m_keyStorage; }
    [[nodiscard]] QByteArray audioInput() const { return m_audioInput; }
    [[nodiscard]] QByteArray audioOutput() const { return m_audioOutput; }
    [[nodiscard]] QString profileName() const { return m_profileName; }

    void setAddress(const QString &value);
    void setRegistrar(const QString &value);
    void setOutboundProxy(const QString &value);
    void setTransport(const QString &value);
    void setCertificateLifetimeDays(int value);
    void setCacheTtlSeconds(int value);
    void setDnsServer(const QString &value);
    void setCaFile(const QString &value);
    void setStunServer(const QString &value);
    void setTurnServer(const QString &value);
    void setTurnUser(const QString &value);
    void setRequireEndToEnd(bool value);
    void setRejectFailedCalls(bool value);
    void setKeyStorage(KeyStorage value);
    void setAudioInput(const QByteArray &value);
    void setAudioOutput(const QByteArray &value);

    /// App-only values (window geometry and state...) in settings.ini.
    [[nodiscard]] QVariant appValue(const QString &key, const QVariant &fallback = {}) const;
    void setAppValue(const QString &key, const QVariant &value);

    [[nodiscard]] QString configDir() const { return m_configDir; }
    [[nodiscard]] QString dataDir() const { return m_dataDir; }
    /// The INI file load() read and save() writes.
    [[nodiscard]] QString profilePath() const { return m_profilePath; }
    [[nodiscard]] QString settingsPath() const;

    /// The engine's view of the saved profile (what save() wrote or load()
    /// read). The reason in words when there is none or it does not parse.
    [[nodiscard]] Result<discovery::Profile, QString> accountProfile() const;
    [[nodiscard]] Result<sip::SipProfile, QString> sipProfile() const;

    /// The engine's structs for the current values (what save() writes and
    /// then holds); only meaningful when validate() finds no problem.
    [[nodiscard]] std::pair<discovery::Profile, sip::SipProfile> profiles() const;
    /// The profile text for the current values (what save() writes), or why
    /// a value cannot be written.
    [[nodiscard]] Result<QByteArray, QString> profileText() const;

Q_SIGNALS:
    void changed();

private:
    void loadAppValues();
    void saveAppValues();
    QString adopt(const discovery::Profile &profile, const sip::SipProfile &sip);
    template <typename T> void set(T &member, const T &value);

    QString m_profileName;
    QString m_configDir;
    QString m_dataDir;
    QString m_profilePath;
    bool m_configured = false;

    QString m_address;
    QString m_registrar;
    QString m_outboundProxy;
    QString m_transport = QStringLiteral("udp");
    int m_lifetimeDays = 7;
    int m_cacheTtl = 300;
    QString m_dnsServer;
    QString m_caFile;
    QString m_stunServer;
    QString m_turnServer;
    QString m_turnUser;
    bool m_requireEndToEnd = false;
    bool m_rejectFailed = true;
    KeyStorage m_keyStorage = KeyStorage::Keychain;
    QByteArray m_audioInput;
    QByteArray m_audioOutput;

    /// What the loaded file held beyond the values above, written back
    /// unchanged (napkin-cli profiles: password_file, listen, state_dir...).
    std::optional<discovery::Profile> m_loaded;
    std::optional<sip::SipProfile> m_loadedSip;
};

} // namespace napkin::app
