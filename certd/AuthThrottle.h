// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Throttling of failed Digest authentications (review M5), per user and per
// client address, in this process's memory. Failures 1 to kFreeFailures of a
// key cost nothing; each later one locks the key for 1, 2, 4, ... seconds (at
// most kMaxLock). An attempt while a key is locked is answered 429 with
// Retry-After, before any password check. A user's lock holds back only
// addresses that have failed recently, so an attacker cannot lock the real
// user out from elsewhere; every address still has its own lock. A key is
// forgotten kForget after its last failure; a success clears the user's
// count (not the address's). An IPv6 address counts as its /64.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace napkin::certd {

class AuthThrottle {
public:
    static constexpr int kFreeFailures = 4;
    static constexpr std::int64_t kMaxLock = 900;   ///< seconds
    static constexpr std::int64_t kForget = 900;    ///< seconds after the last failure
    static constexpr std::size_t kMaxKeys = 100000; ///< per table; oldest dropped beyond

    /// Seconds to wait when `user` ("bob@b.example") may not be tried from
    /// `address` at `now` (Unix seconds); nullopt when the attempt may go on.
    [[nodiscard]] std::optional<std::int64_t>
    retryAfter(std::string_view user, std::string_view address, std::int64_t now);
    /// Records a failed attempt; returns the lock it started (0: none).
    std::int64_t failed(std::string_view user, std::string_view address, std::int64_t now);
    void succeeded(std::string_view user);

    /// How long a key with `failures` failures is locked after the last one.
    [[nodiscard]] static std::int64_t lockFor(int failures);
    /// What an address is counted as: itself for IPv4, its /64 for IPv6 (one
    /// client usually has a whole /64).
    [[nodiscard]] static std::string addressKey(std::string_view address);

private:
    struct Entry {
        int failures = 0;
        std::int64_t lastFailure = 0;
        std::int64_t lockedUntil = 0;
    };
    using Table = std::unordered_map<std::string, Entry>;

    static Entry *live(Table &table, std::string_view key, std::int64_t now);
    static std::int64_t record(Table &table, std::string_view key, std::int64_t now);

    std::mutex m_mutex;
    Table m_users;
    Table m_addresses;
};

} // namespace napkin::certd
