// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What the app's list models that live in one small JSON file (call history,
// contacts) have in common: the file is {"version": N, "<key>": [rows...]},
// read and written through JsonFileStore (limits, atomic writes). A file that
// is not such a list, or that has a row which does not read, is moved aside
// with a warning and the list starts empty; nothing is overwritten silently.

#include <QAbstractListModel>
#include <QJsonArray>
#include <QJsonValue>
#include <QString>

#include <cstddef>
#include <functional>
#include <vector>

namespace napkin::app {

class JsonListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)
public:
    [[nodiscard]] virtual int count() const = 0;
    /// The file (empty: memory only).
    [[nodiscard]] const QString &path() const { return m_path; }
    /// The last save error in words (empty: saved).
    [[nodiscard]] const QString &lastError() const { return m_lastError; }

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const final;

Q_SIGNALS:
    void countChanged();
    /// The file could not be read or written (in words).
    void warning(const QString &message);

protected:
    /// `listKey` names the array of rows in the file, next to "version".
    JsonListModel(QString path, QString listKey, int formatVersion, QObject *parent);

    /// Reads one row of the file, or says in words why it is not one.
    using RowReader = std::function<QString(const QJsonValue &row, int index)>;

    /// Replaces `rows` with the file's (at most `maxRows`; a missing file is
    /// an empty list). `readRow(value, index)` returns a Result<Row, QString>.
    /// Returns the warning (also signalled) when the file was unusable:
    /// `notThisKind` when it is not such a list at all.
    template <typename Row, typename ReadRow>
    QString loadRows(std::vector<Row> &rows, int maxRows, const QString &notThisKind,
                     ReadRow readRow) {
        return loadList(
            maxRows, notThisKind, [&rows] { rows.clear(); },
            [&rows, &readRow](const QJsonValue &value, int index) -> QString {
                auto row = readRow(value, index);
                if (!row) {
                    return row.error();
                }
                rows.push_back(std::move(row).value());
                return {};
            });
    }
    /// Writes the rows atomically; a failure is kept in lastError() and signalled.
    void saveList(const QJsonArray &rows);

    /// The row `index` points at, or nullptr when it points at none.
    template <typename Row>
    [[nodiscard]] static const Row *rowAt(const std::vector<Row> &rows, const QModelIndex &index) {
        if (!index.isValid() || index.row() < 0 ||
            static_cast<std::size_t>(index.row()) >= rows.size()) {
            return nullptr;
        }
        return &rows[static_cast<std::size_t>(index.row())];
    }

private:
    QString loadList(int maxRows, const QString &notThisKind,
                     const std::function<void()> &clearRows, const RowReader &takeRow);

    QString m_path;
    QString m_listKey;
    int m_formatVersion;
    QString m_lastError;
};

} // namespace napkin::app
