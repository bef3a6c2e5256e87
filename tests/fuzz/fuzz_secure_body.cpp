// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the bodies a secure call receives: the INVITE's signed
// identity body and the sealed (encrypted, then signed) SDP of 200 OK, ACK and
// re-INVITE, plus the SDP negotiation that reads the opened SDP. The keys-only
// negotiator runs the same offer/answer code as real calls (sipcore/SdpExchange
// over media/'s parseSdp, answerOffer and applyAnswer), without sockets.
//
// Input: a Content-Type value, a line feed, then the body bytes exactly as a
// SIP message carries them. The fixture identities below exist only for
// fuzzing; the seeds in corpus/fuzz_secure_body/ are signed by "alice" and
// sealed to "bob" at kNow, so unmutated seeds reach the success paths. They
// protect nothing.

#include "sipcore/KeysOnlySdpFactory.h"
#include "sipcore/SecureBody.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>

using namespace napkin;
using namespace napkin::sip;

namespace {

constexpr std::string_view kAliceCert = R"(-----BEGIN CERTIFICATE-----
MIIByTCCAW6gAwIBAgIUDIv3VOVRnCuPxTHQ7eAGOmqOdqkwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKRnV6eiBhbGljZTAgFw0yNjExMjMxODUzMTRaGA8yMTI2MTAz
MDE4NTMxNFowFTETMBEGA1UEAwwKRnV6eiBhbGljZTBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABBghSy70GwjVy2csPok2vhSzUxj4RGt1n7TDzh6RKaIgjUjgcvH9
CpurqMkMWNmOFlninqP2ep5HQ/DjXLY48rujgZkwgZYwHQYDVR0OBBYEFEJ2Gi6y
Itti3HOK8H1ZP3uUNZLpMB8GA1UdIwQYMBaAFEJ2Gi6yItti3HOK8H1ZP3uUNZLp
MA8GA1UdEwEB/wQFMAMBAf8wIQYDVR0RBBowGIYWc2lwOmFsaWNlQGZ1enouZXhh
bXBsZTALBgNVHQ8EBAMCA4gwEwYDVR0lBAwwCgYIKwYBBQUHAwQwCgYIKoZIzj0E
AwIDSQAwRgIhAIEZaEIsg02ncXs8TpprCyy7miYhnZ2q3JpIrrnkd8CRAiEAm9KP
MEZIjPZYkSShuw19FwRx/a2+crlfbjaQeRLESH0=
-----END CERTIFICATE-----
)";
constexpr std::string_view kAliceKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiGQrNbFvRduP7yP/
irq4dJv7R6OeD2m2AcyLtNsFnDWhRANCAAQYIUsu9BsI1ctnLD6JNr4Us1MY+ERr
dZ+0w84ekSmiII1I4HLx/Qqbq6jJDFjZjhZZ4p6j9nqeR0Pw41y2OPK7
-----END PRIVATE KEY-----
)";
constexpr std::string_view kBobCert = R"(-----BEGIN CERTIFICATE-----
MIIBwjCCAWigAwIBAgIUQ6i6GZXI0e0rgknMZFo6BKQVk60wCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIRnV6eiBib2IwIBcNMjYxMTIzMTg1MzE0WhgPMjEyNjEwMzAx
ODUzMTRaMBMxETAPBgNVBAMMCEZ1enogYm9iMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE9Q0Jrg0eeB/FqRt0IiyopsO4l+5xe/sSD/GOeHuM2zni32LhRXXaAwdx
qdaJ1j/tMBoNM5yCov1b963h9WaMj6OBlzCBlDAdBgNVHQ4EFgQUXIn+QUr2tPS+
J+cN2ai5nHfgHREwHwYDVR0jBBgwFoAUXIn+QUr2tPS+J+cN2ai5nHfgHREwDwYD
VR0TAQH/BAUwAwEB/zAfBgNVHREEGDAWhhRzaXA6Ym9iQGZ1enouZXhhbXBsZTAL
BgNVHQ8EBAMCA4gwEwYDVR0lBAwwCgYIKwYBBQUHAwQwCgYIKoZIzj0EAwIDSAAw
RQIhAMtC3ajYKk7wAfTp0CXSTAa+AjdPl50wPN0dWg1AnHb6AiBb3ruj70tznYX1
+Y+PAubGLrjgNG50O3NjgOGXYHqrJg==
-----END CERTIFICATE-----
)";
constexpr std::string_view kBobKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUy8d8Rv1Do94hX7/
ODvo6QS9NMgozfaoORinO6gSQnahRANCAAT1DQmuDR54H8WpG3QiLKimw7iX7nF7
+xIP8Y54e4zbOeLfYuFFddoDB3Gp1onWP+0wGg0znIKi/Vv3reH1ZoyP
-----END PRIVATE KEY-----
)";
/// When the seeds were made: the signed Date and signing times are checked against it.
constexpr std::string_view kNow = "Mon, 23 Nov 2026 18:53:37 GMT";
constexpr std::size_t kMaxContentType = 2048;

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

