// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/AuditLog.h"

namespace napkin::certd {

namespace {

void appendValue(std::string &out, std::string_view value) {
    if (value.empty()) {
        out += '-';
        return;
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : value.substr(0, 256)) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '%' || c == '"' || c == '\'' || c == '=' || c == '\\') {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0x0f];
        } else {
            out += c;
        }
    }
}

} // namespace

std::string auditLine(std::string_view event,
                      std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    std::string line = "napkin-certd: audit event=";
    appendValue(line, event);
    for (const auto &[key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        appendValue(line, value);
    }
    return line;
}

} // namespace napkin::certd
