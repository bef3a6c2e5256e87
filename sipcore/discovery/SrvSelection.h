// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RFC 2782 target selection: lowest priority first, and within one priority a
// weighted random order, so that the domain's operator controls the load share.

#include <QString>
#include <QtGlobal>

#include <cstdint>
#include <functional>
#include <vector>

namespace napkin::discovery {

/// One SRV resource record, as received.
struct SrvRecord {
    QString target; ///< host name without the trailing dot; "." means "no service"
    quint16 port = 0;
    quint16 priority = 0;
    quint16 weight = 0;
};

/// Returns a uniformly distributed integer in [0, bound], both ends included.
using UniformRandom = std::function<std::uint32_t(std::uint32_t bound)>;

/// A UniformRandom backed by the system's secure generator.
[[nodiscard]] UniformRandom systemUniformRandom();

/// The order in which to try the targets: ascending priority; inside one
/// priority, repeatedly pick a record with probability proportional to its
/// weight (weight-0 records get a small chance, as RFC 2782 specifies, by
/// being placed first in the running sum).
[[nodiscard]] std::vector<SrvRecord> orderSrvRecords(std::vector<SrvRecord> records,
                                                     const UniformRandom &random);

/// True when the answer is the single record with target "." that RFC 2782
/// defines as "the service is decidedly not available at this domain".
[[nodiscard]] bool srvDeclinesService(const std::vector<SrvRecord> &records);

} // namespace napkin::discovery
