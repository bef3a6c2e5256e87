// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/PlainText.h"

#include <QLabel>
#include <QTextDocument>

namespace napkin::ui {

void usePlainTextLabels(QWidget *root) {
    if (auto *label = qobject_cast<QLabel *>(root)) {
        label->setTextFormat(Qt::PlainText);
    }
    const auto labels = root->findChildren<QLabel *>();
    for (QLabel *label : labels) {
        label->setTextFormat(Qt::PlainText);
    }
}

QString plainToolTip(const QString &text) {
    return Qt::mightBeRichText(text) ? Qt::convertFromPlainText(text, Qt::WhiteSpaceNormal) : text;
}

QString notificationBody(const QString &text) {
#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN)
    return text.toHtmlEscaped();
#else
    return text;
#endif
}

QMessageBox *plainMessageBox(QMessageBox::Icon icon, const QString &title, const QString &text,
                             QMessageBox::StandardButtons buttons, QWidget *parent) {
    auto *box = new QMessageBox(icon, title, QString(), buttons, parent);
    box->setTextFormat(Qt::PlainText);
    box->setText(text);
    return box;
}

} // namespace napkin::ui
