// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// A Napkin device calling a plain SIP phone (Debian's baresip, registered as
// plain@b.example at the world's b.example Kamailio). The phone cannot read
// the signed, SDP-less INVITE and refuses it (baresip 1.0: "500 Call
// Error"); the caller calls again once with an ordinary SDES-SRTP offer and
// the call goes on, marked not end-to-end with the reason (and the proxies'
// trace shows the clear keys: that is what not end-to-end means). With
// require_end_to_end the caller does not call again and says why. Last, a
// phone that ignores the signed INVITE's body and puts its own clear offer in
// the 200 OK (played by a UDP socket) gets a clear SDES answer in the ACK.

#include "tests/support/FreePort.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/RawSipPhone.h"
#include "tests/support/WorldRun.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTest>

using namespace napkin::testing;

namespace {

bool writeText(const QString &path, const QByteArray &text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

} // namespace

class TestPlainFallback : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void plainPhoneGetsPlainSdesCall();
    void requiredEndToEndRefusesPlainPhone();
    void plainOfferInTheOkIsAnswered();
    void refusalThatReadTheBodyIsNotRetriedPlain_data();
    void refusalThatReadTheBodyIsNotRetriedPlain();

private:
    std::unique_ptr<WorldRun> m_world;
    std::unique_ptr<ManagedProcess> m_baresip;
};

void TestPlainFallback::initTestCase() {
    const QString baresip = QStandardPaths::findExecutable(QStringLiteral("baresip"));
    if (baresip.isEmpty()) {
        QSKIP("baresip is not installed (Debian package baresip-core)");
    }
    auto world = WorldRun::up(QStringLiteral("TRACE_MESSAGES"));
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
    auto password =
        m_world->addUser(QStringLiteral("plain@b.example"), QStringLiteral("WORLD_B_DB"));
    NAPKIN_VERIFY_OK(password);

    // baresip with its own config directory: SIP and RTP on one loopback
    // address, SRTP mandatory (RTP/SAVP with a=crypto), answers at once.
    const QHostAddress address = FreePort::uniqueLoopbackAddress();
    const quint16 port = FreePort::pick(address);
    const QString dir = m_world->scratch() + QStringLiteral("/baresip");
    QVERIFY(QDir().mkpath(dir));
    QByteArray config;
    config += "poll_method epoll\n";
    config += "sip_listen " + address.toString().toUtf8() + ":" + QByteArray::number(port) + "\n";
    config += "sip_transports udp,tcp\n";
    config += "net_interface " + address.toString().toUtf8() + "\n";
    config += "audio_player none\naudio_source ausine,440\naudio_alert none\n";
    config += "rtp_ports 30000-39998\n";
    config += "module_path /usr/lib/baresip/modules\n";
    config += "module g711.so\nmodule opus.so\nmodule srtp.so\nmodule ausine.so\n";
    config += "module_app account.so\n";
    QVERIFY(writeText(dir + QStringLiteral("/config"), config));
    const QByteArray account =
        "<sip:plain@b.example>;auth_pass=" + password->toUtf8() +
        ";outbound=\"sip:" + m_world->env(QStringLiteral("WORLD_B_PROXY")).toUtf8() +
        ";transport=udp\";regint=600;mediaenc=srtp-mand;answermode=auto\n";
    QVERIFY(writeText(dir + QStringLiteral("/accounts"), account));

    ProcessSpec spec;
    spec.name = QStringLiteral("baresip");
    spec.program = baresip;
    spec.arguments = {QStringLiteral("-f"), dir};
    spec.logDirectory = m_world->scratch();
    m_baresip = std::make_unique<ManagedProcess>(spec);
    NAPKIN_VERIFY_OK(m_baresip->start());
    NAPKIN_VERIFY_OK(m_baresip->waitForOutput(QStringLiteral("200 OK"), 30000));
}

