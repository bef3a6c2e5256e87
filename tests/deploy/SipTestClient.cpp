// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/deploy/SipTestClient.h"

#include <QDeadlineTimer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QUdpSocket>

namespace napkin::testing {

namespace {

constexpr qsizetype kMaxMessage = 256 * 1024;

QByteArray headerSeparator() {
    return QByteArrayLiteral("\r\n\r\n");
}

// The Content-Length of a header block, -1 when absent, -2 when malformed.
qsizetype contentLengthOf(const QByteArray &headerBlock) {
    const QList<QByteArray> lines = headerBlock.split('\n');
    for (const QByteArray &raw : lines) {
        const QByteArray line = raw.trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            continue;
        }
        const QByteArray name = line.left(colon).trimmed().toLower();
        if (name == "content-length" || name == "l") {
            bool ok = false;
            const qsizetype n = line.mid(colon + 1).trimmed().toLongLong(&ok);
            return ok && n >= 0 ? n : -2;
        }
    }
    return -1;
}

} // namespace

int SipMessage::statusCode() const {
    if (!startLine.startsWith("SIP/2.0 ")) {
        return 0;
    }
    return startLine.mid(8, 3).toInt();
}

QByteArray SipMessage::method() const {
    if (startLine.startsWith("SIP/2.0 ")) {
        return {};
    }
    return startLine.left(startLine.indexOf(' '));
}

QByteArray SipMessage::header(const QByteArray &name) const {
    const QList<QByteArray> values = headerValues(name);
    return values.isEmpty() ? QByteArray() : values.first();
}

QList<QByteArray> SipMessage::headerValues(const QByteArray &name) const {
    QList<QByteArray> values;
    const QByteArray wanted = name.toLower();
    for (const auto &[n, v] : headers) {
        if (n.toLower() == wanted) {
            values.append(v);
        }
    }
    return values;
}

QString SipMessage::describe() const {
    return QString::fromUtf8(startLine);
}

TestResult<SipMessage> SipMessage::parse(const QByteArray &bytes) {
    const qsizetype end = bytes.indexOf(headerSeparator());
    if (end < 0) {
        return fail(QStringLiteral("SIP message without an empty line after the headers: %1")
                        .arg(QString::fromUtf8(bytes.left(200))));
    }
    SipMessage m;
    const QList<QByteArray> lines = bytes.left(end).split('\n');
    m.startLine = lines.first().trimmed();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            return fail(
                QStringLiteral("SIP header line without a name: %1").arg(QString::fromUtf8(line)));
        }
        m.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    m.body = bytes.mid(end + headerSeparator().size());
    const qsizetype length = contentLengthOf(bytes.left(end));
    if (length == -2) {
        return fail(QStringLiteral("malformed Content-Length in %1").arg(m.describe()));
    }
    if (length >= 0) {
        if (m.body.size() < length) {
            return fail(QStringLiteral("%1: body has %2 bytes, Content-Length says %3")
                            .arg(m.describe())
                            .arg(m.body.size())
                            .arg(length));
        }
        m.body.truncate(length);
    }
    return m;
}

QByteArray sipResponseTo(const SipMessage &request, int code, const QByteArray &reason,
                         const QByteArray &toTag) {
    QByteArray r = "SIP/2.0 " + QByteArray::number(code) + ' ' + reason + "\r\n";
    for (const QByteArray &via : request.headerValues("Via")) {
        r += "Via: " + via + "\r\n";
    }
    QByteArray to = request.header("To");
    if (!to.contains(";tag=")) {
        to += ";tag=" + toTag;
    }
    r += "From: " + request.header("From") + "\r\n";
    r += "To: " + to + "\r\n";
    r += "Call-ID: " + request.header("Call-ID") + "\r\n";
    r += "CSeq: " + request.header("CSeq") + "\r\n";
    r += "Content-Length: 0\r\n\r\n";
    return r;
}

SipTestClient::SipTestClient(SipTransport transport, Endpoint server)
    : m_transport(transport), m_server(std::move(server)) {}

SipTestClient::~SipTestClient() {
    if (m_stream) {
        m_stream->abort();
    }
}

TestResult<std::unique_ptr<SipTestClient>>
SipTestClient::open(SipTransport transport, const QHostAddress &localAddress,
                    const Endpoint &server, const QString &caFile, const QString &serverName) {
    std::unique_ptr<SipTestClient> c(new SipTestClient(transport, server));
    if (transport == SipTransport::Udp) {
        c->m_udp = std::make_unique<QUdpSocket>();
        if (!c->m_udp->bind(localAddress, 0)) {
            return fail(QStringLiteral("cannot bind a UDP socket on %1: %2")
                            .arg(localAddress.toString(), c->m_udp->errorString()));
        }
        return c;
    }
    if (transport == SipTransport::Tcp) {
        c->m_stream = std::make_unique<QTcpSocket>();
        if (!c->m_stream->bind(localAddress, 0)) {
            return fail(QStringLiteral("cannot bind a TCP socket on %1: %2")
                            .arg(localAddress.toString(), c->m_stream->errorString()));
        }
        c->m_stream->connectToHost(server.address, server.port);
        if (!c->m_stream->waitForConnected(5000)) {
            return fail(QStringLiteral("TCP connection to %1 failed: %2")
                            .arg(server.hostPort(), c->m_stream->errorString()));
        }
        return c;
    }
    auto ssl = std::make_unique<QSslSocket>();
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    const QList<QSslCertificate> roots = QSslCertificate::fromPath(caFile);
    if (roots.isEmpty()) {
        return fail(QStringLiteral("no CA certificate in %1").arg(caFile));
    }
    config.setCaCertificates(roots);
    config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    ssl->setSslConfiguration(config);
    if (!ssl->bind(localAddress, 0)) {
        return fail(QStringLiteral("cannot bind a TLS socket on %1: %2")
                        .arg(localAddress.toString(), ssl->errorString()));
    }
    ssl->connectToHostEncrypted(server.address.toString(), server.port, serverName);
    if (!ssl->waitForEncrypted(10000)) {
        QStringList why;
        for (const QSslError &e : ssl->sslHandshakeErrors()) {
            why.append(e.errorString());
        }
        return fail(QStringLiteral("TLS connection to %1 as %2 failed: %3 %4")
                        .arg(server.hostPort(), serverName, ssl->errorString(),
                             why.join(QStringLiteral("; "))));
    }
    c->m_stream = std::move(ssl);
    return c;
}

