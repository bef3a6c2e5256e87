// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/FreePort.h"

#include <QTcpServer>
#include <QTcpSocket>

#include <atomic>
#include <unistd.h>

namespace napkin::testing {

QString Endpoint::hostPort() const {
    return QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

QHostAddress FreePort::uniqueLoopbackAddress() {
    static std::atomic<quint32> counter{0};
    // pid_max is at most 2^22 on Linux; fold it into two octets and use the
    // last one for the per-process counter. 127.0.0.x stays free for others.
    const auto pid = static_cast<quint32>(::getpid());
    const quint32 folded = (pid ^ (pid >> 16)) & 0xffff;
    const quint32 first = 1 + ((folded >> 8) % 254);
    const quint32 second = folded & 0xff;
    const quint32 last = 1 + (counter.fetch_add(1) % 254);
    return QHostAddress((127u << 24) | (first << 16) | (second << 8) | last);
}

quint16 FreePort::pick(const QHostAddress &address) {
    QTcpServer server;
    if (!server.listen(address, 0)) {
        return 0;
    }
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

Endpoint FreePort::uniqueEndpoint() {
    Endpoint e;
    e.address = uniqueLoopbackAddress();
    e.port = pick(e.address);
    return e;
}

bool FreePort::accepts(const Endpoint &endpoint, int timeoutMs) {
    QTcpSocket socket;
    socket.connectToHost(endpoint.address, endpoint.port);
    const bool ok = socket.waitForConnected(timeoutMs);
    socket.abort();
    return ok;
}

} // namespace napkin::testing
