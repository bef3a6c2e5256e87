// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/HttpsConnection.h"

#include "crypto/Certificate.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryLog.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>

namespace napkin::discovery {

HttpsConnection::HttpsConnection(ConnectTarget target, std::shared_ptr<TlsContext> tls,
                                 int connectTimeoutMs, int requestTimeoutMs, QObject *parent)
    : QObject(parent), m_target(std::move(target)), m_tls(std::move(tls)),
      m_connectTimeoutMs(connectTimeoutMs), m_requestTimeoutMs(requestTimeoutMs) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpsConnection::onTimeout);
}

HttpsConnection::~HttpsConnection() {
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

QString HttpsConnection::describe() const {
    return QStringLiteral("%1:%2 (%3)")
        .arg(m_target.serverName)
        .arg(m_target.port)
        .arg(m_target.address.toString());
}

QString HttpsConnection::ticketKey() const {
    return m_target.serverName + QLatin1Char(':') + QString::number(m_target.port);
}

void HttpsConnection::open(OpenCallback done) {
    Q_ASSERT(m_socket == nullptr);
    m_openDone = std::move(done);
    m_socket = new QSslSocket(this);

    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_2OrLater);
    // The chain and the name are checked in onEncrypted(), before any byte
    // of a request is sent: Qt's check would test the SRV target's name.
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (m_tls->sessionResumption) {
        config.setSslOption(QSsl::SslOptionDisableSessionPersistence, false);
        const auto it = m_tls->sessionTickets.find(ticketKey());
        if (it != m_tls->sessionTickets.end()) {
            config.setSessionTicket(it->second);
        }
    }
    m_socket->setSslConfiguration(config);

    connect(m_socket, &QSslSocket::encrypted, this, &HttpsConnection::onEncrypted);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, &HttpsConnection::onSocketError);
    connect(m_socket, &QIODevice::readyRead, this, &HttpsConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::disconnected, this, &HttpsConnection::onDisconnected);
    connect(m_socket, &QSslSocket::newSessionTicketReceived, this,
            &HttpsConnection::storeSessionTicket);

    m_timer.start(m_connectTimeoutMs);
    // Connect to the address our DNS step found; the SRV target is the name
    // sent for SNI.
    m_socket->connectToHostEncrypted(m_target.address.toString(), m_target.port,
                                     m_target.serverName);
}

void HttpsConnection::onEncrypted() {
    const QList<QSslCertificate> chain = m_socket->peerCertificateChain();
    if (auto trusted = m_tls->trust->verify(chain); !trusted.ok()) {
        finishOpen(fail(discoveryError(
            DiscoveryErrc::UntrustedServiceCertificate,
            QStringLiteral("%1's certificate service at %2 presented a certificate that is not "
                           "trusted (%3). Check the CA file, or whether someone intercepts the "
                           "connection.")
                .arg(m_target.domain, describe(), trusted.error()))));
        return;
    }
    const QSslCertificate peer = chain.front();
    const QByteArray der = peer.toDer();
    auto cert = crypto::Certificate::fromDer(
        crypto::ByteView(reinterpret_cast<const std::uint8_t *>(der.constData()),
                         static_cast<std::size_t>(der.size())));
    if (!cert) {
        finishOpen(fail(discoveryError(
            DiscoveryErrc::UntrustedServiceCertificate,
            QStringLiteral("%1's certificate service at %2 presented a certificate that cannot "
                           "be read.")
                .arg(m_target.domain, describe()))));
        return;
    }
    auto named = crypto::checkServiceCertificate(*cert, m_target.domain.toStdString());
    if (!named) {
        const auto dns = cert->sanDnsNames();
        QStringList names;
        for (const auto &n : dns) {
            names << QString::fromStdString(n);
        }
        DiscoveryError error = discoveryError(
            DiscoveryErrc::TlsNameMismatch,
            QStringLiteral("%1's certificate service at %2 presented a certificate for %3, not "
                           "for %1. Someone may be impersonating the service, or the operator "
                           "installed the wrong certificate.")
                .arg(m_target.domain, describe(),
                     names.isEmpty() ? QStringLiteral("no DNS name at all")
                                     : names.join(QStringLiteral(", "))));
        finishOpen(fail(std::move(error)));
        return;
    }
    m_verified = true;
    storeSessionTicket();
    finishOpen({});
}

void HttpsConnection::storeSessionTicket() {
    if (m_socket == nullptr || !m_tls->sessionResumption) {
        return;
    }
    const QByteArray ticket = m_socket->sslConfiguration().sessionTicket();
    if (!ticket.isEmpty()) {
        m_tls->sessionTickets[ticketKey()] = ticket;
    }
}