TestResult<void> SipTestClient::send(const QByteArray &message) {
    if (m_udp) {
        const qint64 n = m_udp->writeDatagram(message, m_server.address, m_server.port);
        if (n != message.size()) {
            return fail(QStringLiteral("UDP send to %1 failed: %2")
                            .arg(m_server.hostPort(), m_udp->errorString()));
        }
        return {};
    }
    if (m_stream->write(message) != message.size()) {
        return fail(QStringLiteral("send failed: %1").arg(m_stream->errorString()));
    }
    QDeadlineTimer deadline(5000);
    while (m_stream->bytesToWrite() > 0) {
        if (deadline.hasExpired()) {
            return fail(QStringLiteral("send timed out: %1").arg(m_stream->errorString()));
        }
        m_stream->waitForBytesWritten(100);
    }
    return {};
}

TestResult<bool> SipTestClient::takeFromStream(SipMessage &out) {
    // Stream transports may send CRLF keep-alives between messages.
    while (m_buffer.startsWith("\r\n")) {
        m_buffer.remove(0, 2);
    }
    const qsizetype end = m_buffer.indexOf(headerSeparator());
    if (end < 0) {
        return false;
    }
    const qsizetype length = contentLengthOf(m_buffer.left(end));
    if (length < 0) {
        return fail(QStringLiteral("message on a stream without a valid Content-Length: %1")
                        .arg(QString::fromUtf8(m_buffer.left(200))));
    }
    const qsizetype total = end + headerSeparator().size() + length;
    if (m_buffer.size() < total) {
        return false;
    }
    auto parsed = SipMessage::parse(m_buffer.left(total));
    m_buffer.remove(0, total);
    if (!parsed) {
        return fail(parsed.error());
    }
    out = std::move(*parsed);
    return true;
}

TestResult<SipMessage> SipTestClient::receive(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    if (m_udp) {
        while (!m_udp->hasPendingDatagrams()) {
            const auto left = static_cast<int>(deadline.remainingTime());
            if (deadline.hasExpired() || !m_udp->waitForReadyRead(left)) {
                return fail(QStringLiteral("no SIP message over UDP within %1 ms").arg(timeoutMs));
            }
        }
        QByteArray datagram(static_cast<qsizetype>(m_udp->pendingDatagramSize()), '\0');
        m_udp->readDatagram(datagram.data(), datagram.size());
        return SipMessage::parse(datagram);
    }
    for (;;) {
        SipMessage m;
        auto got = takeFromStream(m);
        if (!got) {
            return fail(got.error());
        }
        if (*got) {
            return m;
        }
        if (m_buffer.size() > kMaxMessage) {
            return fail(
                QStringLiteral("more than %1 bytes without a complete message").arg(kMaxMessage));
        }
        if (m_stream->bytesAvailable() == 0) {
            const auto left = static_cast<int>(deadline.remainingTime());
            if (deadline.hasExpired() || !m_stream->waitForReadyRead(left)) {
                return fail(QStringLiteral("no complete SIP message within %1 ms (%2)")
                                .arg(timeoutMs)
                                .arg(m_stream->errorString()));
            }
        }
        m_buffer += m_stream->readAll();
    }
}

TestResult<SipMessage> SipTestClient::receiveFinal(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        auto m = receive(static_cast<int>(deadline.remainingTime()));
        if (!m || m->statusCode() >= 200 || m->statusCode() == 0) {
            return m;
        }
        if (deadline.hasExpired()) {
            return fail(QStringLiteral("only provisional responses within %1 ms").arg(timeoutMs));
        }
    }
}

QByteArray SipTestClient::viaTransport() const {
    switch (m_transport) {
    case SipTransport::Udp:
        return "UDP";
    case SipTransport::Tcp:
        return "TCP";
    case SipTransport::Tls:
        return "TLS";
    }
    return {};
}

QByteArray SipTestClient::uriTransport() const {
    return viaTransport().toLower();
}

QByteArray SipTestClient::localHostPort() const {
    const QAbstractSocket *s = m_udp ? static_cast<QAbstractSocket *>(m_udp.get()) : m_stream.get();
    return s->localAddress().toString().toUtf8() + ':' + QByteArray::number(s->localPort());
}

} // namespace napkin::testing
