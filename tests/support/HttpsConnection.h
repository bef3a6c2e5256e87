// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One TLS connection to a server on a given IP address and port, with the
// server name (SNI and certificate check) given separately, so no DNS is
// needed. Blocking, with a deadline on every operation.

#include "tests/support/FreePort.h"
#include "tests/support/HttpMessage.h"

#include "crypto/OpenSslPtr.h"

#include <QDeadlineTimer>

#include <openssl/ssl.h>

#include <memory>

namespace napkin::testing {

/// How to talk TLS to a server.
struct TlsOptions {
    QString caFile;         ///< trusted roots (PEM); empty: trust nothing
    QString serverName;     ///< SNI and the name to verify; empty: no SNI
    bool verifyPeer = true; ///< check the chain against caFile
    bool verifyName = true; ///< check the certificate names serverName
    int minVersion = TLS1_2_VERSION;
    int maxVersion = 0;     ///< 0: the newest
    QString cipherList;     ///< TLS 1.2 and older, OpenSSL syntax ("AES128-SHA")
    QString cipherSuites;   ///< TLS 1.3
    int securityLevel = -1; ///< -1: OpenSSL's default
    /// Local IPv4 address to connect from (e.g. another 127.a.b.c, to look
    /// like another client); null: the kernel's choice.
    QHostAddress sourceAddress;
};

class HttpsConnection {
public:
    ~HttpsConnection();
    HttpsConnection(const HttpsConnection &) = delete;
    HttpsConnection &operator=(const HttpsConnection &) = delete;

    /// Connects and completes the TLS handshake within `timeoutMs`. The error
    /// says whether TCP or TLS failed and why (e.g. certificate verify failed).
    [[nodiscard]] static TestResult<std::unique_ptr<HttpsConnection>>
    open(const Endpoint &endpoint, const TlsOptions &tls, int timeoutMs = 5000);

    [[nodiscard]] TestResult<void> send(const QByteArray &data, int timeoutMs = 5000);
    /// Sends `chunkSize` bytes at a time with `delayMs` between them (slow-loris).
    [[nodiscard]] TestResult<void> sendSlowly(const QByteArray &data, int chunkSize, int delayMs);
    /// Reads one response (keeps bytes of a following one for the next call).
    [[nodiscard]] TestResult<HttpResponse> readResponse(int timeoutMs = 10000,
                                                        bool headRequest = false);
    /// Sends the request and reads its response.
    [[nodiscard]] TestResult<HttpResponse>
    roundTrip(const HttpRequest &request, const QByteArray &hostHeader, int timeoutMs = 10000);
    /// Waits until the peer closes (EOF or reset); false on timeout or data.
    [[nodiscard]] bool waitForClose(int timeoutMs);

    [[nodiscard]] bool peerClosed() const { return m_closed; }
    /// "TLSv1.3", "TLSv1.2".
    [[nodiscard]] QString protocol() const;
    [[nodiscard]] QString cipher() const;
    /// The server's leaf certificate, DER.
    [[nodiscard]] QByteArray peerCertificateDer() const;

private:
    HttpsConnection() = default;

    enum class Io { Retry, Closed, Timeout, Error };
    /// After an SSL call returned `sslResult` <= 0: wait for the socket if the
    /// call wants to be retried, else classify the failure.
    Io waitIo(int sslResult, const QDeadlineTimer &deadline, QString &why);

    using SslCtxPtr = std::unique_ptr<SSL_CTX, crypto::OsslDeleter<SSL_CTX_free>>;
    using SslPtr = std::unique_ptr<SSL, crypto::OsslDeleter<SSL_free>>;

    int m_fd = -1;
    SslCtxPtr m_ctx;
    SslPtr m_ssl;
    QByteArray m_pending; ///< bytes received past the last response
    bool m_closed = false;
};

} // namespace napkin::testing