void TestPlainFallback::cleanupTestCase() {
    if (m_baresip) {
        m_baresip->stop();
    }
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

void TestPlainFallback::plainPhoneGetsPlainSdesCall() {
    auto alice = m_world->caller(QStringLiteral("alice"), QStringLiteral("alice"),
                                 QStringLiteral("sip:plain@b.example"),
                                 {QStringLiteral("--hangup-after"), QStringLiteral("3")});
    NAPKIN_VERIFY_OK(alice->start());
    NAPKIN_WAIT_EVENT(enrolled, *alice, QStringLiteral("enrolled"), {}, 60000);

    NAPKIN_WAIT_EVENT(active, *alice, QStringLiteral("call_state"),
                      {{QStringLiteral("state"), QStringLiteral("active")}}, 60000);
    NAPKIN_WAIT_EVENT(media, *alice, QStringLiteral("media"), {{QStringLiteral("e2e"), false}});
    QCOMPARE(media.value(QStringLiteral("srtp")).toString(),
             QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
    const QString reason = media.value(QStringLiteral("not_e2e_reason")).toString();
    QVERIFY2(reason.contains(QStringLiteral("refused the signed INVITE")) &&
                 reason.contains(QStringLiteral("500")) &&
                 reason.contains(QStringLiteral("plain SDES-SRTP")),
             qPrintable(reason));
    NAPKIN_WAIT_EVENT(verdict, *alice, QStringLiteral("identity"));
    QCOMPARE(verdict.value(QStringLiteral("verdict")).toString(), QStringLiteral("unsigned"));
    QVERIFY(!alice->find(QStringLiteral("media"), {{QStringLiteral("e2e"), true}}));

    // Exactly one call, ended by our hang-up (the refused INVITE did not end it).
    NAPKIN_WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    QCOMPARE(ended.value(QStringLiteral("by_peer")).toBool(), false);
    int endings = 0;
    for (const auto &e : alice->events()) {
        endings += e.value(QStringLiteral("event")).toString() == QStringLiteral("ended") ? 1 : 0;
    }
    QCOMPARE(endings, 1);
    alice->process().stop();

    // The proxies saw it all: the signed INVITE refused with 500, then the
    // clear one, keys and all (what "not end-to-end" means).
    bool refused = false;
    bool clearRetry = false;
    for (const TracedMessage &m : m_world->trace()) {
        refused = refused || (m.status() == 500 && m.cseqMethod() == "INVITE");
        clearRetry = clearRetry || (refused && m.method() == "INVITE" &&
                                    m.header("Content-Type").startsWith("application/sdp") &&
                                    m.body().contains("a=crypto:"));
    }
    QVERIFY(refused);
    QVERIFY(clearRetry);
}

void TestPlainFallback::requiredEndToEndRefusesPlainPhone() {
    auto ini = m_world->profile(QStringLiteral("alice"), QStringLiteral("alice-strict"), {},
                                QStringLiteral("[calls]\nrequire_end_to_end = true\n"));
    NAPKIN_VERIFY_OK(ini);
    auto alice = m_world->agent(QStringLiteral("alice-strict"),
                                {QStringLiteral("--config"), *ini, QStringLiteral("--call"),
                                 QStringLiteral("sip:plain@b.example")});
    NAPKIN_VERIFY_OK(alice->start());
    NAPKIN_WAIT_EVENT(ended, *alice, QStringLiteral("ended"), {}, 60000);
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("not-end-to-end"));
    QCOMPARE(ended.value(QStringLiteral("status")).toInt(), 500);
    const QString reason = ended.value(QStringLiteral("reason")).toString();
    QVERIFY2(reason.contains(QStringLiteral("refused the signed INVITE")) &&
                 reason.contains(QStringLiteral("end-to-end security is required")),
             qPrintable(reason));
    QVERIFY(!alice->find(QStringLiteral("media")));
    QVERIFY(!alice->find(QStringLiteral("call_state"),
                         {{QStringLiteral("state"), QStringLiteral("active")}}));
    alice->process().stop();
}

void TestPlainFallback::plainOfferInTheOkIsAnswered() {
    // A phone that ignores the INVITE's body and answers with its own clear
    // offer in the 200 OK: played here by a socket, reached directly.
    RawSipPhone phone;
    NAPKIN_VERIFY_OK(phone.bind());
    auto caller = m_world->directCaller(
        QStringLiteral("alice"), QStringLiteral("alice-direct"),
        QStringLiteral("sip:plain@b.example"), phone.target(),
        {QStringLiteral("--hangup-after"), QStringLiteral("2"), QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(caller);
    const auto alice = std::move(caller).value();
    NAPKIN_VERIFY_OK(alice->start());

    QByteArray invite;
    QByteArray ack;
    const bool bye = phone.serveUntilBye(60000, [&](const RawSipPhone::Datagram &d) {
        if (d.bytes.startsWith("INVITE ") && invite.isEmpty()) {
            invite = d.bytes;
            phone.send(phone.okWithPlainOffer(d.bytes, "plain1"), d);
        } else if (d.bytes.startsWith("ACK ")) {
            ack = d.bytes;
        }
    });
    QVERIFY2(invite.contains("Content-Type: multipart/signed"), invite.left(400).constData());
    QVERIFY2(ack.contains("Content-Type: application/sdp") && ack.contains("a=crypto:"),
             "the ACK does not carry a clear SDES answer");
    QVERIFY(bye);
    NAPKIN_WAIT_EVENT(media, *alice, QStringLiteral("media"));
    QCOMPARE(media.value(QStringLiteral("e2e")).toBool(), false);
    QCOMPARE(media.value(QStringLiteral("srtp")).toString(),
             QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
    QVERIFY2(media.value(QStringLiteral("not_e2e_reason"))
                 .toString()
                 .contains(QStringLiteral("did not sign its answer")),
             qPrintable(media.value(QStringLiteral("not_e2e_reason")).toString()));
    QVERIFY(alice->find(QStringLiteral("call_state"),
                        {{QStringLiteral("state"), QStringLiteral("active")}}));
    NAPKIN_WAIT_EVENT(ended, *alice, QStringLiteral("ended"));
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    alice->process().stop();
}

void TestPlainFallback::refusalThatReadTheBodyIsNotRetriedPlain_data() {
    QTest::addColumn<QByteArray>("extraHeader");
    QTest::addColumn<QString>("reasonPart");
    // A Napkin device that read the signed INVITE and failed (e.g. it could
    // not seal its offer): not a plain phone.
    QTest::newRow("napkin warning")
        << QByteArray("Warning: 399 napkin \"cannot seal the offer: test\"\r\n")
        << QStringLiteral("cannot seal the offer");
    // An overloaded server asks to come back later, not to drop S/MIME.
    QTest::newRow("retry-after") << QByteArray("Retry-After: 30\r\n") << QStringLiteral("500");
}

void TestPlainFallback::refusalThatReadTheBodyIsNotRetriedPlain() {
    QFETCH(QByteArray, extraHeader);
    QFETCH(QString, reasonPart);
    RawSipPhone phone;
    NAPKIN_VERIFY_OK(phone.bind());
    auto caller = m_world->directCaller(QStringLiteral("alice"),
                                        QStringLiteral("alice-refused-%1")
                                            .arg(QLatin1String(QTest::currentDataTag()))
                                            .replace(u' ', u'-'),
                                        QStringLiteral("sip:bob@b.example"), phone.target(),
                                        {QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(caller);
    const auto alice = std::move(caller).value();
    NAPKIN_VERIFY_OK(alice->start());

    int invites = 0;
    const bool ended = phone.serveUntil(
        60000, [&] { return alice->find(QStringLiteral("ended")).has_value(); },
        [&](const RawSipPhone::Datagram &d) {
            if (d.bytes.startsWith("INVITE ")) {
                ++invites;
                phone.send("SIP/2.0 500 Server Internal Error\r\n" +
                               phone.dialogHeaders(d.bytes, "refused1") + extraHeader +
                               "Content-Length: 0\r\n\r\n",
                           d);
            }
        });
    QVERIFY2(ended, "the caller never ended the refused call");
    QCOMPARE(invites, 1); // a plain retry would have come before "ended"
    NAPKIN_WAIT_EVENT(end, *alice, QStringLiteral("ended"));
    QCOMPARE(end.value(QStringLiteral("status")).toInt(), 500);
    const QString reason = end.value(QStringLiteral("reason")).toString();
    QVERIFY2(reason.contains(reasonPart), qPrintable(reason));
    QVERIFY(!alice->find(QStringLiteral("media")));
    alice->process().stop();
}

QTEST_GUILESS_MAIN(TestPlainFallback)
#include "test_plain_fallback.moc"
