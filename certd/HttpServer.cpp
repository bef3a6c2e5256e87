// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/HttpServer.h"

#include "crypto/LogText.h"

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace napkin::certd {

const char *const kDefaultTlsPriorities =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE:"
    "-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:+AES-128-CBC:"
    "-MAC-ALL:+AEAD:+SHA1:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+RSA";

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
}

std::int64_t nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
        .count();
}

/// Request-target for the log: printable ASCII only, bounded.
std::string sanitiseForLog(std::string_view text) {
    constexpr std::size_t kMax = 256;
    std::string out;
    for (char c : text.substr(0, kMax)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x21 || u > 0x7e) ? '?' : c;
    }
    if (text.size() > kMax) {
        out += "...";
    }
    return out;
}

std::string clientAddress(MHD_Connection *connection) {
    const MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == nullptr || info->client_addr == nullptr) {
        return "-";
    }
    char buf[INET6_ADDRSTRLEN] = {};
    const sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(sa)->sin_addr, buf, sizeof buf);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr, buf,
                  sizeof buf);
    } else {
        return "-";
    }
    return buf;
}

class MhdHeaders final : public HeaderSource {
public:
    explicit MhdHeaders(MHD_Connection *connection) : m_connection(connection) {}
    std::optional<std::string_view> header(std::string_view name) const override {
        const char *value = nullptr;
        std::size_t size = 0;
        if (MHD_lookup_connection_value_n(m_connection, MHD_HEADER_KIND, name.data(), name.size(),
                                          &value, &size) != MHD_YES ||
            value == nullptr) {
            return std::nullopt;
        }
        return std::string_view(value, size);
    }

private:
    MHD_Connection *m_connection;
};

void releaseSharedBody(void *cls) {
    delete static_cast<std::shared_ptr<const std::string> *>(cls);
}

// libmicrohttpd writes a response as two TLS records, headers then body, and
// pushes the first on its own when the response exceeds 1400 bytes: two TCP
// segments per answer. Sending the header record with MSG_MORE lets the
// kernel put both records into one segment, which is most of the difference
// to a static file server. Indexed by socket; set only when a body is sure to
// follow at once, so that nothing is ever held back.
constexpr std::size_t kMaxCoalescedFd = 65536;
std::array<std::atomic<bool>, kMaxCoalescedFd> g_holdNextRecord{};

ssize_t tlsVecPush(gnutls_transport_ptr_t transport, const giovec_t *iov, int iovcnt) {
    auto fd = static_cast<int>(reinterpret_cast<std::intptr_t>(transport));
    msghdr msg{};
    msg.msg_iov = const_cast<iovec *>(iov);
    msg.msg_iovlen = static_cast<std::size_t>(iovcnt);
    int flags = MSG_NOSIGNAL;
    if (fd >= 0 && static_cast<std::size_t>(fd) < kMaxCoalescedFd &&
        g_holdNextRecord[static_cast<std::size_t>(fd)].exchange(false)) {
        flags |= MSG_MORE;
    }
    return ::sendmsg(fd, &msg, flags);
}

void holdNextRecord(MHD_Connection *connection) {
    const MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info != nullptr && info->connect_fd >= 0 &&
        static_cast<std::size_t>(info->connect_fd) < kMaxCoalescedFd) {
        g_holdNextRecord[static_cast<std::size_t>(info->connect_fd)].store(true);
    }
}

/// The connection limit, within what the open-file limit leaves after the
/// descriptors certd needs besides connections (database, epoll and
/// inter-thread pipes per worker, logs). At the file limit accept() fails
/// with EMFILE, and a libmicrohttpd worker that has no connection of its own
/// then retries at once, forever.
unsigned effectiveConnectionLimit(const HttpServerOptions &options) {
    rlimit files{};
    std::uint64_t room = kMaxAutoConnections;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
        const std::uint64_t reserve = 64 + 8 * static_cast<std::uint64_t>(options.threads);
        room = files.rlim_cur > reserve + 16 ? files.rlim_cur - reserve : 16;
    }
    std::uint64_t wanted = options.connectionLimit != 0
                               ? options.connectionLimit
                               : std::min<std::uint64_t>(kMaxAutoConnections, room);
    return static_cast<unsigned>(std::min(wanted, room));
}

} // namespace

