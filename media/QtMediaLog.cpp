// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/QtMediaLog.h"

#include <QString>

Q_LOGGING_CATEGORY(lcNapkinMedia, "napkin.media")

namespace napkin::media {

namespace {
void qtSink(LogLevel level, std::string_view message) {
    const QString text = QString::fromUtf8(message.data(), static_cast<qsizetype>(message.size()));
    switch (level) {
    case LogLevel::Debug:
        qCDebug(lcNapkinMedia).noquote() << text;
        break;
    case LogLevel::Info:
        qCInfo(lcNapkinMedia).noquote() << text;
        break;
    case LogLevel::Warning:
        qCWarning(lcNapkinMedia).noquote() << text;
        break;
    }
}
} // namespace

void installQtMediaLog() {
    setLogSink(&qtSink);
}

} // namespace napkin::media
