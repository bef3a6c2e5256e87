// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The client side of HTTP Digest access authentication (RFC 7616): strict
// parsing of WWW-Authenticate challenges (RFC 7235 syntax), the choice of the
// strongest variant we support (SHA-256, else MD5; qop=auth only), and the
// Authorization header. The password never leaves this module except hashed.

#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/HttpMessage.h"

#include <QByteArray>
#include <QList>

#include <optional>
#include <utility>
#include <vector>

namespace napkin::discovery {

/// One challenge of a WWW-Authenticate header: the scheme and its parameters
/// (names lower-cased, values unquoted), or a token68.
struct AuthChallenge {
    QByteArray scheme;
    std::vector<std::pair<QByteArray, QByteArray>> params;
    QByteArray token68;

    [[nodiscard]] std::optional<QByteArray> param(QByteArrayView name) const;
};

/// Parses every challenge in the header values (one or many per value).
/// A syntax error anywhere fails the whole parse with a message.
[[nodiscard]] Result<std::vector<AuthChallenge>, QString>
parseAuthChallenges(const QList<QByteArray> &headerValues);

enum class DigestAlgorithm { Md5, Sha256 };

/// A Digest challenge we can answer.
struct DigestChallenge {
    DigestAlgorithm algorithm = DigestAlgorithm::Md5;
    QByteArray realm;
    QByteArray nonce;
    std::optional<QByteArray> opaque;
    bool stale = false;
};

/// The best Digest challenge among them: SHA-256 before MD5, qop "auth"
/// required, userhash and -sess variants skipped. Error when none fits,
/// saying what the server offered.
[[nodiscard]] Result<DigestChallenge, QString>
chooseDigestChallenge(const std::vector<AuthChallenge> &challenges);

/// The value of the Authorization header answering `challenge`.
/// `nonceCount` starts at 1; `cnonce` is a fresh random token.
[[nodiscard]] QByteArray digestAuthorization(const DigestChallenge &challenge,
                                             const QByteArray &username, const QByteArray &password,
                                             const QByteArray &method, const QByteArray &uri,
                                             quint32 nonceCount, const QByteArray &cnonce);

/// The credentials for one service, and the last challenge it sent, so that
/// the next request can authenticate at once (nonce count + 1).
class DigestSession {
public:
    DigestSession(QByteArray username, QByteArray password);
    ~DigestSession();
    DigestSession(const DigestSession &) = delete;
    DigestSession &operator=(const DigestSession &) = delete;

    /// Adds an Authorization header when a challenge is known. Returns whether it did.
    bool authorise(HttpRequest &request);
    /// Takes the challenges of a 401. Error (for people) when there is no usable one.
    [[nodiscard]] Result<DigestChallenge, QString> absorb(const HttpResponse &unauthorized);
    void forget() { m_challenge.reset(); }

    [[nodiscard]] const QByteArray &username() const { return m_username; }

private:
    QByteArray m_username;
    QByteArray m_password;
    std::optional<DigestChallenge> m_challenge;
    quint32 m_nonceCount = 0;
};

} // namespace napkin::discovery
