// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Query strings and forms: strict percent-decoding (bad escapes are errors,
// never guesses), the sip=/email= aliases, fingerprints, and the small header
// parsers of the service (Accept, If-None-Match, Content-Type).

#include "certd/CertdService.h"
#include "certd/QueryString.h"
#include "tests/certd/CertdTestSupport.h"

#include <QTest>

using namespace napkin::certd;

class TestCertdQuery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void decodes_data() {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<bool>("plusIsSpace");
        QTest::addColumn<QByteArray>("out");
        QTest::newRow("plain") << QByteArray("bob") << false << QByteArray("bob");
        QTest::newRow("at") << QByteArray("bob%40b.example") << false
                            << QByteArray("bob@b.example");
        QTest::newRow("lower hex") << QByteArray("%3a%3A") << false << QByteArray("::");
        QTest::newRow("plus kept") << QByteArray("+15551234") << false << QByteArray("+15551234");
        QTest::newRow("plus in form") << QByteArray("a+b") << true << QByteArray("a b");
        QTest::newRow("encoded plus") << QByteArray("%2B1") << true << QByteArray("+1");
        QTest::newRow("utf-8") << QByteArray("%C3%A9") << false << QByteArray("\xc3\xa9");
        QTest::newRow("empty") << QByteArray("") << false << QByteArray("");
    }
    void decodes() {
        QFETCH(QByteArray, in);
        QFETCH(bool, plusIsSpace);
        QFETCH(QByteArray, out);
        auto r = percentDecode(in.toStdString(), plusIsSpace);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(QByteArray::fromStdString(*r), out);
    }

    void rejectsBadEncodings_data() {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<QString>("why");
        QTest::newRow("lone percent") << QByteArray("bob%") << QStringLiteral("incomplete");
        QTest::newRow("one digit") << QByteArray("bob%4") << QStringLiteral("incomplete");
        QTest::newRow("not hex") << QByteArray("bob%4G") << QStringLiteral("percent-escape");
        QTest::newRow("not hex first") << QByteArray("%zz40") << QStringLiteral("percent-escape");
        QTest::newRow("nul") << QByteArray("bob%00") << QStringLiteral("control");
        QTest::newRow("newline") << QByteArray("bob%0Aevil") << QStringLiteral("control");
        QTest::newRow("del") << QByteArray("%7f") << QStringLiteral("control");
        QTest::newRow("raw control") << QByteArray("a\tb") << QStringLiteral("control");
    }
    void rejectsBadEncodings() {
        QFETCH(QByteArray, in);
        QFETCH(QString, why);
        auto r = percentDecode(in.toStdString(), false);
        QVERIFY(!r.ok());
        QVERIFY2(qs(r.error().message).contains(why), r.error().message.c_str());
    }

    void splitsFields() {
        auto r = parseQuery("a=1&&b=&c&d=x%26y=z", false);
        QVERIFY(r.ok());
        QCOMPARE(r->size(), std::size_t{4});
        QCOMPARE(qs((*r)[0].first), QStringLiteral("a"));
        QCOMPARE(qs((*r)[0].second), QStringLiteral("1"));
        QCOMPARE(qs((*r)[1].second), QString());
        QCOMPARE(qs((*r)[2].first), QStringLiteral("c"));
        QCOMPARE(qs((*r)[3].second), QStringLiteral("x&y=z"));
        QVERIFY(parseQuery("", false)->empty());
    }

    void limitsFields() {
        std::string many;
        for (int i = 0; i < 40; ++i) {
            many += "f" + std::to_string(i) + "=1&";
        }
        QVERIFY(!parseQuery(many, false).ok());
        QVERIFY(!parseQuery(std::string(kMaxQueryLength + 1, 'a'), false).ok());
    }

    void searchQuery_data() {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<QString>("address");
        QTest::newRow("sip") << QByteArray("sip=bob%40b.example")
                             << QStringLiteral("bob@b.example");
        QTest::newRow("email alias")
            << QByteArray("email=bob%40b.example") << QStringLiteral("bob@b.example");
        QTest::newRow("raw at") << QByteArray("sip=bob@b.example")
                                << QStringLiteral("bob@b.example");
        QTest::newRow("uri form") << QByteArray("sip=sip%3Abob%40b.example")
                                  << QStringLiteral("bob@b.example");
        QTest::newRow("host case")
            << QByteArray("sip=bob%40B.Example.") << QStringLiteral("bob@b.example");
        QTest::newRow("phone number")
            << QByteArray("sip=+15551234%40b.example") << QStringLiteral("+15551234@b.example");
        QTest::newRow("unknown params ignored")
            << QByteArray("x=1&sip=bob%40b.example&_=123") << QStringLiteral("bob@b.example");
    }
    void searchQuery() {
        QFETCH(QByteArray, query);
        QFETCH(QString, address);
        auto r = parseSearchQuery(query.toStdString(), false);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(qs(r->aor.address()), address);
        QVERIFY(!r->fingerprint.has_value());
    }

    void badSearchQueries_data() {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<bool>("fingerprintAllowed");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QByteArray("") << false << QStringLiteral("needs sip=");
        QTest::newRow("other param only")
            << QByteArray("user=bob") << false << QStringLiteral("needs sip=");
        QTest::newRow("both aliases") << QByteArray("sip=bob%40b.example&email=bob%40b.example")
                                      << false << QStringLiteral("more than once");
        QTest::newRow("repeated") << QByteArray("sip=a%40b.example&sip=c%40b.example") << false
                                  << QStringLiteral("more than once");
        QTest::newRow("no user") << QByteArray("sip=%40b.example") << false
                                 << QStringLiteral("not valid");
        QTest::newRow("no domain") << QByteArray("sip=bob") << false << QStringLiteral("not valid");
        QTest::newRow("port") << QByteArray("sip=bob%40b.example%3A5060") << false
                              << QStringLiteral("not valid");
        QTest::newRow("bad escape")
            << QByteArray("sip=bob%4xb.example") << false << QStringLiteral("percent-escape");
        QTest::newRow("bad fingerprint") << QByteArray("sip=bob%40b.example&fingerprint=md5:abcd")
                                         << true << QStringLiteral("fingerprint=");
        QTest::newRow("short fingerprint")
            << QByteArray("sip=bob%40b.example&fingerprint=sha256:abcd") << true
            << QStringLiteral("fingerprint=");
        QTest::newRow("two fingerprints")
            << QByteArray("sip=bob%40b.example&fingerprint=a&fingerprint=b") << true
            << QStringLiteral("more than once");
    }
    void badSearchQueries() {
        QFETCH(QByteArray, query);
        QFETCH(bool, fingerprintAllowed);
        QFETCH(QString, why);
        auto r = parseSearchQuery(query.toStdString(), fingerprintAllowed);
        QVERIFY(!r.ok());
        QVERIFY2(qs(r.error().message).contains(why), r.error().message.c_str());
    }

    void fingerprints() {
        const std::string hex(64, 'A');
        auto r = parseSearchQuery("sip=bob%40b.example&fingerprint=SHA256%3A" + hex, true);
        QVERIFY(r.ok());
        QCOMPARE(qs(*r->fingerprint), qs("sha256:" + std::string(64, 'a')));
        QVERIFY(normaliseFingerprint("sha256:" + std::string(63, 'a') + "g") == std::nullopt);
        QVERIFY(normaliseFingerprint("sha1:" + std::string(64, 'a')) == std::nullopt);
        // Where a fingerprint is not expected it is ignored.
        QVERIFY(!parseSearchQuery("sip=bob%40b.example&fingerprint=x", false)->fingerprint);
    }

    void percentEncodeRoundTrip() {
        const std::string text = "bob@b.example/+ x%";
        auto encoded = percentEncode(text);
        QCOMPARE(qs(encoded), QStringLiteral("bob%40b.example%2F%2B%20x%25"));
        QCOMPARE(qs(*percentDecode(encoded, false)), qs(text));
    }

    void acceptNegotiation() {
        QVERIFY(!acceptsPemChain(std::nullopt));
        QVERIFY(!acceptsPemChain("*/*"));
        QVERIFY(acceptsPemChain("application/pem-certificate-chain"));
        QVERIFY(acceptsPemChain("text/html, Application/PEM-Certificate-Chain;q=0.5"));
        QVERIFY(!acceptsPemChain("application/pem-certificate-chain;q=0"));
        QVERIFY(!acceptsPemChain("application/pkcs7-mime, application/pem-certificate-chain"));
        QVERIFY(acceptsPemChain("application/pkcs7-mime;q=0.2, application/pem-certificate-chain"));
        QVERIFY(!acceptsPemChain("application/pem-certificate-chain;q=banana"));
    }

    void ifNoneMatch() {
        const std::string tag = "\"abc\"";
        QVERIFY(ifNoneMatchMatches("\"abc\"", tag));
        QVERIFY(ifNoneMatchMatches("W/\"abc\"", tag));
        QVERIFY(ifNoneMatchMatches("\"x\", \"abc\"", tag));
        QVERIFY(ifNoneMatchMatches("*", tag));
        QVERIFY(!ifNoneMatchMatches("\"abd\"", tag));
        QVERIFY(!ifNoneMatchMatches("", tag));
        QVERIFY(!ifNoneMatchMatches("abc", tag));
    }

    void realmFromHost() {
        const std::vector<std::string> domains = {"a.example", "b.example"};
        QCOMPARE(qs(realmForHost("B.Example.:8443", domains)), QStringLiteral("b.example"));
        QCOMPARE(qs(realmForHost("b.example", domains)), QStringLiteral("b.example"));
        QCOMPARE(qs(realmForHost("c.example", domains)), QStringLiteral("a.example"));
        QCOMPARE(qs(realmForHost("[2001:db8::1]:443", domains)), QStringLiteral("a.example"));
        QCOMPARE(qs(realmForHost("[b.example", domains)), QStringLiteral("a.example"));
        QCOMPARE(qs(realmForHost(std::nullopt, domains)), QStringLiteral("a.example"));
    }

    void mediaTypes() {
        QCOMPARE(qs(mediaType("Application/PKIX-Cert; charset=binary")),
                 QStringLiteral("application/pkix-cert"));
        QCOMPARE(qs(mediaType(" text/plain ")), QStringLiteral("text/plain"));
        QCOMPARE(qs(mediaType("")), QString());
    }
};

QTEST_GUILESS_MAIN(TestCertdQuery)
#include "test_certd_unit_query.moc"
