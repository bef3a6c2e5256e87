// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The first hop as the adversary (issue: no silent downgrade). A real Napkin
// agent calls bob@b.example through a hop that answers the signed INVITE the
// way a downgrade attack would: 415, 500, 488, a 200 OK without SDP, or a 200
// OK with an offer in clear. When b.example publishes certificates for bob
// (a protected peer), no SRTP key may ever reach the hop in clear, and the
// agent must say why it ended the call, or ask first. When it does not (an
// unprotected peer, i.e. a plain phone), the caller calls again once in
// clear, marked not end-to-end, as before. Everything the hop received is
// checked, not what the agent says about itself.

#include "tests/sipcore/SipParty.h"
#include "tests/support/HostileHop.h"
#include "tests/support/SipHeaders.h"

#include <QUdpSocket>

using namespace napkin;
using namespace napkin::sip;
using namespace napkin::sip::testing;
using napkin::testing::headerLines;
using napkin::testing::HostileHop;

namespace {

/// `invite` as a replay from `socket`: the same signed INVITE with only
/// unsigned parts changed: its Via (so the stack takes it for a new
/// transaction) and, when given, a display name put into From.
QByteArray replayed(const QByteArray &invite, const QUdpSocket &socket, const QByteArray &branch,
                    const QByteArray &displayName = {}) {
    QByteArray out;
    for (const QByteArray &line : invite.left(invite.indexOf("\r\n\r\n")).split('\n')) {
        if (!displayName.isEmpty() && line.toLower().startsWith("from:")) {
            out += "From: \"" + displayName + "\" " + line.mid(5).trimmed() + "\r\n";
        } else if (line.toLower().startsWith("via:")) {
            out += "Via: SIP/2.0/UDP " + socket.localAddress().toString().toLatin1() + ":" +
                   QByteArray::number(socket.localPort()) + ";branch=z9hG4bK" + branch + "\r\n";
        } else {
            out += line.trimmed() + "\r\n";
        }
    }
    return out + invite.mid(invite.indexOf("\r\n\r\n") + 2);
}

/// The final response to the replayed INVITE, ACKed (a non-2xx ACK reuses the branch).
QByteArray awaitFinalAndAck(QUdpSocket &socket, const QByteArray &request, const QHostAddress &to,
                            quint16 port) {
    for (int waited = 0; waited < 10000; waited += 20) {
        while (socket.hasPendingDatagrams()) {
            QByteArray response(static_cast<qsizetype>(socket.pendingDatagramSize()), '\0');
            socket.readDatagram(response.data(), response.size());
            if (!response.startsWith("SIP/2.0 ") || response.mid(8, 1) == "1") {
                continue;
            }
            const QByteArray cseq = headerLines(request, {"cseq"}).trimmed();
            const QByteArray ack =
                "ACK " + request.left(request.indexOf("\r\n")).split(' ').value(1) +
                " SIP/2.0\r\n" + headerLines(request, {"via", "from", "call-id"}) +
                headerLines(response, {"to"}) +
                "CSeq: " + cseq.mid(cseq.indexOf(':') + 1).trimmed().split(' ').value(0) +
                " ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
            socket.writeDatagram(ack, to, port);
            return response;
        }
        QTest::qWait(20);
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(HostileHop::Answer)

class TestHostileHop : public QObject {
    Q_OBJECT
    TwoDevices m_devices;

    /// Alice (enrolled) calls bob@b.example through `hop`; bob is protected
    /// when b.example publishes his certificate.
    struct Run {
        FixedCertificates certs;
        HostileHop hop;
        std::unique_ptr<Party> alice;
        Call *call = nullptr;
    };

    std::unique_ptr<Run> start(bool bobProtected, PolicySettings policy = {}) {
        auto run = std::make_unique<Run>();
        run->certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        if (bobProtected) {
            run->certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        }
        if (auto bound = run->hop.bind(); !bound) {
            qWarning("%s", qPrintable(bound.error()));
            return nullptr;
        }
        run->alice =
            std::make_unique<Party>(*m_devices.root, run->certs, "sip:alice@a.example", policy);
        run->alice->agent.setIdentity(m_devices.alice);
        if (!startAndWait(*run->alice)) {
            return nullptr;
        }
        auto call = run->alice->agent.call("sip:bob@b.example", run->hop.target().toStdString());
        if (!call) {
            return nullptr;
        }
        run->call = call.value();
        return run;
    }

    /// Serves until Alice's call ended, then a moment more (a late clear
    /// retry would arrive in it).
    static bool serveUntilEnded(Run &run, HostileHop::Answer first, HostileHop::Answer retry) {
        const bool ended =
            run.hop.serve(first, retry, 15000, [&run] { return !run.alice->ends.empty(); });
        run.hop.serve(first, retry, 800, [] { return false; });
        return ended;
    }

private Q_SLOTS:
    void initTestCase() {
        const std::string problem = m_devices.start();
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void cleanupTestCase() { m_devices.root.reset(); }

    void protectedPeerGetsNoClearKey_data() {
        QTest::addColumn<HostileHop::Answer>("answer");
        QTest::newRow("415") << HostileHop::Answer::Refuse415;
        QTest::newRow("500") << HostileHop::Answer::Refuse500;
        QTest::newRow("488") << HostileHop::Answer::Refuse488;
        QTest::newRow("200 without SDP") << HostileHop::Answer::OkWithoutSdp;
        QTest::newRow("200 with a clear offer") << HostileHop::Answer::OkWithPlainOffer;
    }

    void protectedPeerGetsNoClearKey() {
        QFETCH(HostileHop::Answer, answer);
        auto run = start(true);
        QVERIFY(run);
        QVERIFY2(serveUntilEnded(*run, answer, HostileHop::Answer::OkWithPlainOffer),
                 "the caller never ended the call");
        QVERIFY2(!run->hop.sawClearKey(), "an SRTP key reached the hostile hop in clear");
        QCOMPARE(run->hop.requests("INVITE").size(), 1); // no second INVITE at all
        const CallEnd &end = run->alice->ends[0];
        if (answer == HostileHop::Answer::Refuse488) {
            QCOMPARE(end.code, CallErrc::Declined); // not a plain phone's refusal: ends as before
        } else {
            QCOMPARE(end.code, CallErrc::DowngradeRefused);
            QVERIFY2(end.reason.find("bob@b.example") != std::string::npos &&
                         end.reason.find("b.example publishes certificates") != std::string::npos,
                     end.reason.c_str());
        }
        if (answer == HostileHop::Answer::OkWithoutSdp ||
            answer == HostileHop::Answer::OkWithPlainOffer) {
            // Every 2xx gets its ACK, and the unwanted dialog its BYE.
            QCOMPARE(run->hop.requests("ACK").size(), 1);
            QCOMPARE(run->hop.requests("BYE").size(), 1);
        }
        QVERIFY(run->alice->e2es.empty()); // no media was ever agreed
        shutDown(*run->alice);
    }

    void unprotectedPeerIsCalledAgainInClear_data() {
        QTest::addColumn<HostileHop::Answer>("answer");
        QTest::newRow("415") << HostileHop::Answer::Refuse415;
        QTest::newRow("500") << HostileHop::Answer::Refuse500;
        QTest::newRow("200 without SDP") << HostileHop::Answer::OkWithoutSdp;
    }

    void unprotectedPeerIsCalledAgainInClear() {
        QFETCH(HostileHop::Answer, answer);
        auto run = start(false); // b.example publishes no certificate service
        QVERIFY(run);
        run->hop.serve(answer, HostileHop::Answer::OkWithPlainOffer, 15000,
                       [&run] { return !run->alice->e2es.empty(); });
        QCOMPARE(run->alice->e2es.size(), std::size_t(1));
        QVERIFY(!run->alice->e2es[0]);
        const auto invites = run->hop.requests("INVITE");
        QCOMPARE(invites.size(), 2); // the signed one, then one plain retry
        QVERIFY(invites[0].contains("multipart/signed") && !invites[0].contains("a=crypto:"));
        QVERIFY(invites[1].contains("a=crypto:"));
        QVERIFY2(run->call->notEndToEndReason().find("plain SDES-SRTP") != std::string::npos,
                 run->call->notEndToEndReason().c_str());
        if (answer == HostileHop::Answer::OkWithoutSdp) {
            QVERIFY(run->hop.requests("BYE").size() >= 1); // the SDP-less dialog, ended
        }
        run->call->hangUp();
        run->hop.serve(answer, answer, 5000, [&run] { return !run->alice->ends.empty(); });
        QCOMPARE(run->alice->ends.size(), std::size_t(1));
        shutDown(*run->alice);
    }

    void askedBeforeAnyKeyLeaves() {
        PolicySettings ask;
        ask.plainToProtected = PolicySettings::PlainToProtected::Ask;
        auto run = start(true, ask);
        QVERIFY(run);
        run->hop.serve(HostileHop::Answer::Refuse415, HostileHop::Answer::OkWithPlainOffer, 15000,
                       [&run] { return !run->alice->questions.empty(); });
        QCOMPARE(run->alice->questions.size(), std::size_t(1));
        QVERIFY2(run->alice->questions[0].contains(QStringLiteral("Call without protection?")),
                 qPrintable(run->alice->questions[0]));
        QVERIFY(run->call->awaitingPlainConsent());
        run->hop.serve(HostileHop::Answer::Refuse415, HostileHop::Answer::OkWithPlainOffer, 500,
                       [] { return false; });
        QVERIFY2(!run->hop.sawClearKey(), "a key left before the person answered");

        run->call->allowPlainCall(); // the person said yes: one plain call, not end-to-end
        run->hop.serve(HostileHop::Answer::Refuse415, HostileHop::Answer::OkWithPlainOffer, 15000,
                       [&run] { return !run->alice->e2es.empty(); });
        QCOMPARE(run->alice->e2es.size(), std::size_t(1));
        QVERIFY(!run->alice->e2es[0]);
        QVERIFY(run->hop.sawClearKey());
        run->call->hangUp();
        run->hop.serve(HostileHop::Answer::Refuse415, HostileHop::Answer::OkWithPlainOffer, 5000,
                       [&run] { return !run->alice->ends.empty(); });
        shutDown(*run->alice);
    }

    void askedAndRefused() {
        PolicySettings ask;
        ask.plainToProtected = PolicySettings::PlainToProtected::Ask;
        auto run = start(true, ask);
        QVERIFY(run);
        run->hop.serve(HostileHop::Answer::OkWithoutSdp, HostileHop::Answer::OkWithPlainOffer,
                       15000, [&run] { return !run->alice->questions.empty(); });
        QVERIFY(run->call->awaitingPlainConsent());
        run->call->refusePlainCall();
        QVERIFY(serveUntilEnded(*run, HostileHop::Answer::OkWithoutSdp,
                                HostileHop::Answer::OkWithPlainOffer));
        QCOMPARE(run->alice->ends[0].code, CallErrc::DowngradeRefused);
        QVERIFY(!run->hop.sawClearKey());
        QCOMPARE(run->hop.requests("INVITE").size(), 1);
        shutDown(*run->alice);
    }

    // A recorded signed INVITE sent again (with a new Via branch, all a
    // replay needs) after the first one was judged: refused as a replay,
    // although its signature and Date still check out.
    void replayedInviteIsRefused() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        HostileHop hop; // records alice's signed INVITE
        QVERIFY(hop.bind().ok());
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        bob.autoAnswer = false;
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", hop.target().toStdString()).ok());
        hop.serve(HostileHop::Answer::Refuse488, HostileHop::Answer::Refuse488, 10000,
                  [&alice] { return !alice.ends.empty(); });
        const QByteArray invite = hop.requests("INVITE").value(0);
        QVERIFY(invite.contains("multipart/signed"));

        const QString contact = QString::fromStdString(bob.directUri()); // sip:bob@127.0.0.1:P
        const QHostAddress bobAddress(
            contact.section(QLatin1Char('@'), 1).section(QLatin1Char(':'), 0, 0));
        const quint16 bobPort = contact.section(QLatin1Char(':'), 2).toUShort();
        QUdpSocket attacker;
        QVERIFY(attacker.bind(QHostAddress::LocalHost, 0));

        // The first copy rings as a verified call; bob declines it.
        const QByteArray first = replayed(invite, attacker, "replay1");
        attacker.writeDatagram(first, bobAddress, bobPort);
        QTRY_COMPARE_WITH_TIMEOUT(bob.verdicts.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QTRY_VERIFY_WITH_TIMEOUT(
            !bob.incoming.empty() && bob.incoming[0]->state() == Call::State::Ringing, 10000);
        bob.incoming[0]->hangUp();
        QVERIFY(awaitFinalAndAck(attacker, first, bobAddress, bobPort).startsWith("SIP/2.0 603"));
        // Let the stack forget the first transaction (UDP Timer I), so that
        // only Napkin's own memory can recognise the copy.
        QTest::qWait(6000);

        // The copy also carries a display name in From: not signed, so it
        // must not make the copy look like another INVITE.
        const QByteArray second = replayed(invite, attacker, "replay2", "Alice Again");
        QVERIFY(second.contains("From: \"Alice Again\" <sip:alice@a.example>"));
        attacker.writeDatagram(second, bobAddress, bobPort);
        QTRY_COMPARE_WITH_TIMEOUT(bob.verdicts.size(), std::size_t(2), 10000);
        QCOMPARE(bob.verdicts[1].kind, IdentityVerdict::Kind::Failed);
        QCOMPARE(bob.verdicts[1].failure, IdentityFailure::Replayed);
        QVERIFY(awaitFinalAndAck(attacker, second, bobAddress, bobPort).startsWith("SIP/2.0 403"));
        QCOMPARE(std::count(bob.states.begin(), bob.states.end(), Call::State::Ringing),
                 1); // only the first copy rang
        shutDown(alice);
        shutDown(bob);
    }

    void requireEndToEndNeverAsks() {
        PolicySettings strict;
        strict.requireEndToEnd = true;
        strict.plainToProtected = PolicySettings::PlainToProtected::Ask;
        auto run = start(true, strict);
        QVERIFY(run);
        QVERIFY(serveUntilEnded(*run, HostileHop::Answer::Refuse415,
                                HostileHop::Answer::OkWithPlainOffer));
        QVERIFY(run->alice->questions.empty());
        QCOMPARE(run->alice->ends[0].code, CallErrc::NotEndToEnd);
        QVERIFY(!run->hop.sawClearKey());
        shutDown(*run->alice);
    }

    void byeSaysWhyWithoutLocalDetail() {
        // A strict caller hangs up on an answer in clear. The BYE says why in
        // generic words; the local reason (which, for a failed fetch, names
        // DNS servers and addresses) stays in the caller's own record.
        PolicySettings strict;
        strict.requireEndToEnd = true;
        auto run = start(true, strict);
        QVERIFY(run);
        QVERIFY(serveUntilEnded(*run, HostileHop::Answer::OkWithPlainOffer,
                                HostileHop::Answer::OkWithPlainOffer));
        QCOMPARE(run->alice->ends[0].code, CallErrc::NotEndToEnd);
        QTRY_VERIFY_WITH_TIMEOUT(!run->hop.requests("BYE").isEmpty(), 5000);
        const QByteArray bye = run->hop.requests("BYE").front();
        QVERIFY2(bye.contains("Warning: 399 napkin \"this device requires end-to-end security"),
                 bye.constData());
        QVERIFY2(!bye.contains("did not sign"), bye.constData());
        QVERIFY2(run->alice->ends[0].reason.find("did not sign") != std::string::npos,
                 run->alice->ends[0].reason.c_str());
        QVERIFY(!run->hop.sawClearKey());
        shutDown(*run->alice);
    }
};

QTEST_GUILESS_MAIN(TestHostileHop)
#include "test_hostile_hop.moc"
