// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QKeySequence>
#include <QList>
#include <QString>

namespace napkin::ui {

/// The app-wide call shortcuts. One place, so that the tooltips, the menu and the
/// actions always agree.
[[nodiscard]] QList<QKeySequence> answerShortcuts();
[[nodiscard]] QList<QKeySequence> hangUpShortcuts();

/// "Answer (Ctrl+Return or Ctrl+Shift+A)" style tooltip text, in the native key names.
[[nodiscard]] QString withShortcuts(const QString &action, const QList<QKeySequence> &keys);

} // namespace napkin::ui
