// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The parts of discovery that need no network: SRV ordering, backoff, the
// HTTP response parser, Digest challenges and answers (RFC 7616 vectors),
// DNS reply parsing, certificate set decoding and filtering, the profile,
// the known-devices file and problem details.

#include "crypto/CertsOnly.h"
#include "sipcore/discovery/AddressScope.h"
#include "sipcore/discovery/Backoff.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/FetchBudget.h"
#include "sipcore/discovery/HttpMessage.h"
#include "sipcore/discovery/KnownDevices.h"
#include "sipcore/discovery/OwnListing.h"
#include "sipcore/discovery/Profile.h"
#include "sipcore/discovery/ServiceProblem.h"
#include "sipcore/discovery/SrvSelection.h"
#include "tests/discovery/DiscoveryTestSupport.h"
#include "tests/support/CertBuilder.h"
#include "tests/support/TestCa.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <deque>
#include <map>

using namespace napkin::discovery;
namespace media = napkin::media;
namespace crypto = napkin::crypto;
using napkin::testing::CertBuilder;
using napkin::testing::DeviceCertSpec;

namespace {

/// A random source that replays a script (then returns 0).
UniformRandom scripted(std::deque<std::uint32_t> values) {
    auto shared = std::make_shared<std::deque<std::uint32_t>>(std::move(values));
    return [shared](std::uint32_t bound) -> std::uint32_t {
        if (shared->empty()) {
            return 0;
        }
        const std::uint32_t v = shared->front();
        shared->pop_front();
        return std::min(v, bound);
    };
}

HttpResponseParser::State feedAll(HttpResponseParser &p, const QByteArray &bytes, int step) {
    HttpResponseParser::State s = HttpResponseParser::State::NeedMore;
    for (qsizetype i = 0; i < bytes.size(); i += step) {
        s = p.feed(QByteArrayView(bytes).sliced(i, std::min<qsizetype>(step, bytes.size() - i)));
        if (s != HttpResponseParser::State::NeedMore) {
            break;
        }
    }
    return s;
}

crypto::Aor aor(const char *text) {
    auto a = crypto::parseAor(text);
    Q_ASSERT(a.ok());
    return a.value();
}

napkin::testing::IssuedCert makeDevice(const QString &address, qint64 notAfter = 86400,
                                       qint64 notBefore = -300) {
    DeviceCertSpec spec;
    spec.aor = address;
    spec.notAfterOffset = notAfter;
    spec.notBeforeOffset = notBefore;
    auto d = CertBuilder::device(spec);
    if (!d.ok()) {
        qFatal("%s", qPrintable(d.error()));
    }
    return std::move(d).value();
}

} // namespace

