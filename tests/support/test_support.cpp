// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The test fixtures checked against known answers and real programs (openssl
// s_server, sh, PostgreSQL), so that a failing integration test points at the
// server under test, not at its fixtures.

#include "tests/support/CertBuilder.h"
#include "tests/support/CertsOnlyReader.h"
#include "tests/support/FreePort.h"
#include "tests/support/HttpsClient.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/PacketCapture.h"
#include "tests/support/PostgresServer.h"
#include "tests/support/TestCa.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/x509_vfy.h>

using namespace napkin::testing;

namespace {

bool chainVerifies(const TestCa &ca, const napkin::crypto::Certificate &leaf) {
    napkin::crypto::X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca.rootCertificate().native());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                        &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf.native(), nullptr);
    return X509_verify_cert(ctx.get()) == 1;
}

} // namespace

class TestSupport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
    void digestKnownAnswers_data() {
        QTest::addColumn<QByteArray>("algorithm");
        QTest::addColumn<QByteArray>("response");
        QTest::newRow("SHA-256") << QByteArray("SHA-256")
                                 << QByteArray("753927fa0e85d155564e2e272a28d180"
                                               "2ca10daf4496794697cf8db5856cb6c1");
        QTest::newRow("MD5") << QByteArray("MD5") << QByteArray("8ca523f5e9506fed4657c9700eebdbec");
    }
    void digestKnownAnswers() {
        QFETCH(QByteArray, algorithm);
        QFETCH(QByteArray, response);
        DigestChallenge c;
        c.realm = "http-auth@example.org";
        c.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        c.opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
        c.algorithm = algorithm;
        const QByteArray h = DigestAuth::authorization(
            c, {QStringLiteral("Mufasa"), QStringLiteral("Circle of Life")},
            {"GET", "/dir/index.html", 1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"});
        QVERIFY2(h.contains("response=\"" + response + '"'), h.constData());
        QVERIFY(h.contains("nc=00000001"));
        QVERIFY(h.contains("qop=auth"));
        QVERIFY(h.contains("opaque=\"" + c.opaque + '"'));
    }

    void challengesParsed() {
        HttpResponse r;
        r.status = 401;
        r.headers = {{"WWW-Authenticate", "Digest realm=\"b.example\", qop=\"auth\", "
                                          "algorithm=SHA-256, nonce=\"n\\\"1\", stale=TRUE"},
                     {"www-authenticate", "Basic realm=\"x\", Digest realm=\"b.example\", "
                                          "nonce=\"n2\", algorithm=MD5, qop=\"auth\""}};
        auto all = DigestChallenge::fromResponse(r);
        NAPKIN_VERIFY_OK(all);
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).digestAlgorithm(), DigestAlgorithm::Sha256);
        QCOMPARE(all->at(0).nonce, QByteArray("n\"1"));
        QVERIFY(all->at(0).stale);
        QCOMPARE(all->at(1).digestAlgorithm(), DigestAlgorithm::Md5);
        QCOMPARE(all->at(1).nonce, QByteArray("n2"));
        QVERIFY(!all->at(1).stale);
        QVERIFY(!DigestChallenge::parse("Digest realm=\"unterminated").ok());
    }

    void responsesParsedInPieces() {
        const QByteArray wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                "Content-Type: text/plain\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n"
                                "0\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n";
        HttpResponseParser p;
        for (char c : wire) {
            QVERIFY(p.feed(QByteArray(1, c)).ok());
            if (p.done()) {
                break;
            }
        }
        QVERIFY(p.done());
        QCOMPARE(p.response().body, QByteArray("Wikipedia"));
        QCOMPARE(p.response().header("content-type"), QByteArray("text/plain"));
        HttpResponseParser second;
        QVERIFY(second.feed(wire.mid(wire.indexOf("HTTP/1.1 304"))).ok());
        QVERIFY(second.done());
        QCOMPARE(second.response().status, 304);
        QVERIFY(second.response().body.isEmpty());

        HttpResponseParser bad;
        QVERIFY(!bad.feed("HTTP/9 x\r\n\r\n").ok());
        HttpResponseParser untilClose;
        QVERIFY(untilClose.feed("HTTP/1.0 200 OK\r\n\r\nabc").ok());
        QVERIFY(!untilClose.done());
        QVERIFY(untilClose.finishOnClose().ok());
        QCOMPARE(untilClose.response().body, QByteArray("abc"));
        HttpResponseParser cut;
        QVERIFY(cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").ok());
        QVERIFY(!cut.finishOnClose().ok());
    }

    void requestSerialised() {
        HttpRequest req;
        req.method = "PUT";
        req.target = "/search-cgi?sip=" + percentEncode(QStringLiteral("bob@b.example"));
        req.body = "xyz";
        req.header("Content-Type", "application/pkix-cert");
        QCOMPARE(req.serialize("b.example:8443"),
                 QByteArray("PUT /search-cgi?sip=bob%40b.example HTTP/1.1\r\nHost: b.example:8443"
                            "\r\nContent-Type: application/pkix-cert\r\nContent-Length: 3\r\n\r\n"
                            "xyz"));
    }

    void caIssuesVerifiableServerCertificates() {
        auto ca = TestCa::create(m_dir.filePath(QStringLiteral("ca1")));
        NAPKIN_VERIFY_OK(ca);
        auto server = ca->issueServer(QStringLiteral("srv"), {QStringLiteral("b.example")},
                                      {QStringLiteral("127.0.0.1")}, TestKeyKind::Rsa2048);
        NAPKIN_VERIFY_OK(server);
        QVERIFY(chainVerifies(*ca, server->issued.certificate));
        QCOMPARE(server->issued.certificate.sanDnsNames(), std::vector<std::string>{"b.example"});
        QCOMPARE(server->issued.certificate.sanIpAddresses().size(), std::size_t{1});
        QCOMPARE(server->issued.certificate.keyInfo().type, napkin::crypto::KeyType::Rsa);
        QCOMPARE(QFile(server->keyPath).permissions() & QFileDevice::ReadOther,
                 QFileDevice::Permissions());

        auto wildcard = ca->issueWrongName(QStringLiteral("w"), QStringLiteral("b.example"),
                                           WrongName::Wildcard);
        QVERIFY(wildcard.ok());
        QCOMPARE(wildcard->issued.certificate.sanDnsNames(),
                 std::vector<std::string>{"*.b.example"});
        auto cnOnly = ca->issueWrongName(QStringLiteral("cn"), QStringLiteral("b.example"),
                                         WrongName::CommonNameOnly);
        QVERIFY(cnOnly.ok());
        QVERIFY(cnOnly->issued.certificate.sanDnsNames().empty());
        QCOMPARE(cnOnly->issued.certificate.commonName(), std::string("b.example"));
        auto self = TestCa::selfSignedServer(m_dir.path(), QStringLiteral("self"),
                                             {QStringLiteral("b.example")});
        QVERIFY(self.ok());
        QVERIFY(!chainVerifies(*ca, self->issued.certificate));
    }

    void deviceCertificatesOfEveryShape() {
        DeviceCertSpec spec;
        spec.instanceUrn = CertBuilder::randomInstanceUrn();
        auto good = CertBuilder::device(spec);
        NAPKIN_VERIFY_OK(good);
        QVERIFY(good->certificate.checkSelfSigned().ok());
        QCOMPARE(good->certificate.sipUri().value_or(""), std::string("sip:bob@b.example"));
        QCOMPARE(QString::fromStdString(good->certificate.instanceUrn().value_or("")),
                 *spec.instanceUrn);
        QVERIFY(good->fingerprint().startsWith(QStringLiteral("sha256:")));

        spec.corruptSignature = true;
        auto broken = CertBuilder::device(spec);
        NAPKIN_VERIFY_OK(broken);
        QVERIFY(!broken->certificate.checkSelfSigned().ok());
        QVERIFY(broken->der != good->der);

        for (auto kind : {TestKeyKind::Rsa1024, TestKeyKind::EcP192, TestKeyKind::Ed25519}) {
            DeviceCertSpec weak;
            weak.key = kind;
            auto c = CertBuilder::device(weak);
            NAPKIN_VERIFY_OK(c);
            QVERIFY(c->certificate.checkSelfSigned().ok());
        }
        DeviceCertSpec expired;
        expired.notBeforeOffset = -10 * 86400;
        expired.notAfterOffset = -86400;
        auto e = CertBuilder::device(expired);
        QVERIFY(e.ok());
        QVERIFY(e->certificate.notAfter() < std::chrono::system_clock::now());
    }

    void pemChainsRead() {
        auto a = CertBuilder::device({});
        auto b = CertBuilder::device({});
        QVERIFY(a.ok() && b.ok());
        auto both = CertsOnlyReader::fromPem(a->pem + b->pem);
        QVERIFY(both.ok());
        QCOMPARE(both->size(), 2);
        QStringList expected = {a->fingerprint(), b->fingerprint()};
        expected.sort();
        QCOMPARE(CertsOnlyReader::fingerprints(*both), expected);
        QVERIFY(!CertsOnlyReader::fromDer("junk").ok());
        QVERIFY(!CertsOnlyReader::fromPem("junk").ok());
    }

    // The HTTPS client against OpenSSL's own test server.
    void httpsClientAgainstOpensslServer() {
        auto ca = TestCa::create(m_dir.filePath(QStringLiteral("ca2")));
        QVERIFY(ca.ok());
        auto server = ca->issueServer(QStringLiteral("srv"), {QStringLiteral("b.example")});
        QVERIFY(server.ok());
        const Endpoint ep = FreePort::uniqueEndpoint();
        ManagedProcess s_server(
            {QStringLiteral("s_server"),
             QStringLiteral("openssl"),
             {QStringLiteral("s_server"), QStringLiteral("-accept"), ep.hostPort(),
              QStringLiteral("-cert"), server->certPath, QStringLiteral("-key"), server->keyPath,
              QStringLiteral("-www"), QStringLiteral("-naccept"), QStringLiteral("3")},
             {},
             {},
             m_dir.path()});
        QVERIFY(s_server.start().ok());
        auto ready = s_server.waitForOutput(QStringLiteral("ACCEPT"), 10000);
        NAPKIN_VERIFY_OK(ready);

        HttpsClient client({ep, QStringLiteral("b.example"), ca->rootCertPath()});
        auto r = client.get("/");
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, 200);
        QVERIFY(r->body.contains("Ciphers"));

        HttpsClient wrongName({ep, QStringLiteral("c.example"), ca->rootCertPath()});
        auto w = wrongName.get("/");
        QVERIFY(!w.ok());
        QVERIFY2(w.error().contains(QStringLiteral("certificate")), qPrintable(w.error()));

        HttpsClient untrusting({ep, QStringLiteral("b.example"), QString()});
        auto u = untrusting.get("/");
        QVERIFY(!u.ok());
        QVERIFY2(u.error().contains(QStringLiteral("certificate")), qPrintable(u.error()));
    }

    void processesStartAndStop() {
        ManagedProcess ok({QStringLiteral("sh-exit"),
                           QStringLiteral("sh"),
                           {QStringLiteral("-c"), QStringLiteral("echo ready >&2; exit 3")},
                           {},
                           {},
                           m_dir.path()});
        QVERIFY(ok.start().ok());
        QVERIFY(ok.waitForOutput(QStringLiteral("ready"), 5000).ok());
        auto e = ok.waitForExit(5000);
        QVERIFY(e.ok());
        QVERIFY(e->normal);
        QCOMPARE(e->code, 3);
        QCOMPARE(ok.stderrText(), QStringLiteral("ready\n"));

        ManagedProcess sleeper({QStringLiteral("sleeper"),
                                QStringLiteral("sleep"),
                                {QStringLiteral("30")},
                                {},
                                {},
                                m_dir.path()});
        QVERIFY(sleeper.start().ok());
        QVERIFY(sleeper.isRunning());
        const ProcessExit stopped = sleeper.stop();
        QVERIFY(!stopped.normal);
        QVERIFY(!sleeper.isRunning());

        // Ignores SIGTERM: killed after the grace period.
        ProcessSpec stubborn{QStringLiteral("stubborn"),
                             QStringLiteral("sh"),
                             {QStringLiteral("-c"),
                              QStringLiteral("trap '' TERM; echo up; while :; do sleep 1; done")},
                             {},
                             {},
                             m_dir.path()};
        stubborn.stopGraceMs = 300;
        ManagedProcess p(stubborn);
        QVERIFY(p.start().ok());
        QVERIFY(p.waitForOutput(QStringLiteral("up"), 5000).ok());
        QElapsedTimer t;
        t.start();
        QVERIFY(!p.stop().normal);
        QVERIFY(t.elapsed() < 5000);

        auto missing = ManagedProcess({QStringLiteral("missing"),
                                       QStringLiteral("/nonexistent/program"),
                                       {},
                                       {},
                                       {},
                                       m_dir.path()})
                           .start();
        QVERIFY(!missing.ok());
    }

    void freePortsDiffer() {
        const QHostAddress a = FreePort::uniqueLoopbackAddress();
        const QHostAddress b = FreePort::uniqueLoopbackAddress();
        QVERIFY(a != b);
        QVERIFY(a.isLoopback());
        const Endpoint e{a, FreePort::pick(a)};
        QVERIFY(e.port != 0);
        QVERIFY(!FreePort::accepts(e, 200));
        QTcpServer listener;
        QVERIFY(listener.listen(e.address, e.port));
        QVERIFY(FreePort::accepts(e, 1000));
    }

    void postgresServerRuns() {
        if (PostgresServer::findBinDir().isEmpty()) {
            QSKIP("PostgreSQL is not installed (scripts/deps installs it)");
        }
        auto pg = PostgresServer::start();
        NAPKIN_VERIFY_OK(pg);
        QVERIFY((*pg)->url().startsWith(QStringLiteral("postgresql://napkin@127.")));
        auto one = (*pg)->psql(QStringLiteral("CREATE TABLE t(x int); INSERT INTO t VALUES (41), "
                                              "(1); SELECT sum(x) FROM t"));
        NAPKIN_VERIFY_OK(one);
        QCOMPARE(*one, QStringLiteral("42"));
        QVERIFY(!(*pg)->psql(QStringLiteral("SELECT nonsense FROM nowhere")).ok());
        const Endpoint ep = (*pg)->endpoint();
        (*pg)->stop();
        QVERIFY(!FreePort::accepts(ep, 300));
    }

    /// PacketCapture's parsers: an IPv4/UDP packet, TURN's two framings
    /// around a peer's RTP, and RTP versus STUN and multiplexed RTCP.
    void packetParsers() {
        const QByteArray rtp = QByteArray::fromHex("80 6f 0001 00000064 11223344") + "\x7c\x01";
        auto parsed = parseRtp(rtp);
        QVERIFY(parsed);
        QCOMPARE(parsed->ssrc, 0x11223344u);
        QCOMPARE(parsed->payloadType, std::uint8_t(111));
        QCOMPARE(parsed->payload, QByteArray("\x7c\x01"));
        // A header extension (one 32-bit word) is skipped.
        auto extended = parseRtp(QByteArray::fromHex("90 6f 0001 00000064 11223344 bede0001 "
                                                     "01020304 aa"));
        QVERIFY(extended);
        QCOMPARE(extended->payload, QByteArray("\xaa"));
        QVERIFY(!parseRtp(QByteArray::fromHex("80 c8 0006 11223344 00000000 00000000 00000000")));
        QVERIFY(!parseRtp(QByteArray::fromHex("0001 0000 2112a442 000000000000000000000000")));

        const QByteArray channel =
            QByteArray::fromHex("4000") + QByteArray::fromHex("000e") + rtp + QByteArray(2, '\0');
        QCOMPARE(turnPeerData(channel), std::optional<QByteArray>(rtp));
        // A Data indication: XOR-PEER-ADDRESS (8 bytes), then DATA.
        QByteArray data = QByteArray::fromHex("0017 0020 2112a442 000102030405060708090a0b "
                                              "0012 0008 0001 e1ba 11223344 "
                                              "0013 000e") +
                          rtp + QByteArray(2, '\0');
        QCOMPARE(turnPeerData(data), std::optional<QByteArray>(rtp));
        // A Binding request carries nothing for a peer.
        QVERIFY(!turnPeerData(QByteArray::fromHex("0001 0000 2112a442 000102030405060708090a0b")));

        // IPv4 (20 bytes), UDP 49152 -> 3478 with 4 bytes.
        const QByteArray ip = QByteArray::fromHex("45000020 00004000 40110000 c6336408 c6336465 "
                                                  "c000 0d96 000c 0000 deadbeef");
        auto udp = parseUdp(ip);
        QVERIFY(udp);
        QCOMPARE(udp->source, QHostAddress(QStringLiteral("198.51.100.8")));
        QCOMPARE(udp->destination, QHostAddress(QStringLiteral("198.51.100.101")));
        QCOMPARE(udp->sourcePort, std::uint16_t(49152));
        QCOMPARE(udp->destinationPort, std::uint16_t(3478));
        QCOMPARE(udp->payload, QByteArray::fromHex("deadbeef"));
        QByteArray tcp = ip;
        tcp[9] = 6;
        QVERIFY(!parseUdp(tcp));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestSupport)
#include "test_support.moc"
