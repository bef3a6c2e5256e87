// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// HTTPS front end on libmicrohttpd (GnuTLS inside): an epoll thread pool,
// connection limits, a memory cap that bounds request headers, and a reaper
// that cuts clients which trickle their request (slowloris). Adapts MHD's
// callbacks to RequestHandler, logs one line per request, and drains
// in-flight requests on shutdown.

#include "certd/HttpMessage.h"
#include "crypto/Result.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

struct MHD_Daemon;
struct MHD_Connection;
struct gnutls_certificate_credentials_st;

namespace napkin::certd {

struct HttpServerOptions {
    std::string host = "127.0.0.1"; ///< numeric IPv4 or IPv6 address
    std::uint16_t port = 8443;      ///< 0 picks a free port (see HttpServer::port())
    std::string certPem;            ///< server certificate chain
    std::string keyPem;             ///< its private key (never logged)
    /// Optional second chain and key, of another key type (an RSA pair beside
    /// an EC one). GnuTLS then picks, per handshake, the certificate that
    /// suits the negotiated suite: the EC one for ECDHE-ECDSA, the RSA one
    /// for TLS_RSA_WITH_AES_128_CBC_SHA and ECDHE-RSA.
    std::string altCertPem;
    std::string altKeyPem; ///< never logged
    /// GnuTLS priority string; kDefaultTlsPriorities unless set.
    std::string priorities;
    unsigned threads = 4;
    /// Simultaneous connections. 0: as many as the open-file limit leaves
    /// room for, at most kMaxAutoConnections; a larger value is lowered to
    /// that room too, as libmicrohttpd busy-loops when accept() hits EMFILE.
    unsigned connectionLimit = 0;
    unsigned perIpConnectionLimit = 32;
    /// Idle connections (keep-alive or silent) are closed after this.
    std::chrono::seconds idleTimeout{10};
    /// A new connection must complete its TLS handshake and the headers of
    /// its first request this long after it was accepted. Kept short, as
    /// such connections are the cheapest way to fill the connection table.
    std::chrono::seconds firstRequestDeadline{5};
    /// A request's headers must be complete this long after the connection
    /// opened or the previous response was sent, however steadily they trickle.
    std::chrono::seconds headerDeadline{10};
    /// A request must be answered this long after its headers arrived.
    std::chrono::seconds requestDeadline{60};
    /// Per-connection memory (headers plus buffers); larger headers get 431.
    /// MHD clears the whole pool for every request, so smaller is faster.
    std::size_t connectionMemoryLimit = 16 * 1024;
};

/// The connection limit when HttpServerOptions::connectionLimit is 0 and
/// the open-file limit allows it.
inline constexpr unsigned kMaxAutoConnections = 10000;

/// TLS 1.3 and 1.2 only; AEAD suites with ECDHE first; then, when the server
/// holds an RSA certificate (as its only one or as the alternative pair),
/// TLS_RSA_WITH_AES_128_CBC_SHA as the draft requires.
extern const char *const kDefaultTlsPriorities;

struct HttpServerError {
    std::string message;
};

class HttpServer {
public:
    using LogSink = std::function<void(std::string_view line)>;

    /// Binds, loads the TLS credentials and starts the worker threads. The
    /// handler must outlive the server.
    [[nodiscard]] static Result<std::unique_ptr<HttpServer>, HttpServerError>
    start(const HttpServerOptions &options, RequestHandler &handler, LogSink log);

    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    /// The port actually bound.
    [[nodiscard]] std::uint16_t port() const { return m_port; }
    /// "ADDR:PORT" as bound ("[::1]:8443" for IPv6).
    [[nodiscard]] std::string address() const;

    /// Stops accepting, waits up to `maxWait` for requests in progress to be
    /// answered, then closes every connection and stops the threads.
    void drain(std::chrono::milliseconds maxWait);

    [[nodiscard]] int activeRequests() const { return m_activeRequests.load(); }
    /// The connection limit in force (see HttpServerOptions::connectionLimit).
    [[nodiscard]] unsigned connectionLimit() const { return m_options.connectionLimit; }

    struct RequestContext;
    struct ConnectionEntry;

private:
    explicit HttpServer(RequestHandler &handler, LogSink log);

    struct Callbacks; ///< MHD's C callbacks, in the .cpp
    friend struct Callbacks;

    /// true: carry on; false: close the connection.
    bool handleAccess(MHD_Connection *connection, const char *method, const char *uploadData,
                      std::size_t *uploadDataSize, RequestContext &ctx);
    bool queue(MHD_Connection *connection, RequestContext &ctx, const HttpResponse &response);
    void reaperLoop();

    RequestHandler &m_handler;
    LogSink m_log;
    HttpServerOptions m_options;
    struct CredentialsDeleter {
        void operator()(gnutls_certificate_credentials_st *credentials) const;
    };
    /// Both pairs, when there is an alternative one: set on every TLS session
    /// in place of libmicrohttpd's own (which holds one pair only). Freed
    /// after the destructor has stopped the daemon.
    std::unique_ptr<gnutls_certificate_credentials_st, CredentialsDeleter> m_credentials;
    MHD_Daemon *m_daemon = nullptr;
    int m_listenFd = -1;
    std::uint16_t m_port = 0;
    std::atomic<int> m_activeRequests{0};
    std::atomic<bool> m_started{false};
    std::atomic<bool> m_draining{false};

    std::mutex m_connectionsMutex;
    std::unordered_set<ConnectionEntry *> m_connections;

    std::mutex m_reaperMutex;
    std::condition_variable m_reaperWake;
    bool m_stopping = false;
    std::thread m_reaper;

    std::mutex m_mhdLogMutex;
    std::string m_lastMhdError;
};

} // namespace napkin::certd