void HttpsConnection::onSocketError() {
    const auto err = m_socket->error();
    if (m_openDone) {
        DiscoveryErrc code = DiscoveryErrc::ConnectionRefused;
        QString what;
        switch (err) {
        case QAbstractSocket::ConnectionRefusedError:
            what = QStringLiteral("the connection was refused; the service may be down");
            break;
        case QAbstractSocket::SocketTimeoutError:
            code = DiscoveryErrc::Timeout;
            what = QStringLiteral("it did not answer in time");
            break;
        case QAbstractSocket::SslHandshakeFailedError:
        case QAbstractSocket::SslInternalError:
        case QAbstractSocket::SslInvalidUserDataError:
            code = DiscoveryErrc::TlsFailure;
            what = QStringLiteral("the TLS handshake failed (%1)").arg(m_socket->errorString());
            break;
        case QAbstractSocket::RemoteHostClosedError:
            code = DiscoveryErrc::TlsFailure;
            what = QStringLiteral("it closed the connection during the TLS handshake");
            break;
        default:
            what = m_socket->errorString();
            break;
        }
        finishOpen(fail(discoveryError(
            code, QStringLiteral("Could not connect to %1's certificate service at %2: %3.")
                      .arg(m_target.domain, describe(), what))));
        return;
    }
    if (m_responseDone) {
        if (err == QAbstractSocket::RemoteHostClosedError) {
            onDisconnected();
            return;
        }
        m_failedBeforeAnswer = !m_parser.started();
        finishResponse(fail(discoveryError(
            DiscoveryErrc::MalformedResponse,
            QStringLiteral("The connection to %1's certificate service at %2 failed: %3.")
                .arg(m_target.domain, describe(), m_socket->errorString()))));
    }
}

void HttpsConnection::onTimeout() {
    if (m_openDone) {
        finishOpen(fail(discoveryError(
            DiscoveryErrc::Timeout,
            QStringLiteral("%1's certificate service at %2 did not complete the connection "
                           "within %3 s.")
                .arg(m_target.domain, describe())
                .arg(m_connectTimeoutMs / 1000.0))));
    } else if (m_responseDone) {
        finishResponse(fail(discoveryError(
            DiscoveryErrc::Timeout,
            QStringLiteral("%1's certificate service at %2 did not answer within %3 s.")
                .arg(m_target.domain, describe())
                .arg(m_requestTimeoutMs / 1000.0))));
    }
}

void HttpsConnection::finishOpen(DiscoveryResult<void> result) {
    m_timer.stop();
    OpenCallback done = std::move(m_openDone);
    m_openDone = nullptr;
    QPointer<HttpsConnection> self(this);
    if (!result.ok()) {
        close();
    }
    if (self && done) {
        done(std::move(result));
    }
}

void HttpsConnection::send(const HttpRequest &request, ResponseCallback done) {
    Q_ASSERT(isReusable() && !m_responseDone);
    m_responseDone = std::move(done);
    m_failedBeforeAnswer = false;
    m_parser.reset(request.method == "HEAD");
    QByteArray host = m_target.serverName.toLatin1();
    if (m_target.port != 443) {
        host += ':' + QByteArray::number(m_target.port);
    }
    m_timer.start(m_requestTimeoutMs);
    m_socket->write(serialiseRequest(request, host));
}

void HttpsConnection::onReadyRead() {
    const QByteArray data = m_socket->readAll();
    if (!m_responseDone) {
        if (!data.isEmpty() && m_verified) {
            // Bytes nobody asked for: the connection is out of step.
            qCWarning(lcDiscovery) << "unexpected bytes from" << describe() << "- closing";
            m_keepAlive = false;
            close();
        }
        return;
    }
    const auto state = m_parser.feed(data);
    if (state == HttpResponseParser::State::Failed) {
        m_keepAlive = false;
        finishResponse(fail(discoveryError(
            DiscoveryErrc::MalformedResponse,
            QStringLiteral("%1's certificate service at %2 sent a broken HTTP answer: %3.")
                .arg(m_target.domain, describe(), m_parser.error()))));
    } else if (state == HttpResponseParser::State::Complete) {
        HttpResponse response = m_parser.takeResponse();
        m_keepAlive = response.keepAlive && m_parser.leftover().isEmpty();
        ++m_requestsServed;
        finishResponse(std::move(response));
    }
}

void HttpsConnection::onDisconnected() {
    m_keepAlive = false;
    if (m_openDone) {
        finishOpen(fail(discoveryError(
            DiscoveryErrc::TlsFailure,
            QStringLiteral("%1's certificate service at %2 closed the connection during the "
                           "TLS handshake.")
                .arg(m_target.domain, describe()))));
        return;
    }
    if (m_responseDone) {
        const auto state = m_parser.finishAtClose();
        if (state == HttpResponseParser::State::Complete) {
            ++m_requestsServed;
            finishResponse(m_parser.takeResponse());
        } else {
            m_failedBeforeAnswer = !m_parser.started();
            finishResponse(
                fail(discoveryError(DiscoveryErrc::MalformedResponse,
                                    QStringLiteral("%1's certificate service at %2: %3.")
                                        .arg(m_target.domain, describe(), m_parser.error()))));
        }
    }
    Q_EMIT closed();
}

void HttpsConnection::finishResponse(DiscoveryResult<HttpResponse> result) {
    m_timer.stop();
    if (!result.ok()) {
        m_keepAlive = false;
    }
    QPointer<HttpsConnection> self(this);
    ResponseCallback done = std::move(m_responseDone);
    m_responseDone = nullptr;
    if (done) {
        done(std::move(result));
    }
    if (self && !m_keepAlive && m_socket != nullptr &&
        m_socket->state() != QAbstractSocket::UnconnectedState) {
        close();
    }
}

bool HttpsConnection::isReusable() const {
    return m_socket != nullptr && m_verified && m_keepAlive && !m_responseDone &&
           m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpsConnection::close() {
    m_keepAlive = false;
    if (m_socket != nullptr && m_socket->state() != QAbstractSocket::UnconnectedState) {
        m_socket->disconnectFromHost();
        if (m_socket->state() != QAbstractSocket::UnconnectedState) {
            m_socket->abort();
        }
    }
}

} // namespace napkin::discovery