struct Fixture {
    crypto::DeviceIdentity alice;
    crypto::DeviceIdentity bob;
    crypto::Aor aliceAor;
    IdentityHeaders headers;
    std::chrono::system_clock::time_point now;
};

const Fixture &fixture() {
    static const Fixture f = [] {
        auto identity = [](std::string_view cert, std::string_view key) {
            auto c = crypto::Certificate::fromPem(cert);
            auto k = crypto::PrivateKey::fromPem(key);
            check(c.ok() && k.ok());
            return crypto::DeviceIdentity{std::move(c).value(), std::move(k).value()};
        };
        IdentityHeaders h;
        h.from = "\"Alice\" <sip:alice@fuzz.example>;tag=f00d";
        h.to = "<sip:bob@fuzz.example>";
        h.callId = "fuzz-call-1@napkin";
        h.cseq = "100 INVITE";
        h.date = std::string(kNow);
        h.contact = "<sip:alice@127.0.0.1:5070>";
        auto now = parseSipDate(kNow);
        check(now.has_value());
        return Fixture{identity(kAliceCert, kAliceKey), identity(kBobCert, kBobKey),
                       crypto::parseAor("sip:alice@fuzz.example").value(), h, *now};
    }();
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const Fixture &f = fixture();
    const crypto::ByteView input(data, size);
    const std::string_view text = crypto::asText(input);
    const std::size_t nl = text.find('\n');
    const bool split = nl != std::string_view::npos && nl <= kMaxContentType;
    const std::string contentType(split ? text.substr(0, nl) : std::string_view());
    const crypto::ByteView raw = split ? input.subspan(nl + 1) : input;
    const crypto::MimeBody body{contentType, crypto::Bytes(raw.begin(), raw.end())};

    (void)classifyBody(body.contentType, body.body.size());

    const crypto::Certificate published[] = {f.alice.certificate};
    if (auto proof = verifyIdentityBody(body, f.headers, f.aliceAor, published, f.now)) {
        check(proof->certificate == f.alice.certificate);
    }
    if (auto claimed = claimedSigner(body)) {
        // Trusting whatever the body names reaches the identity body's
        // parser for every signer (never done outside fuzzing).
        const crypto::Certificate any[] = {*claimed};
        (void)verifyIdentityBody(body, f.headers, f.aliceAor, any, f.now);
    }
    if (auto opened = openSdp(body, f.aliceAor, published, f.bob, f.now)) {
        check(!opened->sdp.empty());
        check(opened->signer.certificate == f.alice.certificate);
        KeysOnlySdpFactory factory;
        (void)factory.create()->createAnswer(opened->sdp, false);
    }
    (void)parseIdentityBody(crypto::asText(raw));

    // The SDP negotiation on the raw body too: as an offer, and as the answer
    // to an offer of ours (held and not).
    KeysOnlySdpFactory factory;
    auto answerer = factory.create();
    if (auto answer = answerer->createAnswer(crypto::asText(raw), false)) {
        check(answerer->negotiated().has_value());
    }
    for (const bool hold : {false, true}) {
        auto offerer = factory.create();
        check(offerer->createOffer(hold).ok());
        if (offerer->acceptAnswer(crypto::asText(raw)).ok()) {
            check(offerer->negotiated().has_value());
            check(offerer->negotiated()->localHold == hold);
        }
    }
    return 0;
}
