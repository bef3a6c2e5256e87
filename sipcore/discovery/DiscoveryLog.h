// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QLoggingCategory>

namespace napkin::discovery {

/// "napkin.discovery": locating, fetching and enrolling certificates. Never
/// carries passwords, keys or Authorization headers.
Q_DECLARE_LOGGING_CATEGORY(lcDiscovery)

} // namespace napkin::discovery
