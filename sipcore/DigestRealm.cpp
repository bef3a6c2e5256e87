// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/DigestRealm.h"

#include <algorithm>

namespace napkin::sip {

namespace {

bool sameRealm(const std::string &a, const std::string &b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

bool isOwnRealm(const std::string &realm, const AccountRealms &account) {
    if (realm.empty()) {
        return false;
    }
    if (sameRealm(realm, account.domain)) {
        return true;
    }
    return std::any_of(account.extras.begin(), account.extras.end(),
                       [&realm](const std::string &extra) { return sameRealm(realm, extra); });
}

std::string ownRealms(const AccountRealms &account) {
    std::string out = "'" + account.domain + "'";
    for (const auto &extra : account.extras) {
        out += ", '" + extra + "'";
    }
    return out;
}

} // namespace

Result<std::size_t, RealmRefusal> chooseDigestRealm(const std::vector<std::string> &offered,
                                                    const AccountRealms &account,
                                                    const std::string &asker) {
    for (std::size_t i = 0; i < offered.size(); ++i) {
        if (isOwnRealm(offered[i], account)) {
            return i;
        }
    }
    if (offered.empty()) {
        return fail(RealmRefusal{RealmRefusal::Kind::NoDigest,
                                 asker + " asked for a password without a Digest challenge that "
                                         "names a realm"});
    }
    std::string asked;
    for (const auto &realm : offered) {
        asked += (asked.empty() ? "'" : " and '") + realm + "'";
    }
    return fail(RealmRefusal{RealmRefusal::Kind::ForeignRealm,
                             asker + " asked for this account's password for realm " + asked +
                                 "; Napkin only answers its own realm(s) (" + ownRealms(account) +
                                 "; more can be listed in [account] extra_realms)"});
}

std::string unquoteRealm(const std::string &quoted) {
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') {
        return quoted;
    }
    std::string out;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        if (quoted[i] == '\\' && i + 2 < quoted.size()) {
            ++i;
        }
        out += quoted[i];
    }
    return out;
}

} // namespace napkin::sip
