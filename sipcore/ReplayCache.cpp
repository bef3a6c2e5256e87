// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/ReplayCache.h"

namespace napkin::sip {

bool ReplayCache::firstSighting(const std::string &key, Clock::time_point now) {
    expire(now);
    if (m_seen.count(key) != 0) {
        return false;
    }
    while (m_seen.size() >= m_capacity && !m_order.empty()) {
        m_seen.erase(m_order.front().second);
        m_order.pop_front();
    }
    m_seen.emplace(key, now);
    m_order.emplace_back(now, key);
    return true;
}

void ReplayCache::expire(Clock::time_point now) {
    while (!m_order.empty() && now - m_order.front().first > m_window) {
        m_seen.erase(m_order.front().second);
        m_order.pop_front();
    }
}

} // namespace napkin::sip
