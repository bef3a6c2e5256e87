// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Exponential backoff with jitter for retries, so that a failing service is
// never hammered in a tight loop and many clients do not retry in step.

#include "sipcore/discovery/SrvSelection.h"

#include <chrono>

namespace napkin::discovery {

struct BackoffPolicy {
    std::chrono::milliseconds base{2000};
    std::chrono::milliseconds cap{std::chrono::minutes(15)};
};

/// The wait before retry number `attempt` (0 for the first retry): a random
/// value between half and all of min(cap, base * 2^attempt). Never below
/// half of `base` (and at least 1 ms).
[[nodiscard]] std::chrono::milliseconds backoffDelay(const BackoffPolicy &policy, int attempt,
                                                     const UniformRandom &random);

} // namespace napkin::discovery
