// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Watches the user's own address: after enrolment it fetches the own
// certificate set, confirms this device's certificate is there, and reports
// every other device that this client did not enrol and the user was not yet
// told about ("an unknown device on your address") - the first sign that
// someone else enrolled a certificate with the user's password.

#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/KnownDevices.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <set>
#include <vector>

namespace napkin::discovery {

/// One certificate of the own set, as the device list shows it.
struct OwnDevice {
    QString fingerprint;
    QString instanceUrn; ///< empty when the certificate has none
    QDateTime notBefore; ///< the service does not publish the enrolment time; this is the closest
    QDateTime notAfter;
    bool thisDevice = false;
    bool enrolledByUs = false; ///< this client enrolled it (now or earlier)
    bool known = false;        ///< ours, or acknowledged by the user
};

class DeviceWatch : public QObject {
    Q_OBJECT
public:
    DeviceWatch(CertificateDirectory &directory, KnownDevices &known, QString aor,
                QObject *parent = nullptr);
    ~DeviceWatch() override;

    /// This device's current certificate (from Enroller::enrolled). It is
    /// remembered as ours, and the own set is checked at once.
    void setOwnFingerprint(const QString &fingerprint);
    /// Fetches the own set now (asking the service, not the cache).
    void check();
    /// Checks again every `interval` (0: only when asked).
    void setInterval(std::chrono::seconds interval);
    /// The user has seen this device and accepts it.
    [[nodiscard]] DiscoveryResult<void> acknowledge(const QString &fingerprint);

    [[nodiscard]] const std::vector<OwnDevice> &devices() const { return m_devices; }
    [[nodiscard]] bool ownDevicePresent() const { return m_ownPresent; }

Q_SIGNALS:
    /// A device nobody here enrolled or acknowledged. Emitted once per
    /// fingerprint for the life of this object.
    void unknownDevice(const QString &fingerprint, const QString &instanceUrn,
                       const QDateTime &notBefore);
    /// The service does not list this device's certificate (revoked, or lost).
    void ownDeviceMissing(const QString &fingerprint);
    /// A check finished; `devices()` holds the result.
    void checked();
    void checkFailed(const napkin::discovery::DiscoveryError &error);

private:
    void evaluate(const CertificateSet &set);

    CertificateDirectory &m_directory;
    KnownDevices &m_known;
    QString m_aor;
    QString m_own;
    QTimer m_timer;
    std::vector<OwnDevice> m_devices;
    std::set<QString> m_reported;
    bool m_ownPresent = false;
    bool m_checking = false;
};

} // namespace napkin::discovery
