// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The media core has no Qt: it logs through a sink the application installs
// (napkin_media's QtMediaLog sends it to the "napkin.media" category).
// Messages never contain keys or SDP.

#include <string_view>

namespace napkin::media {

enum class LogLevel { Debug, Info, Warning };

using LogSink = void (*)(LogLevel level, std::string_view message);

/// Installs the sink (nullptr: discard). Thread-safe.
void setLogSink(LogSink sink);
/// Sends a line to the sink, prefixed by the subsystem ("media: ...").
void mediaLog(LogLevel level, std::string_view message);

} // namespace napkin::media
