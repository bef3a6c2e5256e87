// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// HTTP Digest as certd speaks it: strict parsing of Authorization headers,
// RFC 7616 response computation (known-answer vectors), stateless nonces,
// and the authenticator against a real SQLite store (replay, stale, forged).

#include "certd/DigestAuth.h"
#include "certd/DigestAuthenticator.h"
#include "certd/SqliteCertStore.h"
#include "certd/UserAdmin.h"
#include "tests/certd/CertdTestSupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace napkin::certd;

namespace {

const std::vector<std::uint8_t> kSecret(32, 0x5a);
constexpr std::int64_t kNow = 1'800'000'000;

/// What a client sends for `method uri` with the given password.
std::string authorization(DigestAlgorithm alg, const std::string &user, const std::string &realm,
                          const std::string &password, const std::string &nonce,
                          const std::string &nc, const std::string &method,
                          const std::string &uri) {
    std::string cnonce = "0a4f113b";
    auto ha1 = computeHa1(alg, user, realm, password);
    auto response = computeResponse(alg, ha1, nonce, nc, cnonce, "auth", method, uri);
    return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce +
           "\", uri=\"" + uri + "\", algorithm=" + std::string(algorithmName(alg)) +
           ", qop=auth, nc=" + nc + ", cnonce=\"" + cnonce + "\", response=\"" + response + "\"";
}

} // namespace

