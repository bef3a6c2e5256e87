// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A deliberately small SIP endpoint for testing the Kamailio configuration in
// deploy/: it writes requests byte by byte as the test says, reads whole
// messages from UDP, TCP or TLS, and parses just enough (start line, headers,
// body by Content-Length) to assert on them. It is not a SIP stack: no
// transactions, no retransmissions, one socket per client.

#include "tests/support/FreePort.h"
#include "tests/support/TestResult.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

#include <memory>

class QUdpSocket;

namespace napkin::testing {

enum class SipTransport { Udp, Tcp, Tls };

/// One SIP request or response as received.
struct SipMessage {
    QByteArray startLine;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    /// The status code of a response, 0 for a request.
    [[nodiscard]] int statusCode() const;
    /// The method of a request ("INVITE"), empty for a response.
    [[nodiscard]] QByteArray method() const;
    /// The first header of that name (case-insensitive, compact forms not
    /// expanded), or empty.
    [[nodiscard]] QByteArray header(const QByteArray &name) const;
    [[nodiscard]] QList<QByteArray> headerValues(const QByteArray &name) const;
    /// The start line, for failure messages.
    [[nodiscard]] QString describe() const;

    /// Parses one complete message. Fails on a missing header/body separator,
    /// a header line without a colon, or a body shorter than Content-Length.
    [[nodiscard]] static TestResult<SipMessage> parse(const QByteArray &bytes);
};

/// A response built from a received request, as a UAS would send it: the
/// Via, From, To (with `toTag` added), Call-ID and CSeq copied.
[[nodiscard]] QByteArray sipResponseTo(const SipMessage &request, int code,
                                       const QByteArray &reason, const QByteArray &toTag);

class SipTestClient {
public:
    ~SipTestClient();
    SipTestClient(const SipTestClient &) = delete;
    SipTestClient &operator=(const SipTestClient &) = delete;

    /// Opens a socket on `localAddress` (any free port) towards `server`. For
    /// TLS, the server certificate must chain to `caFile` and name
    /// `serverName`.
    [[nodiscard]] static TestResult<std::unique_ptr<SipTestClient>>
    open(SipTransport transport, const QHostAddress &localAddress, const Endpoint &server,
         const QString &caFile = {}, const QString &serverName = {});

    /// Sends one message (for UDP one datagram to the server).
    [[nodiscard]] TestResult<void> send(const QByteArray &message);
    /// The next message, within `timeoutMs`.
    [[nodiscard]] TestResult<SipMessage> receive(int timeoutMs = 5000);
    /// The next response that is not provisional (skips 1xx).
    [[nodiscard]] TestResult<SipMessage> receiveFinal(int timeoutMs = 5000);

    /// "UDP", "TCP" or "TLS" for Via headers.
    [[nodiscard]] QByteArray viaTransport() const;
    /// "udp", "tcp" or "tls" for ;transport= URI parameters.
    [[nodiscard]] QByteArray uriTransport() const;
    /// "127.1.2.3:40000": where this client receives.
    [[nodiscard]] QByteArray localHostPort() const;

private:
    SipTestClient(SipTransport transport, Endpoint server);

    /// Extracts one complete message from m_stream, if there is one.
    [[nodiscard]] TestResult<bool> takeFromStream(SipMessage &out);

    SipTransport m_transport;
    Endpoint m_server;
    std::unique_ptr<QUdpSocket> m_udp;
    std::unique_ptr<QAbstractSocket> m_stream; ///< QTcpSocket or QSslSocket
    QByteArray m_buffer;                       ///< stream bytes not yet parsed
};

} // namespace napkin::testing
