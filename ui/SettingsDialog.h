// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QDialog>
#include <functional>
#include <memory>

class QComboBox;

namespace Ui {
class SettingsDialog;
}

namespace napkin::ui {

class AudioCheck;

/// The settings people may change; PhoneBinding maps them to app::AppSettings.
struct SettingsValues {
    enum class KeyStorage { Keychain, RegenerateEachStart };
    QString audioInput;  ///< QAudioDevice::id(); empty: the system default
    QString audioOutput; ///< QAudioDevice::id(); empty: the system default
    int certificateLifetimeDays = 7;
    int cacheTtlSeconds = 0;
    QString dnsServer;
    QString caFile;
    QString stunServer; ///< "HOST[:PORT]"; empty: none
    QString turnServer; ///< "turn:..." or "turns:..."; empty: none
    QString turnUser;
    /// What was typed into the password field; empty: keep the password
    /// already known (the dialog never shows a stored one).
    QString turnPassword;
    /// A TURN password is known already (keychain or the profile's file).
    bool turnPasswordKnown = false;
    bool requireEndToEnd = false;
    bool rejectFailedCalls = true;
    KeyStorage keyStorage = KeyStorage::Keychain;
};

/// Audio devices (with a test tone and a level meter), certificate lifetime, cache TTL,
/// DNS server, extra CA file, STUN and TURN servers (with a test), call policies and key
/// storage.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    /// Saves the values; returns an error text for people, or empty on success.
    using Apply = std::function<QString(const SettingsValues &)>;

    explicit SettingsDialog(QWidget *parent = nullptr);
    ~SettingsDialog() override;

    void setValues(const SettingsValues &values);
    [[nodiscard]] SettingsValues values() const;
    void setApply(Apply apply) { m_apply = std::move(apply); }
    /// Shows an error in words above the buttons (empty hides it).
    void showError(const QString &message);
    /// Shows a note in words above the buttons, e.g. that the changes apply after the
    /// current call (empty hides it).
    void setNotice(const QString &message);
    [[nodiscard]] QString notice() const;
    /// Selects a tab by index (0 audio, 1 security, 2 network).
    void showSection(int index);

    /// Shows or hides "Test servers" and its result (hidden unless PhoneBinding has an
    /// IceServerTest to run).
    void setIceTestAvailable(bool available);
    /// The STUN/TURN test runs (the button waits) or ended with `message`.
    void iceTestStarted();
    void iceTestFinished(bool ok, const QString &message);
    [[nodiscard]] QString iceTestText() const;

Q_SIGNALS:
    /// "Test servers" was pressed; the values are those entered, not saved.
    void iceTestRequested(const napkin::ui::SettingsValues &values);

public Q_SLOTS:
    void accept() override;

private:
    void fillAudioDevices();
    void selectDevice(QComboBox *combo, const QString &id);

    std::unique_ptr<::Ui::SettingsDialog> m_ui;
    AudioCheck *m_audio = nullptr;
    Apply m_apply;
    bool m_turnPasswordKnown = false;
};

} // namespace napkin::ui
