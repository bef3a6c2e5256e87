// A 180 Ringing that reaches the caller after the callee's 200 OK (proxies
// can reorder them). Unguarded, Debian's Sofia-SIP 1.12.11 then refuses the
// application's ACK ("900 No response to ACK") and sends nothing, so the
// callee waits for an ACK that never comes. With sipcore/SofiaFixes' guard
// the late 180 changes nothing (RFC 3261 17.1.1.2): the caller ACKs the 200
// with its answer, the call becomes active and ends normally. The callee is
// a UDP socket that sends 200 then 180 (and, to be sure, another 180 after
// the 200's first retransmission window).

#include "tests/support/FreePort.h"
#include "tests/support/SipHeaders.h"
#include "tests/support/WorldRun.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTest>
#include <QUdpSocket>

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
    QFile base(m_world->file(QStringLiteral("world/alice.ini")));
    QVERIFY(base.open(QIODevice::ReadOnly));
    QByteArray text;
    for (const QByteArray &line : base.readAll().split('\n')) {
        if (!line.startsWith("registrar") && !line.startsWith("outbound_proxy")) {
            text += line + '\n';
        }
    }
    const QString ini = m_world->file(QStringLiteral("world/alice-late.ini"));
    QFile out(ini);
    QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(out.write(text), text.size());
    out.close();

    QUdpSocket phone;
    const QHostAddress address = FreePort::uniqueLoopbackAddress();
    QVERIFY(phone.bind(address, FreePort::pick(address)));
    const QString target =
        QStringLiteral("sip:%1:%2;transport=udp").arg(address.toString()).arg(phone.localPort());
    auto alice = m_world->agent(QStringLiteral("alice-late"),
                                {QStringLiteral("--config"), ini, QStringLiteral("--call"),
                                 QStringLiteral("sip:bob@b.example"), QStringLiteral("--via"),
                                 target, QStringLiteral("--hangup-after"), QStringLiteral("2"),
                                 QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(alice->start());

    bool invited = false;
    bool bye = false;
    QByteArray ack;
    QElapsedTimer clock;
    clock.start();
    while (!bye && clock.elapsed() < 60000) {
        if (!phone.hasPendingDatagrams()) {
            QTest::qWait(10);
            continue;
        }
        QByteArray d(static_cast<int>(phone.pendingDatagramSize()), '\0');
        QHostAddress from;
        quint16 port = 0;
        phone.readDatagram(d.data(), d.size(), &from, &port);
        if (d.startsWith("INVITE ") && !invited) {
            invited = true;
            const QByteArray key = QByteArray(30, 'k').toBase64(); // a test key, never used
            const QByteArray sdp = "v=0\r\no=- 1 1 IN IP4 " + address.toString().toLatin1() +
                                   "\r\ns=-\r\nc=IN IP4 " + address.toString().toLatin1() +
                                   "\r\nt=0 0\r\nm=audio 40100 RTP/SAVP 111\r\n"
                                   "a=rtpmap:111 opus/48000/2\r\n"
                                   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" +
                                   key + "\r\na=sendrecv\r\n";
            QByteArray to;
            for (const QByteArray &line : d.split('\n')) {
                if (line.toLower().startsWith("to:")) {
                    to = line.trimmed() + ";tag=late1\r\n";
                    break;
                }
            }
            const QByteArray common = headerLines(d, {"via", "from", "call-id", "cseq"}) + to +
                                      "Contact: <" + target.toLatin1() + ">\r\n";
            const QByteArray ok = "SIP/2.0 200 OK\r\n" + common +
                                  "Content-Type: application/sdp\r\nContent-Length: " +
                                  QByteArray::number(sdp.size()) + "\r\n\r\n" + sdp;
            const QByteArray ringing =
                "SIP/2.0 180 Ringing\r\n" + common + "Content-Length: 0\r\n\r\n";
            phone.writeDatagram(ok, from, port);
            phone.writeDatagram(ringing, from, port); // overtaken: after the 200
            phone.writeDatagram(ringing, from, port); // and once more
        } else if (d.startsWith("ACK ") && ack.isEmpty()) {
            ack = d;
        } else if (d.startsWith("BYE ")) {
            bye = true;
            phone.writeDatagram("SIP/2.0 200 OK\r\n" +
                                    headerLines(d, {"via", "from", "to", "call-id", "cseq"}) +
                                    "Content-Length: 0\r\n\r\n",
                                from, port);
        }
    }
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
