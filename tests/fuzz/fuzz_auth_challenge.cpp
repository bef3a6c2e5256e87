// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the discovery client's WWW-Authenticate parser and its
// choice of a Digest challenge. Each line of the input is one header value,
// as a 401 from the certificate service carries them.

#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/HttpMessage.h"
#include "tests/fuzz/FuzzTarget.h"

using namespace napkin::discovery;
using napkin::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const QByteArray input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const QList<QByteArray> values = input.split('\n');

    auto challenges = parseAuthChallenges(values);
    if (!challenges) {
        check(!challenges.error().isEmpty());
    } else {
        for (const auto &c : *challenges) {
            check(!c.scheme.isEmpty());
            check(c.params.empty() || c.token68.isEmpty());
            for (const auto &[name, value] : c.params) {
                check(!name.isEmpty() && name == name.toLower());
            }
        }
        auto chosen = chooseDigestChallenge(*challenges);
        if (chosen) {
            check(!chosen->nonce.isEmpty());
            const QByteArray authorization =
                digestAuthorization(*chosen, "alice", "secret", "PUT",
                                    "/search-cgi?sip=alice%40a.example", 1, "0a4f113b");
            check(authorization.startsWith("Digest username=\"alice\""));
        } else {
            check(!chosen.error().isEmpty());
        }
    }

    // The same values as the headers of a 401, through the session.
    HttpResponse unauthorized;
    unauthorized.status = 401;
    for (const auto &value : values) {
        unauthorized.headers.push_back({"WWW-Authenticate", value});
    }
    DigestSession session("alice", "secret");
    const bool absorbed = session.absorb(unauthorized).ok();
    HttpRequest request;
    request.method = "PUT";
    request.target = "/search-cgi?sip=alice%40a.example";
    check(session.authorise(request) == absorbed);
    return 0;
}
