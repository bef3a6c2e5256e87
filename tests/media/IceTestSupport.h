// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What the IceSession tests share: an event collector (events arrive on the
// session's ICE thread) and a wait for one packet through PacketTransport.

#include "media/IceSession.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace napkin::media::testing {

/// Collects one session's events.
struct IceEvents {
    std::mutex mutex;
    std::vector<IceEvent> seen;

    std::function<void(const IceEvent &)> sink() {
        return [this](const IceEvent &e) {
            std::lock_guard lock(mutex);
            seen.push_back(e);
        };
    }
    std::optional<IceEvent> find(IceEvent::Kind kind) {
        std::lock_guard lock(mutex);
        const auto it = std::find_if(seen.begin(), seen.end(),
                                     [kind](const IceEvent &e) { return e.kind == kind; });
        return it == seen.end() ? std::nullopt : std::optional<IceEvent>(*it);
    }
    bool waitFor(IceEvent::Kind kind, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (find(kind)) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
};

/// Waits until a packet arrives on `to` (polling its descriptor); its bytes,
/// or none after `limit`.
inline std::vector<std::uint8_t> receiveOne(IceSession &to, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::uint8_t buffer[2048];
    while (std::chrono::steady_clock::now() < end) {
        pollfd fd{to.readableFd(), POLLIN, 0};
        (void)::poll(&fd, 1, 20);
        if (const std::size_t n = to.receive(buffer); n > 0) {
            return {buffer, buffer + n};
        }
    }
    return {};
}

} // namespace napkin::media::testing
