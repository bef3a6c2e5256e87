// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// `napkin-certd user add|del|list`: operators manage the subscriber table that
// the registrar and certd share.

#include "certd/CertStore.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace napkin::certd {

/// The secrets stored for a password: Kamailio's ha1 and ha1b (MD5) and our
/// SHA-256 HA1. The realm is the domain.
[[nodiscard]] UserCredentials credentialsForPassword(std::string_view user, std::string_view domain,
                                                     std::string_view password);

/// Runs a user command; `args` starts after "user". Prints results to `out`
/// and problems to `err` ("napkin-certd: ..."); returns the exit status
/// (0 ok, 1 failure, 2 usage).
[[nodiscard]] int runUserCommand(const std::vector<std::string> &args, std::istream &in,
                                 std::ostream &out, std::ostream &err);

} // namespace napkin::certd
