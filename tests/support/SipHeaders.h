// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Copying headers from a SIP request into a response, for tests that play a
// SIP phone on a raw socket.

#include <QByteArray>
#include <QList>

namespace napkin::testing {

/// The lines of `message`'s header section whose names (lower case) are in
/// `names`, each trimmed and ended with CRLF, in message order.
[[nodiscard]] inline QByteArray headerLines(const QByteArray &message,
                                            const QList<QByteArray> &names) {
    QByteArray found;
    for (const QByteArray &line : message.left(message.indexOf("\r\n\r\n")).split('\n')) {
        const QByteArray name = line.left(line.indexOf(':')).trimmed().toLower();
        if (names.contains(name)) {
            found += line.trimmed() + "\r\n";
        }
    }
    return found;
}

} // namespace napkin::testing
