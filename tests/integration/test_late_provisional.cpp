// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// A 180 Ringing that reaches the caller after the callee's 200 OK (proxies
// can reorder them). Unguarded, Debian's Sofia-SIP 1.12.11 then refuses the
// application's ACK ("900 No response to ACK") and sends nothing, so the
// callee waits for an ACK that never comes. With sipcore/SofiaFixes' guard
// the late 180 changes nothing (RFC 3261 17.1.1.2): the caller ACKs the 200
// with its answer, the call becomes active and ends normally. The callee is
// a UDP socket that sends 200 then 180 (and, to be sure, another 180 after
// the 200's first retransmission window).

#include "tests/support/RawSipPhone.h"
#include "tests/support/WorldRun.h"

#include <QTest>

using namespace napkin::testing;

class TestLateProvisional : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void ringingAfterOkChangesNothing();

private:
    std::unique_ptr<WorldRun> m_world;
};

void TestLateProvisional::initTestCase() {
    auto world = WorldRun::up();
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
}

void TestLateProvisional::cleanupTestCase() {
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

void TestLateProvisional::ringingAfterOkChangesNothing() {
    RawSipPhone phone;
    NAPKIN_VERIFY_OK(phone.bind());
    auto caller = m_world->directCaller(
        QStringLiteral("alice"), QStringLiteral("alice-late"), QStringLiteral("sip:bob@b.example"),
        phone.target(),
        {QStringLiteral("--hangup-after"), QStringLiteral("2"), QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(caller);
    const auto alice = std::move(caller).value();
    NAPKIN_VERIFY_OK(alice->start());

    bool invited = false;
    QByteArray ack;
    const bool bye = phone.serveUntilBye(60000, [&](const RawSipPhone::Datagram &d) {
        if (d.bytes.startsWith("INVITE ") && !invited) {
            invited = true;
            const QByteArray ringing = "SIP/2.0 180 Ringing\r\n" +
                                       phone.dialogHeaders(d.bytes, "late1") +
                                       "Content-Length: 0\r\n\r\n";
            phone.send(phone.okWithPlainOffer(d.bytes, "late1"), d);
            phone.send(ringing, d); // overtaken: after the 200
            phone.send(ringing, d); // and once more
        } else if (d.bytes.startsWith("ACK ") && ack.isEmpty()) {
            ack = d.bytes;
        }
    });
    QVERIFY(invited);
    QVERIFY2(!ack.isEmpty(), "the caller never ACKed the 200 OK that a 180 overtook");
    // The 200 offered plain SDP, so the ACK carries the caller's plain answer.
    QVERIFY2(ack.toLower().contains("content-type: application/sdp"), ack.constData());
    QVERIFY(ack.contains("m=audio "));
    QVERIFY(bye); // --hangup-after 2: the call was up and ended normally
    NAPKIN_WAIT_EVENT(active, *alice, QStringLiteral("call_state"),
                      QJsonObject{{QStringLiteral("state"), QStringLiteral("active")}});
    NAPKIN_WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    alice->process().stop();
}

QTEST_GUILESS_MAIN(TestLateProvisional)
#include "test_late_provisional.moc"