class TestDiscoveryUnits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // --- SRV (RFC 2782) ---------------------------------------------------
    void srvOrdersByPriorityThenWeight() {
        std::vector<SrvRecord> records = {
            {QStringLiteral("low-b"), 1, 20, 10},
            {QStringLiteral("high"), 2, 10, 0},
            {QStringLiteral("low-a"), 3, 20, 90},
            {QStringLiteral("."), 4, 5, 0},
        };
        // Priority 10 first; then in priority 20 the running sum is [10, 100]
        // (zero weights first: none): 50 picks low-a (running 100 >= 50).
        auto ordered = orderSrvRecords(records, scripted({0, 50, 0}));
        QCOMPARE(ordered.size(), std::size_t(3)); // "." is never a target
        QCOMPARE(ordered[0].target, QStringLiteral("high"));
        QCOMPARE(ordered[1].target, QStringLiteral("low-a"));
        QCOMPARE(ordered[2].target, QStringLiteral("low-b"));
        auto other = orderSrvRecords(records, scripted({0, 5, 0}));
        QCOMPARE(other[1].target, QStringLiteral("low-b"));
    }

    void srvWeightsShareTheLoad() {
        std::vector<SrvRecord> records = {{QStringLiteral("a"), 1, 0, 75},
                                          {QStringLiteral("b"), 1, 0, 25},
                                          {QStringLiteral("zero"), 1, 0, 0}};
        std::map<QString, int> first;
        const UniformRandom random = systemUniformRandom();
        for (int i = 0; i < 4000; ++i) {
            first[orderSrvRecords(records, random).front().target]++;
        }
        QVERIFY2(first[QStringLiteral("a")] > 2700 && first[QStringLiteral("a")] < 3300,
                 qPrintable(QString::number(first[QStringLiteral("a")])));
        QVERIFY(first[QStringLiteral("b")] > 800 && first[QStringLiteral("b")] < 1200);
        // Picked first only when the random number is 0: about 1 in 101.
        QVERIFY(first[QStringLiteral("zero")] < 100);
    }

    void srvDotMeansNoService() {
        QVERIFY(srvDeclinesService({{QStringLiteral("."), 0, 0, 0}}));
        QVERIFY(!srvDeclinesService({{QStringLiteral("x.example"), 1, 0, 0}}));
        QVERIFY(!srvDeclinesService(
            {{QStringLiteral("."), 0, 0, 0}, {QStringLiteral("x.example"), 1, 0, 0}}));
    }

    // --- Backoff ----------------------------------------------------------
    void backoffGrowsWithJitterAndCap() {
        BackoffPolicy policy{std::chrono::milliseconds(1000), std::chrono::milliseconds(8000)};
        const UniformRandom random = systemUniformRandom();
        for (int attempt = 0; attempt < 10; ++attempt) {
            const qint64 ceiling = std::min<qint64>(8000, 1000LL << std::min(attempt, 20));
            for (int i = 0; i < 50; ++i) {
                const auto d = backoffDelay(policy, attempt, random).count();
                QVERIFY2(d >= ceiling / 2 && d <= ceiling,
                         qPrintable(QStringLiteral("attempt %1: %2").arg(attempt).arg(d)));
            }
        }
        QCOMPARE(backoffDelay(policy, 3, scripted({0})).count(), qint64(4000));
        QCOMPARE(backoffDelay(policy, 30, scripted({UINT32_MAX})).count(), qint64(8000));
    }

    // --- HTTP response parser ---------------------------------------------
    void retryAfterIsReadAsDeltaSeconds() {
        const auto withRetryAfter = [](int status, const QByteArray &value) {
            HttpResponse r;
            r.status = status;
            if (!value.isNull()) {
                r.headers.push_back({"Retry-After", value});
            }
            return r;
        };
        QCOMPARE(
            errorFromResponse(withRetryAfter(429, "5"), QStringLiteral("x")).retryAfter.count(),
            std::chrono::seconds::rep(5));
        QCOMPARE(
            errorFromResponse(withRetryAfter(503, " 120 "), QStringLiteral("x")).retryAfter.count(),
            std::chrono::seconds::rep(120));
        // Capped at a day; an HTTP-date, garbage or nothing: zero.
        QCOMPARE(
            retryAfterOf(withRetryAfter(429, "99999999")).value_or(std::chrono::seconds(0)).count(),
            std::chrono::seconds::rep(24 * 3600));
        QVERIFY(!retryAfterOf(withRetryAfter(429, "Fri, 31 Dec 1999 23:59:59 GMT")));
        QVERIFY(!retryAfterOf(withRetryAfter(429, "-1")));
        QCOMPARE(errorFromResponse(withRetryAfter(429, {}), QStringLiteral("x")).retryAfter.count(),
                 std::chrono::seconds::rep(0));
    }

    void httpContentLengthInPieces() {
        const QByteArray bytes = "HTTP/1.1 200 OK\r\nContent-Type: application/pkcs7-mime\r\n"
                                 "ETag: \"abc\"\r\nContent-Length: 5\r\n\r\nhello";
        for (int step : {1, 3, 1000}) {
            HttpResponseParser p;
            p.reset();
            QCOMPARE(feedAll(p, bytes, step), HttpResponseParser::State::Complete);
            auto r = p.takeResponse();
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, QByteArray("hello"));
            QCOMPARE(r.header("etag"), QByteArray("\"abc\""));
            QVERIFY(r.keepAlive);
        }
    }

    void httpChunkedInterimAndClose() {
        HttpResponseParser p;
        p.reset();
        const QByteArray bytes = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                 "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n";
        QCOMPARE(feedAll(p, bytes, 2), HttpResponseParser::State::Complete);
        auto r = p.takeResponse();
        QCOMPARE(r.body, QByteArray("abcde"));
        QVERIFY(!r.keepAlive);

        HttpResponseParser untilClose;
        untilClose.reset();
        QCOMPARE(untilClose.feed("HTTP/1.0 200 OK\r\n\r\nbody"),
                 HttpResponseParser::State::NeedMore);
        QCOMPARE(untilClose.finishAtClose(), HttpResponseParser::State::Complete);
        QCOMPARE(untilClose.takeResponse().body, QByteArray("body"));

        HttpResponseParser notModified;
        notModified.reset();
        QCOMPARE(notModified.feed("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
                 HttpResponseParser::State::Complete);
    }

    void httpMalformed_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error");
        QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n") << "status line";
        QTest::newRow("bare LF") << QByteArray("HTTP/1.1 200 OK\n\n") << "CR LF";
        QTest::newRow("bad status") << QByteArray("HTTP/1.1 2x0 OK\r\n") << "status code";
        QTest::newRow("status 700") << QByteArray("HTTP/1.1 700 X\r\n") << "status code";
        QTest::newRow("folding") << QByteArray("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n") << "folding";
        QTest::newRow("no name") << QByteArray("HTTP/1.1 200 OK\r\n: x\r\n") << "no name";
        QTest::newRow("bad name") << QByteArray("HTTP/1.1 200 OK\r\nA b: x\r\n") << "token";
        QTest::newRow("CL twice") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                                "Content-Length: 2\r\n\r\n")
                                  << "conflicting";
        QTest::newRow("CL text") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")
                                 << "not a number";
        QTest::newRow("TE and CL") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n")
                                   << "both";
        QTest::newRow("gzip TE") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
                                 << "transfer coding";
        QTest::newRow("bad chunk") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                                                 "\r\n\r\nzz\r\n")
                                   << "hexadecimal";
        QTest::newRow("long chunk") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                                                  "\r\n\r\n2\r\nabc\r\n")
                                    << "longer than its size";
        QTest::newRow("huge body") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999"
                                                 "\r\n\r\n")
                                   << "exceeds";
        QTest::newRow("101") << QByteArray("HTTP/1.1 101 Switching\r\n\r\n") << "switch";
        QTest::newRow("control char") << QByteArray("HTTP/1.1 200 OK\r\nA: b\x01\r\n") << "control";
        QByteArray many = "HTTP/1.1 200 OK\r\n";
        for (int i = 0; i < 150; ++i) {
            many += "X-" + QByteArray::number(i) + ": y\r\n";
        }
        QTest::newRow("too many headers") << many << "more than 100 headers";
        QTest::newRow("long line")
            << (QByteArray("HTTP/1.1 200 OK\r\nA: ") + QByteArray(9000, 'a')) << "longer than";
    }

    void httpMalformed() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        HttpResponseParser p;
        p.reset();
        QCOMPARE(p.feed(bytes), HttpResponseParser::State::Failed);
        QVERIFY2(p.error().contains(error), qPrintable(p.error()));
    }

    void httpCloseMidBody() {
        HttpResponseParser p;
        p.reset();
        QCOMPARE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                 HttpResponseParser::State::NeedMore);
        QCOMPARE(p.finishAtClose(), HttpResponseParser::State::Failed);
        QVERIFY(p.error().contains(QStringLiteral("middle")));
        HttpResponseParser silent;
        silent.reset();
        QCOMPARE(silent.finishAtClose(), HttpResponseParser::State::Failed);
        QVERIFY(!silent.started());
    }

    void requestSerialisationAndQueryEncoding() {
        HttpRequest r;
        r.method = "PUT";
        r.target = "/search-cgi?sip=" + percentEncodeQueryValue("bob@b.example");
        r.setHeader("Content-Type", "application/pkix-cert");
        r.body = "xy";
        QCOMPARE(serialiseRequest(r, "certs.b.example:8443"),
                 QByteArray("PUT /search-cgi?sip=bob%40b.example HTTP/1.1\r\nHost: "
                            "certs.b.example:8443\r\nContent-Type: application/pkix-cert\r\n"
                            "Content-Length: 2\r\n\r\nxy"));
        QCOMPARE(percentEncodeQueryValue("a b&c=d/é"), QByteArray("a%20b%26c%3Dd%2F%C3%A9"));
    }

    // --- Digest (RFC 7616) ------------------------------------------------
    void digestRfc7616Vectors() {
        DigestChallenge c;
        c.realm = "http-auth@example.org";
        c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        c.opaque = QByteArray("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
        const QByteArray cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        c.algorithm = DigestAlgorithm::Md5;
        const QByteArray md5 =
            digestAuthorization(c, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1, cnonce);
        QVERIFY2(md5.contains("response=\"8ca523f5e9506fed4657c9700eebdbec\""), md5.constData());
        QVERIFY(md5.contains("nc=00000001"));
        QVERIFY(md5.contains("algorithm=MD5"));
        QVERIFY(md5.contains("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
        c.algorithm = DigestAlgorithm::Sha256;
        const QByteArray sha =
            digestAuthorization(c, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1, cnonce);
        QVERIFY2(sha.contains("response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db"
                              "5856cb6c1\""),
                 sha.constData());
        QVERIFY(sha.contains("algorithm=SHA-256"));
        QVERIFY(!sha.contains("Circle"));
    }

    void digestParsesSeveralChallenges() {
        const QList<QByteArray> headers = {
            "Basic realm=\"x\", Digest realm=\"b.example\", qop=\"auth, auth-int\", "
            "algorithm=MD5, nonce=\"n1\", opaque=\"o,1\"",
            "Digest realm=\"b.example\",qop=\"auth\",algorithm=SHA-256,nonce=\"n2\",stale=TRUE",
            "Bearer abc+/=="};
        auto parsed = parseAuthChallenges(headers);
        DISCOVERY_VERIFY_OK(parsed);
        QCOMPARE(parsed->size(), std::size_t(4));
        QCOMPARE(parsed->at(1).param("opaque").value(), QByteArray("o,1"));
        QCOMPARE(parsed->at(3).token68, QByteArray("abc+/=="));
        auto chosen = chooseDigestChallenge(parsed.value());
        DISCOVERY_VERIFY_OK(chosen);
        QCOMPARE(chosen->algorithm, DigestAlgorithm::Sha256);
        QCOMPARE(chosen->nonce, QByteArray("n2"));
        QVERIFY(chosen->stale);
        QVERIFY(!chosen->opaque.has_value());
    }

    void digestRefusesWhatItCannotAnswer() {
        auto only = [](const QByteArray &h) {
            auto p = parseAuthChallenges({h});
            Q_ASSERT(p.ok());
            return chooseDigestChallenge(p.value());
        };
        QVERIFY(!only("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256, qop=\"auth\"").ok());
        QVERIFY(!only("Digest realm=\"r\", nonce=\"n\", algorithm=MD5").ok()); // no qop
        QVERIFY(!only("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"").ok());
        QVERIFY(!only("Digest realm=\"r\", nonce=\"n\", qop=\"auth\", userhash=true").ok());
        auto basic = only("Basic realm=\"r\"");
        QVERIFY(!basic.ok());
        QVERIFY2(basic.error().contains(QStringLiteral("Basic")), qPrintable(basic.error()));
        auto md5 = only("Digest realm=\"r\", nonce=\"n\", qop=\"auth\"");
        QVERIFY(md5.ok());
        QCOMPARE(md5->algorithm, DigestAlgorithm::Md5);
    }

    void digestSyntaxErrors_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::newRow("unterminated") << QByteArray("Digest realm=\"r, nonce=\"n\"");
        QTest::newRow("duplicate") << QByteArray("Digest realm=\"a\", realm=\"b\", nonce=\"n\"");
        QTest::newRow("no scheme") << QByteArray("=x");
        QTest::newRow("junk after") << QByteArray("Digest realm=\"a\" nonce=\"n\"");
        QTest::newRow("control") << QByteArray("Digest realm=\"a\x01\", nonce=\"n\"");
        QTest::newRow("no value") << QByteArray("Digest realm=, nonce=\"n\"");
    }

    void digestSyntaxErrors() {
        QFETCH(QByteArray, header);
        QVERIFY(!parseAuthChallenges({header}).ok());
    }

    void digestSessionCountsNonces() {
        DigestSession session("bob", "secret");
        HttpRequest request;
        request.method = "PUT";
        request.target = "/search-cgi?sip=bob%40b.example";
        QVERIFY(!session.authorise(request));
        HttpResponse unauthorized;
        unauthorized.status = 401;
        unauthorized.headers.push_back(
            {"WWW-Authenticate",
             "Digest realm=\"b.example\", qop=\"auth\", algorithm=SHA-256, nonce=\"abc\""});
        QVERIFY(session.absorb(unauthorized).ok());
        QVERIFY(session.authorise(request));
        QVERIFY(request.header("Authorization").contains("nc=00000001"));
        QVERIFY(session.authorise(request));
        QVERIFY(request.header("Authorization").contains("nc=00000002"));
        QVERIFY(!request.header("Authorization").contains("secret"));
    }

    // --- DNS replies ------------------------------------------------------
    void dnsReplyParsing() {
        auto name = [](const QByteArray &dotted) {
            QByteArray out;
            for (const auto &label : dotted.split('.')) {
                out += static_cast<char>(label.size());
                out += label;
            }
            return out + '\0';
        };
        auto u16 = [](int v) {
            return QByteArray(1, static_cast<char>(v >> 8)) + static_cast<char>(v & 0xff);
        };
        // Header: id 1, QR+RD+RA, 1 question, 1 answer.
        QByteArray m = QByteArray::fromHex("000181800001000100000000");
        m += name("_certificates._tcp.b.com") + u16(33) + u16(1);
        // Answer: pointer to the question name, SRV IN, TTL 60, rdata.
        const QByteArray rdata = u16(10) + u16(20) + u16(8299) + name("svc1.b.com");
        m += QByteArray::fromHex("c00c") + u16(33) + u16(1) + QByteArray::fromHex("0000003c") +
             u16(static_cast<int>(rdata.size())) + rdata;
        auto a = parseDnsReply(reinterpret_cast<const unsigned char *>(m.constData()),
                               static_cast<int>(m.size()), DnsRecordType::Srv);
        QCOMPARE(a.status, DnsAnswer::Status::Ok);
        QCOMPARE(a.services.size(), std::size_t(1));
        QCOMPARE(a.services[0].target, QStringLiteral("svc1.b.com"));
        QCOMPARE(a.services[0].port, quint16(8299));
        QCOMPARE(a.services[0].priority, quint16(10));
        QCOMPARE(a.services[0].weight, quint16(20));

        // Truncated message and a lying rdata length: failures, not crashes.
        for (int cut = 1; cut < m.size(); cut += 7) {
            auto t = parseDnsReply(reinterpret_cast<const unsigned char *>(m.constData()), cut,
                                   DnsRecordType::Srv);
            QCOMPARE(t.status, DnsAnswer::Status::Failure);
        }
        QByteArray nx = m;
        nx[3] = static_cast<char>(0x83); // rcode NXDOMAIN
        QCOMPARE(parseDnsReply(reinterpret_cast<const unsigned char *>(nx.constData()),
                               static_cast<int>(nx.size()), DnsRecordType::Srv)
                     .status,
                 DnsAnswer::Status::NoSuchName);
        QByteArray servfail = m;
        servfail[3] = static_cast<char>(0x82);
        QCOMPARE(parseDnsReply(reinterpret_cast<const unsigned char *>(servfail.constData()),
                               static_cast<int>(servfail.size()), DnsRecordType::Srv)
                     .status,
                 DnsAnswer::Status::Failure);
        // Asked for A, got only SRV: no data.
        QCOMPARE(parseDnsReply(reinterpret_cast<const unsigned char *>(m.constData()),
                               static_cast<int>(m.size()), DnsRecordType::A)
                     .status,
                 DnsAnswer::Status::NoData);
    }

    // --- Certificate sets -------------------------------------------------
    void decodeRefusesWhatIsNotASet() {
        auto garbage = decodeCertificateSet("application/pkcs7-mime; smime-type=certs-only",
                                            QByteArray("\x30\x03\x02\x01\x01", 5));
        QVERIFY(!garbage.ok());
        QCOMPARE(errcName(garbage.error().code), errcName(DiscoveryErrc::MalformedSet));
        auto html = decodeCertificateSet("text/html", "<html>");
        QVERIFY(!html.ok());
        QCOMPARE(errcName(html.error().code), errcName(DiscoveryErrc::MalformedSet));
        auto pem = decodeCertificateSet("application/pem-certificate-chain", "-----BEGIN nothing");
        QVERIFY(!pem.ok());
        QCOMPARE(errcName(pem.error().code), errcName(DiscoveryErrc::MalformedSet));
    }

    void decodeBothEncodings() {
        auto one = makeDevice(QStringLiteral("sip:bob@b.example"));
        auto two = makeDevice(QStringLiteral("sip:bob@b.example"));
        std::vector<crypto::Certificate> certs{one.certificate, two.certificate};
        auto der = crypto::encodeCertsOnly(certs);
        QVERIFY(der.ok());
        auto fromDer = decodeCertificateSet(
            "application/pkcs7-mime; smime-type=certs-only",
            QByteArray(reinterpret_cast<const char *>(der->data()), qsizetype(der->size())));
        DISCOVERY_VERIFY_OK(fromDer);
        QCOMPARE(fromDer->size(), std::size_t(2));
        auto fromPem = decodeCertificateSet("application/pem-certificate-chain", one.pem + two.pem);
        QVERIFY(fromPem.ok());
        QCOMPARE(fromPem->size(), std::size_t(2));
    }

    void ownListingFromTheServicesAnswer() {
        // Before a stored certificate is sent again at start-up: is it listed?
        auto mine = makeDevice(QStringLiteral("sip:bob@b.example"));
        auto other = makeDevice(QStringLiteral("sip:bob@b.example"));
        const auto aor = napkin::crypto::parseAor("sip:bob@b.example");
        QVERIFY(aor.ok());
        const QString fp = QString::fromStdString(mine.certificate.fingerprint());
        HttpResponse r;
        r.status = 200;
        r.headers.push_back({"Content-Type", "application/pem-certificate-chain"});
        r.body = other.pem + mine.pem;
        auto listed = listedIn(
            r, *aor, fp.toUpper().replace(QStringLiteral("SHA256"), QStringLiteral("sha256")));
        DISCOVERY_VERIFY_OK(listed);
        QVERIFY(listed.value());
        r.body = other.pem; // revoked: the set lacks it
        listed = listedIn(r, *aor, fp);
        DISCOVERY_VERIFY_OK(listed);
        QVERIFY(!listed.value());
        r.status = 404; // no certificate for the address at all
        r.headers = {};
        r.body.clear();
        listed = listedIn(r, *aor, fp);
        DISCOVERY_VERIFY_OK(listed);
        QVERIFY(!listed.value());
        // Negative: what does not say "listed or not" is an error, never "not
        // listed" (which would throw a good key away).
        r.headers.push_back({"Content-Type", "application/problem+json"});
        r.body = R"({"type":"https://napkin.invalid/problems/unknown-domain","status":404})";
        QVERIFY(!listedIn(r, *aor, fp).ok());
        r.status = 503;
        r.body = "busy";
        QVERIFY(!listedIn(r, *aor, fp).ok());
        r.status = 200;
        r.headers = {{"Content-Type", "application/pem-certificate-chain"}};
        r.body = "garbage";
        QVERIFY(!listedIn(r, *aor, fp).ok());
        QCOMPARE(searchTarget(*aor), QByteArray("/search-cgi?sip=bob%40b.example"));
    }

    void decodeSinglePkixCert() {
        // RFC 2585: a set of one, served as the bare DER certificate.
        auto one = makeDevice(QStringLiteral("sip:bob@b.example"));
        auto set = decodeCertificateSet("application/pkix-cert", one.der);
        DISCOVERY_VERIFY_OK(set);
        QCOMPARE(set->size(), std::size_t(1));
        QCOMPARE(set->front().fingerprint(), one.certificate.fingerprint());
        // Media type names are case-insensitive; parameters are ignored.
        auto upper = decodeCertificateSet("Application/PKIX-Cert; charset=binary", one.der);
        DISCOVERY_VERIFY_OK(upper);
        QCOMPARE(upper->size(), std::size_t(1));
        // It goes through the same filter as any set.
        auto aor = crypto::parseAor("sip:bob@b.example");
        QVERIFY(aor.ok());
        auto filtered = filterCertificateSet(*aor, *set, std::chrono::system_clock::now());
        DISCOVERY_VERIFY_OK(filtered);
        QCOMPARE(filtered->certificates.size(), std::size_t(1));
    }

    void decodePkixCertRefusesWhatIsNotOneCertificate_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("says");
        auto one = makeDevice(QStringLiteral("sip:bob@b.example"));
        auto two = makeDevice(QStringLiteral("sip:bob@b.example"));
        QTest::newRow("empty") << QByteArray() << QStringLiteral("empty");
        QTest::newRow("garbage") << QByteArray("\x30\x03\x02\x01\x01", 5)
                                 << QStringLiteral("not one DER certificate");
        QTest::newRow("trailing garbage")
            << (one.der + QByteArray("junk")) << QStringLiteral("trailing bytes");
        QTest::newRow("two certificates")
            << (one.der + two.der) << QStringLiteral("trailing bytes");
        QTest::newRow("PEM under the DER type") << one.pem << QStringLiteral("not one DER");
        QTest::newRow("truncated")
            << one.der.left(one.der.size() - 1) << QStringLiteral("not one DER certificate");
        QTest::newRow("too large") << QByteArray(qsizetype(crypto::kMaxCertsOnlySize) + 1, '\x30')
                                   << QStringLiteral("more than the limit");
    }

    void decodePkixCertRefusesWhatIsNotOneCertificate() {
        QFETCH(QByteArray, body);
        QFETCH(QString, says);
        auto r = decodeCertificateSet("application/pkix-cert", body);
        QVERIFY(!r.ok());
        QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::MalformedSet));
        QVERIFY2(r.error().message.contains(says), qPrintable(r.error().message));
    }

    // Every type the GET's Accept names is one decodeCertificateSet reads,
    // and certs-only CMS is the one preferred.
    void acceptNamesWhatTheDecoderReads() {
        auto one = makeDevice(QStringLiteral("sip:bob@b.example"));
        const QList<QByteArray> ranges = QByteArray(kCertificateSetAccept).split(',');
        QCOMPARE(ranges.size(), 3);
        QCOMPARE(ranges.first().trimmed(), QByteArray("application/pkcs7-mime"));
        for (const QByteArray &range : ranges) {
            const QByteArray type = range.split(';').first().trimmed();
            QByteArray body = one.der;
            if (type == "application/pkcs7-mime") {
                auto der = crypto::encodeCertsOnly(std::span(&one.certificate, 1));
                QVERIFY(der.ok());
                body =
                    QByteArray(reinterpret_cast<const char *>(der->data()), qsizetype(der->size()));
            } else if (type == "application/pem-certificate-chain") {
                body = one.pem;
            }
            auto set = decodeCertificateSet(type, body);
            QVERIFY2(set.ok(), type.constData());
            QCOMPARE(set->size(), std::size_t(1));
        }
        HttpRequest r;
        r.method = "GET";
        r.target = "/search-cgi?sip=bob%40b.example";
        r.setHeader("Accept", kCertificateSetAccept);
        QVERIFY(serialiseRequest(r, "b.example")
                    .contains("\r\nAccept: application/pkcs7-mime, application/pkix-cert;q=0.5, "
                              "application/pem-certificate-chain;q=0.5\r\n"));
    }

    void filterDropsWhatDoesNotBelong() {
        QTemporaryDir dir;
        auto ca = napkin::testing::TestCa::create(dir.path());
        QVERIFY(ca.ok());
        auto good = makeDevice(QStringLiteral("sip:bob@b.example"));
        auto eve = makeDevice(QStringLiteral("sip:eve@b.example"));
        auto expired = makeDevice(QStringLiteral("sip:bob@b.example"), -60, -7200);
        auto future = makeDevice(QStringLiteral("sip:bob@b.example"), 86400 * 2, 3600);
        DeviceCertSpec caSigned;
        caSigned.aor = QStringLiteral("sip:bob@b.example");
        auto issued = CertBuilder::device(caSigned, &ca.value());
        QVERIFY(issued.ok());
        auto result =
            filterCertificateSet(aor("sip:bob@b.example"),
                                 {good.certificate, eve.certificate, expired.certificate,
                                  future.certificate, issued->certificate, good.certificate},
                                 std::chrono::system_clock::now());
        DISCOVERY_VERIFY_OK(result);
        QCOMPARE(result->certificates.size(), std::size_t(1));
        QVERIFY(result->contains(good.fingerprint()));
        QCOMPARE(result->dropped.size(), std::size_t(4));
        std::map<QString, QString> reasons;
        for (const auto &d : result->dropped) {
            reasons[d.fingerprint] = d.reason;
        }
        QVERIFY(reasons[eve.fingerprint()].contains(QStringLiteral("sip:eve@b.example")));
        QVERIFY(reasons[expired.fingerprint()].contains(QStringLiteral("expired")));
        QVERIFY(reasons[future.fingerprint()].contains(QStringLiteral("not valid before")));
        QVERIFY(reasons[issued->fingerprint()].contains(QStringLiteral("self-signed")));

        auto empty = filterCertificateSet(aor("sip:bob@b.example"), {eve.certificate},
                                          std::chrono::system_clock::now());
        QVERIFY(!empty.ok());
        QCOMPARE(errcName(empty.error().code), errcName(DiscoveryErrc::EmptySet));
    }

    // --- Where a service may be ------------------------------------------
    void addressScopes_data() {
        QTest::addColumn<QString>("address");
        QTest::addColumn<int>("scope");
        QTest::addColumn<bool>("allowed");        ///< without allow_private_services
        QTest::addColumn<bool>("allowedPrivate"); ///< with it
        auto row = [](const char *address, AddressScope scope, bool allowed, bool allowedPrivate) {
            QTest::newRow(address)
                << QString::fromLatin1(address) << int(scope) << allowed << allowedPrivate;
        };
        row("192.0.2.10", AddressScope::Public, true, true);
        row("8.8.8.8", AddressScope::Public, true, true);
        row("2001:db8::1", AddressScope::Public, true, true);
        row("127.0.0.1", AddressScope::Loopback, false, true);
        row("127.45.6.7", AddressScope::Loopback, false, true);
        row("::1", AddressScope::Loopback, false, true);
        row("169.254.1.1", AddressScope::LinkLocal, false, true);
        row("fe80::1", AddressScope::LinkLocal, false, true);
        row("10.0.0.5", AddressScope::Private, false, true);
        row("172.16.0.1", AddressScope::Private, false, true);
        row("172.31.255.255", AddressScope::Private, false, true);
        row("172.32.0.1", AddressScope::Public, true, true); // just past 172.16/12
        row("192.168.1.1", AddressScope::Private, false, true);
        row("100.64.0.1", AddressScope::SharedNat, false, true);
        row("100.127.255.255", AddressScope::SharedNat, false, true);
        row("100.128.0.1", AddressScope::Public, true, true); // just past 100.64/10
        row("fc00::1", AddressScope::UniqueLocal, false, true);
        row("fd12:3456::1", AddressScope::UniqueLocal, false, true);
        row("0.0.0.0", AddressScope::Unspecified, false, false);
        row("0.1.2.3", AddressScope::Unspecified, false, false);
        row("::", AddressScope::Unspecified, false, false);
        row("224.0.0.1", AddressScope::Multicast, false, false);
        row("239.255.255.250", AddressScope::Multicast, false, false);
        row("ff02::1", AddressScope::Multicast, false, false);
        row("255.255.255.255", AddressScope::Broadcast, false, false);
        row("::ffff:10.0.0.5", AddressScope::Private, false, true);
        row("::ffff:127.0.0.1", AddressScope::Loopback, false, true);
        row("::ffff:192.0.2.10", AddressScope::Public, true, true);
    }

    void addressScopes() {
        QFETCH(QString, address);
        QFETCH(int, scope);
        QFETCH(bool, allowed);
        QFETCH(bool, allowedPrivate);
        const QHostAddress a(address);
        QVERIFY(!a.isNull());
        QCOMPARE(int(addressScope(a)), scope);
        QCOMPARE(serviceAddressAllowed(addressScope(a), false), allowed);
        QCOMPARE(serviceAddressAllowed(addressScope(a), true), allowedPrivate);
        QVERIFY(!addressScopeWords(addressScope(a)).isEmpty());
    }

    void fetchBudgetIsPerDomainPerMinute() {
        using namespace std::chrono_literals;
        FetchBudget budget(3, 2);
        const auto t0 = FetchBudget::Clock::time_point() + 1h;
        QVERIFY(budget.take(QStringLiteral("b.example"), t0));
        QVERIFY(budget.take(QStringLiteral("B.example"), t0 + 1s));
        QVERIFY(budget.take(QStringLiteral("b.example"), t0 + 2s));
        QVERIFY(!budget.take(QStringLiteral("b.example"), t0 + 3s)); // the fourth in a minute
        QVERIFY(budget.take(QStringLiteral("c.example"), t0 + 3s));  // another domain
        QVERIFY(!budget.take(QStringLiteral("b.example"), t0 + 59s));
        QVERIFY(budget.take(QStringLiteral("b.example"), t0 + 60s)); // the first one aged out
        QVERIFY(!budget.take(QStringLiteral("b.example"), t0 + 60s));
        // Bounded: a third domain forgets the least recently used one (c.example).
        QVERIFY(budget.take(QStringLiteral("d.example"), t0 + 61s));
        QCOMPARE(budget.domains(), std::size_t(2));
        QVERIFY(budget.take(QStringLiteral("b.example"), t0 + 61s));  // t0 + 1s aged out
        QVERIFY(!budget.take(QStringLiteral("b.example"), t0 + 61s)); // still remembered
        FetchBudget none(0);
        QVERIFY(!none.take(QStringLiteral("b.example"), t0));
    }

    // --- Profile ----------------------------------------------------------
    void profileReadsEverything() {
        QTemporaryDir dir;
        const QByteArray text = "; Alice's phone\n[account]\naor = sip:alice@A.Example\n"
                                "password_file = alice.pass ; relative\nusername = alice\n"
                                "display_name = \"Alice ; Smith\"\nregistrar = sip:a.example\n"
                                "extra_realms = sip.a.example, Other\n"
                                "[network]\ndns_server = 127.0.0.53:5353\nca_file = ca.pem\n"
                                "allow_private_services = true\n"
                                "max_fetches_per_domain_per_minute = 3\n"
                                "[certificates]\nlifetime_hours = 12\ncache_ttl = 0\n"
                                "key_storage = none\n[audio]\nwhatever = 1\n";
        const QString path = dir.filePath(QStringLiteral("alice.ini"));
        auto p = Profile::parse(text, path);
        DISCOVERY_VERIFY_OK(p);
        QCOMPARE(p->aor, QStringLiteral("sip:alice@a.example"));
        QCOMPARE(p->username, QByteArray("alice"));
        QCOMPARE(p->passwordFile, dir.filePath(QStringLiteral("alice.pass")));
        QCOMPARE(p->displayName, QStringLiteral("Alice ; Smith"));
        QCOMPARE(p->dnsServer->toString(), QStringLiteral("127.0.0.53"));
        QCOMPARE(p->dnsPort, quint16(5353));
        QCOMPARE(p->caFile, dir.filePath(QStringLiteral("ca.pem")));
        QCOMPARE(p->extraRealms,
                 (QStringList{QStringLiteral("sip.a.example"), QStringLiteral("Other")}));
        QVERIFY(p->allowPrivateServices);
        QCOMPARE(p->maxFetchesPerDomainPerMinute, 3);
        QCOMPARE(p->certificateLifetime, std::chrono::seconds(12 * 3600));
        QCOMPARE(p->cacheTtl, std::chrono::seconds(0));
        QCOMPARE(p->keyStorage, Profile::KeyStorage::None);
        QCOMPARE(p->stateDir, dir.filePath(QStringLiteral("alice.state")));

        QFile pass(dir.filePath(QStringLiteral("alice.pass")));
        QVERIFY(pass.open(QIODevice::WriteOnly));
        pass.write("s3cret\nignored\n");
        pass.close();
        auto password = p->readPassword();
        QVERIFY(password.ok());
        QCOMPARE(password.value(), QByteArray("s3cret"));

        auto urn = p->instanceUrn();
        DISCOVERY_VERIFY_OK(urn);
        QVERIFY(urn->startsWith(QStringLiteral("urn:uuid:")));
        QCOMPARE(p->instanceUrn().value(), urn.value()); // stable
    }

    void profileErrors_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("no aor") << QByteArray("[account]\npassword = x\n") << "aor is missing";
        QTest::newRow("bad aor") << QByteArray("[account]\naor = sip:@x\n") << "line 2";
        QTest::newRow("typo") << QByteArray("[account]\naor = sip:a@b.c\npasword = x\n")
                              << "line 3: unknown key 'pasword'";
        QTest::newRow("both passwords")
            << QByteArray("[account]\naor = sip:a@b.c\npassword = x\npassword_file = y\n")
            << "not both";
        QTest::newRow("twice") << QByteArray("[account]\naor = sip:a@b.c\naor = sip:a@b.c\n")
                               << "twice";
        QTest::newRow("outside") << QByteArray("aor = sip:a@b.c\n") << "outside any";
        QTest::newRow("no equals") << QByteArray("[account]\naor\n") << "key = value";
        QTest::newRow("section") << QByteArray("[account\n") << "section header";
        QTest::newRow("dns v6") << QByteArray("[account]\naor = sip:a@b.c\n[network]\n"
                                              "dns_server = ::1\n")
                                << "IPv4";
        QTest::newRow("lifetime") << QByteArray("[account]\naor = sip:a@b.c\n[certificates]\n"
                                                "lifetime_days = 91\n")
                                  << "1 to 90";
        QTest::newRow("ttl") << QByteArray("[account]\naor = sip:a@b.c\n[certificates]\n"
                                           "cache_ttl = -1\n")
                             << "cache_ttl";
        QTest::newRow("storage") << QByteArray("[account]\naor = sip:a@b.c\n[certificates]\n"
                                               "key_storage = cloud\n")
                                 << "key_storage";
        QTest::newRow("quote") << QByteArray("[account]\naor = \"sip:a@b.c\n") << "quoted";
        QTest::newRow("realm list") << QByteArray("[account]\naor = sip:a@b.c\n"
                                                  "extra_realms = a b, c\n")
                                    << "extra_realms";
        QTest::newRow("private flag") << QByteArray("[account]\naor = sip:a@b.c\n[network]\n"
                                                    "allow_private_services = maybe\n")
                                      << "allow_private_services must be true or false";
        QTest::newRow("no fetches") << QByteArray("[account]\naor = sip:a@b.c\n[network]\n"
                                                  "max_fetches_per_domain_per_minute = 0\n")
                                    << "1 to 10000";
        QTest::newRow("utf8") << QByteArray("[account]\naor = \xff\n") << "UTF-8";
        const QByteArray net("[account]\naor = sip:a@b.c\n[network]\n");
        QTest::newRow("stun port") << net + "stun_server = stun.b.c:70000\n"
                                   << "line 4: stun_server: the port must be 1 to 65535";
        QTest::newRow("stun no port") << net + "stun_server = stun.b.c:\n"
                                      << "the port must be 1 to 65535";
        QTest::newRow("stun spaces") << net + "stun_server = \"stun b.c\"\n"
                                     << "the host must be a DNS name or an IPv4 address";
        QTest::newRow("stun empty label") << net + "stun_server = stun..b.c\n"
                                          << "empty label";
        QTest::newRow("turn scheme") << net + "turn_server = stun:turn.b.c\nturn_user = a\n"
                                     << "line 4: turn_server must start with turn: or turns:";
        QTest::newRow("turn http") << net + "turn_server = http://turn.b.c\nturn_user = a\n"
                                   << "must start with turn: or turns:";
        QTest::newRow("turn parameter")
            << net + "turn_server = turn:turn.b.c?transport=sctp\nturn_user = a\n"
            << "the only parameter is transport=udp or transport=tcp";
        QTest::newRow("turn unknown parameter")
            << net + "turn_server = turn:turn.b.c:3478?ttl=5\nturn_user = a\n"
            << "the only parameter";
        QTest::newRow("turn port") << net + "turn_server = turns:turn.b.c:0\nturn_user = a\n"
                                   << "the port must be 1 to 65535";
        QTest::newRow("turn spaces") << net + "turn_server = \"turn:turn b.c\"\nturn_user = a\n"
                                     << "the host must be";
        QTest::newRow("turn without user") << net + "turn_server = turn:turn.b.c\n"
                                           << "line 4: turn_server needs turn_user";
        QTest::newRow("turn empty user") << net + "turn_server = turn:turn.b.c\nturn_user =\n"
                                         << "line 4: turn_server needs turn_user";
        QTest::newRow("user without turn") << net + "stun_server = stun.b.c\nturn_user = a\n"
                                           << "line 5: turn_user is set but turn_server is not";
        QTest::newRow("password file without turn")
            << net + "turn_password_file = t.pass\n"
            << "line 4: turn_password_file is set but turn_server is not";
        QTest::newRow("turn key twice")
            << net + "turn_server = turn:a.b.c\nturn_server = turn:d.b.c\nturn_user = a\n"
            << "twice";
    }

    void profileErrors() {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        auto p = Profile::parse(text, QStringLiteral("/tmp/p.ini"));
        QVERIFY(!p.ok());
        QCOMPARE(errcName(p.error().code), errcName(DiscoveryErrc::LocalFailure));
        QVERIFY2(p.error().message.contains(error), qPrintable(p.error().message));
    }

    void profileReadsIceServers() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("alice.ini"));
        const QByteArray text = "[account]\naor = sip:alice@a.example\n[network]\n"
                                "stun_server = stun:192.0.2.7\n"
                                "turn_server = turn:turn.a.example:3479?transport=tcp\n"
                                "turn_user = alice@a.example\n"
                                "turn_password_file = alice.turn ; relative\n";
        auto p = Profile::parse(text, path);
        DISCOVERY_VERIFY_OK(p);
        QVERIFY(p->stunServer.has_value());
        QCOMPARE(p->stunServer->host, std::string("192.0.2.7"));
        QCOMPARE(p->stunServer->port, std::uint16_t(3478));
        QVERIFY(p->turnServer.has_value());
        QCOMPARE(p->turnServer->host, std::string("turn.a.example"));
        QCOMPARE(p->turnServer->port, std::uint16_t(3479));
        QVERIFY(p->turnServer->transport == media::TurnTransport::Tcp);
        QVERIFY(p->turnServer->user.empty());
        QVERIFY(p->turnServer->password.empty());
        QCOMPARE(p->turnUser, QStringLiteral("alice@a.example"));
        QCOMPARE(p->turnPasswordFile, dir.filePath(QStringLiteral("alice.turn")));

        // The password file is read when the servers are asked for.
        auto missing = p->iceServers();
        QVERIFY(!missing.ok());
        QCOMPARE(errcName(missing.error().code), errcName(DiscoveryErrc::LocalFailure));
        QVERIFY2(missing.error().message.contains(QStringLiteral("cannot read turn_password_file")),
                 qPrintable(missing.error().message));
        QVERIFY(missing.error().message.contains(p->turnPasswordFile));

        QFile pass(p->turnPasswordFile);
        QVERIFY(pass.open(QIODevice::WriteOnly));
        pass.close();
        auto empty = p->iceServers();
        QVERIFY(!empty.ok());
        QVERIFY2(empty.error().message.contains(QStringLiteral("is empty")),
                 qPrintable(empty.error().message));

        QVERIFY(pass.open(QIODevice::WriteOnly));
        pass.write("turn-s3cret\r\nsecond line\n");
        pass.close();
        auto servers = p->iceServers();
        DISCOVERY_VERIFY_OK(servers);
        QVERIFY(servers->stun == p->stunServer);
        QVERIFY(servers->turn.has_value());
        QCOMPARE(servers->turn->user, std::string("alice@a.example"));
        QCOMPARE(servers->turn->password, std::string("turn-s3cret"));
        QCOMPARE(servers->turn->host, std::string("turn.a.example"));
        QVERIFY(servers->turn->transport == media::TurnTransport::Tcp);

        // A password given (the desktop app's keychain) wins over the file.
        auto given = p->iceServers(QByteArray("from-keychain"));
        DISCOVERY_VERIFY_OK(given);
        QCOMPARE(given->turn->password, std::string("from-keychain"));

        // No file and none given: an error that says what to do, not a TURN
        // server without credentials.
        Profile keychainOnly = *p;
        keychainOnly.turnPasswordFile.clear();
        auto none = keychainOnly.iceServers();
        QVERIFY(!none.ok());
        QVERIFY2(none.error().message.contains(QStringLiteral("turn_password_file")),
                 qPrintable(none.error().message));
        auto keychain = keychainOnly.iceServers(QByteArray("k"));
        DISCOVERY_VERIFY_OK(keychain);
        QCOMPARE(keychain->turn->password, std::string("k"));
        // ...and such a profile (TURN without a password file) is valid.
        auto noFile = Profile::parse("[account]\naor = sip:alice@a.example\n[network]\n"
                                     "turn_server = turns:turn.a.example\nturn_user = alice\n",
                                     path);
        DISCOVERY_VERIFY_OK(noFile);
        QVERIFY(noFile->turnServer->transport == media::TurnTransport::Tls);
        QCOMPARE(noFile->turnServer->port, std::uint16_t(5349));
        QVERIFY(noFile->turnPasswordFile.isEmpty());

        // Without servers: nothing, and no password needed.
        Profile plain = *p;
        plain.stunServer.reset();
        plain.turnServer.reset();
        auto nothing = plain.iceServers();
        DISCOVERY_VERIFY_OK(nothing);
        QVERIFY(*nothing == media::IceServers{});
    }

    void resolveIpv4ForIce() {
        DnsServer nowhere;
        nowhere.address = QHostAddress(QStringLiteral("127.0.0.1"));
        nowhere.port = 9; // discard: nothing answers
        nowhere.timeoutSeconds = 1;
        nowhere.attempts = 1;
        // A literal needs no DNS at all.
        QCOMPARE(resolveIpv4(nowhere, "192.0.2.7"), std::vector<std::string>{"192.0.2.7"});
        // A name the server does not answer for: nothing, not an exception or a guess.
        QVERIFY(resolveIpv4(nowhere, "stun.a.example").empty());
    }

    void profileToIniReadsBack_data() {
        QTest::addColumn<bool>("inlinePassword");
        QTest::addColumn<int>("lifetimeHours");
        QTest::newRow("password file, days") << false << 24 * 14;
        QTest::newRow("inline password, hours") << true << 36;
    }
    void profileToIniReadsBack() {
        QFETCH(bool, inlinePassword);
        QFETCH(int, lifetimeHours);
        Profile p;
        p.path = QStringLiteral("/profiles/alice.ini");
        p.aor = QStringLiteral("sip:alice@a.example");
        p.username = "alice-digest";
        if (inlinePassword) {
            p.password = QByteArray("#p\\w \"x\" ; y");
        } else {
            p.passwordFile = QStringLiteral("/profiles/alice pass;1");
        }
        p.displayName = QStringLiteral("Zoë \"Z\" ; Smith # 2");
        p.registrar = QStringLiteral("sip:a.example");
        p.outboundProxy = QStringLiteral("sip:proxy.a.example;lr");
        p.dnsServer = QHostAddress(QStringLiteral("127.0.0.53"));
        p.dnsPort = 5353;
        p.caFile = QStringLiteral("/etc/ca.pem");
        p.extraRealms = {QStringLiteral("sip.a.example"), QStringLiteral("b")};
        p.allowPrivateServices = true;
        p.maxFetchesPerDomainPerMinute = 25;
        p.certificateLifetime = std::chrono::hours(lifetimeHours);
        p.cacheTtl = std::chrono::seconds(0);
        p.keyStorage = Profile::KeyStorage::Keychain;
        p.stateDir = QStringLiteral("/var/state/alice");
        p.stunServer = media::StunServer{"stun.a.example", 3479};
        p.turnServer = media::TurnServer{};
        p.turnServer->host = "192.0.2.9";
        p.turnServer->port = 443;
        p.turnServer->transport =
            inlinePassword ? media::TurnTransport::Tls : media::TurnTransport::Tcp;
        p.turnUser = QStringLiteral("alice \"turn\" ; user");
        if (!inlinePassword) {
            p.turnPasswordFile = QStringLiteral("/profiles/alice turn;1");
        }
        auto text = p.toIni();
        DISCOVERY_VERIFY_OK(text);
        auto back = Profile::parse(*text, p.path);
        DISCOVERY_VERIFY_OK(back);
        QVERIFY2(*back == p, text->constData());
        QVERIFY(text->contains("; Digest user name (default: the AOR's user)\nusername = "));

        // Defaults stay defaults; the AOR's own user is not written.
        Profile plain;
        plain.path = p.path;
        plain.aor = p.aor;
        plain.username = "alice";
        plain.stateDir = QStringLiteral("/profiles/alice.state");
        auto plainText = plain.toIni();
        DISCOVERY_VERIFY_OK(plainText);
        QVERIFY(!plainText->contains("username"));
        QVERIFY(!plainText->contains("stun_server"));
        QVERIFY(!plainText->contains("turn_"));
        auto plainBack = Profile::parse(*plainText, p.path);
        DISCOVERY_VERIFY_OK(plainBack);
        QVERIFY2(*plainBack == plain, plainText->constData());
    }

    void profileToIniRefusesALineBreak() {
        Profile p;
        p.path = QStringLiteral("/p.ini");
        p.aor = QStringLiteral("sip:alice@a.example");
        p.displayName = QStringLiteral("Alice\n[account]");
        auto text = p.toIni();
        QVERIFY(!text);
        QVERIFY2(text.error().message.contains(QStringLiteral("display_name")),
                 qPrintable(text.error().message));
    }

    // --- Known devices ----------------------------------------------------
    void knownDevicesRoundTrip() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("state/known-devices"));
        const QString ours = QStringLiteral("sha256:") + QString(64, QLatin1Char('a'));
        const QString seen = QStringLiteral("sha256:") + QString(64, QLatin1Char('b'));
        KnownDevices known(path);
        known.markOurs(ours);
        known.acknowledge(seen);
        known.acknowledge(ours); // stays "ours"
        QVERIFY(known.save().ok());
        QCOMPARE(QFile::permissions(path) & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        KnownDevices again(path);
        QVERIFY(again.load().ok());
        QVERIFY(again.isOurs(ours));
        QVERIFY(again.isKnown(seen));
        QVERIFY(!again.isOurs(seen));
        QVERIFY(!again.isKnown(QStringLiteral("sha256:") + QString(64, QLatin1Char('c'))));

        QFile broken(path);
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("sha256:abc ours\n");
        broken.close();
        auto r = KnownDevices(path).load();
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.contains(QStringLiteral("line 1")));
    }

    // --- Problem details --------------------------------------------------
    void problemDetailsBecomeTypedErrors() {
        HttpResponse r;
        r.status = 422;
        r.headers.push_back({"Content-Type", "application/problem+json"});
        r.body = R"({"type":"https://napkin.invalid/problems/validity-too-long","title":"t",)"
                 R"("status":422,"detail":"at most 30 days"})";
        DiscoveryError e = errorFromResponse(r, QStringLiteral("enrolling"));
        QCOMPARE(errcName(e.code), errcName(DiscoveryErrc::Rejected));
        QCOMPARE(e.problemType, QStringLiteral("validity-too-long"));
        QVERIFY(e.message.contains(QStringLiteral("at most 30 days")));
        r.status = 403;
        QCOMPARE(errcName(errorFromResponse(r, {}).code), errcName(DiscoveryErrc::Forbidden));
        r.status = 401;
        QCOMPARE(errcName(errorFromResponse(r, {}).code), errcName(DiscoveryErrc::AuthFailed));
        r.status = 503;
        r.body = "not json";
        const DiscoveryError e503 = errorFromResponse(r, {});
        QCOMPARE(errcName(e503.code), errcName(DiscoveryErrc::HttpError));
        QCOMPARE(e503.httpStatus, 503);
        QVERIFY(e503.problemType.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDiscoveryUnits)
#include "test_discovery_units.moc"
