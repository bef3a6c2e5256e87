// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/Shortcuts.h"

#include <QCoreApplication>
#include <QStringList>

namespace napkin::ui {

QList<QKeySequence> answerShortcuts() {
    return {QKeySequence(Qt::CTRL | Qt::Key_Return),
            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A)};
}

QList<QKeySequence> hangUpShortcuts() {
    return {QKeySequence(Qt::Key_Escape), QKeySequence(Qt::CTRL | Qt::Key_H)};
}

QString withShortcuts(const QString &action, const QList<QKeySequence> &keys) {
    QStringList names;
    for (const QKeySequence &key : keys) {
        names << key.toString(QKeySequence::NativeText);
    }
    return QCoreApplication::translate("napkin::ui::Shortcuts", "%1 (%2)")
        .arg(action, names.join(QCoreApplication::translate("napkin::ui::Shortcuts", " or ")));
}

} // namespace napkin::ui
