// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/KnownDevices.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace napkin::discovery {

KnownDevices::KnownDevices(QString path) : m_path(std::move(path)) {}

bool KnownDevices::isFingerprint(const QString &text) {
    if (text.size() != 71 || !text.startsWith(QLatin1String("sha256:"))) {
        return false;
    }
    for (qsizetype i = 7; i < text.size(); ++i) {
        const QChar c = text[i];
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
              (c >= QLatin1Char('a') && c <= QLatin1Char('f')))) {
            return false;
        }
    }
    return true;
}

DiscoveryResult<void> KnownDevices::load() {
    m_entries.clear();
    if (m_path.isEmpty() || !QFileInfo::exists(m_path)) {
        return {};
    }
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot read the list of known devices %1: %2.")
                                       .arg(m_path, file.errorString())));
    }
    int lineNumber = 0;
    while (!file.atEnd()) {
        ++lineNumber;
        const QString line = QString::fromUtf8(file.readLine(4096)).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) {
            continue;
        }
        const QStringList parts = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (parts.size() != 2 || !isFingerprint(parts[0]) ||
            (parts[1] != QLatin1String("ours") && parts[1] != QLatin1String("acknowledged"))) {
            return fail(discoveryError(
                DiscoveryErrc::LocalFailure,
                QStringLiteral("%1 line %2: expected 'sha256:<64 hex digits> ours|acknowledged'.")
                    .arg(m_path)
                    .arg(lineNumber)));
        }
        m_entries[parts[0]] =
            parts[1] == QLatin1String("ours") ? Origin::Ours : Origin::Acknowledged;
    }
    return {};
}

DiscoveryResult<void> KnownDevices::save() const {
    if (m_path.isEmpty()) {
        return {};
    }
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot write the list of known devices %1: %2.")
                                       .arg(m_path, file.errorString())));
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QByteArray out = "# Device certificates known on this address (napkin)\n";
    for (const auto &[fingerprint, origin] : m_entries) {
        out += fingerprint.toLatin1() + (origin == Origin::Ours ? " ours\n" : " acknowledged\n");
    }
    file.write(out);
    if (!file.commit()) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot write the list of known devices %1: %2.")
                                       .arg(m_path, file.errorString())));
    }
    return {};
}

void KnownDevices::markOurs(const QString &fingerprint) {
    m_entries[fingerprint.toLower()] = Origin::Ours;
}

void KnownDevices::acknowledge(const QString &fingerprint) {
    const QString key = fingerprint.toLower();
    if (m_entries.find(key) == m_entries.end()) {
        m_entries[key] = Origin::Acknowledged;
    }
}

bool KnownDevices::isKnown(const QString &fingerprint) const {
    return m_entries.find(fingerprint.toLower()) != m_entries.end();
}

bool KnownDevices::isOurs(const QString &fingerprint) const {
    const auto it = m_entries.find(fingerprint.toLower());
    return it != m_entries.end() && it->second == Origin::Ours;
}

} // namespace napkin::discovery
