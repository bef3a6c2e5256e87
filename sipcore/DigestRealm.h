// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Which SIP Digest challenge this account answers with its password: only one
// for the account's own realm (the domain of its address of record) or a realm
// the profile lists in [account] extra_realms. Anyone on a call's path can
// send a 401/407 naming any realm; answering it would hand them a hash of the
// password to guess at offline. Pure, so that the rule is tested as a table.

#include "crypto/Result.h"

#include <cstddef>
#include <string>
#include <vector>

namespace napkin::sip {

/// The realms this account answers.
struct AccountRealms {
    std::string domain;              ///< the AOR's host ("a.example")
    std::vector<std::string> extras; ///< [account] extra_realms
};

/// Why no challenge was answered.
struct RealmRefusal {
    enum class Kind {
        NoDigest,     ///< no Digest challenge with a realm at all
        ForeignRealm, ///< Digest challenges, but none for this account's realms
    };
    Kind kind = Kind::NoDigest;
    std::string reason; ///< in words, naming who asked and for what
};

/// `offered` holds the (unquoted) realms of the Digest challenges of one
/// response, in order; `asker` says who sent it, in words ("the registrar
/// sip:a.example", "b.example's proxy"). The index of the first challenge to
/// answer, or why none is. Realms compare without regard to ASCII case.
[[nodiscard]] Result<std::size_t, RealmRefusal>
chooseDigestRealm(const std::vector<std::string> &offered, const AccountRealms &account,
                  const std::string &asker);

/// nua credentials that match no real challenge (an empty realm, a dummy user
/// and password). nua keeps a challenged request waiting for credentials;
/// nua_authenticate() with these ends it at once ("904 no matching
/// challenge", generated locally) without sending anything, and without any
/// secret even if a challenge did name the empty realm.
inline constexpr const char *kDeclineChallenge = "Digest:\"\":-:-";

/// A Digest realm parameter's value without its quotes and escapes.
[[nodiscard]] std::string unquoteRealm(const std::string &quoted);

} // namespace napkin::sip