/// Per connection, for the reaper.
struct HttpServer::ConnectionEntry {
    int fd = -1;
    std::atomic<std::int64_t> phaseStartMs{0}; ///< connection opened / last response done
    std::atomic<std::int64_t> headersAtMs{0};  ///< 0 while waiting for headers
    std::atomic<bool> requestSeen{false};      ///< the first request's headers arrived
    std::atomic<bool> reaped{false};
};

/// Per request.
struct HttpServer::RequestContext {
    HttpServer *server = nullptr;
    std::string target;
    std::string method;
    std::string client; ///< numeric address, for handlers' audit lines
    std::int64_t startUs = 0;
    bool headersSeen = false;
    bool hasBody = false;
    bool responded = false;
    std::string body;
    std::unique_ptr<RequestState> state;
    unsigned status = 0;
    std::size_t bytes = 0;
};

struct HttpServer::Callbacks {
    static void *onUri(void *cls, const char *uri, MHD_Connection *) {
        auto *server = static_cast<HttpServer *>(cls);
        auto *ctx = new RequestContext();
        ctx->server = server;
        ctx->target = uri != nullptr ? uri : "";
        ctx->startUs = nowUs();
        server->m_activeRequests.fetch_add(1);
        return ctx;
    }

    static MHD_Result onAccess(void *cls, MHD_Connection *connection, const char *,
                               const char *method, const char *, const char *uploadData,
                               std::size_t *uploadDataSize, void **context) {
        auto *server = static_cast<HttpServer *>(cls);
        auto *ctx = static_cast<RequestContext *>(*context);
        if (ctx == nullptr) {
            return MHD_NO; // cannot happen: onUri always runs first
        }
        return server->handleAccess(connection, method, uploadData, uploadDataSize, *ctx) ? MHD_YES
                                                                                          : MHD_NO;
    }

