// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QLoggingCategory>
#include <QString>

#include <string_view>

namespace napkin::sip {

/// "napkin.sip": registration, calls and secure bodies. Never carries
/// passwords, keys, a=crypto lines or decrypted SDP.
Q_DECLARE_LOGGING_CATEGORY(lcSip)

/// Text from the network (a SAN URI, a reason phrase, a Warning text, an error quoting
/// them) made fit for a log line: control characters written as \xNN
/// (crypto::escapeControls), so a newline in it cannot start a forged line.
[[nodiscard]] QString logText(std::string_view text);

} // namespace napkin::sip
