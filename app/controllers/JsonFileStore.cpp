// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/JsonFileStore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSaveFile>

namespace napkin::app {

namespace {
Q_LOGGING_CATEGORY(lcStore, "napkin.app.store")
}

JsonFileStore::Loaded JsonFileStore::load() const {
    Loaded loaded;
    QFile file(m_path);
    if (!file.exists()) {
        return loaded;
    }
    if (file.size() > maxFileSize) {
        loaded.warning = moveAside(
            QCoreApplication::translate("napkin::app::JsonFileStore", "it is larger than %1 MiB")
                .arg(maxFileSize / (1024 * 1024)));
        return loaded;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        // Not moved: a permission problem is for the user to fix, and the
        // file may be fine.
        loaded.warning =
            QCoreApplication::translate("napkin::app::JsonFileStore", "%1 could not be read: %2")
                .arg(m_path, file.errorString());
        qCWarning(lcStore).noquote() << "store:" << loaded.warning;
        return loaded;
    }
    const QByteArray bytes = file.read(maxFileSize + 1);
    file.close();
    QJsonParseError error{};
    QJsonDocument document = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError) {
        loaded.warning = moveAside(QCoreApplication::translate("napkin::app::JsonFileStore",
                                                               "it is not valid JSON (%1 at "
                                                               "byte %2)")
                                       .arg(error.errorString())
                                       .arg(error.offset));
        return loaded;
    }
    loaded.document = std::move(document);
    return loaded;
}

QString JsonFileStore::moveAside(const QString &why) const {
    QString target = m_path + QStringLiteral(".bad");
    for (int n = 2; QFileInfo::exists(target) && n < 1000; ++n) {
        target = m_path + QStringLiteral(".bad.%1").arg(n);
    }
    QString warning;
    if (QFile::rename(m_path, target)) {
        warning = QCoreApplication::translate("napkin::app::JsonFileStore",
                                              "%1 could not be used because %2; it was "
                                              "moved to %3 and a new one is started")
                      .arg(m_path, why, target);
    } else {
        warning = QCoreApplication::translate("napkin::app::JsonFileStore",
                                              "%1 could not be used because %2, and it could "
                                              "not be moved aside either")
                      .arg(m_path, why);
    }
    qCWarning(lcStore).noquote() << "store:" << warning;
    return warning;
}

QString JsonFileStore::save(const QJsonDocument &document) const {
    if (m_path.isEmpty()) {
        return {};
    }
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath())) {
        return QCoreApplication::translate("napkin::app::JsonFileStore",
                                           "the folder of %1 could not be created")
            .arg(m_path);
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        return QCoreApplication::translate("napkin::app::JsonFileStore",
                                           "%1 could not be written: %2")
            .arg(m_path, file.errorString());
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QByteArray bytes = document.toJson(QJsonDocument::Indented);
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        return QCoreApplication::translate("napkin::app::JsonFileStore",
                                           "%1 could not be written: %2")
            .arg(m_path, file.errorString());
    }
    return {};
}

} // namespace napkin::app
