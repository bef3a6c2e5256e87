// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/Backoff.h"

#include <algorithm>

namespace napkin::discovery {

std::chrono::milliseconds backoffDelay(const BackoffPolicy &policy, int attempt,
                                       const UniformRandom &random) {
    const qint64 base = std::max<qint64>(1, policy.base.count());
    const qint64 cap = std::max<qint64>(base, policy.cap.count());
    qint64 delay = base;
    for (int i = 0; i < attempt && delay < cap; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, cap);
    const qint64 half = std::max<qint64>(1, delay / 2);
    const qint64 spread = delay - half;
    const auto bound = static_cast<std::uint32_t>(std::min<qint64>(spread, UINT32_MAX - 1));
    return std::chrono::milliseconds(half + static_cast<qint64>(random(bound)));
}

} // namespace napkin::discovery
