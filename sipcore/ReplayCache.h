// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Signed requests seen recently, so that the same one arriving again inside
// the signature window (kSignatureWindow) is recognised as a replay. Bounded:
// the oldest entries go first when it is full.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace napkin::sip {

class ReplayCache {
public:
    using Clock = std::chrono::steady_clock;

    ReplayCache(Clock::duration window, std::size_t capacity)
        : m_window(window), m_capacity(capacity) {}

    /// Records `key` at `now`; false when it was seen within the window.
    [[nodiscard]] bool firstSighting(const std::string &key, Clock::time_point now);
    [[nodiscard]] std::size_t size() const { return m_seen.size(); }

private:
    void expire(Clock::time_point now);

    Clock::duration m_window;
    std::size_t m_capacity;
    std::map<std::string, Clock::time_point> m_seen;
    std::deque<std::pair<Clock::time_point, std::string>> m_order; ///< oldest first
};

} // namespace napkin::sip
