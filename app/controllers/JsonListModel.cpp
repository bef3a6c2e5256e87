// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/JsonListModel.h"

#include "app/controllers/JsonFileStore.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace napkin::app {

JsonListModel::JsonListModel(QString path, QString listKey, int formatVersion, QObject *parent)
    : QAbstractListModel(parent), m_path(std::move(path)), m_listKey(std::move(listKey)),
      m_formatVersion(formatVersion) {}

int JsonListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : count();
}

QString JsonListModel::loadList(int maxRows, const QString &notThisKind,
                                const std::function<void()> &clearRows, const RowReader &takeRow) {
    beginResetModel();
    clearRows();
    QString problem;
    if (!m_path.isEmpty()) {
        JsonFileStore store(m_path);
        auto loaded = store.load();
        problem = loaded.warning;
        if (loaded.document) {
            const QJsonObject root = loaded.document->object();
            const QJsonValue list = root.value(m_listKey);
            if (!loaded.document->isObject() ||
                root.value(QStringLiteral("version")).toInt() != m_formatVersion ||
                !list.isArray()) {
                problem = store.moveAside(notThisKind);
            } else {
                const QJsonArray array = list.toArray();
                for (int i = 0; i < array.size() && i < maxRows; ++i) {
                    const QString why = takeRow(array.at(i), i);
                    if (!why.isEmpty()) {
                        // All or nothing: a half-read list saved back would lose the rest.
                        clearRows();
                        problem = store.moveAside(why);
                        break;
                    }
                }
            }
        }
    }
    endResetModel();
    Q_EMIT countChanged();
    if (!problem.isEmpty()) {
        Q_EMIT warning(problem);
    }
    return problem;
}

void JsonListModel::saveList(const QJsonArray &rows) {
    const QJsonObject root{{QStringLiteral("version"), m_formatVersion}, {m_listKey, rows}};
    m_lastError = JsonFileStore(m_path).save(QJsonDocument(root));
    if (!m_lastError.isEmpty()) {
        Q_EMIT warning(m_lastError);
    }
}

} // namespace napkin::app
