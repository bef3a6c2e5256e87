// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/HostileHop.h"

namespace napkin::testing {

bool HostileHop::serve(Answer first, Answer retry, int timeoutMs,
                       const std::function<bool()> &done) {
    return m_phone.serveUntil(timeoutMs, done, [&](const RawSipPhone::Datagram &d) {
        m_received.push_back(d.bytes);
        if (d.bytes.startsWith("INVITE ")) {
            ++m_invites;
            m_phone.send(answer(m_invites == 1 ? first : retry, d.bytes), d);
        }
    });
}

QList<QByteArray> HostileHop::requests(const QByteArray &method) const {
    QList<QByteArray> found;
    for (const QByteArray &message : m_received) {
        if (message.startsWith(method + " ")) {
            found.push_back(message);
        }
    }
    return found;
}

bool HostileHop::sawClearKey() const {
    for (const QByteArray &message : m_received) {
        if (message.contains("a=crypto:")) {
            return true;
        }
    }
    return false;
}

QByteArray HostileHop::answer(Answer how, const QByteArray &invite) const {
    const QByteArray tag = "hop" + QByteArray::number(m_invites);
    const auto bare = [&](const QByteArray &statusLine) {
        return "SIP/2.0 " + statusLine + "\r\n" + m_phone.dialogHeaders(invite, tag) +
               "Content-Length: 0\r\n\r\n";
    };
    switch (how) {
    case Answer::Refuse415:
        return bare("415 Unsupported Media Type");
    case Answer::Refuse500:
        return bare("500 Server Internal Error");
    case Answer::Refuse488:
        return bare("488 Not Acceptable Here");
    case Answer::OkWithoutSdp:
        return bare("200 OK");
    case Answer::OkWithPlainOffer:
        return m_phone.okWithPlainOffer(invite, tag);
    }
    return {};
}

} // namespace napkin::testing