class TestCertdDigest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesCurlStyleHeader() {
        auto r = parseDigestAuthorization(
            R"(Digest username="bob", realm="b.example", nonce="abc", uri="/search-cgi?sip=bob%40b.example", cnonce="MzI4", nc=00000001, qop=auth, response="479b36654f1e8711555efc6f1db3e1a9c89909a6528f48ff93413c2ae4316b4f", algorithm=SHA-256)");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(qs(r->username), QStringLiteral("bob"));
        QCOMPARE(qs(r->realm), QStringLiteral("b.example"));
        QCOMPARE(qs(r->uri), QStringLiteral("/search-cgi?sip=bob%40b.example"));
        QCOMPARE(qs(r->nc), QStringLiteral("00000001"));
        QCOMPARE(r->nonceCount(), 1u);
        QVERIFY(r->algorithm == DigestAlgorithm::Sha256);
        QVERIFY(!r->opaque.has_value());
    }

    void parsesVariants() {
        // Scheme and parameter names are case-insensitive, spaces around '='
        // are allowed, escapes resolve, unknown parameters are ignored, MD5 is
        // the default algorithm, a quoted qop (old clients) is accepted.
        auto r = parseDigestAuthorization(
            "digest USERNAME = \"b\\\"ob\" ,realm=\"r\",nonce=\"n\",uri=\"/x\",cnonce=\"c\","
            "nc=0000000A,qop=\"auth\",response=\"8CA523F5E9506FED4657C9700EEBDBEC\","
            "opaque=\"op\",future-param=token,");
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(qs(r->username), QStringLiteral("b\"ob"));
        QVERIFY(r->algorithm == DigestAlgorithm::Md5);
        QCOMPARE(r->nonceCount(), 10u);
        QCOMPARE(qs(r->nc), QStringLiteral("0000000a"));
        QCOMPARE(qs(r->response), QStringLiteral("8ca523f5e9506fed4657c9700eebdbec"));
        QCOMPARE(qs(*r->opaque), QStringLiteral("op"));
    }

    void rejectsBadHeaders_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("code");
        const std::string ok =
            R"(realm="r", nonce="n", uri="/x", cnonce="c", nc=00000001, qop=auth, response="8ca523f5e9506fed4657c9700eebdbec")";
        auto row = [&](const char *name, const std::string &header, DigestErrc code) {
            QTest::newRow(name) << QByteArray::fromStdString(header) << static_cast<int>(code);
        };
        row("empty", "", DigestErrc::NotDigest);
        row("basic", "Basic Ym9iOnB3", DigestErrc::NotDigest);
        row("no space", "Digest,username=\"bob\"", DigestErrc::Malformed);
        row("no params", "Digest ", DigestErrc::Malformed);
        row("missing username", "Digest " + ok, DigestErrc::MissingParameter);
        row("missing nonce",
            R"(Digest username="b", realm="r", uri="/x", cnonce="c", nc=00000001, qop=auth, response="8ca523f5e9506fed4657c9700eebdbec")",
            DigestErrc::MissingParameter);
        row("missing qop (RFC 2069)",
            R"(Digest username="b", realm="r", nonce="n", uri="/x", response="8ca523f5e9506fed4657c9700eebdbec")",
            DigestErrc::MissingParameter);
        row("duplicate", "Digest username=\"b\", username=\"c\", " + ok, DigestErrc::Malformed);
        row("unquoted username", "Digest username=b, " + ok, DigestErrc::Malformed);
        row("unterminated quote", "Digest username=\"b, " + ok, DigestErrc::Malformed);
        row("control char", std::string("Digest username=\"b\x01\", ") + ok, DigestErrc::Malformed);
        row("no comma", "Digest username=\"b\" " + ok, DigestErrc::Malformed);
        row("no equals", "Digest username \"b\", " + ok, DigestErrc::Malformed);
        row("empty value", "Digest username=, " + ok, DigestErrc::Malformed);
        row("nc short",
            R"(Digest username="b", realm="r", nonce="n", uri="/x", cnonce="c", nc=0000001, qop=auth, response="8ca523f5e9506fed4657c9700eebdbec")",
            DigestErrc::Malformed);
        row("nc not hex",
            R"(Digest username="b", realm="r", nonce="n", uri="/x", cnonce="c", nc=0000000g, qop=auth, response="8ca523f5e9506fed4657c9700eebdbec")",
            DigestErrc::Malformed);
        row("response too short",
            R"(Digest username="b", realm="r", nonce="n", uri="/x", cnonce="c", nc=00000001, qop=auth, response="8ca5")",
            DigestErrc::Malformed);
        row("md5 length for sha-256", "Digest username=\"b\", algorithm=SHA-256, " + ok,
            DigestErrc::Malformed);
        row("auth-int",
            R"(Digest username="b", realm="r", nonce="n", uri="/x", cnonce="c", nc=00000001, qop=auth-int, response="8ca523f5e9506fed4657c9700eebdbec")",
            DigestErrc::UnsupportedQop);
        row("md5-sess", "Digest username=\"b\", algorithm=MD5-sess, " + ok,
            DigestErrc::UnsupportedAlgorithm);
        row("sha-512-256", "Digest username=\"b\", algorithm=SHA-512-256, " + ok,
            DigestErrc::UnsupportedAlgorithm);
        row("username*", "Digest username*=UTF-8''b%C3%B6b, " + ok, DigestErrc::Unsupported);
        row("userhash", "Digest username=\"b\", userhash=true, " + ok, DigestErrc::Unsupported);
        row("empty username", "Digest username=\"\", " + ok, DigestErrc::Malformed);
        row("too long", "Digest username=\"" + std::string(5000, 'a') + "\", " + ok,
            DigestErrc::Malformed);
        std::string many = "Digest username=\"b\", " + ok;
        for (int i = 0; i < 40; ++i) {
            many += ", x" + std::to_string(i) + "=1";
        }
        row("too many parameters", many, DigestErrc::Malformed);
    }
    void rejectsBadHeaders() {
        QFETCH(QByteArray, header);
        QFETCH(int, code);
        auto r = parseDigestAuthorization(
            std::string_view(header.constData(), static_cast<std::size_t>(header.size())));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, static_cast<DigestErrc>(code));
        QVERIFY(!r.error().message.empty());
    }

    void rfc7616Vectors() {
        // RFC 7616 section 3.9.1.
        const std::string nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        const std::string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        auto md5Ha1 =
            computeHa1(DigestAlgorithm::Md5, "Mufasa", "http-auth@example.org", "Circle of Life");
        QCOMPARE(qs(computeResponse(DigestAlgorithm::Md5, md5Ha1, nonce, "00000001", cnonce, "auth",
                                    "GET", "/dir/index.html")),
                 QStringLiteral("8ca523f5e9506fed4657c9700eebdbec"));
        auto shaHa1 = computeHa1(DigestAlgorithm::Sha256, "Mufasa", "http-auth@example.org",
                                 "Circle of Life");
        QCOMPARE(
            qs(computeResponse(DigestAlgorithm::Sha256, shaHa1, nonce, "00000001", cnonce, "auth",
                               "GET", "/dir/index.html")),
            QStringLiteral("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
    }

    void kamailioHa1() {
        // Kamailio's ha1 = MD5(user:domain:password), ha1b = MD5(user@domain:domain:password).
        auto c = credentialsForPassword("bob", "b.example", "pw");
        QCOMPARE(qs(c.ha1), QStringLiteral("8e797377775b7816e984b04559fbc202"));
        QCOMPARE(qs(c.ha1b),
                 qs(computeHa1(DigestAlgorithm::Md5, "bob@b.example", "b.example", "pw")));
        QCOMPARE(c.ha1Sha256->size(), std::size_t{64});
    }

    void constantTimeCompare() {
        QVERIFY(hexEqualConstantTime("abcDEF", "ABCdef"));
        QVERIFY(!hexEqualConstantTime("abcdef", "abcdee"));
        QVERIFY(!hexEqualConstantTime("abc", "abcd"));
    }

    void nonces() {
        NonceCodec codec(kSecret, 300);
        auto nonce = codec.issue("b.example", kNow);
        QCOMPARE(nonce.size(), kNonceLength);
        std::int64_t issued = 0;
        QVERIFY(codec.check(nonce, "b.example", kNow + 10, &issued) == NonceStatus::Valid);
        QCOMPARE(issued, kNow);
        QVERIFY(codec.check(nonce, "b.example", kNow + 300) == NonceStatus::Valid);
        QVERIFY(codec.check(nonce, "b.example", kNow + 301) == NonceStatus::Expired);
        // Another instance with the same secret accepts it; another secret does not.
        NonceCodec sibling(kSecret, 300);
        QVERIFY(sibling.check(nonce, "b.example", kNow) == NonceStatus::Valid);
        NonceCodec stranger(std::vector<std::uint8_t>(32, 0x11), 300);
        QVERIFY(stranger.check(nonce, "b.example", kNow) == NonceStatus::Invalid);
        // Bound to the realm.
        QVERIFY(codec.check(nonce, "a.example", kNow) == NonceStatus::Invalid);
        // Tampering anywhere, truncation, foreign characters, the future.
        for (std::size_t i = 0; i < nonce.size(); i += 7) {
            auto forged = nonce;
            forged[i] = forged[i] == 'A' ? 'B' : 'A';
            QVERIFY2(codec.check(forged, "b.example", kNow) == NonceStatus::Invalid,
                     qPrintable(QStringLiteral("position %1").arg(i)));
        }
        QVERIFY(codec.check(nonce.substr(1), "b.example", kNow) == NonceStatus::Invalid);
        QVERIFY(codec.check(nonce + "A", "b.example", kNow) == NonceStatus::Invalid);
        auto withPlus = nonce;
        withPlus[3] = '+';
        QVERIFY(codec.check(withPlus, "b.example", kNow) == NonceStatus::Invalid);
        QVERIFY(codec.check("", "b.example", kNow) == NonceStatus::Invalid);
        auto future = codec.issue("b.example", kNow + 3600);
        QVERIFY(codec.check(future, "b.example", kNow) == NonceStatus::Invalid);
        // Two nonces of the same second differ.
        QVERIFY(codec.issue("b.example", kNow) != codec.issue("b.example", kNow));
    }

    // Review L4: the token carries its time, expires after an hour and is
    // bound to the user, the domain and the secret.
    void csrfTokens() {
        NonceCodec codec(kSecret, 300);
        const std::string bob = codec.csrfToken("bob", "b.example", kNow);
        QCOMPARE(qs(bob), qs(codec.csrfToken("bob", "b.example", kNow)));
        QVERIFY(bob.starts_with(std::to_string(kNow) + "."));
        QVERIFY(bob != codec.csrfToken("bob", "b.example", kNow + 1));
        auto check = [&](const std::string &token, std::int64_t now) {
            return codec.checkCsrfToken(token, "bob", "b.example", now);
        };
        QVERIFY(check(bob, kNow) == NonceStatus::Valid);
        QVERIFY(check(bob, kNow + NonceCodec::kCsrfLifetime) == NonceStatus::Valid);
        QVERIFY(check(bob, kNow + NonceCodec::kCsrfLifetime + 1) == NonceStatus::Expired);
        QVERIFY(check(codec.csrfToken("bob", "b.example", kNow + 3600), kNow) ==
                NonceStatus::Invalid); // from the future
        QVERIFY(check(codec.csrfToken("alice", "b.example", kNow), kNow) == NonceStatus::Invalid);
        QVERIFY(check(codec.csrfToken("bob", "a.example", kNow), kNow) == NonceStatus::Invalid);
        NonceCodec other(std::vector<std::uint8_t>(32, 1), 300);
        QVERIFY(check(other.csrfToken("bob", "b.example", kNow), kNow) == NonceStatus::Invalid);
        // A later time pasted onto an old MAC, and malformed tokens.
        const std::string mac = bob.substr(bob.find('.'));
        QVERIFY(check(std::to_string(kNow + 10) + mac, kNow + 20) == NonceStatus::Invalid);
        QVERIFY(check("0" + bob, kNow) == NonceStatus::Invalid);
        for (const char *bad : {"", ".", "x", "123", "123.", ".abcd", "-1.00", "+5.00"}) {
            QVERIFY2(check(bad, kNow) == NonceStatus::Invalid, bad);
        }
        QVERIFY(check(bob.substr(bob.find('.') + 1), kNow) == NonceStatus::Invalid);
    }

    void challengeFormat() {
        auto c = digestChallenge(DigestAlgorithm::Sha256, "b.example", "NONCE", true);
        QCOMPARE(qs(c), QStringLiteral("Digest realm=\"b.example\", qop=\"auth\", "
                                       "algorithm=SHA-256, nonce=\"NONCE\", stale=true"));
        QVERIFY(digestChallenge(DigestAlgorithm::Md5, "r", "n", false).find("stale") ==
                std::string::npos);
    }

    void authenticatorAgainstStore() {
        QTemporaryDir dir;
        auto opened = SqliteCertStore::open(dir.filePath(QStringLiteral("d.db")).toStdString());
        QVERIFY(opened.ok());
        auto &store = **opened;
        QVERIFY(store.migrate().ok());
        QVERIFY(store.putUser("bob", "b.example", credentialsForPassword("bob", "b.example", "pw"))
                    .ok());
        // A user made by Kamailio's tools: MD5 secrets only.
        UserCredentials md5Only = credentialsForPassword("carol", "b.example", "pw");
        md5Only.ha1Sha256.reset();
        QVERIFY(store.putUser("carol", "b.example", md5Only).ok());

        std::int64_t now = kNow;
        DigestAuthenticator auth(NonceCodec(kSecret, 300));
        const std::string uri = "/search-cgi?sip=bob%40b.example";
        auto attempt = [&](const std::string &header, const std::string &method = "PUT",
                           const std::string &target = "/search-cgi?sip=bob%40b.example") {
            MapHeaders headers;
            if (!header.empty()) {
                headers.set("Authorization", header);
            }
            HttpRequest request;
            request.method = method;
            request.target = target;
            splitTarget(request.target, request.path, request.query);
            request.headers = &headers;
            return auth.authenticate(request, "b.example", store, now);
        };
        auto nonce = auth.nonces().issue("b.example", now);
        auto sha = [&](const std::string &nc, const std::string &pw = "pw") {
            return authorization(DigestAlgorithm::Sha256, "bob", "b.example", pw, nonce, nc, "PUT",
                                 uri);
        };

        auto missing = attempt("");
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().status, 401);
        QCOMPARE(qs(slugOf(missing.error())), QStringLiteral("unauthorized"));
        // Two challenges, SHA-256 first, both qop="auth", not stale.
        int challenges = 0;
        for (const auto &[name, value] : missing.error().headers) {
            if (name == "WWW-Authenticate") {
                QVERIFY(value.find("qop=\"auth\"") != std::string::npos);
                QVERIFY(value.find("stale") == std::string::npos);
                QVERIFY(value.find(challenges == 0 ? "algorithm=SHA-256" : "algorithm=MD5") !=
                        std::string::npos);
                ++challenges;
            }
        }
        QCOMPARE(challenges, 2);

        auto good = attempt(sha("00000001"));
        QVERIFY(good.ok());
        QCOMPARE(qs(good->username), QStringLiteral("bob"));
        QCOMPARE(qs(good->domain), QStringLiteral("b.example"));

        auto replay = attempt(sha("00000001"));
        QVERIFY(!replay.ok());
        QCOMPARE(qs(slugOf(replay.error())), QStringLiteral("stale-nonce"));
        QVERIFY(replay.error().headers.front().second.find("stale=true") != std::string::npos);

        QVERIFY(attempt(sha("00000002")).ok());

        auto wrong = attempt(sha("00000003", "nope"));
        QVERIFY(!wrong.ok());
        QCOMPARE(qs(slugOf(wrong.error())), QStringLiteral("unauthorized"));
        // A refused attempt does not spend its nc.
        QVERIFY(attempt(sha("00000003")).ok());

        // The uri must be the request's target; the method is covered.
        QCOMPARE(
            qs(slugOf(attempt(sha("00000004"), "PUT", "/search-cgi?sip=eve%40b.example").error())),
            QStringLiteral("unauthorized"));
        QCOMPARE(qs(slugOf(attempt(sha("00000005"), "DELETE").error())),
                 QStringLiteral("unauthorized"));

        // MD5, and Kamailio's ha1b form "user@domain".
        QVERIFY(attempt(authorization(DigestAlgorithm::Md5, "bob", "b.example", "pw", nonce,
                                      "00000006", "PUT", uri))
                    .ok());
        QVERIFY(attempt(authorization(DigestAlgorithm::Md5, "bob@b.example", "b.example", "pw",
                                      nonce, "00000007", "PUT", uri))
                    .ok());
        // No SHA-256 secret: SHA-256 fails, MD5 works.
        QCOMPARE(qs(slugOf(attempt(authorization(DigestAlgorithm::Sha256, "carol", "b.example",
                                                 "pw", nonce, "00000001", "PUT", uri))
                               .error())),
                 QStringLiteral("unauthorized"));
        // (nonce, nc) pairs are spent whoever used them: carol takes a fresh nc.
        auto carol = attempt(authorization(DigestAlgorithm::Md5, "carol", "b.example", "pw", nonce,
                                           "00000010", "PUT", uri));
        QVERIFY2(carol.ok(), carol.ok() ? "" : carol.error().body.c_str());
        // Unknown user, wrong realm, forged nonce.
        QVERIFY(!attempt(authorization(DigestAlgorithm::Md5, "mallory", "b.example", "pw", nonce,
                                       "00000001", "PUT", uri))
                     .ok());
        QCOMPARE(qs(slugOf(attempt(authorization(DigestAlgorithm::Md5, "bob", "a.example", "pw",
                                                 nonce, "00000008", "PUT", uri))
                               .error())),
                 QStringLiteral("unauthorized"));
        auto forged = nonce;
        forged[10] = forged[10] == 'x' ? 'y' : 'x';
        QCOMPARE(qs(slugOf(attempt(authorization(DigestAlgorithm::Sha256, "bob", "b.example", "pw",
                                                 forged, "00000001", "PUT", uri))
                               .error())),
                 QStringLiteral("unauthorized"));

        // Expired nonce: 401 stale, and the fresh challenge's nonce works.
        now += 301;
        auto stale = attempt(sha("00000009"));
        QVERIFY(!stale.ok());
        QCOMPARE(qs(slugOf(stale.error())), QStringLiteral("stale-nonce"));
        const auto &challenge = stale.error().headers.front().second;
        auto start = challenge.find("nonce=\"") + 7;
        nonce = challenge.substr(start, challenge.find('"', start) - start);
        QVERIFY(attempt(sha("00000001")).ok());

        // Used nonces expire from the table.
        QVERIFY(store.purgeNonces(now + 10'000).ok());
        QVERIFY(store.recordNonceUse(nonce, 1, now + 300).value());
    }
};

QTEST_GUILESS_MAIN(TestCertdDigest)
#include "test_certd_unit_digest.moc"
