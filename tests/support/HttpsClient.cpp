// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/HttpsClient.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace napkin::testing {

HttpsClient::HttpsClient(HttpsTarget target) : m_target(std::move(target)) {}
HttpsClient::~HttpsClient() = default;
HttpsClient::HttpsClient(HttpsClient &&) noexcept = default;
HttpsClient &HttpsClient::operator=(HttpsClient &&) noexcept = default;

TlsOptions HttpsClient::tlsOptions() const {
    TlsOptions tls;
    tls.caFile = m_target.caFile;
    tls.serverName = m_target.serverName;
    tls.sourceAddress = m_sourceAddress;
    return tls;
}

QByteArray HttpsClient::hostHeader() const {
    return m_target.serverName.toLatin1() + ':' + QByteArray::number(m_target.endpoint.port);
}

void HttpsClient::setKeepAlive(bool on) {
    m_keepAlive = on;
    if (!on) {
        m_connection.reset();
    }
}

TestResult<std::unique_ptr<HttpsConnection>> HttpsClient::connect(int timeoutMs) const {
    return HttpsConnection::open(m_target.endpoint, tlsOptions(), timeoutMs);
}

TestResult<std::unique_ptr<HttpsConnection>> HttpsClient::connect(const TlsOptions &tls,
                                                                  int timeoutMs) const {
    return HttpsConnection::open(m_target.endpoint, tls, timeoutMs);
}

TestResult<HttpResponse> HttpsClient::request(const HttpRequest &request, int timeoutMs) {
    HttpRequest req = request;
    if (!m_keepAlive) {
        if (!req.hasHeader("Connection")) {
            req.header("Connection", "close");
        }
        auto c = connect(timeoutMs);
        if (!c) {
            return fail(c.error());
        }
        return (*c)->roundTrip(req, hostHeader(), timeoutMs);
    }
    // Keep-alive: a reused connection the server closed meanwhile fails on the
    // first bytes; one retry on a fresh connection covers that.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = m_connection != nullptr;
        if (!m_connection) {
            auto c = connect(timeoutMs);
            if (!c) {
                return fail(c.error());
            }
            m_connection = std::move(c).value();
        }
        auto r = m_connection->roundTrip(req, hostHeader(), timeoutMs);
        if (r && !r->closeAfter) {
            return r;
        }
        m_connection.reset();
        if (r || !reused) {
            return r;
        }
    }
    return fail(QStringLiteral("keep-alive connection failed twice"));
}

TestResult<HttpResponse> HttpsClient::get(const QByteArray &target, const HttpHeaders &headers) {
    HttpRequest req;
    req.target = target;
    req.headers = headers;
    return request(req);
}

// ---- Digest ----

namespace {

bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

void skipSpace(const QByteArray &s, qsizetype &i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
        ++i;
    }
}

QByteArray readToken(const QByteArray &s, qsizetype &i) {
    const qsizetype start = i;
    while (i < s.size() && isTokenChar(s[i])) {
        ++i;
    }
    return s.mid(start, i - start);
}

TestResult<QByteArray> readValue(const QByteArray &s, qsizetype &i) {
    if (i < s.size() && s[i] == '"') {
        QByteArray out;
        for (++i; i < s.size(); ++i) {
            if (s[i] == '\\' && i + 1 < s.size()) {
                out += s[++i];
            } else if (s[i] == '"') {
                ++i;
                return out;
            } else {
                out += s[i];
            }
        }
        return fail(QStringLiteral("unterminated quoted string in challenge"));
    }
    return readToken(s, i);
}

} // namespace

DigestAlgorithm DigestChallenge::digestAlgorithm() const {
    return algorithm.compare("SHA-256", Qt::CaseInsensitive) == 0 ? DigestAlgorithm::Sha256
                                                                  : DigestAlgorithm::Md5;
}

TestResult<QList<DigestChallenge>> DigestChallenge::parse(const QByteArray &value) {
    QList<DigestChallenge> out;
    bool inDigest = false;
    qsizetype i = 0;
    for (;;) {
        while (i < value.size() && (value[i] == ',' || value[i] == ' ' || value[i] == '\t')) {
            ++i;
        }
        if (i >= value.size()) {
            break;
        }
        const QByteArray token = readToken(value, i);
        if (token.isEmpty()) {
            return fail(QStringLiteral("bad character in challenge at %1: %2")
                            .arg(i)
                            .arg(QString::fromLatin1(value)));
        }
        qsizetype j = i;
        skipSpace(value, j);
        if (j < value.size() && value[j] == '=') {
            // auth-param of the current challenge
            i = j + 1;
            skipSpace(value, i);
            auto v = readValue(value, i);
            if (!v) {
                return fail(v.error());
            }
            if (!inDigest) {
                continue;
            }
            DigestChallenge &c = out.last();
            const QByteArray key = token.toLower();
            if (key == "realm") {
                c.realm = *v;
            } else if (key == "nonce") {
                c.nonce = *v;
            } else if (key == "opaque") {
                c.opaque = *v;
            } else if (key == "qop") {
                c.qop = *v;
            } else if (key == "algorithm") {
                c.algorithm = *v;
            } else if (key == "stale") {
                c.stale = v->compare("true", Qt::CaseInsensitive) == 0;
            } else if (key == "userhash") {
                c.userhash = v->compare("true", Qt::CaseInsensitive) == 0;
            }
            continue;
        }
        // A new challenge: "<scheme> param=..., ..."
        inDigest = token.compare("Digest", Qt::CaseInsensitive) == 0;
        if (inDigest) {
            out.append(DigestChallenge{});
        }
    }
    return out;
}

