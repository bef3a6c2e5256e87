// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/AuthThrottle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace napkin::certd {

std::int64_t AuthThrottle::lockFor(int failures) {
    if (failures <= kFreeFailures) {
        return 0;
    }
    int doublings = std::min(failures - kFreeFailures - 1, 20);
    return std::min<std::int64_t>(std::int64_t{1} << doublings, kMaxLock);
}

AuthThrottle::Entry *AuthThrottle::live(Table &table, std::string_view key, std::int64_t now) {
    auto it = table.find(std::string(key));
    if (it == table.end()) {
        return nullptr;
    }
    Entry &entry = it->second;
    if (now - entry.lastFailure > kForget && now >= entry.lockedUntil) {
        table.erase(it);
        return nullptr;
    }
    return &entry;
}

std::int64_t AuthThrottle::record(Table &table, std::string_view key, std::int64_t now) {
    Entry *entry = live(table, key, now);
    if (entry == nullptr) {
        if (table.size() >= kMaxKeys) {
            // A flood of made-up names must not grow memory without bound:
            // drop what is forgotten anyway, and if that is not a quarter of
            // the table, the oldest quarter (so that this runs rarely).
            std::erase_if(table, [&](const auto &kv) {
                return now - kv.second.lastFailure > kForget && now >= kv.second.lockedUntil;
            });
            if (table.size() > kMaxKeys * 3 / 4) {
                std::vector<std::int64_t> ages;
                ages.reserve(table.size());
                for (const auto &kv : table) {
                    ages.push_back(kv.second.lastFailure);
                }
                auto cut = ages.begin() + static_cast<std::ptrdiff_t>(ages.size() / 4);
                std::nth_element(ages.begin(), cut, ages.end());
                const std::int64_t before = *cut;
                std::erase_if(table,
                              [&](const auto &kv) { return kv.second.lastFailure < before; });
            }
        }
        entry = &table[std::string(key)];
    }
    ++entry->failures;
    entry->lastFailure = now;
    std::int64_t lock = lockFor(entry->failures);
    entry->lockedUntil = std::max(entry->lockedUntil, now + lock);
    return lock;
}

std::string AuthThrottle::addressKey(std::string_view address) {
    in6_addr v6{};
    const std::string text(address);
    if (address.find(':') == std::string_view::npos ||
        inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
        return text;
    }
    std::memset(v6.s6_addr + 8, 0, 8); // one IPv6 /64 is one client
    char out[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &v6, out, sizeof out);
    return std::string(out) + "/64";
}

std::optional<std::int64_t> AuthThrottle::retryAfter(std::string_view user,
                                                     std::string_view address, std::int64_t now) {
    std::lock_guard lock(m_mutex);
    const Entry *byAddress = live(m_addresses, addressKey(address), now);
    if (byAddress != nullptr && byAddress->lockedUntil > now) {
        return byAddress->lockedUntil - now;
    }
    const Entry *byUser = live(m_users, user, now);
    if (byUser != nullptr && byUser->lockedUntil > now && byAddress != nullptr) {
        return byUser->lockedUntil - now;
    }
    return std::nullopt;
}

std::int64_t AuthThrottle::failed(std::string_view user, std::string_view address,
                                  std::int64_t now) {
    std::lock_guard lock(m_mutex);
    return std::max(record(m_users, user, now), record(m_addresses, addressKey(address), now));
}

void AuthThrottle::succeeded(std::string_view user) {
    std::lock_guard lock(m_mutex);
    m_users.erase(std::string(user));
}

} // namespace napkin::certd
