// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The adversary Napkin exists for, played on a raw UDP socket: a first hop
// (or any proxy) that answers a signed INVITE the way a downgrade attack
// would, and records everything the caller sent it, so a test can prove that
// no SRTP key ever left the caller in clear.

#include "tests/support/RawSipPhone.h"

#include <QByteArray>
#include <QList>

namespace napkin::testing {

class HostileHop {
public:
    /// How the hop answers an INVITE.
    enum class Answer {
        Refuse415,        ///< 415 Unsupported Media Type, as a plain phone would
        Refuse500,        ///< 500 Server Internal Error without a Warning
        Refuse488,        ///< 488 Not Acceptable Here
        OkWithoutSdp,     ///< 200 OK with no body at all
        OkWithPlainOffer, ///< 200 OK with an SDES offer in clear
    };

    [[nodiscard]] TestResult<void> bind() { return m_phone.bind(); }
    /// Where a direct call reaches the hop: "sip:<address>:<port>;transport=udp".
    [[nodiscard]] QString target() const { return m_phone.target(); }

    /// Answers every INVITE (the first one, and any retry) with `first`, or
    /// with `retry` from the second on; records every message. Runs until
    /// `done()` is true or `timeoutMs` passed; true when done.
    bool serve(Answer first, Answer retry, int timeoutMs, const std::function<bool()> &done);

    /// Every message received, in order.
    [[nodiscard]] const QList<QByteArray> &received() const { return m_received; }
    /// The requests received with `method` ("INVITE", "ACK", "BYE").
    [[nodiscard]] QList<QByteArray> requests(const QByteArray &method) const;
    /// Some message carried an SDES key (an "a=crypto:" line): the keys
    /// would be readable here.
    [[nodiscard]] bool sawClearKey() const;

private:
    [[nodiscard]] QByteArray answer(Answer how, const QByteArray &invite) const;

    RawSipPhone m_phone;
    QList<QByteArray> m_received;
    int m_invites = 0;
};

} // namespace napkin::testing
