// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QColor>
#include <QIcon>
#include <QPixmap>

namespace napkin::ui {

/// What the caller's identity check concluded, as the UI shows it. Mirrors
/// app::CallController::Verdict; kept separate so pure widgets need no engine.
enum class BadgeState { Pending, Verified, NewDevice, Unverified, Failed, Unverifiable };

/// The one icon set is resources/ (napkin_resources, see resources/NapkinResources.h);
/// these render its SVGs at the size asked for. Each badge state differs in SHAPE as well
/// as colour: Verified = filled circle with a tick, NewDevice = rounded square with a plus,
/// Unverified = hollow circle with a question mark (also Unverifiable, "could not check",
/// which differs in words), Failed = triangle with a cross,
/// Pending = dashed ring with three dots. Readable in greyscale.
[[nodiscard]] QPixmap badgePixmap(BadgeState state, int size, qreal devicePixelRatio = 1.0);
[[nodiscard]] QIcon badgeIcon(BadgeState state);

/// The colour used for a state's border and words (the SVGs use the same colours).
[[nodiscard]] QColor badgeColour(BadgeState state);
/// A light tint of badgeColour for backgrounds.
[[nodiscard]] QColor badgeTint(BadgeState state);

/// Title words for a state: "Verified", "New device", "Unverified", "Verification failed",
/// "Could not check".
[[nodiscard]] QString badgeTitle(BadgeState state);

/// Lock icons for the security panel: closed (end-to-end) or open and struck through (not).
[[nodiscard]] QPixmap lockPixmap(bool endToEnd, int size, qreal devicePixelRatio = 1.0);

/// The application icon: the themed "org.napkin.Napkin" (the installed desktop file's
/// Icon=) when the theme has it, else the same SVG compiled in.
[[nodiscard]] QIcon appIcon();
/// The tray icon: idle, or with the ringing mark while a call is ringing.
[[nodiscard]] QIcon trayIcon(bool ringing = false);

} // namespace napkin::ui
