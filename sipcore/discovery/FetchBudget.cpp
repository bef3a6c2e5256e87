// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/FetchBudget.h"

#include "sipcore/discovery/LeastRecentlyUsed.h"

#include <algorithm>

namespace napkin::discovery {

FetchBudget::FetchBudget(int perMinute, std::size_t maxDomains)
    : m_perMinute(perMinute), m_maxDomains(std::max<std::size_t>(1, maxDomains)) {}

bool FetchBudget::take(const QString &domain, Clock::time_point now) {
    const QString key = domain.toLower();
    auto it = m_domains.find(key);
    if (it == m_domains.end()) {
        if (m_domains.size() >= m_maxDomains) {
            m_domains.erase(leastRecentlyUsed(m_domains, [](const Window &) { return false; }));
        }
        it = m_domains.emplace(key, Window{}).first;
    }
    Window &window = it->second;
    window.lastUse = ++m_useClock;
    while (!window.fetches.empty() && now - window.fetches.front() >= std::chrono::minutes(1)) {
        window.fetches.pop_front();
    }
    if (static_cast<int>(window.fetches.size()) >= m_perMinute) {
        return false;
    }
    window.fetches.push_back(now);
    return true;
}

} // namespace napkin::discovery
