// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/DevicesModel.h"

#include "app/controllers/CallController.h"
#include "app/engine/Engine.h"
#include "sipcore/discovery/DeviceWatch.h"

#include <algorithm>

namespace napkin::app {

DevicesModel::DevicesModel(QObject *parent) : QAbstractListModel(parent) {}

void DevicesModel::setEngine(engine::Engine *engine) {
    if (m_engine) {
        disconnect(m_engine, nullptr, this, nullptr);
    }
    m_engine = engine;
    setLastError({});
    if (engine == nullptr) {
        setRows({});
        return;
    }
    connect(engine, &engine::Engine::devicesChanged, this, [this] {
        setLastError({});
        reload();
    });
    connect(engine, &engine::Engine::devicesCheckFailed, this,
            [this](const discovery::DiscoveryError &error) {
                setLastError(tr("The device list could not be fetched: %1").arg(error.message));
            });
    connect(engine, &engine::Engine::unknownDevice, this,
            [this](const QString &fingerprint, const QString &instanceUrn, const QDateTime &) {
                reload();
                Q_EMIT unknownDeviceAppeared(
                    fingerprint, CallController::deviceNameFor(instanceUrn, fingerprint));
            });
    connect(engine, &engine::Engine::ownDeviceMissing, this, [this](const QString &) {
        setLastError(tr("The certificate service no longer lists this device: calls are not "
                        "signed until a new certificate is enrolled (under way)."));
    });
    reload();
}

void DevicesModel::reload() {
    if (!m_engine) {
        return;
    }
    std::vector<DeviceRow> rows;
    for (const auto &d : m_engine->devices().devices()) {
        rows.push_back(
            {d.fingerprint, d.instanceUrn, d.notBefore, d.notAfter, d.thisDevice, d.known});
    }
    setRows(std::move(rows));
}

void DevicesModel::setRows(std::vector<DeviceRow> rows) {
    const int unknownBefore = unknownDeviceCount();
    beginResetModel();
    m_rows = std::move(rows);
    // This device first, then the newest.
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const DeviceRow &a, const DeviceRow &b) {
        if (a.thisDevice != b.thisDevice) {
            return a.thisDevice;
        }
        return a.notBefore > b.notBefore;
    });
    endResetModel();
    if (unknownDeviceCount() != unknownBefore) {
        Q_EMIT unknownDeviceCountChanged();
    }
}

void DevicesModel::refresh() {
    if (!m_engine) {
        setLastError(tr("The account is not running."));
        return;
    }
    m_engine->refreshDevices();
}

void DevicesModel::revoke(const QString &fingerprint) {
    if (!m_engine) {
        Q_EMIT revokeFinished(fingerprint, false, tr("The account is not running."));
        return;
    }
    QPointer<DevicesModel> self(this);
    m_engine->revoke(fingerprint, [self, fingerprint](engine::EngineResult<void> result) {
        if (!self) {
            return;
        }
        if (result) {
            Q_EMIT self->revokeFinished(fingerprint, true,
                                        tr("The device was removed from your address."));
        } else {
            Q_EMIT self->revokeFinished(
                fingerprint, false,
                tr("The device could not be removed: %1").arg(result.error().message));
        }
    });
}

Result<void, QString> DevicesModel::acknowledge(const QString &fingerprint) {
    if (!m_engine) {
        return fail(tr("The account is not running."));
    }
    if (auto done = m_engine->acknowledge(fingerprint); !done) {
        return fail(tr("The device could not be marked as known: %1").arg(done.error().message));
    }
    reload();
    return {};
}

int DevicesModel::unknownDeviceCount() const {
    return static_cast<int>(
        std::count_if(m_rows.begin(), m_rows.end(), [](const DeviceRow &r) { return !r.known; }));
}

void DevicesModel::setLastError(const QString &message) {
    if (m_lastError != message) {
        m_lastError = message;
        Q_EMIT lastErrorChanged();
    }
}

int DevicesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant DevicesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() < 0 || index.row() >= rowCount()) {
        return {};
    }
    const DeviceRow &r = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case FingerprintRole:
        return r.fingerprint;
    case FingerprintGroupsRole:
        return CallController::fingerprintGroupsFor(r.fingerprint);
    case Qt::DisplayRole:
    case DeviceNameRole:
        return r.thisDevice ? tr("This device (%1)")
                                  .arg(CallController::deviceNameFor(r.instanceUrn, r.fingerprint))
                            : CallController::deviceNameFor(r.instanceUrn, r.fingerprint);
    case NotBeforeRole:
        return r.notBefore;
    case NotAfterRole:
        return r.notAfter;
    case ThisDeviceRole:
        return r.thisDevice;
    case KnownRole:
        return r.known;
    default:
        return {};
    }
}

QHash<int, QByteArray> DevicesModel::roleNames() const {
    return {{FingerprintRole, "fingerprint"},
            {FingerprintGroupsRole, "fingerprintGroups"},
            {DeviceNameRole, "deviceName"},
            {NotBeforeRole, "notBefore"},
            {NotAfterRole, "notAfter"},
            {ThisDeviceRole, "thisDevice"},
            {KnownRole, "known"}};
}

} // namespace napkin::app
