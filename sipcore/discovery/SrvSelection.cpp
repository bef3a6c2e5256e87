// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/SrvSelection.h"

#include <QRandomGenerator>

#include <algorithm>
#include <map>

namespace napkin::discovery {

UniformRandom systemUniformRandom() {
    return [](std::uint32_t bound) -> std::uint32_t {
        if (bound == UINT32_MAX) {
            return QRandomGenerator::system()->generate();
        }
        return QRandomGenerator::system()->bounded(bound + 1);
    };
}

std::vector<SrvRecord> orderSrvRecords(std::vector<SrvRecord> records,
                                       const UniformRandom &random) {
    std::map<quint16, std::vector<SrvRecord>> byPriority;
    for (auto &r : records) {
        if (r.target.isEmpty() || r.target == QLatin1String(".")) {
            continue;
        }
        byPriority[r.priority].push_back(std::move(r));
    }
    std::vector<SrvRecord> ordered;
    for (auto &[priority, group] : byPriority) {
        // Zero-weight records first, so that they are only picked when the
        // random number is 0 (RFC 2782, "the weight field").
        std::stable_partition(group.begin(), group.end(),
                              [](const SrvRecord &r) { return r.weight == 0; });
        while (!group.empty()) {
            std::uint32_t sum = 0;
            for (const auto &r : group) {
                sum += r.weight;
            }
            const std::uint32_t pick = random(sum);
            std::uint32_t running = 0;
            auto chosen = group.begin();
            for (auto it = group.begin(); it != group.end(); ++it) {
                running += it->weight;
                if (running >= pick) {
                    chosen = it;
                    break;
                }
            }
            ordered.push_back(std::move(*chosen));
            group.erase(chosen);
        }
    }
    return ordered;
}

bool srvDeclinesService(const std::vector<SrvRecord> &records) {
    return records.size() == 1 &&
           (records.front().target.isEmpty() || records.front().target == QLatin1String("."));
}

} // namespace napkin::discovery