    static void onCompleted(void *cls, MHD_Connection *connection, void **context,
                            MHD_RequestTerminationCode code) {
        auto *server = static_cast<HttpServer *>(cls);
        std::unique_ptr<RequestContext> ctx(static_cast<RequestContext *>(*context));
        *context = nullptr;
        if (!ctx) {
            return;
        }
        server->m_activeRequests.fetch_sub(1);
        const MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (info != nullptr && info->socket_context != nullptr) {
            auto *entry = static_cast<ConnectionEntry *>(info->socket_context);
            entry->headersAtMs.store(0);
            entry->phaseStartMs.store(nowMs());
        }
        if (!server->m_log) {
            return;
        }
        if (ctx->method.empty()) {
            ctx->method.assign(1, '-'); // refused by MHD before the handler saw it (e.g. 431)
        }
        auto us = nowUs() - ctx->startUs;
        char elapsed[32];
        std::snprintf(elapsed, sizeof elapsed, "%lld.%02lldms", static_cast<long long>(us / 1000),
                      static_cast<long long>((us % 1000) / 10));
        std::string line = "napkin-certd: ";
        line += clientAddress(connection);
        line += ' ';
        line += sanitiseForLog(ctx->method);
        line += ' ';
        line += sanitiseForLog(ctx->target);
        line += ' ';
        if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK && ctx->status != 0) {
            line += std::to_string(ctx->status);
            line += ' ';
            line += std::to_string(ctx->bytes);
        } else {
            line += ctx->status != 0 ? std::to_string(ctx->status) : std::string(1, '-');
            line += " - (connection closed)";
        }
        line += ' ';
        line += elapsed;
        server->m_log(line);
    }

    static void onConnection(void *cls, MHD_Connection *connection, void **socketContext,
                             MHD_ConnectionNotificationCode code) {
        auto *server = static_cast<HttpServer *>(cls);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            auto *entry = new ConnectionEntry();
            const MHD_ConnectionInfo *info =
                MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
            entry->fd = info != nullptr ? info->connect_fd : -1;
            entry->phaseStartMs.store(nowMs());
            const MHD_ConnectionInfo *tls =
                MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
            auto session =
                tls != nullptr ? static_cast<gnutls_session_t>(tls->tls_session) : nullptr;
            if (session != nullptr && server->m_credentials) {
                // MHD has set its one-pair credentials; the handshake has not
                // begun, so this replaces them for the whole session.
                gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE,
                                       server->m_credentials.get());
            }
            if (entry->fd >= 0 && static_cast<std::size_t>(entry->fd) < kMaxCoalescedFd) {
                g_holdNextRecord[static_cast<std::size_t>(entry->fd)].store(false);
                if (session != nullptr) {
                    gnutls_transport_set_vec_push_function(session, &tlsVecPush);
                }
            }
            *socketContext = entry;
            std::lock_guard lock(server->m_connectionsMutex);
            server->m_connections.insert(entry);
        } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
            // MHD notifies before it closes the socket, so the reaper (which
            // holds the same mutex) never touches a reused descriptor.
            auto *entry = static_cast<ConnectionEntry *>(*socketContext);
            *socketContext = nullptr;
            if (entry != nullptr) {
                std::lock_guard lock(server->m_connectionsMutex);
                server->m_connections.erase(entry);
                delete entry;
            }
        }
    }

    static void onMhdLog(void *cls, const char *format, va_list ap) {
        auto *server = static_cast<HttpServer *>(cls);
        char buf[512];
        std::vsnprintf(buf, sizeof buf, format, ap);
        std::string message(buf);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
        {
            std::lock_guard lock(server->m_mhdLogMutex);
            server->m_lastMhdError = message;
        }
        if (server->m_log && server->m_started.load()) {
            // MHD may quote what the client sent.
            server->m_log("napkin-certd: http: " + crypto::escapeControls(message));
        }
    }
};

void HttpServer::CredentialsDeleter::operator()(
    gnutls_certificate_credentials_st *credentials) const {
    gnutls_certificate_free_credentials(credentials);
}

namespace {

/// One gnutls credentials object with both pairs: GnuTLS picks, per
/// handshake, the first whose key suits the negotiated suite and the
/// client's signature algorithms.
Result<gnutls_certificate_credentials_t, HttpServerError>
loadBothPairs(const HttpServerOptions &options) {
    gnutls_certificate_credentials_t credentials = nullptr;
    if (gnutls_certificate_allocate_credentials(&credentials) != GNUTLS_E_SUCCESS) {
        return fail(HttpServerError{"cannot allocate TLS credentials"});
    }
    const std::pair<const std::string *, const std::string *> pairs[] = {
        {&options.certPem, &options.keyPem}, {&options.altCertPem, &options.altKeyPem}};
    for (const auto &[cert, key] : pairs) {
        const gnutls_datum_t certDatum{
            reinterpret_cast<unsigned char *>(const_cast<char *>(cert->data())),
            static_cast<unsigned>(cert->size())};
        const gnutls_datum_t keyDatum{
            reinterpret_cast<unsigned char *>(const_cast<char *>(key->data())),
            static_cast<unsigned>(key->size())};
        int rc = gnutls_certificate_set_x509_key_mem2(credentials, &certDatum, &keyDatum,
                                                      GNUTLS_X509_FMT_PEM, nullptr, 0);
        if (rc < 0) {
            gnutls_certificate_free_credentials(credentials);
            return fail(HttpServerError{
                std::string("cannot load the ") + (cert == &options.certPem ? "" : "second ") +
                "TLS certificate and key into GnuTLS: " + gnutls_strerror(rc)});
        }
    }
    return credentials;
}

} // namespace

HttpServer::HttpServer(RequestHandler &handler, LogSink log)
    : m_handler(handler), m_log(std::move(log)) {}

