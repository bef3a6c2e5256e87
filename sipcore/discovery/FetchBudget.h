// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// How often the certificate service of one domain may be asked, in a sliding
// minute. Incoming INVITEs name any domain they like, and each could make
// this device connect there; the budget bounds that per domain. The map of
// domains is itself bounded (least recently used ones are forgotten).

#include <QString>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>

namespace napkin::discovery {

class FetchBudget {
public:
    using Clock = std::chrono::steady_clock;

    /// `perMinute` fetches per domain (0: none at all); at most `maxDomains`
    /// domains are remembered.
    explicit FetchBudget(int perMinute, std::size_t maxDomains = 1024);

    /// Charges one fetch from `domain` at `now`: false (and nothing charged)
    /// when `domain` already had `perMinute` of them in the minute before.
    [[nodiscard]] bool take(const QString &domain, Clock::time_point now);

    [[nodiscard]] int perMinute() const { return m_perMinute; }
    /// Domains remembered (tests).
    [[nodiscard]] std::size_t domains() const { return m_domains.size(); }

private:
    struct Window {
        std::deque<Clock::time_point> fetches; ///< within the last minute, oldest first
        std::uint64_t lastUse = 0;
    };

    int m_perMinute;
    std::size_t m_maxDomains;
    std::map<QString, Window> m_domains;
    std::uint64_t m_useClock = 0;
};

} // namespace napkin::discovery
