// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/RawSipPhone.h"

#include "tests/support/FreePort.h"
#include "tests/support/SipHeaders.h"

#include <QElapsedTimer>
#include <QTest>

namespace napkin::testing {

TestResult<void> RawSipPhone::bind() {
    const QHostAddress address = FreePort::uniqueLoopbackAddress();
    if (!m_socket.bind(address, FreePort::pick(address))) {
        return fail(QStringLiteral("the raw SIP phone cannot bind to %1: %2")
                        .arg(address.toString(), m_socket.errorString()));
    }
    return {};
}

QString RawSipPhone::target() const {
    return QStringLiteral("sip:%1:%2;transport=udp")
        .arg(m_socket.localAddress().toString())
        .arg(m_socket.localPort());
}

bool RawSipPhone::serveUntilBye(int timeoutMs,
                                const std::function<void(const Datagram &)> &onMessage) {
    bool bye = false;
    return serveUntil(
        timeoutMs, [&bye] { return bye; },
        [&bye, &onMessage](const Datagram &d) {
            if (d.bytes.startsWith("BYE ")) {
                bye = true;
            } else {
                onMessage(d);
            }
        });
}

bool RawSipPhone::serveUntil(int timeoutMs, const std::function<bool()> &done,
                             const std::function<void(const Datagram &)> &onMessage) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() >= timeoutMs) {
            return false;
        }
        if (!m_socket.hasPendingDatagrams()) {
            QTest::qWait(10);
            continue;
        }
        Datagram d;
        d.bytes = QByteArray(static_cast<qsizetype>(m_socket.pendingDatagramSize()), '\0');
        m_socket.readDatagram(d.bytes.data(), d.bytes.size(), &d.from, &d.port);
        if (d.bytes.startsWith("BYE ")) {
            send("SIP/2.0 200 OK\r\n" +
                     headerLines(d.bytes, {"via", "from", "to", "call-id", "cseq"}) +
                     "Content-Length: 0\r\n\r\n",
                 d);
        }
        onMessage(d);
    }
    return true;
}

void RawSipPhone::send(const QByteArray &message, const Datagram &to) {
    m_socket.writeDatagram(message, to.from, to.port);
}

QByteArray RawSipPhone::dialogHeaders(const QByteArray &request, const QByteArray &toTag) const {
    return headerLines(request, {"via", "from", "call-id", "cseq"}) +
           headerLines(request, {"to"}).trimmed() + ";tag=" + toTag + "\r\nContact: <" +
           target().toLatin1() + ">\r\n";
}

QByteArray RawSipPhone::okWithPlainOffer(const QByteArray &invite, const QByteArray &toTag) const {
    const QByteArray host = m_socket.localAddress().toString().toLatin1();
    const QByteArray key = QByteArray(30, 'k').toBase64(); // a test key, never used
    // An answer to a clear offer names the offer's first a=crypto tag (a
    // random number); an offer of our own starts at 1.
    QByteArray tag = "1";
    if (const auto at = invite.indexOf("a=crypto:"); at >= 0) {
        tag = invite.mid(at + 9, invite.indexOf(' ', at) - at - 9);
    }
    const QByteArray sdp = "v=0\r\no=- 1 1 IN IP4 " + host + "\r\ns=-\r\nc=IN IP4 " + host +
                           "\r\nt=0 0\r\nm=audio 40100 RTP/SAVP 111\r\n"
                           "a=rtpmap:111 opus/48000/2\r\n"
                           "a=crypto:" +
                           tag + " AES_CM_128_HMAC_SHA1_80 inline:" + key + "\r\na=sendrecv\r\n";
    return "SIP/2.0 200 OK\r\n" + dialogHeaders(invite, toTag) +
           "Content-Type: application/sdp\r\nContent-Length: " + QByteArray::number(sdp.size()) +
           "\r\n\r\n" + sdp;
}

} // namespace napkin::testing
