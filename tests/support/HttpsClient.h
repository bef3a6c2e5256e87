// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A blocking HTTPS client for tests: it connects to an IP address and port
// and names the server separately (SNI, Host header, certificate check), so
// tests need no DNS. Plus HTTP Digest (RFC 7616) pieces that let a test build
// any Authorization header it wants: replayed nonces, stale ones, wrong passwords.

#include "tests/support/HttpsConnection.h"

#include <QList>
#include <QString>

#include <memory>

namespace napkin::testing {

/// A server as a client reaches it.
struct HttpsTarget {
    Endpoint endpoint;
    QString serverName; ///< SNI and Host, e.g. "b.example"
    QString caFile;     ///< the TestCa root
};

class HttpsClient {
public:
    explicit HttpsClient(HttpsTarget target);
    ~HttpsClient();
    HttpsClient(HttpsClient &&) noexcept;
    HttpsClient &operator=(HttpsClient &&) noexcept;

    /// One request. With keep-alive (the default is off) the connection is
    /// reused, and re-opened once if the server had closed it.
    [[nodiscard]] TestResult<HttpResponse> request(const HttpRequest &request,
                                                   int timeoutMs = 10000);
    [[nodiscard]] TestResult<HttpResponse> get(const QByteArray &target,
                                               const HttpHeaders &headers = {});

    /// A new connection with this client's TLS settings (or `tls` overriding them).
    [[nodiscard]] TestResult<std::unique_ptr<HttpsConnection>> connect(int timeoutMs = 5000) const;
    [[nodiscard]] TestResult<std::unique_ptr<HttpsConnection>> connect(const TlsOptions &tls,
                                                                       int timeoutMs = 5000) const;

    void setKeepAlive(bool on);
    /// Connect from this local address (e.g. another 127.a.b.c, to look like
    /// another client); null: the kernel's choice.
    void setSourceAddress(const QHostAddress &address) { m_sourceAddress = address; }
    [[nodiscard]] TlsOptions tlsOptions() const;
    /// "b.example:8443".
    [[nodiscard]] QByteArray hostHeader() const;
    [[nodiscard]] const HttpsTarget &target() const { return m_target; }

private:
    HttpsTarget m_target;
    bool m_keepAlive = false;
    QHostAddress m_sourceAddress;
    std::unique_ptr<HttpsConnection> m_connection;
};

enum class DigestAlgorithm { Md5, Sha256 };

/// One challenge of a WWW-Authenticate header.
struct DigestChallenge {
    QByteArray realm;
    QByteArray nonce;
    QByteArray opaque;
    QByteArray qop;       ///< as offered, e.g. "auth" or "auth,auth-int"
    QByteArray algorithm; ///< as written, e.g. "SHA-256", "MD5"; empty means MD5
    bool stale = false;
    bool userhash = false;

    [[nodiscard]] DigestAlgorithm digestAlgorithm() const;
    /// Every Digest challenge of a 401 response, in order (several headers, or
    /// several challenges in one header). Other schemes are skipped.
    [[nodiscard]] static TestResult<QList<DigestChallenge>> fromResponse(const HttpResponse &r);
    /// Parses the challenges of one header value.
    [[nodiscard]] static TestResult<QList<DigestChallenge>> parse(const QByteArray &headerValue);
};

struct DigestCredentials {
    QString username;
    QString password;
};

/// The parts of a Digest answer; the defaults make a correct one.
struct DigestAnswer {
    QByteArray method;
    QByteArray uri;
    quint32 nc = 1;
    QByteArray cnonce; ///< empty: random
};

class DigestAuth {
public:
    /// The Authorization header value answering `challenge` (qop=auth).
    [[nodiscard]] static QByteArray authorization(const DigestChallenge &challenge,
                                                  const DigestCredentials &credentials,
                                                  const DigestAnswer &answer);
    /// Lower-case hex of MD5 or SHA-256.
    [[nodiscard]] static QByteArray hashHex(DigestAlgorithm algorithm, const QByteArray &data);
    /// The challenge for `algorithm` among a 401's challenges.
    [[nodiscard]] static TestResult<DigestChallenge> pick(const HttpResponse &unauthorized,
                                                          DigestAlgorithm algorithm);
};

/// A client's Digest state, as a browser keeps it: one server nonce, reused
/// with an increasing nc until the server says it is stale.
class DigestSession {
public:
    DigestSession(HttpsClient &client, DigestCredentials credentials,
                  DigestAlgorithm algorithm = DigestAlgorithm::Sha256);

    /// Sends the request with an Authorization header when it has a nonce;
    /// on a 401 takes the new challenge and tries once more.
    [[nodiscard]] TestResult<HttpResponse> request(HttpRequest request, int timeoutMs = 10000);

    /// How many 401 challenges this session has answered.
    [[nodiscard]] int challengesAnswered() const { return m_challenges; }
    [[nodiscard]] const DigestChallenge &challenge() const { return m_challenge; }
    [[nodiscard]] bool hasChallenge() const { return !m_challenge.nonce.isEmpty(); }

private:
    HttpsClient &m_client;
    DigestCredentials m_credentials;
    DigestAlgorithm m_algorithm;
    DigestChallenge m_challenge;
    quint32 m_nc = 0;
    int m_challenges = 0;
};

} // namespace napkin::testing
