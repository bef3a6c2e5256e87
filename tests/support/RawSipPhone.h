// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A SIP phone played on a raw UDP socket, for tests that need a peer doing
// what no real agent does (answering out of order, ignoring the INVITE's
// body). The test reads the requests and writes the answers; the phone only
// builds the usual pieces and answers BYE on its own.

#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QUdpSocket>

#include <functional>

namespace napkin::testing {

class RawSipPhone {
public:
    /// One message as it arrived, and where to answer it.
    struct Datagram {
        QByteArray bytes;
        QHostAddress from;
        quint16 port = 0;
    };

    RawSipPhone() = default;
    RawSipPhone(const RawSipPhone &) = delete;
    RawSipPhone &operator=(const RawSipPhone &) = delete;

    /// Binds the socket to a fresh loopback address and a free port.
    [[nodiscard]] TestResult<void> bind();
    /// Where the phone is reached (for napkin-cli's --via):
    /// "sip:<address>:<port>;transport=udp".
    [[nodiscard]] QString target() const;

    /// Reads datagrams until a BYE came (answered 200 OK here) or `timeoutMs`
    /// passed, handing every other one to `onMessage`. True when the BYE came.
    bool serveUntilBye(int timeoutMs, const std::function<void(const Datagram &)> &onMessage);
    /// The same, until `done()` returns true (checked between datagrams) or
    /// `timeoutMs` passed; a BYE is answered and handed on too. True when done.
    bool serveUntil(int timeoutMs, const std::function<bool()> &done,
                    const std::function<void(const Datagram &)> &onMessage);
    void send(const QByteArray &message, const Datagram &to);

    /// The header lines of a response to `request` that opens a dialog: its
    /// Via, From, Call-ID and CSeq, its To with `;tag=<toTag>`, and a Contact
    /// of target().
    [[nodiscard]] QByteArray dialogHeaders(const QByteArray &request,
                                           const QByteArray &toTag) const;
    /// A 200 OK to `invite` that ignores its body and makes a plain SDES-SRTP
    /// offer of its own (opus, a fixed test key that protects nothing).
    [[nodiscard]] QByteArray okWithPlainOffer(const QByteArray &invite,
                                              const QByteArray &toTag) const;

private:
    QUdpSocket m_socket;
};

} // namespace napkin::testing
