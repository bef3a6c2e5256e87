// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/DigestAuth.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

#include <array>
#include <string_view>

namespace napkin::discovery {

namespace {

bool isTchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return kSymbols.find(c) != std::string_view::npos;
}

bool isToken68Char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/// A cursor over one header value.
class Scanner {
public:
    explicit Scanner(QByteArrayView text) : m_text(text) {}

    [[nodiscard]] bool atEnd() const { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }
    [[nodiscard]] qsizetype pos() const { return m_pos; }
    void seek(qsizetype pos) { m_pos = pos; }

    void skipSpace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            ++m_pos;
        }
    }
    /// Skips OWS and any number of list commas.
    void skipListSeparators() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ',')) {
            ++m_pos;
        }
    }
    QByteArray token() {
        const qsizetype start = m_pos;
        while (!atEnd() && isTchar(peek())) {
            ++m_pos;
        }
        return m_text.sliced(start, m_pos - start).toByteArray();
    }
    /// A quoted-string with backslash escapes; nullopt if malformed.
    std::optional<QByteArray> quoted() {
        if (peek() != '"') {
            return std::nullopt;
        }
        ++m_pos;
        QByteArray out;
        while (!atEnd()) {
            const char c = m_text[m_pos++];
            if (c == '"') {
                return out;
            }
            if (c == '\\') {
                if (atEnd()) {
                    return std::nullopt;
                }
                out += m_text[m_pos++];
                continue;
            }
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) {
                return std::nullopt;
            }
            out += c;
        }
        return std::nullopt;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

/// After a scheme: does an auth-param ("name BWS =") start here?
bool paramStartsAt(Scanner s) {
    if (s.token().isEmpty()) {
        return false;
    }
    s.skipSpace();
    if (s.peek() != '=') {
        return false;
    }
    // "token68=" also looks like this; a param needs a value after the '='.
    s.seek(s.pos() + 1);
    s.skipSpace();
    return !s.atEnd() && s.peek() != ',' && s.peek() != '=';
}

Result<void, QString> parseOne(QByteArrayView value, std::vector<AuthChallenge> &out) {
    Scanner s(value);
    s.skipListSeparators();
    while (!s.atEnd()) {
        AuthChallenge challenge;
        challenge.scheme = s.token();
        if (challenge.scheme.isEmpty()) {
            return fail(QStringLiteral("a WWW-Authenticate challenge does not start with a "
                                       "scheme name"));
        }
        const qsizetype afterScheme = s.pos();
        s.skipSpace();
        const bool spaced = s.pos() > afterScheme;
        if (spaced && !s.atEnd() && s.peek() != ',') {
            if (paramStartsAt(s)) {
                // #auth-param
                while (true) {
                    QByteArray name = s.token().toLower();
                    s.skipSpace();
                    s.seek(s.pos() + 1); // '=' (checked by paramStartsAt)
                    s.skipSpace();
                    QByteArray v;
                    if (s.peek() == '"') {
                        auto q = s.quoted();
                        if (!q) {
                            return fail(QStringLiteral("the %1 parameter of a WWW-Authenticate "
                                                       "challenge has a broken quoted string")
                                            .arg(QString::fromLatin1(name)));
                        }
                        v = *q;
                    } else {
                        v = s.token();
                        if (v.isEmpty()) {
                            return fail(QStringLiteral("the %1 parameter of a WWW-Authenticate "
                                                       "challenge has no value")
                                            .arg(QString::fromLatin1(name)));
                        }
                    }
                    if (challenge.param(name)) {
                        return fail(QStringLiteral("a WWW-Authenticate challenge repeats the "
                                                   "%1 parameter")
                                        .arg(QString::fromLatin1(name)));
                    }
                    challenge.params.emplace_back(std::move(name), std::move(v));
                    s.skipSpace();
                    if (s.atEnd()) {
                        break;
                    }
                    if (s.peek() != ',') {
                        return fail(QStringLiteral("unexpected text after a parameter of a "
                                                   "WWW-Authenticate challenge"));
                    }
                    s.skipListSeparators();
                    if (s.atEnd() || !paramStartsAt(s)) {
                        break; // the next challenge, or the end
                    }
                }
            } else {
                // token68
                const qsizetype start = s.pos();
                while (!s.atEnd() && isToken68Char(s.peek())) {
                    s.seek(s.pos() + 1);
                }
                while (!s.atEnd() && s.peek() == '=') {
                    s.seek(s.pos() + 1);
                }
                challenge.token68 = value.sliced(start, s.pos() - start).toByteArray();
                s.skipSpace();
                if (challenge.token68.isEmpty() || (!s.atEnd() && s.peek() != ',')) {
                    return fail(QStringLiteral("a WWW-Authenticate challenge is malformed"));
                }
                s.skipListSeparators();
            }
        } else {
            if (!s.atEnd() && s.peek() != ',') {
                return fail(QStringLiteral("a WWW-Authenticate challenge is malformed"));
            }
            s.skipListSeparators();
        }
        out.push_back(std::move(challenge));
    }
    return {};
}

QByteArray hashHex(DigestAlgorithm algorithm, const QByteArray &data) {
    return QCryptographicHash::hash(data, algorithm == DigestAlgorithm::Sha256
                                              ? QCryptographicHash::Sha256
                                              : QCryptographicHash::Md5)
        .toHex();
}

QByteArray quote(const QByteArray &value) {
    QByteArray out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
    return out;
}

} // namespace

