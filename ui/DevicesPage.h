// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QDateTime>
#include <QList>
#include <QSet>
#include <QWidget>
#include <memory>

namespace Ui {
class DevicesPage;
}

class QMessageBox;

namespace napkin::ui {

/// One device certificate published on the user's own address.
struct DeviceRow {
    QString fingerprint;
    QString fingerprintGroups;
    QString deviceName;
    QDateTime notBefore;
    QDateTime notAfter;
    bool thisDevice = false;
    bool known = true;
};

/// "My devices": a table of the certificates enrolled on the user's address, this device
/// marked, a Revoke button per row (with a confirmation), and an alert banner when a device
/// nobody recognises appears (with Acknowledge).
class DevicesPage : public QWidget {
    Q_OBJECT
public:
    explicit DevicesPage(QWidget *parent = nullptr);
    ~DevicesPage() override;

    void setDevices(const QList<DeviceRow> &rows);
    [[nodiscard]] QList<DeviceRow> devices() const { return m_rows; }

    /// Shows (or replaces) the unknown-device banner. An empty fingerprint hides it.
    /// The banner goes away by itself once setDevices() shows that device as known
    /// (acknowledged) or no longer lists it (revoked), and revokeFinished() for it.
    void showUnknownDevice(const QString &fingerprint, const QString &deviceName);
    [[nodiscard]] bool bannerVisible() const;
    [[nodiscard]] QString bannerText() const;
    /// The device the banner is about (empty when hidden).
    [[nodiscard]] QString bannerFingerprint() const;

    /// Result of a revoke the page asked for.
    void revokeFinished(const QString &fingerprint, bool ok, const QString &message);
    void setStatus(const QString &text);

    /// The confirmation box, while one is open (tests accept it).
    [[nodiscard]] QMessageBox *pendingConfirmation() const;

Q_SIGNALS:
    /// Emitted only after the person confirmed.
    void revokeRequested(const QString &fingerprint);
    void acknowledgeRequested(const QString &fingerprint);
    void refreshRequested();

public Q_SLOTS:
    /// Asks for confirmation (non-blocking, QMessageBox::open) and then emits revokeRequested.
    void confirmRevoke(const QString &fingerprint);

private:
    void updateBanner();
    [[nodiscard]] const DeviceRow *rowOf(const QString &fingerprint) const;

    std::unique_ptr<::Ui::DevicesPage> m_ui;
    QList<DeviceRow> m_rows;
    QString m_bannerFingerprint;
    QSet<QString> m_handled; ///< alerts dealt with (acknowledged or revoked)
    QMessageBox *m_confirmation = nullptr;
};

} // namespace napkin::ui
