// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/DeviceWatch.h"

#include "sipcore/discovery/DiscoveryLog.h"

#include <QPointer>

namespace napkin::discovery {

namespace {

QDateTime toDateTime(std::chrono::system_clock::time_point t) {
    return QDateTime::fromSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(), Qt::UTC);
}

} // namespace

DeviceWatch::DeviceWatch(CertificateDirectory &directory, KnownDevices &known, QString aor,
                         QObject *parent)
    : QObject(parent), m_directory(directory), m_known(known), m_aor(std::move(aor)) {
    connect(&m_timer, &QTimer::timeout, this, &DeviceWatch::check);
}

DeviceWatch::~DeviceWatch() = default;

void DeviceWatch::setOwnFingerprint(const QString &fingerprint) {
    m_own = fingerprint.toLower();
    m_known.markOurs(m_own);
    if (auto saved = m_known.save(); !saved.ok()) {
        qCWarning(lcDiscovery) << saved.error().message;
    }
    check();
}

void DeviceWatch::setInterval(std::chrono::seconds interval) {
    if (interval.count() <= 0) {
        m_timer.stop();
        return;
    }
    m_timer.start(static_cast<int>(std::min<qint64>(interval.count(), 24 * 3600) * 1000));
}

DiscoveryResult<void> DeviceWatch::acknowledge(const QString &fingerprint) {
    if (!KnownDevices::isFingerprint(fingerprint.toLower())) {
        return fail(discoveryError(DiscoveryErrc::InvalidAddress,
                                   QStringLiteral("'%1' is not a certificate fingerprint "
                                                  "(sha256: and 64 hex digits).")
                                       .arg(fingerprint)));
    }
    m_known.acknowledge(fingerprint);
    for (auto &d : m_devices) {
        if (d.fingerprint == fingerprint.toLower()) {
            d.known = true;
        }
    }
    return m_known.save();
}

void DeviceWatch::check() {
    if (m_checking) {
        return;
    }
    m_checking = true;
    QPointer<DeviceWatch> self(this);
    m_directory.fetch(
        m_aor,
        [self](DiscoveryResult<CertificateSet> r) {
            if (!self) {
                return;
            }
            self->m_checking = false;
            if (r.ok()) {
                self->evaluate(r.value());
                return;
            }
            if (r.error().code == DiscoveryErrc::EmptySet) {
                // No certificate at all on the own address: ours is missing too.
                self->evaluate(CertificateSet{});
                return;
            }
            Q_EMIT self->checkFailed(r.error());
        },
        CertificateDirectory::Policy::Revalidate);
}

void DeviceWatch::evaluate(const CertificateSet &set) {
    std::vector<OwnDevice> devices;
    bool ownPresent = false;
    std::vector<OwnDevice> fresh;
    for (const auto &cert : set.certificates) {
        OwnDevice d;
        d.fingerprint = QString::fromStdString(cert.fingerprint());
        d.instanceUrn = QString::fromStdString(cert.instanceUrn().value_or(std::string()));
        d.notBefore = toDateTime(cert.notBefore());
        d.notAfter = toDateTime(cert.notAfter());
        d.thisDevice = !m_own.isEmpty() && d.fingerprint == m_own;
        d.enrolledByUs = m_known.isOurs(d.fingerprint);
        d.known = m_known.isKnown(d.fingerprint);
        ownPresent = ownPresent || d.thisDevice;
        if (!d.known && m_reported.insert(d.fingerprint).second) {
            fresh.push_back(d);
        }
        devices.push_back(std::move(d));
    }
    m_devices = std::move(devices);
    m_ownPresent = ownPresent;
    QPointer<DeviceWatch> self(this);
    if (!m_own.isEmpty() && !ownPresent) {
        qCWarning(lcDiscovery) << "this device's certificate" << m_own << "is not listed for"
                               << m_aor;
        Q_EMIT ownDeviceMissing(m_own);
    }
    for (const auto &d : fresh) {
        if (!self) {
            return;
        }
        qCWarning(lcDiscovery) << "unknown device on" << m_aor << d.fingerprint;
        Q_EMIT unknownDevice(d.fingerprint, d.instanceUrn, d.notBefore);
    }
    if (self) {
        Q_EMIT checked();
    }
}

} // namespace napkin::discovery
