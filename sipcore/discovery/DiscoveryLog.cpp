// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/DiscoveryLog.h"

namespace napkin::discovery {

Q_LOGGING_CATEGORY(lcDiscovery, "napkin.discovery", QtInfoMsg)

} // namespace napkin::discovery
