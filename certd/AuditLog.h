// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// certd's audit trail (review L11, M5): one line per enrolment, replacement,
// revocation and failed or throttled authentication, in a fixed key=value
// form that fail2ban and grep can match:
//
//   napkin-certd: audit event=auth-failed user=bob@b.example ip=192.0.2.7 reason=wrong-credentials
//
// Values never contain spaces, quotes or control characters (they are
// percent-encoded). Never pass secrets: no passwords, HA1s, nonces or keys.

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace napkin::certd {

using AuditSink = std::function<void(std::string_view line)>;

/// "napkin-certd: audit event=EVENT k=v ..."; empty values are written as "-".
[[nodiscard]] std::string
auditLine(std::string_view event,
          std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

} // namespace napkin::certd
