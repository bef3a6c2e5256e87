// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Loopback addresses and free ports, so that tests running in parallel
// (ctest -j) never collide: every call hands out a different 127.x.y.z address
// of the loopback range, which Linux routes to `lo` without any configuration.

#include <QHostAddress>
#include <QString>

namespace napkin::testing {

/// An address and a TCP port.
struct Endpoint {
    QHostAddress address;
    quint16 port = 0;

    /// "127.1.2.3:8443".
    [[nodiscard]] QString hostPort() const;
};

/// Helpers for picking addresses and ports on loopback.
class FreePort {
public:
    /// A 127.x.y.z address derived from this process's id and a counter, so
    /// that two test processes, or two calls in one process, get different ones.
    [[nodiscard]] static QHostAddress uniqueLoopbackAddress();

    /// A TCP port on `address` that nothing listens on right now (the kernel's
    /// choice for a bind to port 0). Another process could take it before the
    /// caller does; with per-process addresses that is only a theoretical race.
    /// Returns 0 if `address` cannot be bound at all.
    [[nodiscard]] static quint16 pick(const QHostAddress &address);

    /// A fresh unique loopback address with a free port on it.
    [[nodiscard]] static Endpoint uniqueEndpoint();

    /// Whether a TCP connection to `endpoint` is accepted within `timeoutMs`.
    [[nodiscard]] static bool accepts(const Endpoint &endpoint, int timeoutMs = 500);
};

} // namespace napkin::testing
