// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Routes the media core's log lines to the "napkin.media" Qt logging category.

#include "media/MediaLog.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcNapkinMedia)

namespace napkin::media {

/// Installs the sink (idempotent).
void installQtMediaLog();

} // namespace napkin::media
