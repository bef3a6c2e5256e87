// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// "My devices": one row per certificate enrolled on the user's own address,
// as the last check of the certificate service showed them, with this device
// marked and devices nobody here enrolled or acknowledged flagged.

#include "crypto/Result.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QPointer>
#include <QString>

#include <vector>

namespace napkin::engine {
class Engine;
}

namespace napkin::app {

struct DeviceRow {
    QString fingerprint; ///< "sha256:..."
    QString instanceUrn;
    QDateTime notBefore;
    QDateTime notAfter;
    bool thisDevice = false;
    bool known = false;
};

class DevicesModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int unknownDeviceCount READ unknownDeviceCount NOTIFY unknownDeviceCountChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)
public:
    enum Role {
        FingerprintRole = Qt::UserRole + 1,
        FingerprintGroupsRole,
        DeviceNameRole,
        NotBeforeRole,
        NotAfterRole,
        ThisDeviceRole,
        KnownRole,
    };
    Q_ENUM(Role)

    explicit DevicesModel(QObject *parent = nullptr);

    /// Follows this engine's device watch (null: empty list).
    void setEngine(engine::Engine *engine);

    /// Asks the certificate service again.
    Q_INVOKABLE void refresh();
    /// Revokes a device of the user; revokeFinished() follows.
    Q_INVOKABLE void revoke(const QString &fingerprint);
    /// The user accepts an unknown device; the reason in words when that failed.
    [[nodiscard]] Q_INVOKABLE Result<void, QString> acknowledge(const QString &fingerprint);

    [[nodiscard]] int unknownDeviceCount() const;
    [[nodiscard]] const QString &lastError() const { return m_lastError; }
    [[nodiscard]] const std::vector<DeviceRow> &rows() const { return m_rows; }

    /// Replaces the rows (the engine's check, or tests).
    void setRows(std::vector<DeviceRow> rows);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void unknownDeviceAppeared(const QString &fingerprint, const QString &deviceName);
    void revokeFinished(const QString &fingerprint, bool ok, const QString &message);
    void unknownDeviceCountChanged();
    void lastErrorChanged();

private:
    void reload();
    void setLastError(const QString &message);

    QPointer<engine::Engine> m_engine;
    std::vector<DeviceRow> m_rows;
    QString m_lastError;
};

} // namespace napkin::app
