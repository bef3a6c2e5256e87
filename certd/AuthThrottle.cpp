#include "certd/AuthThrottle.h"

#include <algorithm>

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
            // Drop what is forgotten anyway; if that frees nothing, the
            // oldest failure goes (a flood of made-up names must not grow
            // memory without bound).
            std::erase_if(table, [&](const auto &kv) {
                return now - kv.second.lastFailure > kForget && now >= kv.second.lockedUntil;
            });
            if (table.size() >= kMaxKeys) {
                auto oldest = std::min_element(table.begin(), table.end(), [](auto &a, auto &b) {
                    return a.second.lastFailure < b.second.lastFailure;
                });
                table.erase(oldest);
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

std::optional<std::int64_t> AuthThrottle::retryAfter(std::string_view user,
                                                     std::string_view address, std::int64_t now) {
    std::lock_guard lock(m_mutex);
    const Entry *byAddress = live(m_addresses, address, now);
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
    return std::max(record(m_users, user, now), record(m_addresses, address, now));
}

void AuthThrottle::succeeded(std::string_view user) {
    std::lock_guard lock(m_mutex);
    m_users.erase(std::string(user));
}

} // namespace napkin::certd
