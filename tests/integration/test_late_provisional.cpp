// A 180 Ringing that reaches the caller after the callee's 200 OK (proxies
// can reorder them). Debian's Sofia-SIP 1.12.11 then refuses the
// application's ACK ("900 No response to ACK") and sends nothing, so the
// callee would wait for an ACK that never comes while the caller thinks the
// call is up. The caller must notice and end the call with a BYE and a clear
// reason, at once. The callee is a UDP socket that sends 200 then 180.

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
    void ringingAfterOkEndsTheCallCleanly();

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

void TestLateProvisional::ringingAfterOkEndsTheCallCleanly() {
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
                                 target, QStringLiteral("--hangup-after"), QStringLiteral("20"),
                                 QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(alice->start());

    bool invited = false;
    bool bye = false;
    bool acked = false;
    qint64 answeredAt = -1;
    qint64 byeAt = -1;
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
            answeredAt = clock.elapsed();
        } else if (d.startsWith("ACK ")) {
            acked = true; // a Sofia-SIP without the defect: the ACK goes out
            break;
        } else if (d.startsWith("BYE ")) {
            bye = true;
            byeAt = clock.elapsed();
            phone.writeDatagram("SIP/2.0 200 OK\r\n" +
                                    headerLines(d, {"via", "from", "to", "call-id", "cseq"}) +
                                    "Content-Length: 0\r\n\r\n",
                                from, port);
        }
    }
    QVERIFY(invited);
    if (acked) {
        alice->process().stop();
        return;
    }
    // Not the --hangup-after 20 BYE: the caller ends the call at once.
    QVERIFY2(bye && byeAt - answeredAt < 10000, "the caller did not end the call it could not ACK");
    NAPKIN_WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("local-failure"));
    QVERIFY2(ended.value(QStringLiteral("reason")).toString().contains(QStringLiteral("ACK")),
             qPrintable(ended.value(QStringLiteral("reason")).toString()));
    alice->process().stop();
}

QTEST_GUILESS_MAIN(TestLateProvisional)
#include "test_late_provisional.moc"
