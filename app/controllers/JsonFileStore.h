// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Small JSON files of the app's data directory (history, contacts): read with
// limits, written atomically (QSaveFile), and a file that cannot be used is
// moved aside - never crashed on, never overwritten silently.

#include <QJsonDocument>
#include <QString>

#include <optional>

namespace napkin::app {

class JsonFileStore {
public:
    /// Files larger than this are refused (and moved aside) unread.
    static constexpr qint64 maxFileSize = 8 * 1024 * 1024;

    struct Loaded {
        std::optional<QJsonDocument> document; ///< nullopt: no file, or moved aside
        QString warning;                       ///< in words, when the file was moved aside
    };

    explicit JsonFileStore(QString path) : m_path(std::move(path)) {}

    /// Reads and parses the file. A missing file is no document and no
    /// warning; an unreadable, oversized or unparsable one is moved aside.
    [[nodiscard]] Loaded load() const;
    /// Moves the file aside (`<name>.bad`, or `.bad.2`... when taken) and
    /// returns the warning for `why`.
    [[nodiscard]] QString moveAside(const QString &why) const;
    /// Writes atomically; the reason in words when it failed (the old file is kept).
    [[nodiscard]] QString save(const QJsonDocument &document) const;

    [[nodiscard]] const QString &path() const { return m_path; }

private:
    QString m_path;
};

} // namespace napkin::app