HttpServer::~HttpServer() {
    {
        std::lock_guard lock(m_reaperMutex);
        m_stopping = true;
    }
    m_reaperWake.notify_all();
    if (m_reaper.joinable()) {
        m_reaper.join();
    }
    if (m_daemon != nullptr) {
        MHD_stop_daemon(m_daemon);
    }
    if (m_listenFd >= 0) {
        ::close(m_listenFd);
    }
}

std::string HttpServer::address() const {
    bool v6 = m_options.host.find(':') != std::string::npos;
    return (v6 ? "[" + m_options.host + "]" : m_options.host) + ":" + std::to_string(m_port);
}

Result<std::unique_ptr<HttpServer>, HttpServerError>
HttpServer::start(const HttpServerOptions &options, RequestHandler &handler, LogSink log) {
    std::unique_ptr<HttpServer> server(new HttpServer(handler, std::move(log)));
    server->m_options = options;
    auto where = [&] {
        bool v6 = options.host.find(':') != std::string::npos;
        return (v6 ? "[" + options.host + "]" : options.host) + ":" + std::to_string(options.port);
    };

    sockaddr_storage addr{};
    socklen_t addrLen = 0;
    int family = AF_INET;
    if (inet_pton(AF_INET, options.host.c_str(),
                  &reinterpret_cast<sockaddr_in *>(&addr)->sin_addr) == 1) {
        auto *sin = reinterpret_cast<sockaddr_in *>(&addr);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(options.port);
        addrLen = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, options.host.c_str(),
                         &reinterpret_cast<sockaddr_in6 *>(&addr)->sin6_addr) == 1) {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&addr);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(options.port);
        addrLen = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        return fail(HttpServerError{"cannot listen on " + where() +
                                    ": not a numeric IPv4 or IPv6 address"});
    }
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return fail(HttpServerError{"cannot create a socket: " + std::string(strerror(errno))});
    }
    server->m_listenFd = fd;
    int one = 1;
    // Lets a restarted certd bind while old connections sit in TIME_WAIT; it
    // does not let two servers share the port.
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), addrLen) != 0 || ::listen(fd, 1024) != 0) {
        int err = errno;
        std::string reason = err == EADDRINUSE      ? "address already in use"
                             : err == EADDRNOTAVAIL ? "no such local address"
                             : err == EACCES
                                 ? "permission denied (ports below 1024 need privileges)"
                                 : strerror(err);
        return fail(HttpServerError{"cannot listen on " + where() + ": " + reason});
    }
    sockaddr_storage bound{};
    socklen_t boundLen = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLen);
    server->m_port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in *>(&bound)->sin_port
                                             : reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port);

    const char *priorities = server->m_options.priorities.empty()
                                 ? kDefaultTlsPriorities
                                 : server->m_options.priorities.c_str();
    // No MHD_USE_TURBO: with it libmicrohttpd 0.9.75 skips the TLS shutdown
    // when it closes a connection, so a connection that times out before its
    // handshake finished keeps tls_state INIT, MHD_connection_handle_idle()
    // never reaches its cleanup, and the connection keeps its descriptor and
    // its slot for good; being the earliest timeout, it also makes every
    // worker poll with a zero timeout. Enough of them (an idle flood held
    // past the timeout) fill the table: certd spun and never answered again.
    if (!options.altCertPem.empty()) {
        // libmicrohttpd 0.9.75 loads one pair; its certificate callback is
        // asked once per session before the suite is chosen, so it cannot
        // pick the RSA certificate for an RSA key exchange. Credentials with
        // both pairs, set on each session before its handshake (onConnection),
        // let GnuTLS choose as it does for any multi-certificate server.
        auto both = loadBothPairs(options);
        if (!both) {
            return fail(std::move(both).error());
        }
        server->m_credentials.reset(*both);
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    std::vector<MHD_OptionItem> items;
    auto opt = [&](MHD_OPTION o, intptr_t value, void *ptr = nullptr) {
        items.push_back(MHD_OptionItem{o, value, ptr});
    };
    opt(MHD_OPTION_LISTEN_SOCKET, fd);
    if (options.threads > 1) {
        opt(MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(options.threads));
    }
    server->m_options.connectionLimit = effectiveConnectionLimit(options);
    opt(MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(server->m_options.connectionLimit));
    opt(MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(options.perIpConnectionLimit));
    opt(MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(options.idleTimeout.count()));
    opt(MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(options.connectionMemoryLimit));
    opt(MHD_OPTION_STRICT_FOR_CLIENT, 1);
    opt(MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1);
    opt(MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char *>(server->m_options.certPem.c_str()));
    opt(MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char *>(server->m_options.keyPem.c_str()));
    opt(MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char *>(priorities));
    opt(MHD_OPTION_END, 0);

    server->m_daemon = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &Callbacks::onAccess, server.get(), MHD_OPTION_EXTERNAL_LOGGER,
        &Callbacks::onMhdLog, server.get(), MHD_OPTION_URI_LOG_CALLBACK, &Callbacks::onUri,
        server.get(), MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::onCompleted, server.get(),
        MHD_OPTION_NOTIFY_CONNECTION, &Callbacks::onConnection, server.get(), MHD_OPTION_ARRAY,
        items.data(), MHD_OPTION_END);
    if (server->m_daemon == nullptr) {
        std::lock_guard lock(server->m_mhdLogMutex);
        return fail(HttpServerError{"cannot start the HTTPS server on " + where() + ": " +
                                    (server->m_lastMhdError.empty()
                                         ? std::string("libmicrohttpd refused the settings")
                                         : server->m_lastMhdError)});
    }
    server->m_started.store(true);
    server->m_reaper = std::thread([s = server.get()] { s->reaperLoop(); });
    return server;
}