std::optional<QByteArray> AuthChallenge::param(QByteArrayView name) const {
    for (const auto &[k, v] : params) {
        if (k.compare(name, Qt::CaseInsensitive) == 0) {
            return v;
        }
    }
    return std::nullopt;
}

Result<std::vector<AuthChallenge>, QString>
parseAuthChallenges(const QList<QByteArray> &headerValues) {
    std::vector<AuthChallenge> out;
    for (const auto &value : headerValues) {
        if (value.size() > 8192) {
            return fail(QStringLiteral("a WWW-Authenticate header is longer than 8 KiB"));
        }
        auto r = parseOne(value, out);
        if (!r.ok()) {
            return fail(r.error());
        }
    }
    return out;
}

Result<DigestChallenge, QString>
chooseDigestChallenge(const std::vector<AuthChallenge> &challenges) {
    std::optional<DigestChallenge> best;
    QStringList offered;
    for (const auto &c : challenges) {
        if (c.scheme.compare("Digest", Qt::CaseInsensitive) != 0) {
            offered << QString::fromLatin1(c.scheme);
            continue;
        }
        const QByteArray algorithmName = c.param("algorithm").value_or("MD5");
        offered << QStringLiteral("Digest %1").arg(QString::fromLatin1(algorithmName));
        DigestChallenge d;
        if (algorithmName.compare("SHA-256", Qt::CaseInsensitive) == 0) {
            d.algorithm = DigestAlgorithm::Sha256;
        } else if (algorithmName.compare("MD5", Qt::CaseInsensitive) == 0) {
            d.algorithm = DigestAlgorithm::Md5;
        } else {
            continue;
        }
        const auto realm = c.param("realm");
        const auto nonce = c.param("nonce");
        const auto qop = c.param("qop");
        if (!realm || !nonce || nonce->isEmpty() || !qop) {
            continue;
        }
        bool auth = false;
        for (const auto &item : qop->split(',')) {
            if (item.trimmed().compare("auth", Qt::CaseInsensitive) == 0) {
                auth = true;
            }
        }
        if (!auth) {
            continue;
        }
        if (const auto userhash = c.param("userhash");
            userhash && userhash->compare("true", Qt::CaseInsensitive) == 0) {
            continue;
        }
        d.realm = *realm;
        d.nonce = *nonce;
        d.opaque = c.param("opaque");
        const auto stale = c.param("stale");
        d.stale = stale && stale->compare("true", Qt::CaseInsensitive) == 0;
        if (!best ||
            (best->algorithm == DigestAlgorithm::Md5 && d.algorithm == DigestAlgorithm::Sha256)) {
            best = std::move(d);
        }
    }
    if (!best) {
        return fail(offered.isEmpty()
                        ? QStringLiteral("the service asked for a password but offered no "
                                         "authentication scheme")
                        : QStringLiteral("the service offers %1, none of which Napkin supports "
                                         "(Digest SHA-256 or MD5 with qop=auth)")
                              .arg(offered.join(QStringLiteral(", "))));
    }
    return *best;
}

QByteArray digestAuthorization(const DigestChallenge &challenge, const QByteArray &username,
                               const QByteArray &password, const QByteArray &method,
                               const QByteArray &uri, quint32 nonceCount,
                               const QByteArray &cnonce) {
    const QByteArray nc = QByteArray::number(nonceCount, 16).rightJustified(8, '0');
    const QByteArray ha1 =
        hashHex(challenge.algorithm, username + ':' + challenge.realm + ':' + password);
    const QByteArray ha2 = hashHex(challenge.algorithm, method + ':' + uri);
    const QByteArray response =
        hashHex(challenge.algorithm,
                ha1 + ':' + challenge.nonce + ':' + nc + ':' + cnonce + ":auth:" + ha2);
    QByteArray out =
        "Digest username=" + quote(username) + ", realm=" + quote(challenge.realm) +
        ", uri=" + quote(uri) +
        ", algorithm=" + (challenge.algorithm == DigestAlgorithm::Sha256 ? "SHA-256" : "MD5") +
        ", nonce=" + quote(challenge.nonce) + ", nc=" + nc + ", cnonce=" + quote(cnonce) +
        ", qop=auth, response=" + quote(response);
    if (challenge.opaque) {
        out += ", opaque=" + quote(*challenge.opaque);
    }
    return out;
}

DigestSession::DigestSession(QByteArray username, QByteArray password)
    : m_username(std::move(username)), m_password(std::move(password)) {}

DigestSession::~DigestSession() {
    m_password.fill('\0');
}

bool DigestSession::authorise(HttpRequest &request) {
    if (!m_challenge) {
        return false;
    }
    std::array<quint32, 4> random{};
    QRandomGenerator::system()->fillRange(random.data(), random.size());
    const QByteArray cnonce =
        QByteArray(reinterpret_cast<const char *>(random.data()), sizeof random).toHex();
    request.setHeader("Authorization",
                      digestAuthorization(*m_challenge, m_username, m_password, request.method,
                                          request.target, ++m_nonceCount, cnonce));
    return true;
}

Result<DigestChallenge, QString> DigestSession::absorb(const HttpResponse &unauthorized) {
    auto parsed = parseAuthChallenges(unauthorized.headerValues("WWW-Authenticate"));
    if (!parsed.ok()) {
        return fail(parsed.error());
    }
    auto chosen = chooseDigestChallenge(parsed.value());
    if (!chosen.ok()) {
        return fail(chosen.error());
    }
    m_challenge = chosen.value();
    m_nonceCount = 0;
    return chosen;
}

} // namespace napkin::discovery
