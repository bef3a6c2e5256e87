// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One TLS connection to a certificate service, carrying HTTP/1.1 requests one
// at a time. It connects to an address that our own DNS step found, sends the
// SRV target as the TLS server name, then - before any request - checks the
// chain against the TrustStore and the NAME itself: the certificate must name
// the AOR's domain (crypto::checkServiceCertificate), not the SRV target, so
// Qt's own checks (which would test the SRV target's name) are replaced by ours.

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/TrustStore.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>

class QSslSocket;

namespace napkin::discovery {

/// Trust anchors and TLS session tickets shared by the connections of one client.
struct TlsContext {
    std::shared_ptr<const TrustStore> trust;
    bool sessionResumption = true;
    /// "host:port" -> the last session ticket that server gave us.
    std::map<QString, QByteArray> sessionTickets;
};

/// Where one connection goes and what it must prove.
struct ConnectTarget {
    QHostAddress address;
    quint16 port = 443;
    QString serverName; ///< the SRV target (or certificates.<domain>): TLS SNI
    QString domain;     ///< the AOR's domain: the name the certificate must carry
};

class HttpsConnection : public QObject {
    Q_OBJECT
public:
    using OpenCallback = std::function<void(DiscoveryResult<void>)>;
    using ResponseCallback = std::function<void(DiscoveryResult<HttpResponse>)>;

    HttpsConnection(ConnectTarget target, std::shared_ptr<TlsContext> tls, int connectTimeoutMs,
                    int requestTimeoutMs, QObject *parent = nullptr);
    ~HttpsConnection() override;

    /// Connects, completes the handshake and checks chain and name. Errors:
    /// ConnectionRefused, Timeout, TlsFailure, UntrustedServiceCertificate,
    /// TlsNameMismatch.
    void open(OpenCallback done);

    /// Sends one request on an open, idle connection. Errors: Timeout,
    /// MalformedResponse (including a close before or during the answer).
    void send(const HttpRequest &request, ResponseCallback done);

    /// Open, verified, idle and kept alive by the server.
    [[nodiscard]] bool isReusable() const;
    [[nodiscard]] bool isBusy() const { return static_cast<bool>(m_responseDone); }
    /// The last request failed before any byte of an answer arrived (a
    /// kept-alive connection that the server had already closed).
    [[nodiscard]] bool failedBeforeAnswer() const { return m_failedBeforeAnswer; }
    [[nodiscard]] int requestsServed() const { return m_requestsServed; }
    [[nodiscard]] const ConnectTarget &target() const { return m_target; }
    /// "certs.b.example:8443 (127.0.0.5)", for messages.
    [[nodiscard]] QString describe() const;

    void close();

Q_SIGNALS:
    /// The connection is gone (closed by either side or failed).
    void closed();

private:
    void onEncrypted();
    void onSocketError();
    void onReadyRead();
    void onDisconnected();
    void onTimeout();
    void finishOpen(DiscoveryResult<void> result);
    void finishResponse(DiscoveryResult<HttpResponse> result);
    void storeSessionTicket();
    [[nodiscard]] QString ticketKey() const;

    ConnectTarget m_target;
    std::shared_ptr<TlsContext> m_tls;
    int m_connectTimeoutMs;
    int m_requestTimeoutMs;
    QSslSocket *m_socket = nullptr;
    QTimer m_timer;
    OpenCallback m_openDone;
    ResponseCallback m_responseDone;
    HttpResponseParser m_parser;
    bool m_verified = false;
    bool m_keepAlive = true;
    bool m_failedBeforeAnswer = false;
    int m_requestsServed = 0;
};

} // namespace napkin::discovery
