// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/MediaLog.h"

#include <atomic>

namespace napkin::media {

namespace {
std::atomic<LogSink> g_sink{nullptr};
}

void setLogSink(LogSink sink) {
    g_sink.store(sink);
}

void mediaLog(LogLevel level, std::string_view message) {
    if (LogSink sink = g_sink.load()) {
        sink(level, message);
    }
}

} // namespace napkin::media
