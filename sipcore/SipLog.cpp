// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SipLog.h"

#include "crypto/LogText.h"

namespace napkin::sip {

Q_LOGGING_CATEGORY(lcSip, "napkin.sip", QtInfoMsg)

QString logText(std::string_view text) {
    return QString::fromStdString(crypto::escapeControls(text));
}

} // namespace napkin::sip
