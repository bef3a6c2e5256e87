// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Remote text is text: display names, SIP reason phrases and Warning texts, device names
// from certificates and DNS names reach the screen through these, never as markup.
// QLabel, QMessageBox and tooltips guess rich text (Qt::AutoText, Qt::mightBeRichText),
// so "<b>", "<a href>" or "<img>" from a peer would otherwise render.

#include <QMessageBox>
#include <QString>

class QWidget;

namespace napkin::ui {

/// Sets Qt::PlainText on every QLabel in `root` (and on `root` itself if it is one). Called
/// by each form after setupUi: no label of Napkin's uses markup, so every label shows its
/// text exactly as written, whoever wrote it.
void usePlainTextLabels(QWidget *root);

/// A tooltip that shows `text` literally. Tooltips cannot be told to be plain: text that
/// Qt would take for rich text is converted to escaped HTML (Qt::convertFromPlainText);
/// anything else is returned unchanged.
[[nodiscard]] QString plainToolTip(const QString &text);

/// The body of a tray notification. Desktop notification servers on Linux
/// (org.freedesktop.Notifications, "body-markup") read the body as markup, so it is
/// escaped there; other platforms show it as plain text already.
[[nodiscard]] QString notificationBody(const QString &text);

/// A message box whose text is shown as plain text. (Its informative text still guesses:
/// keep that to our own words.)
[[nodiscard]] QMessageBox *plainMessageBox(QMessageBox::Icon icon, const QString &title,
                                           const QString &text,
                                           QMessageBox::StandardButtons buttons, QWidget *parent);

} // namespace napkin::ui
