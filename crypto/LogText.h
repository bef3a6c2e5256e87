// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Text from the network on its way into a log line: a SAN URI, a SIP reason phrase or a
// Warning text may carry a newline and so forge the next line of the log.

#include <string>
#include <string_view>

namespace napkin::crypto {

/// `text` with every control character written as \xNN (lower-case hex): the C0 controls
/// (U+0000-U+001F, among them \r, \n, \t and ESC), DEL and the C1 controls
/// (U+0080-U+009F, two bytes in UTF-8, written as one \x80-\x9f). Everything else,
/// other UTF-8 included, is kept as it is.
[[nodiscard]] std::string escapeControls(std::string_view text);

} // namespace napkin::crypto
