// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the discovery client's HTTP response parser, fed the bytes a
// certificate service (any domain's, attacker-run included) sends back: whole,
// a byte at a time, and under tight limits; then what a complete response's
// body goes through: problem details, certificate sets and their filter, and
// WWW-Authenticate challenges.

#include "crypto/CertsOnly.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/ServiceProblem.h"
#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <chrono>

using namespace napkin;
using namespace napkin::discovery;
using napkin::fuzz::check;

namespace {

struct Parsed {
    HttpResponseParser::State state;
    HttpResponse response;
    QByteArray leftover;
};

/// Feeds `input` in pieces of `step` bytes (all of it when 0), then the close.
Parsed parse(QByteArrayView input, qsizetype step, bool noBody, HttpResponseParser::Limits limits) {
    HttpResponseParser parser(limits);
    parser.reset(noBody);
    if (step == 0) {
        parser.feed(input);
    } else {
        for (qsizetype at = 0; at < input.size(); at += step) {
            parser.feed(input.sliced(at, std::min(step, input.size() - at)));
        }
    }
    if (parser.state() == HttpResponseParser::State::NeedMore) {
        parser.finishAtClose();
    }
    check(parser.state() != HttpResponseParser::State::NeedMore);
    check((parser.state() == HttpResponseParser::State::Failed) == !parser.error().isEmpty());
    Parsed out{parser.state(), parser.takeResponse(), parser.leftover()};
    if (out.state == HttpResponseParser::State::Complete) {
        check(out.response.status >= 200 && out.response.status <= 599);
        check(out.response.body.size() <= limits.maxBodyBytes);
        check(static_cast<int>(out.response.headers.size()) <= limits.maxHeaders);
        // A keep-alive connection reads the next response from what is left.
        if (!out.leftover.isEmpty()) {
            parser.reset();
            parser.feed({});
            (void)parser.finishAtClose();
        }
    }
    return out;
}

bool sameHeaders(const HttpResponse &a, const HttpResponse &b) {
    if (a.headers.size() != b.headers.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.headers.size(); ++i) {
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) {
            return false;
        }
    }
    return true;
}

/// What the certificate directory does with a complete answer.
void useResponse(const HttpResponse &response) {
    const auto problem = parseServiceProblem(response);
    check(problem.slug.size() <= 300 && problem.title.size() <= 300 &&
          problem.detail.size() <= 300);
    const auto error =
        errorFromResponse(response, QStringLiteral("fetching sip:bob@b.example's certificates"));
    check(!error.message.isEmpty() && error.httpStatus == response.status);

    auto challenges = parseAuthChallenges(response.headerValues("WWW-Authenticate"));
    if (challenges) {
        (void)chooseDigestChallenge(*challenges);
    }

    auto certs = decodeCertificateSet(response.header("Content-Type"), response.body);
    if (!certs) {
        check(!certs.error().message.isEmpty());
        return;
    }
    check(certs->size() <= crypto::kMaxCertsOnlyCertificates);
    const crypto::Aor aor{"sip", "bob", "b.example"};
    std::vector<std::chrono::system_clock::time_point> times = {
        std::chrono::system_clock::from_time_t(1796083200)}; // 2026-12-01
    if (!certs->empty()) {
        times.push_back(certs->front().notBefore() + std::chrono::minutes(1));
    }
    for (const auto now : times) {
        auto set = filterCertificateSet(aor, *certs, now);
        if (set) {
            check(!set->certificates.empty());
            check(set->certificates.size() + set->dropped.size() <= certs->size());
        } else {
            check(!set.error().message.isEmpty());
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const QByteArrayView input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    for (const bool noBody : {false, true}) {
        const Parsed whole = parse(input, 0, noBody, {});
        // However the bytes arrive, the parser comes to the same answer.
        const qsizetype step = input.size() <= 512 ? 1 : 13;
        const Parsed pieces = parse(input, step, noBody, {});
        check(whole.state == pieces.state);
        if (whole.state == HttpResponseParser::State::Complete) {
            check(whole.response.status == pieces.response.status);
            check(whole.response.reason == pieces.response.reason);
            check(whole.response.body == pieces.response.body);
            check(whole.response.keepAlive == pieces.response.keepAlive);
            check(sameHeaders(whole.response, pieces.response));
            check(whole.leftover == pieces.leftover);
            if (!noBody) {
                useResponse(whole.response);
            }
        }
    }
    // Tight limits reach every limit check with small inputs.
    HttpResponseParser::Limits tight;
    tight.maxLineBytes = 64;
    tight.maxHeaderBytes = 256;
    tight.maxHeaders = 4;
    tight.maxBodyBytes = 128;
    (void)parse(input, 0, false, tight);
    (void)parse(input, 3, false, tight);
    return 0;
}
