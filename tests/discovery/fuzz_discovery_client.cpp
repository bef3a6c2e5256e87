// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the discovery client's parsers of network (and user)
// input: HTTP responses, WWW-Authenticate challenges, DNS replies,
// certificate sets and the profile. The first byte picks the parser.

#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/Profile.h"
#include "sipcore/discovery/ServiceProblem.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>

using namespace napkin::discovery;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

void fuzzHttp(const QByteArray &input) {
    // Whole, byte by byte, and in uneven pieces must agree.
    HttpResponseParser whole;
    whole.reset();
    auto state = whole.feed(input);
    if (state == HttpResponseParser::State::NeedMore) {
        state = whole.finishAtClose();
    }
    HttpResponseParser pieces;
    pieces.reset();
    auto pieceState = HttpResponseParser::State::NeedMore;
    for (qsizetype i = 0; i < input.size() && pieceState == HttpResponseParser::State::NeedMore;
         i += 1 + (i % 7)) {
        pieceState = pieces.feed(
            QByteArrayView(input).sliced(i, std::min<qsizetype>(1 + (i % 7), input.size() - i)));
    }
    if (pieceState == HttpResponseParser::State::NeedMore) {
        pieceState = pieces.finishAtClose();
    }
    check(state == pieceState);
    if (state == HttpResponseParser::State::Complete) {
        const HttpResponse a = whole.takeResponse();
        const HttpResponse b = pieces.takeResponse();
        check(a.status >= 200 && a.status <= 599);
        check(a.status == b.status && a.body == b.body);
        check(a.body.size() <= HttpResponseParser::Limits{}.maxBodyBytes);
        (void)parseServiceProblem(a);
        (void)errorFromResponse(a, QStringLiteral("fuzzing"));
    } else {
        check(!whole.error().isEmpty());
    }
}

void fuzzDigest(const QByteArray &input) {
    auto parsed = parseAuthChallenges(input.split('\n'));
    if (parsed.ok()) {
        auto chosen = chooseDigestChallenge(parsed.value());
        if (chosen.ok()) {
            check(!chosen->nonce.isEmpty());
            const QByteArray header =
                digestAuthorization(chosen.value(), "user", "password", "PUT", "/x", 1, "c");
            check(header.startsWith("Digest "));
            check(!header.contains("password"));
        }
    }
}

void fuzzDns(const QByteArray &input) {
    for (auto type : {DnsRecordType::A, DnsRecordType::Aaaa, DnsRecordType::Srv}) {
        const DnsAnswer a =
            parseDnsReply(reinterpret_cast<const unsigned char *>(input.constData()),
                          static_cast<int>(input.size()), type);
        if (a.status == DnsAnswer::Status::Ok) {
            check(!a.addresses.isEmpty() || !a.services.empty());
        }
        for (const auto &s : a.services) {
            check(!s.target.isEmpty());
        }
    }
}

void fuzzSet(const QByteArray &input) {
    for (const char *type :
         {"application/pkcs7-mime", "application/pem-certificate-chain", "application/pkix-cert"}) {
        auto certs = decodeCertificateSet(type, input);
        if (certs.ok()) {
            auto aor = napkin::crypto::parseAor("sip:bob@b.example");
            check(aor.ok());
            auto set =
                filterCertificateSet(aor.value(), certs.value(), std::chrono::system_clock::now());
            if (set.ok()) {
                check(!set->certificates.empty());
            }
        } else {
            check(certs.error().code == DiscoveryErrc::MalformedSet);
        }
    }
}

void fuzzProfile(const QByteArray &input) {
    auto p = Profile::parse(input, QStringLiteral("/nonexistent/fuzz.ini"));
    if (p.ok()) {
        check(p->aor.startsWith(QLatin1String("sip")));
        check(p->cacheTtl.count() >= 0);
        // TURN's keys only together; ports never 0.
        check(p->turnServer.has_value() == !p->turnUser.isEmpty());
        check(!p->turnServer || p->turnServer->port != 0);
        check(!p->stunServer || p->stunServer->port != 0);
        check(p->turnPasswordFile.isEmpty() || p->turnServer.has_value());
    } else {
        check(p.error().code == DiscoveryErrc::LocalFailure);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 1 || size > 256 * 1024) {
        return 0;
    }
    const QByteArray input(reinterpret_cast<const char *>(data + 1),
                           static_cast<qsizetype>(size - 1));
    switch (data[0] % 5) {
    case 0:
        fuzzHttp(input);
        break;
    case 1:
        fuzzDigest(input);
        break;
    case 2:
        fuzzDns(input);
        break;
    case 3:
        fuzzSet(input);
        break;
    default:
        fuzzProfile(input);
        break;
    }
    return 0;
}