bool HttpServer::queue(MHD_Connection *connection, RequestContext &ctx,
                       const HttpResponse &response) {
    auto body = response.bodyView();
    MHD_Response *r = nullptr;
    if (response.sharedBody) {
        // Served straight from the cache entry, kept alive until MHD is done.
        auto *holder = new std::shared_ptr<const std::string>(response.sharedBody);
        r = MHD_create_response_from_buffer_with_free_callback_cls(
            body.size(), const_cast<char *>(body.data()), &releaseSharedBody, holder);
        if (r == nullptr) {
            delete holder;
        }
    } else {
        r = MHD_create_response_from_buffer(body.size(), const_cast<char *>(body.data()),
                                            MHD_RESPMEM_MUST_COPY);
    }
    if (r == nullptr) {
        return false;
    }
    if (!response.contentType.empty()) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, response.contentType.c_str());
    }
    for (const auto &[name, value] : response.headers) {
        MHD_add_response_header(r, name.c_str(), value.c_str());
    }
    if (m_draining.load()) {
        // Shutting down: answer, then let the client reconnect elsewhere.
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    auto status = static_cast<unsigned>(response.status);
    if (!body.empty() && ctx.method != "HEAD" && status >= 200 && status != 204 && status != 304) {
        holdNextRecord(connection);
    }
    MHD_Result ok = MHD_queue_response(connection, status, r);
    MHD_destroy_response(r);
    ctx.responded = true;
    ctx.status = status;
    ctx.bytes = ctx.method == "HEAD" ? 0 : body.size();
    return ok == MHD_YES;
}

