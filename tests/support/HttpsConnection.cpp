// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/HttpsConnection.h"

#include <QThread>

#include <openssl/err.h>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace napkin::testing {

namespace {

QString sslErrors() {
    QStringList reasons;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        reasons << QString::fromLatin1(buf);
    }
    return reasons.isEmpty() ? QStringLiteral("no OpenSSL reason")
                             : reasons.join(QStringLiteral("; "));
}

int remainingMs(const QDeadlineTimer &deadline) {
    const qint64 left = deadline.remainingTime();
    return left < 0 ? 0 : static_cast<int>(std::min<qint64>(left, 1 << 30));
}

// 0: ready, 1: timeout, -1: error.
int pollFd(int fd, short events, const QDeadlineTimer &deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remainingMs(deadline));
        if (n > 0) {
            return 0;
        }
        if (n == 0) {
            return 1;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

} // namespace

HttpsConnection::~HttpsConnection() {
    if (m_ssl && !m_closed) {
        // A quiet shutdown: the test is done with it; do not wait for the peer.
        SSL_set_quiet_shutdown(m_ssl.get(), 1);
        SSL_shutdown(m_ssl.get());
    }
    m_ssl.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

HttpsConnection::Io HttpsConnection::waitIo(int sslResult, const QDeadlineTimer &deadline,
                                            QString &why) {
    const int err = SSL_get_error(m_ssl.get(), sslResult);
    short events = 0;
    switch (err) {
    case SSL_ERROR_WANT_READ:
        events = POLLIN;
        break;
    case SSL_ERROR_WANT_WRITE:
        events = POLLOUT;
        break;
    case SSL_ERROR_ZERO_RETURN:
        why = QStringLiteral("the server closed the TLS connection");
        return Io::Closed;
    case SSL_ERROR_SYSCALL: {
        const int e = errno;
        ERR_clear_error();
        if (sslResult == 0 || e == 0 || e == ECONNRESET || e == EPIPE) {
            why =
                QStringLiteral("the server closed the connection (%1)")
                    .arg(e == 0 ? QStringLiteral("EOF") : QString::fromLocal8Bit(std::strerror(e)));
            return Io::Closed;
        }
        why = QString::fromLocal8Bit(std::strerror(e));
        return Io::Error;
    }
    default:
        why = sslErrors();
        // OpenSSL 3 reports a peer's close without close_notify this way.
        if (why.contains(QStringLiteral("unexpected eof"))) {
            return Io::Closed;
        }
        return Io::Error;
    }
    const int p = pollFd(m_fd, events, deadline);
    if (p == 1) {
        why = QStringLiteral("timed out");
        return Io::Timeout;
    }
    if (p < 0) {
        why = QString::fromLocal8Bit(std::strerror(errno));
        return Io::Error;
    }
    return Io::Retry;
}

TestResult<std::unique_ptr<HttpsConnection>>
HttpsConnection::open(const Endpoint &endpoint, const TlsOptions &tls, int timeoutMs) {
    // A server that closes while the test writes must give an error, not
    // kill the test process.
    static const bool sigpipeIgnored = [] {
        std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    Q_UNUSED(sigpipeIgnored);
    const QDeadlineTimer deadline(timeoutMs);
    std::unique_ptr<HttpsConnection> c(new HttpsConnection);
    ERR_clear_error();

    c->m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->m_fd < 0) {
        return fail(QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    const int one = 1;
    ::setsockopt(c->m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!tls.sourceAddress.isNull()) {
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(tls.sourceAddress.toIPv4Address());
        if (::bind(c->m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0) {
            return fail(QStringLiteral("cannot bind to %1: %2")
                            .arg(tls.sourceAddress.toString(),
                                 QString::fromLocal8Bit(std::strerror(errno))));
        }
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(endpoint.port);
    sa.sin_addr.s_addr = htonl(endpoint.address.toIPv4Address());
    if (::connect(c->m_fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
        if (errno != EINPROGRESS) {
            return fail(
                QStringLiteral("cannot connect to %1: %2")
                    .arg(endpoint.hostPort(), QString::fromLocal8Bit(std::strerror(errno))));
        }
        if (pollFd(c->m_fd, POLLOUT, deadline) != 0) {
            return fail(QStringLiteral("cannot connect to %1: timed out").arg(endpoint.hostPort()));
        }
        int soError = 0;
        socklen_t len = sizeof soError;
        ::getsockopt(c->m_fd, SOL_SOCKET, SO_ERROR, &soError, &len);
        if (soError != 0) {
            return fail(
                QStringLiteral("cannot connect to %1: %2")
                    .arg(endpoint.hostPort(), QString::fromLocal8Bit(std::strerror(soError))));
        }
    }

    c->m_ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!c->m_ctx) {
        return fail(QStringLiteral("SSL_CTX_new: %1").arg(sslErrors()));
    }
    SSL_CTX *ctx = c->m_ctx.get();
    if (tls.securityLevel >= 0) {
        SSL_CTX_set_security_level(ctx, tls.securityLevel);
    }
    SSL_CTX_set_min_proto_version(ctx, tls.minVersion);
    if (tls.maxVersion != 0) {
        SSL_CTX_set_max_proto_version(ctx, tls.maxVersion);
    }
    if (!tls.cipherList.isEmpty() &&
        SSL_CTX_set_cipher_list(ctx, tls.cipherList.toLatin1().constData()) != 1) {
        return fail(QStringLiteral("bad cipher list %1: %2").arg(tls.cipherList, sslErrors()));
    }
    if (!tls.cipherSuites.isEmpty() &&
        SSL_CTX_set_ciphersuites(ctx, tls.cipherSuites.toLatin1().constData()) != 1) {
        return fail(QStringLiteral("bad cipher suites %1: %2").arg(tls.cipherSuites, sslErrors()));
    }
    if (!tls.caFile.isEmpty() &&
        SSL_CTX_load_verify_locations(ctx, tls.caFile.toLocal8Bit().constData(), nullptr) != 1) {
        return fail(QStringLiteral("cannot load CA file %1: %2").arg(tls.caFile, sslErrors()));
    }
    SSL_CTX_set_verify(ctx, tls.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);

    c->m_ssl.reset(SSL_new(ctx));
    SSL *ssl = c->m_ssl.get();
    if (!ssl || SSL_set_fd(ssl, c->m_fd) != 1) {
        return fail(QStringLiteral("SSL_new: %1").arg(sslErrors()));
    }
    const QByteArray name = tls.serverName.toLatin1();
    if (!name.isEmpty()) {
        // SSL_set_tlsext_host_name() is a macro with an old-style cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char *>(name.constData()));
        if (tls.verifyPeer && tls.verifyName) {
            SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            SSL_set1_host(ssl, name.constData());
        }
    }
    for (;;) {
        const int r = SSL_connect(ssl);
        if (r == 1) {
            break;
        }
        QString why;
        const Io io = c->waitIo(r, deadline, why);
        if (io != Io::Retry) {
            const long verify = SSL_get_verify_result(ssl);
            if (verify != X509_V_OK) {
                why += QStringLiteral(" (certificate: %1)")
                           .arg(QString::fromLatin1(X509_verify_cert_error_string(verify)));
            }
            return fail(
                QStringLiteral("TLS handshake with %1 failed: %2").arg(endpoint.hostPort(), why));
        }
    }
    return c;
}

TestResult<void> HttpsConnection::send(const QByteArray &data, int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    qsizetype sent = 0;
    while (sent < data.size()) {
        size_t written = 0;
        const int r = SSL_write_ex(m_ssl.get(), data.constData() + sent,
                                   static_cast<size_t>(data.size() - sent), &written);
        if (r == 1) {
            sent += static_cast<qsizetype>(written);
            continue;
        }
        QString why;
        const Io io = waitIo(r, deadline, why);
        if (io == Io::Closed) {
            m_closed = true;
        }
        if (io != Io::Retry) {
            return fail(QStringLiteral("send failed after %1 of %2 bytes: %3")
                            .arg(sent)
                            .arg(data.size())
                            .arg(why));
        }
    }
    return {};
}

TestResult<void> HttpsConnection::sendSlowly(const QByteArray &data, int chunkSize, int delayMs) {
    for (qsizetype at = 0; at < data.size(); at += chunkSize) {
        if (at > 0) {
            QThread::msleep(static_cast<unsigned long>(delayMs));
        }
        if (auto r = send(data.mid(at, chunkSize)); !r) {
            return r;
        }
    }
    return {};
}

TestResult<HttpResponse> HttpsConnection::readResponse(int timeoutMs, bool headRequest) {
    const QDeadlineTimer deadline(timeoutMs);
    HttpResponseParser parser(headRequest);
    QByteArray first = std::exchange(m_pending, {});
    if (auto r = parser.feed(first); !r) {
        return fail(r.error());
    }
    char buf[16384];
    while (!parser.done()) {
        if (m_closed) {
            if (auto r = parser.finishOnClose(); !r) {
                return fail(r.error());
            }
            break;
        }
        size_t got = 0;
        const int r = SSL_read_ex(m_ssl.get(), buf, sizeof buf, &got);
        if (r == 1) {
            if (auto f = parser.feed(QByteArray(buf, static_cast<qsizetype>(got))); !f) {
                return fail(f.error());
            }
            continue;
        }
        QString why;
        const Io io = waitIo(r, deadline, why);
        if (io == Io::Closed) {
            m_closed = true;
            continue;
        }
        if (io != Io::Retry) {
            return fail(QStringLiteral("reading the response: %1").arg(why));
        }
    }
    m_pending = parser.leftover();
    HttpResponse response = parser.response();
    if (m_closed) {
        response.closeAfter = true;
    }
    return response;
}

TestResult<HttpResponse> HttpsConnection::roundTrip(const HttpRequest &request,
                                                    const QByteArray &hostHeader, int timeoutMs) {
    if (auto s = send(request.serialize(hostHeader), timeoutMs); !s) {
        return fail(s.error());
    }
    return readResponse(timeoutMs, request.method == "HEAD");
}

bool HttpsConnection::waitForClose(int timeoutMs) {
    const QDeadlineTimer deadline(timeoutMs);
    char buf[4096];
    while (!m_closed) {
        size_t got = 0;
        const int r = SSL_read_ex(m_ssl.get(), buf, sizeof buf, &got);
        if (r == 1) {
            m_pending.append(buf, static_cast<qsizetype>(got));
            continue;
        }
        QString why;
        const Io io = waitIo(r, deadline, why);
        if (io == Io::Closed || io == Io::Error) {
            m_closed = true;
        } else if (io == Io::Timeout) {
            return false;
        }
    }
    return true;
}

QString HttpsConnection::protocol() const {
    return QString::fromLatin1(SSL_get_version(m_ssl.get()));
}

QString HttpsConnection::cipher() const {
    return QString::fromLatin1(SSL_get_cipher_name(m_ssl.get()));
}

QByteArray HttpsConnection::peerCertificateDer() const {
    crypto::X509Ptr cert(SSL_get1_peer_certificate(m_ssl.get()));
    if (!cert) {
        return {};
    }
    unsigned char *der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    if (len <= 0) {
        return {};
    }
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

} // namespace napkin::testing
