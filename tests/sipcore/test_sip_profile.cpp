// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The [sip] and [calls] sections of the account profile.

#include "sipcore/SipProfile.h"

#include <QTest>

using namespace napkin::sip;

class TestSipProfile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaults() {
        auto p = SipProfile::parse("[account]\naor = sip:a@b.example\n", "/x/alice.ini");
        QVERIFY(p.ok());
        QCOMPARE(p->listen, std::string("sip:*:*"));
        QCOMPARE(p->transport, std::string("udp"));
        QCOMPARE(p->registrationExpiry.count(), 600);
        QCOMPARE(p->keepaliveInterval.count(), 25);
        QVERIFY(!p->requireEndToEnd);
        QVERIFY(!p->ringOnFailed);
    }

    void fullProfile() {
        const char *text = "[account]\naor = sip:alice@a.example\nunknown_elsewhere = ok\n"
                           "[sip]\nlisten = sip:127.0.0.1:5070   ; comment\n"
                           "listen_tls = \"sips:127.0.0.1:5071\"\ntransport = TLS\n"
                           "tls_dir = tls\nregistration_expiry = 120\nmedia_address = 10.0.0.1\n"
                           "keepalive_interval = 0\n"
                           "[calls]\nrequire_end_to_end = yes\nring_on_failed = off\n";
        auto p = SipProfile::parse(text, "/profiles/alice.ini");
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().c_str());
        QCOMPARE(p->listen, std::string("sip:127.0.0.1:5070"));
        QCOMPARE(p->listenTls, std::string("sips:127.0.0.1:5071"));
        QCOMPARE(p->transport, std::string("tls"));
        QCOMPARE(p->tlsDirectory, std::string("/profiles/tls"));
        QCOMPARE(p->registrationExpiry.count(), 120);
        QCOMPARE(p->keepaliveInterval.count(), 0);
        QCOMPARE(p->mediaAddress, std::string("10.0.0.1"));
        QVERIFY(p->requireEndToEnd);
        QVERIFY(!p->ringOnFailed);
    }

    void errorsNameTheLine_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key") << QStringLiteral("[sip]\nlisten = sip:*:*\nlsten = x\n")
                                     << QStringLiteral("line 3: unknown key 'lsten' in [sip]");
        QTest::newRow("twice") << QStringLiteral(
                                      "[calls]\nring_on_failed = 1\nring_on_failed = 0\n")
                               << QStringLiteral("line 3: 'ring_on_failed' appears twice");
        QTest::newRow("transport") << QStringLiteral("[sip]\ntransport = sctp\n")
                                   << QStringLiteral("line 2: transport must be udp, tcp or tls");
        QTest::newRow("boolean") << QStringLiteral("[calls]\nrequire_end_to_end = maybe\n")
                                 << QStringLiteral(
                                        "line 2: require_end_to_end must be true or false");
        QTest::newRow("expiry") << QStringLiteral("[sip]\nregistration_expiry = 5\n")
                                << QStringLiteral("30 to 86400");
        QTest::newRow("keep-alive") << QStringLiteral("[sip]\nkeepalive_interval = -1\n")
                                    << QStringLiteral("keepalive_interval must be 0 (off)");
        QTest::newRow("media address name")
            << QStringLiteral("[sip]\nmedia_address = phone.example\n")
            << QStringLiteral("media_address must be an IP address");
        QTest::newRow("media address garbage")
            << QStringLiteral("[sip]\nmedia_address = 10.0.0.300\n")
            << QStringLiteral("media_address must be an IP address");
        QTest::newRow("listen scheme") << QStringLiteral("[sip]\nlisten = http://x\n")
                                       << QStringLiteral("listen must be a sip: URI");
        QTest::newRow("tls without listener")
            << QStringLiteral("[sip]\ntransport = tls\n") << QStringLiteral("needs listen_tls");
        QTest::newRow("no equals") << QStringLiteral("[sip]\nlisten\n")
                                   << QStringLiteral("line 2: expected 'key = value'");
        QTest::newRow("unterminated") << QStringLiteral("[sip]\nlisten = \"sip:x\n")
                                      << QStringLiteral("malformed quoted value");
    }

    void errorsNameTheLine() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        auto p = SipProfile::parse(text.toStdString(), "/p/x.ini");
        QVERIFY(!p.ok());
        QVERIFY2(QString::fromStdString(p.error()).contains(expected), p.error().c_str());
    }

    void toIniReadsBack() {
        SipProfile p;
        p.listen = "sip:127.0.0.1:5070";
        p.listenTls = "sips:127.0.0.1:5071";
        p.transport = "tls";
        p.tlsDirectory = "/profiles/my tls";
        p.registrationExpiry = std::chrono::seconds(120);
        p.mediaAddress = "10.0.0.1";
        p.requireEndToEnd = true;
        p.ringOnFailed = true;
        SipProfile automatic;
        automatic.mediaAddress = "auto";
        SipProfile v6;
        v6.mediaAddress = "2001:db8::7";
        for (const SipProfile &profile : {p, SipProfile{}, automatic, v6}) {
            auto text = profile.toIni();
            QVERIFY(text.ok());
            auto back = SipProfile::parse(*text, "/profiles/alice.ini");
            QVERIFY2(back.ok(), back.ok() ? text->c_str() : back.error().c_str());
            QVERIFY2(*back == profile, text->c_str());
        }
    }

    void checkNamesWhatIsMissing() {
        SipProfile p;
        p.transport = "tls";
        QVERIFY(!p.check());
        QVERIFY(p.check().error().find("needs listen_tls") != std::string::npos);
        p.transport = "sctp";
        QVERIFY(p.check().error().find("udp, tcp or tls") != std::string::npos);
    }

    void missingFile() {
        auto p = SipProfile::load("/nonexistent/napkin.ini");
        QVERIFY(!p.ok());
        QVERIFY(p.error().find("/nonexistent/napkin.ini") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestSipProfile)
#include "test_sip_profile.moc"