TestResult<QList<DigestChallenge>> DigestChallenge::fromResponse(const HttpResponse &r) {
    QList<DigestChallenge> all;
    for (const auto &value : r.headerValues("WWW-Authenticate")) {
        auto parsed = parse(value);
        if (!parsed) {
            return fail(parsed.error());
        }
        all += *parsed;
    }
    return all;
}

QByteArray DigestAuth::hashHex(DigestAlgorithm algorithm, const QByteArray &data) {
    return QCryptographicHash::hash(data, algorithm == DigestAlgorithm::Sha256
                                              ? QCryptographicHash::Sha256
                                              : QCryptographicHash::Md5)
        .toHex();
}

QByteArray DigestAuth::authorization(const DigestChallenge &challenge,
                                     const DigestCredentials &credentials,
                                     const DigestAnswer &answer) {
    const DigestAlgorithm alg = challenge.digestAlgorithm();
    QByteArray cnonce = answer.cnonce;
    if (cnonce.isEmpty()) {
        quint32 words[4];
        QRandomGenerator::global()->fillRange(words);
        cnonce = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
    }
    const QByteArray nc = QByteArray::number(answer.nc, 16).rightJustified(8, '0');
    const QByteArray user = credentials.username.toUtf8();
    const QByteArray ha1 =
        hashHex(alg, user + ':' + challenge.realm + ':' + credentials.password.toUtf8());
    const QByteArray ha2 = hashHex(alg, answer.method + ':' + answer.uri);
    const QByteArray response =
        hashHex(alg, ha1 + ':' + challenge.nonce + ':' + nc + ':' + cnonce + ":auth:" + ha2);
    QByteArray h = "Digest username=\"" + user + "\", realm=\"" + challenge.realm + "\", uri=\"" +
                   answer.uri + "\", algorithm=" +
                   (challenge.algorithm.isEmpty() ? QByteArray("MD5") : challenge.algorithm) +
                   ", nonce=\"" + challenge.nonce + "\", nc=" + nc + ", cnonce=\"" + cnonce +
                   "\", qop=auth, response=\"" + response + '"';
    if (!challenge.opaque.isEmpty()) {
        h += ", opaque=\"" + challenge.opaque + '"';
    }
    return h;
}

TestResult<DigestChallenge> DigestAuth::pick(const HttpResponse &unauthorized,
                                             DigestAlgorithm algorithm) {
    auto all = DigestChallenge::fromResponse(unauthorized);
    if (!all) {
        return fail(all.error());
    }
    for (const auto &c : *all) {
        if (c.digestAlgorithm() == algorithm) {
            return c;
        }
    }
    return fail(QStringLiteral("no %1 Digest challenge in: %2")
                    .arg(algorithm == DigestAlgorithm::Sha256 ? QStringLiteral("SHA-256")
                                                              : QStringLiteral("MD5"),
                         unauthorized.describe()));
}

DigestSession::DigestSession(HttpsClient &client, DigestCredentials credentials,
                             DigestAlgorithm algorithm)
    : m_client(client), m_credentials(std::move(credentials)), m_algorithm(algorithm) {}

TestResult<HttpResponse> DigestSession::request(HttpRequest request, int timeoutMs) {
    HttpResponse last;
    for (int attempt = 0; attempt < 2; ++attempt) {
        HttpRequest req = request;
        if (hasChallenge()) {
            req.header("Authorization",
                       DigestAuth::authorization(m_challenge, m_credentials,
                                                 {req.method, req.target, ++m_nc, {}}));
        }
        auto r = m_client.request(req, timeoutMs);
        if (!r || r->status != 401) {
            return r;
        }
        last = *r;
        auto c = DigestAuth::pick(*r, m_algorithm);
        if (!c) {
            return fail(c.error());
        }
        m_challenge = *c;
        m_nc = 0;
        ++m_challenges;
    }
    return last;
}

} // namespace napkin::testing
