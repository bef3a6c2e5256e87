// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The RFC 3893 Authenticated Identity Body: building, parsing, and every check
// a callee makes against the real headers.

#include "sipcore/IdentityBody.h"

#include <QTest>

using namespace napkin::sip;
using namespace std::chrono_literals;

namespace {

IdentityHeaders sample(std::chrono::system_clock::time_point now) {
    IdentityHeaders h;
    h.from = "\"Alice\" <sip:alice@a.example>;tag=1928301774";
    h.to = "<sip:bob@b.example>";
    h.callId = "a84b4c76e66710@pc33.a.example";
    h.cseq = "314159 INVITE";
    h.date = formatSipDate(now);
    h.contact = "<sip:alice@127.0.0.1:5070;transport=udp>";
    return h;
}

std::chrono::system_clock::time_point fixedNow() {
    return *parseSipDate("Mon, 23 Nov 2026 17:52:06 GMT");
}

} // namespace

class TestIdentityBody : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dateRoundTrip() {
        auto now = fixedNow();
        QCOMPARE(QString::fromStdString(formatSipDate(now)),
                 QStringLiteral("Mon, 23 Nov 2026 17:52:06 GMT"));
        QVERIFY(!parseSipDate("Mon, 23 Nov 2026 17:52:06 UTC"));
        QVERIFY(!parseSipDate("Mon, 32 Nov 2026 17:52:06 GMT"));
        QVERIFY(!parseSipDate("Xyz, 23 Nov 2026 17:52:06 GMT"));
        QVERIFY(!parseSipDate(""));
        // Beyond what system_clock holds (a fuzz_identity_headers seed).
        QVERIFY(!parseSipDate("Fri, 31 Dec 9999 23:59:59 GMT"));
        QVERIFY(parseSipDate("Fri, 31 Dec 2100 23:59:59 GMT"));
    }

    void roundTripAndCheck() {
        auto now = fixedNow();
        auto h = sample(now);
        auto parsed = parseIdentityBody(buildIdentityBody(h));
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->from, h.from);
        QCOMPARE(parsed->cseq, h.cseq);
        QVERIFY(checkIdentityBody(*parsed, h, now + 30s).ok());
    }

    void reserialisedHeadersStillMatch() {
        // A proxy or stack may re-quote the display name or change the case of the host.
        auto now = fixedNow();
        auto h = sample(now);
        IdentityHeaders actual = h;
        actual.from = "Alice <sip:alice@A.EXAMPLE>;tag=1928301774";
        actual.to = "sip:bob@b.example;tag=abc"; // callee added a tag
        actual.cseq = "314159   INVITE";
        QVERIFY(checkIdentityBody(h, actual, now).ok());
    }

    void mismatches_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("code");
        QTest::newRow("from user")
            << "from"
            << "<sip:mallory@a.example>;tag=1928301774" << int(AibErrc::Mismatch);
        QTest::newRow("from tag") << "from"
                                  << "<sip:alice@a.example>;tag=666" << int(AibErrc::Mismatch);
        QTest::newRow("to") << "to"
                            << "<sip:carol@b.example>" << int(AibErrc::Mismatch);
        QTest::newRow("call-id") << "callId"
                                 << "other@x" << int(AibErrc::Mismatch);
        QTest::newRow("cseq number") << "cseq"
                                     << "314160 INVITE" << int(AibErrc::Mismatch);
        QTest::newRow("cseq method") << "cseq"
                                     << "314159 BYE" << int(AibErrc::Mismatch);
        QTest::newRow("contact") << "contact"
                                 << "<sip:alice@10.0.0.1>" << int(AibErrc::Mismatch);
        QTest::newRow("contact transport")
            << "contact"
            << "<sip:alice@127.0.0.1:5070;transport=tcp>" << int(AibErrc::Mismatch);
        QTest::newRow("date") << "date"
                              << "Mon, 23 Nov 2026 17:52:07 GMT" << int(AibErrc::Mismatch);
        QTest::newRow("from garbage") << "from"
                                      << "\"unterminated <sip:a@b>" << int(AibErrc::Malformed);
    }
    void mismatches() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(int, code);
        auto now = fixedNow();
        auto h = sample(now);
        IdentityHeaders actual = h;
        std::string v = value.toStdString();
        if (field == QLatin1String("from")) {
            actual.from = v;
        } else if (field == QLatin1String("to")) {
            actual.to = v;
        } else if (field == QLatin1String("callId")) {
            actual.callId = v;
        } else if (field == QLatin1String("cseq")) {
            actual.cseq = v;
        } else if (field == QLatin1String("contact")) {
            actual.contact = v;
        } else if (field == QLatin1String("date")) {
            actual.date = v;
        }
        auto r = checkIdentityBody(h, actual, now);
        QVERIFY(!r);
        QCOMPARE(int(r.error().code), code);
        QVERIFY(!r.error().message.empty());
    }

    void dateWindow() {
        auto now = fixedNow();
        auto h = sample(now);
        QVERIFY(checkIdentityBody(h, h, now + 9min).ok());
        QVERIFY(checkIdentityBody(h, h, now - 9min).ok());
        auto late = checkIdentityBody(h, h, now + 11min);
        QVERIFY(!late);
        QCOMPARE(late.error().code, AibErrc::DateOutOfRange);
        auto early = checkIdentityBody(h, h, now - 11min);
        QVERIFY(!early);
        QCOMPARE(early.error().code, AibErrc::DateOutOfRange);
    }

    void compactNamesAccepted() {
        std::string body = "Content-Type: message/sipfrag\r\n\r\n"
                           "f: <sip:alice@a.example>;tag=1\r\nt: <sip:bob@b.example>\r\n"
                           "i: x@y\r\nCSeq: 1 INVITE\r\nDate: Mon, 23 Nov 2026 17:52:06 GMT\r\n"
                           "m: <sip:alice@127.0.0.1>\r\n";
        auto parsed = parseIdentityBody(body);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->callId, std::string("x@y"));
        QCOMPARE(parsed->contact, std::string("<sip:alice@127.0.0.1>"));
    }

    void malformedBodies_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("code");
        QTest::newRow("empty") << QByteArray() << int(AibErrc::Malformed);
        QTest::newRow("not sipfrag")
            << QByteArray("Content-Type: text/plain\r\n\r\nhi\r\n") << int(AibErrc::Malformed);
        QTest::newRow("no content-type")
            << QByteArray("\r\nFrom: <sip:a@b>\r\n") << int(AibErrc::Malformed);
        QTest::newRow("missing date")
            << QByteArray("Content-Type: message/sipfrag\r\n\r\nFrom: <sip:a@b>;tag=1\r\n"
                          "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n")
            << int(AibErrc::Missing);
        QTest::newRow("two froms")
            << QByteArray("Content-Type: message/sipfrag\r\n\r\nFrom: <sip:a@b>;tag=1\r\n"
                          "f: <sip:e@f>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
                          "CSeq: 1 INVITE\r\nDate: Mon, 23 Nov 2026 17:52:06 GMT\r\n")
            << int(AibErrc::Malformed);
        QTest::newRow("nul in header")
            << QByteArray("Content-Type: message/sipfrag\r\n\r\nFrom: <sip:a@b>\0;tag=1\r\n", 52)
            << int(AibErrc::Malformed);
        QTest::newRow("huge") << QByteArray(20000, 'a') << int(AibErrc::Malformed);
    }
    void malformedBodies() {
        QFETCH(QByteArray, body);
        QFETCH(int, code);
        auto r = parseIdentityBody(std::string_view(body.constData(), size_t(body.size())));
        QVERIFY(!r);
        QCOMPARE(int(r.error().code), code);
    }

    void nameAddrForms() {
        auto a = parseNameAddr("sip:alice@a.example;tag=xyz");
        QVERIFY(a);
        QCOMPARE(a->uri, std::string("sip:alice@a.example"));
        QCOMPARE(a->tag, std::string("xyz"));
        auto b = parseNameAddr("\"A <weird> name\" <sip:alice@a.example;transport=tcp>;TAG=q");
        QVERIFY(b);
        QCOMPARE(b->uri, std::string("sip:alice@a.example;transport=tcp"));
        QCOMPARE(b->tag, std::string("q"));
        QVERIFY(!parseNameAddr("<sip:alice@a.example"));
        QVERIFY(!parseNameAddr("no uri here"));
        QVERIFY(sipUrisEqual("sip:alice@A.example", "SIP:alice@a.EXAMPLE"));
        QVERIFY(!sipUrisEqual("sip:Alice@a.example", "sip:alice@a.example"));
        QVERIFY(!sipUrisEqual("sip:alice@a.example;transport=tcp", "sip:alice@a.example"));
        QVERIFY(sipUrisEqual("sip:alice@a.example;lr", "sip:alice@a.example"));
        // A parameter named twice: equal to nothing, in either order.
        QVERIFY(!sipUrisEqual("sip:alice@a.example;transport=udp;transport=tcp",
                              "sip:alice@a.example;transport=udp"));
        QVERIFY(!sipUrisEqual("sip:alice@a.example;transport=udp",
                              "sip:alice@a.example;transport=udp;transport=tcp"));
    }
};

QTEST_GUILESS_MAIN(TestIdentityBody)
#include "test_identity_body.moc"
