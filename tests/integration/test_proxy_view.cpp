// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// What the proxies see of a secure call. The world's Kamailios run with
// TRACE_MESSAGES (deploy/kamailio/kamailio.cfg), so each logs every SIP
// message it receives or sends, whole. alice calls bob with audio; both
// verify each other, SRTP flows, and each side's recording holds the tone the
// other played (the two-domain secure call with audio both ways). Then, from the proxies' own
// record: the INVITE, the 200 OK and the ACK crossed them with their S/MIME bodies (so the record
// is not empty or cut short), and no SDES key (a=crypto, inline:) appears anywhere in it.

#include "tests/support/ToneCheck.h"
#include "tests/support/WorldRun.h"

#include <QSet>
#include <QTest>

using namespace napkin::testing;

class TestProxyView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void proxiesNeverSeeMediaKeys();

private:
    std::unique_ptr<WorldRun> m_world;
};

void TestProxyView::initTestCase() {
    auto world = WorldRun::up(QStringLiteral("TRACE_MESSAGES"));
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
}

void TestProxyView::cleanupTestCase() {
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

void TestProxyView::proxiesNeverSeeMediaKeys() {
    constexpr double kAliceTone = 1000;
    constexpr double kBobTone = 600;
    const QString aliceTone = m_world->scratch() + QStringLiteral("/alice-tone.wav");
    const QString bobTone = m_world->scratch() + QStringLiteral("/bob-tone.wav");
    const QString aliceHeard = m_world->scratch() + QStringLiteral("/alice-heard.wav");
    const QString bobHeard = m_world->scratch() + QStringLiteral("/bob-heard.wav");
    NAPKIN_VERIFY_OK(writeTone(aliceTone, kAliceTone, 20));
    NAPKIN_VERIFY_OK(writeTone(bobTone, kBobTone, 20));
    auto bob =
        m_world->agent(QStringLiteral("bob"),
                       {QStringLiteral("--config"), m_world->file(QStringLiteral("world/bob.ini")),
                        QStringLiteral("--auto-answer"), QStringLiteral("--play"), bobTone,
                        QStringLiteral("--record"), bobHeard});
    NAPKIN_VERIFY_OK(bob->start());
    NAPKIN_WAIT_EVENT(bobEnrolled, *bob, QStringLiteral("enrolled"), {}, 60000);
    NAPKIN_WAIT_EVENT(bobRegistered, *bob, QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("registered")}}, 60000);

    auto alice = m_world->agent(
        QStringLiteral("alice"),
        {QStringLiteral("--config"), m_world->file(QStringLiteral("world/alice.ini")),
         QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
         QStringLiteral("--hangup-after"), QStringLiteral("5"), QStringLiteral("--play"), aliceTone,
         QStringLiteral("--record"), aliceHeard});
    NAPKIN_VERIFY_OK(alice->start());

    NAPKIN_WAIT_EVENT(bobSees, *bob, QStringLiteral("identity"), {}, 60000);
    QCOMPARE(bobSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    NAPKIN_WAIT_EVENT(aliceSees, *alice, QStringLiteral("identity"), {}, 60000);
    QCOMPARE(aliceSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    NAPKIN_WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"), {{QStringLiteral("e2e"), true}});
    QCOMPARE(aliceMedia.value(QStringLiteral("audio")).toBool(), true);
    NAPKIN_WAIT_EVENT(bobMedia, *bob, QStringLiteral("media"), {{QStringLiteral("e2e"), true}});
    NAPKIN_WAIT_EVENT(aliceFlowing, *alice, QStringLiteral("media"),
                      {{QStringLiteral("flowing"), true}});
    NAPKIN_WAIT_EVENT(bobFlowing, *bob, QStringLiteral("media"),
                      {{QStringLiteral("flowing"), true}});
    NAPKIN_WAIT_EVENT(aliceEnded, *alice, QStringLiteral("ended"));
    NAPKIN_WAIT_EVENT(bobEnded, *bob, QStringLiteral("ended"));
    // A clean stop finishes the recordings.
    alice->process().stop();
    bob->process().stop();
    NAPKIN_VERIFY_OK(checkTone(aliceHeard, kBobTone));
    NAPKIN_VERIFY_OK(checkTone(bobHeard, kAliceTone));

    const auto trace = m_world->trace();
    QVERIFY2(!trace.empty(), "the proxies recorded nothing (TRACE_MESSAGES off?)");

    // The call's messages crossed both domains' proxies, bodies included.
    bool invite = false;
    bool ok = false;
    bool ack = false;
    QSet<QString> proxiesWithInvite;
    for (const TracedMessage &m : trace) {
        const QByteArray type = m.header("Content-Type");
        const QByteArray body = m.body();
        if (m.method() == "INVITE" && type.startsWith("multipart/signed") &&
            body.contains("message/sipfrag")) {
            invite = true;
            proxiesWithInvite.insert(m.proxy);
        }
        if (m.status() == 200 && m.cseqMethod() == "INVITE" &&
            type.startsWith("multipart/signed") && body.contains("application/pkcs7-mime")) {
            ok = true;
        }
        if (m.method() == "ACK" && type.startsWith("multipart/signed") &&
            body.contains("application/pkcs7-mime")) {
            ack = true;
        }
    }
    QVERIFY2(invite, "no signed INVITE in the proxies' record");
    QVERIFY2(ok, "no 200 OK with a signed, encrypted SDP in the proxies' record");
    QVERIFY2(ack, "no ACK with a signed, encrypted SDP in the proxies' record");
    QVERIFY2(proxiesWithInvite.contains(QStringLiteral("kamailio-a")) &&
                 proxiesWithInvite.contains(QStringLiteral("kamailio-b")),
             qPrintable(QStringList(proxiesWithInvite.values()).join(QLatin1Char(' '))));

    // Not one SDES key, in any message, in any direction.
    for (const TracedMessage &m : trace) {
        QVERIFY2(!m.bytes.contains("a=crypto") && !m.bytes.contains("inline:"),
                 qPrintable(m.proxy + QLatin1Char(' ') + m.direction + QLatin1Char(' ') +
                            QString::fromLatin1(m.bytes.left(m.bytes.indexOf('\r')))));
        // Nor a clear SDP at all: the session description only travels sealed.
        QVERIFY2(!m.header("Content-Type").startsWith("application/sdp"),
                 qPrintable(m.proxy + QStringLiteral(" saw a clear SDP")));
    }
}

QTEST_GUILESS_MAIN(TestProxyView)
#include "test_proxy_view.moc"
