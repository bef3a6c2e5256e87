// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Paths of the icons compiled into napkin_resources (see napkin.qrc). Link
// napkin_resources and they are available; loading the SVGs needs the Qt SVG
// image format / icon engine plugins (package libqt6svg6).

namespace napkin::resources {

inline constexpr char kAppIcon[] = ":/napkin/org.napkin.Napkin.svg";
/// The freedesktop icon name installed under hicolor (preferred when themed).
inline constexpr char kAppIconName[] = "org.napkin.Napkin";

/// Identity badges: each state has its own shape, not only its own colour.
inline constexpr char kBadgeVerified[] = ":/napkin/icons/badge-verified.svg";     ///< circle + tick
inline constexpr char kBadgeNewDevice[] = ":/napkin/icons/badge-new-device.svg";  ///< square + plus
inline constexpr char kBadgeUnverified[] = ":/napkin/icons/badge-unverified.svg"; ///< ring + "?"
inline constexpr char kBadgeFailed[] = ":/napkin/icons/badge-failed.svg";   ///< triangle + cross
inline constexpr char kBadgePending[] = ":/napkin/icons/badge-pending.svg"; ///< dashed ring + dots

inline constexpr char kTray[] = ":/napkin/icons/tray.svg";
inline constexpr char kTrayIncoming[] = ":/napkin/icons/tray-incoming.svg";

/// Security panel: end-to-end (closed padlock) or not (open padlock, struck through).
inline constexpr char kLockClosed[] = ":/napkin/icons/lock-closed.svg";
inline constexpr char kLockOpen[] = ":/napkin/icons/lock-open.svg";

} // namespace napkin::resources