bool HttpServer::handleAccess(MHD_Connection *connection, const char *method,
                              const char *uploadData, std::size_t *uploadDataSize,
                              RequestContext &ctx) {
    if (!ctx.headersSeen) {
        ctx.client = clientAddress(connection);
    }
    MhdHeaders headers(connection);
    HttpRequest request;
    request.method = method;
    request.target = ctx.target;
    splitTarget(request.target, request.path, request.query);
    request.clientAddress = ctx.client;
    request.headers = &headers;

    if (!ctx.headersSeen) {
        ctx.headersSeen = true;
        ctx.method = method;
        const MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (info != nullptr && info->socket_context != nullptr) {
            auto *entry = static_cast<ConnectionEntry *>(info->socket_context);
            entry->headersAtMs.store(nowMs());
            entry->requestSeen.store(true);
        }
        std::size_t declared = 0;
        if (auto length = headers.header("Content-Length")) {
            auto [end, ec] =
                std::from_chars(length->data(), length->data() + length->size(), declared);
            if (ec != std::errc() || end != length->data() + length->size() ||
                declared > m_handler.maxBodySize()) {
                return queue(connection, ctx,
                             HttpResponse::problem(ProblemType::BodyTooLarge,
                                                   "the body may be at most " +
                                                       std::to_string(m_handler.maxBodySize()) +
                                                       " bytes"));
            }
        }
        ctx.hasBody = declared > 0 || headers.header("Transfer-Encoding").has_value();
        if (!ctx.hasBody) {
            // Answer on the next call: MHD keeps the connection alive only for
            // answers queued once the (empty) request is complete.
            return true;
        }
        // A body follows: decide before reading it. An early answer closes
        // the connection, as the unread body cannot be skipped reliably.
        auto early = m_handler.onHeaders(request, ctx.state);
        if (early) {
            return queue(connection, ctx, *early);
        }
        return true;
    }
    if (*uploadDataSize > 0) {
        if (ctx.responded) {
            *uploadDataSize = 0;
            return true;
        }
        if (ctx.body.size() + *uploadDataSize > m_handler.maxBodySize()) {
            // A chunked body past the limit: MHD cannot answer mid-body, so
            // the connection is closed.
            return false;
        }
        ctx.body.append(uploadData, *uploadDataSize);
        *uploadDataSize = 0;
        return true;
    }
    if (ctx.responded) {
        return true;
    }
    if (!ctx.hasBody) {
        auto early = m_handler.onHeaders(request, ctx.state);
        if (early) {
            return queue(connection, ctx, *early);
        }
    }
    request.body = ctx.body;
    return queue(connection, ctx, m_handler.onRequest(request, ctx.state.get()));
}

void HttpServer::reaperLoop() {
    std::unique_lock lock(m_reaperMutex);
    while (!m_stopping) {
        m_reaperWake.wait_for(lock, std::chrono::milliseconds(500));
        if (m_stopping) {
            break;
        }
        auto now = nowMs();
        auto headerLimit =
            std::chrono::duration_cast<std::chrono::milliseconds>(m_options.headerDeadline).count();
        auto firstLimit =
            std::chrono::duration_cast<std::chrono::milliseconds>(m_options.firstRequestDeadline)
                .count();
        auto requestLimit =
            std::chrono::duration_cast<std::chrono::milliseconds>(m_options.requestDeadline)
                .count();
        std::lock_guard connections(m_connectionsMutex);
        for (auto *entry : m_connections) {
            if (entry->reaped.load() || entry->fd < 0) {
                continue;
            }
            auto headersAt = entry->headersAtMs.load();
            bool late = false;
            if (headersAt != 0) {
                late = now - headersAt > requestLimit;
            } else {
                auto limit = entry->requestSeen.load() ? headerLimit : firstLimit;
                late = now - entry->phaseStartMs.load() > limit;
            }
            if (late) {
                // shutdown() (not close()) wakes MHD's epoll with EOF; MHD then
                // closes and frees the connection itself.
                ::shutdown(entry->fd, SHUT_RDWR);
                entry->reaped.store(true);
            }
        }
    }
}

void HttpServer::drain(std::chrono::milliseconds maxWait) {
    if (m_daemon == nullptr) {
        return;
    }
    m_draining.store(true);
    MHD_quiesce_daemon(m_daemon);
    auto deadline = Clock::now() + maxWait;
    while (m_activeRequests.load() > 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    {
        std::lock_guard lock(m_reaperMutex);
        m_stopping = true;
    }
    m_reaperWake.notify_all();
    if (m_reaper.joinable()) {
        m_reaper.join();
    }
    MHD_stop_daemon(m_daemon);
    m_daemon = nullptr;
}

} // namespace napkin::certd
