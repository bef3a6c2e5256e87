// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Bounded per-address and per-domain state: the entry to evict from a map
// whose values carry `lastUse` (a counter the owner bumps on every use).
// Entries in use (a request in flight) are never chosen, so a map may exceed
// its bound by the requests in flight, which other limits bound.

#include <cstdint>

namespace napkin::discovery {

/// The least recently used entry of `map` that `busy(value)` does not hold,
/// or map.end() when every entry is busy. Linear: the maps it serves are a
/// few hundred entries and evict at most one per insertion.
template <typename Map, typename Busy> auto leastRecentlyUsed(Map &map, Busy busy) {
    auto victim = map.end();
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!busy(it->second) &&
            (victim == map.end() || it->second.lastUse < victim->second.lastUse)) {
            victim = it;
        }
    }
    return victim;
}

} // namespace napkin::discovery
