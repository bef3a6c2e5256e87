// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Calls between homes of the NAT world (scripts/world up --nat; root only,
// skipped otherwise), with ICE over the world's coturn. The profiles carry
// the world's STUN and TURN server and each home's address as media_address.
//
//   alice (endpoint-independent NAT) -> bob (symmetric NAT): a verified,
//     end-to-end call with a tone each way (Goertzel); the ICE pair is
//     relayed on at least one side (a symmetric NAT against a filtering one
//     leaves no direct path). What the world saw of it: the proxies' record
//     (TRACE_MESSAGES) and coturn's log hold no a=crypto and no clear SDP;
//     the RTP that coturn relayed (captured on the internet's bridge) is
//     ciphertext: the first payload byte, which in clear Opus RTP is the
//     same TOC byte in every packet, takes many values, as SRTP's does.
//   alice <-> bob2, both directions: tones both ways.
//   alice -> bob2, held and resumed (napkin-cli --hold-after/--resume-after):
//     the tone is heard again after the resume.
//   carol (home-c: no UDP out) -> bob (c.example's proxy routes only to
//     b.example): carol's side is relayed over TURN/TCP; tones both ways.
//   alice without STUN/TURN -> bob: "no-media-path" within the ICE deadline
//     (10 s after the answer), in words that name TURN.
//
// Registration through a NAT whose mapping expires: test_nat_registration.

#include "tests/support/AgentProcess.h"
#include "tests/support/CallEvents.h"
#include "tests/support/NatLab.h"
#include "tests/support/PacketCapture.h"
#include "tests/support/ToneCheck.h"
#include "tests/support/WorldRun.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <map>
#include <memory>
#include <set>

using namespace napkin::testing;
using napkin::fail;

namespace {

constexpr double kAliceTone = 1000;
constexpr double kBobTone = 600;
constexpr double kCarolTone = 800;
/// Enough for enrolment, registration through a NAT and a call's set-up.
constexpr int kWaitMs = 30000;
/// ICE gives up 10 s after the answer (the contract); this much more for a
/// busy machine.
constexpr qint64 kIceDeadlineMs = 10000;
constexpr qint64 kIceSlackMs = 3000;
/// The first relay port of the world's coturn (min-port in coturn.conf).
constexpr std::uint16_t kFirstRelayPort = 49152;

/// RTP relayed by the TURN server at `turn`, per SSRC: between its relay
/// ports and the peers, or inside TURN framing to and from its port 3478.
struct RelayedStream {
    int packets = 0;
    std::set<int> firstBytes; ///< distinct first payload bytes
};

std::map<std::uint32_t, RelayedStream> relayedRtp(const std::vector<UdpDatagram> &datagrams,
                                                  const QHostAddress &turn, int turnPort) {
    std::map<std::uint32_t, RelayedStream> out;
    for (const UdpDatagram &d : datagrams) {
        std::optional<QByteArray> data;
        const bool relaySide = (d.source == turn && d.sourcePort >= kFirstRelayPort) ||
                               (d.destination == turn && d.destinationPort >= kFirstRelayPort);
        const bool clientSide = (d.source == turn && d.sourcePort == turnPort) ||
                                (d.destination == turn && d.destinationPort == turnPort);
        if (relaySide) {
            data = d.payload;
        } else if (clientSide) {
            data = turnPeerData(d.payload);
        }
        if (!data) {
            continue;
        }
        if (auto rtp = parseRtp(*data)) {
            RelayedStream &s = out[rtp->ssrc];
            ++s.packets;
            s.firstBytes.insert(static_cast<uchar>(rtp->payload[0]));
        }
    }
    return out;
}

QString describe(const std::map<std::uint32_t, RelayedStream> &streams) {
    QStringList parts;
    for (const auto &[ssrc, s] : streams) {
        parts << QStringLiteral("ssrc %1: %2 packets, %3 distinct first bytes")
                     .arg(ssrc, 8, 16, QLatin1Char('0'))
                     .arg(s.packets)
                     .arg(s.firstBytes.size());
    }
    return parts.isEmpty() ? QStringLiteral("(no relayed RTP)") : parts.join(QStringLiteral("; "));
}

} // namespace

class TestWorldNatCall : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void aliceCallsBobThroughBothNats();
    void aliceAndBob2CallEachOther();
    void holdAndResumeThroughTheNats();
    void carolIsRelayedOverTurnTcp();
    void withoutStunOrTurnTheCallSaysNoMediaPath();

private:
    [[nodiscard]] QString world(const QString &name) const {
        return m_world->file(QStringLiteral("world/") + name);
    }
    [[nodiscard]] QString scratch(const QString &name) const {
        return m_world->scratch() + QLatin1Char('/') + name;
    }
    [[nodiscard]] QString ns(const char *key) const {
        return m_world->env(QString::fromLatin1(key));
    }
    /// The world's `<base>.ini` as `<name>.ini` with a state directory of its
    /// own: each run makes a new key (key_storage = none), and a device that
    /// remembered the last run's key would judge the next one
    /// verified-new-device.
    [[nodiscard]] QString freshProfile(const QString &base, const QString &name) const {
        QString text = readTextFile(world(base + QStringLiteral(".ini")));
        static const QRegularExpression stateDir(QStringLiteral("(?m)^state_dir = .*$"));
        text.replace(stateDir,
                     QStringLiteral("state_dir = ") + world(QStringLiteral("state/") + name));
        const QString path = world(name + QStringLiteral(".ini"));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text.toUtf8()) < 0) {
            return {};
        }
        return path;
    }
    /// An agent on the world's `<profile>.ini` in namespace `nsKey`.
    [[nodiscard]] std::unique_ptr<AgentProcess> agent(const QString &name, const QString &profile,
                                                      const char *nsKey,
                                                      const QStringList &extra) const {
        return m_world->agent(name, QStringList{QStringLiteral("--config"), profile} + extra,
                              ns(nsKey));
    }
    /// `caller` calls `callee` (started, registered answerer) with tones both
    /// ways; checks e2e (when `secure`), the ICE events, media both ways and
    /// both recordings. Returns the two ICE objects {caller, callee}.
    void tonesBothWays(AgentProcess &caller, AgentProcess &callee, const QString &callerHeard,
                       double callerTone, const QString &calleeHeard, double calleeTone,
                       bool secure, QJsonObject &callerIce, QJsonObject &calleeIce);

    std::unique_ptr<WorldRun> m_world;
    QHostAddress m_turn;
    int m_turnPort = 0;
    QString m_aliceTone;
    QString m_bobTone;
    QString m_carolTone;
};

void TestWorldNatCall::initTestCase() {
    if (const QString why = NatLab::unavailableReason(); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    // Every proxy logs each SIP message whole (deploy/kamailio/kamailio.cfg).
    auto up = WorldRun::up(QStringLiteral("TRACE_MESSAGES"), WorldKind::Nat);
    NAPKIN_VERIFY_OK(up);
    m_world = std::move(up).value();
    const QString turn = m_world->env(QStringLiteral("WORLD_TURN_SERVER"));
    m_turn = QHostAddress(turn.section(QLatin1Char(':'), 0, 0));
    m_turnPort = turn.section(QLatin1Char(':'), 1).toInt();
    QVERIFY(!m_turn.isNull() && m_turnPort > 0);
    QVERIFY2(readTextFile(world(QStringLiteral("alice.ini")))
                 .contains(QStringLiteral("turn_server = turn:") + turn),
             "the NAT world's profiles carry no TURN server");
    m_aliceTone = scratch(QStringLiteral("alice-tone.wav"));
    m_bobTone = scratch(QStringLiteral("bob-tone.wav"));
    m_carolTone = scratch(QStringLiteral("carol-tone.wav"));
    NAPKIN_VERIFY_OK(writeTone(m_aliceTone, kAliceTone, 30));
    NAPKIN_VERIFY_OK(writeTone(m_bobTone, kBobTone, 30));
    NAPKIN_VERIFY_OK(writeTone(m_carolTone, kCarolTone, 30));
}

void TestWorldNatCall::cleanupTestCase() {
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

void TestWorldNatCall::tonesBothWays(AgentProcess &caller, AgentProcess &callee,
                                     const QString &callerHeard, double callerTone,
                                     const QString &calleeHeard, double calleeTone, bool secure,
                                     QJsonObject &callerIce, QJsonObject &calleeIce) {
    NAPKIN_VERIFY_OK(caller.start());
    if (secure) {
        NAPKIN_WAIT_EVENT(calleeSees, callee, QStringLiteral("identity"), {}, kWaitMs);
        QCOMPARE(calleeSees.value(QStringLiteral("verdict")).toString(),
                 QStringLiteral("verified"));
        NAPKIN_WAIT_EVENT(callerSees, caller, QStringLiteral("identity"), {}, kWaitMs);
        QCOMPARE(callerSees.value(QStringLiteral("verdict")).toString(),
                 QStringLiteral("verified"));
        NAPKIN_WAIT_EVENT(callerE2e, caller, QStringLiteral("media"),
                          {{QStringLiteral("e2e"), true}}, kWaitMs);
        NAPKIN_WAIT_EVENT(calleeE2e, callee, QStringLiteral("media"),
                          {{QStringLiteral("e2e"), true}}, kWaitMs);
    }
    auto ice1 = waitForIce(caller);
    NAPKIN_VERIFY_OK(ice1);
    auto ice2 = waitForIce(callee);
    NAPKIN_VERIFY_OK(ice2);
    auto callerFlowing = waitForFlowing(caller);
    NAPKIN_VERIFY_OK(callerFlowing);
    auto calleeFlowing = waitForFlowing(callee);
    NAPKIN_VERIFY_OK(calleeFlowing);
    NAPKIN_WAIT_EVENT(callerEnded, caller, QStringLiteral("ended"), {}, kWaitMs);
    NAPKIN_WAIT_EVENT(calleeEnded, callee, QStringLiteral("ended"), {}, kWaitMs);
    QCOMPARE(callerEnded.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    callerIce = lastIce(caller);
    calleeIce = lastIce(callee);
    qInfo("ICE pair: %s %s, %s %s", qPrintable(caller.process().spec().name),
          qPrintable(compactJson(callerIce)), qPrintable(callee.process().spec().name),
          qPrintable(compactJson(calleeIce)));
    const auto callerError = callError(caller);
    QVERIFY2(!callerError, qPrintable(compactJson(callerError.value_or(QJsonObject{}))));
    const auto calleeError = callError(callee);
    QVERIFY2(!calleeError, qPrintable(compactJson(calleeError.value_or(QJsonObject{}))));
    // A clean stop finishes the recordings.
    caller.process().stop();
    callee.process().stop();
    NAPKIN_VERIFY_OK(checkTone(callerHeard, calleeTone));
    NAPKIN_VERIFY_OK(checkTone(calleeHeard, callerTone));
}

void TestWorldNatCall::aliceCallsBobThroughBothNats() {
    auto captured = PacketCapture::start(ns("WORLD_NS_INTERNET"), QStringLiteral("br0"), m_turn);
    NAPKIN_VERIFY_OK(captured);
    const auto capture = std::move(captured).value();

    const QString aliceHeard = scratch(QStringLiteral("1-alice-heard.wav"));
    const QString bobHeard = scratch(QStringLiteral("1-bob-heard.wav"));
    auto bob = agent(QStringLiteral("1-bob"),
                     freshProfile(QStringLiteral("bob"), QStringLiteral("1-bob")), "WORLD_NS_BOB",
                     {QStringLiteral("--auto-answer"), QStringLiteral("--play"), m_bobTone,
                      QStringLiteral("--record"), bobHeard});
    NAPKIN_VERIFY_OK(startRegistered(*bob, kWaitMs));
    auto alice =
        agent(QStringLiteral("1-alice"),
              freshProfile(QStringLiteral("alice"), QStringLiteral("1-alice")), "WORLD_NS_ALICE",
              {QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
               QStringLiteral("--hangup-after"), QStringLiteral("6"), QStringLiteral("--play"),
               m_aliceTone, QStringLiteral("--record"), aliceHeard});
    QJsonObject aliceIce;
    QJsonObject bobIce;
    tonesBothWays(*alice, *bob, aliceHeard, kAliceTone, bobHeard, kBobTone, true, aliceIce, bobIce);
    if (QTest::currentTestFailed()) {
        return;
    }
    capture->stop();

    // A symmetric NAT against a filtering one: no direct pair works.
    QVERIFY2(aliceIce.value(QStringLiteral("local")) == QStringLiteral("relay") ||
                 bobIce.value(QStringLiteral("local")) == QStringLiteral("relay"),
             qPrintable(QStringLiteral("no relay: alice ") + compactJson(aliceIce) +
                        QStringLiteral(", bob ") + compactJson(bobIce)));

    // What the proxies saw: sealed bodies only, no key.
    const auto trace = m_world->trace();
    QVERIFY2(!trace.empty(), "the proxies recorded nothing (TRACE_MESSAGES off?)");
    bool sealedOk = false;
    for (const TracedMessage &m : trace) {
        QVERIFY2(!m.bytes.contains("a=crypto") && !m.bytes.contains("inline:") &&
                     !m.bytes.contains("a=ice-pwd") && !m.bytes.contains("a=candidate"),
                 qPrintable(m.proxy + QLatin1Char(' ') + m.direction + QLatin1Char(' ') +
                            QString::fromLatin1(m.bytes.left(m.bytes.indexOf('\r')))));
        QVERIFY2(!m.header("Content-Type").startsWith("application/sdp"),
                 qPrintable(m.proxy + QStringLiteral(" saw a clear SDP")));
        sealedOk = sealedOk || (m.status() == 200 && m.cseqMethod() == "INVITE" &&
                                m.body().contains("application/pkcs7-mime"));
    }
    QVERIFY2(sealedOk, "no 200 OK with a sealed SDP in the proxies' record");
    const QString coturnLog =
        readTextFile(m_world->env(QStringLiteral("WORLD_LOG_DIR")) + QStringLiteral("/coturn.log"));
    QVERIFY2(coturnLog.contains(QStringLiteral("ALLOCATE processed, success")),
             "coturn logged no allocation");
    QVERIFY(!coturnLog.contains(QStringLiteral("a=crypto")));
    QVERIFY(!coturnLog.contains(QStringLiteral("inline:")));

    // What coturn relayed: RTP both ways (6 s at 50 packets a second), and
    // none of it clear. Clear Opus RTP starts every payload with the same
    // TOC byte; SRTP's first payload byte is ciphertext (about 80 distinct
    // values in 100 packets).
    const auto streams = relayedRtp(capture->udp(), m_turn, m_turnPort);
    qInfo("relayed RTP: %s", qPrintable(describe(streams)));
    int big = 0;
    for (const auto &[ssrc, s] : streams) {
        if (s.packets < 100) {
            continue;
        }
        ++big;
        QVERIFY2(s.firstBytes.size() >= 40,
                 qPrintable(QStringLiteral("relayed RTP looks clear: ") + describe(streams)));
    }
    QVERIFY2(big >= 2,
             qPrintable(QStringLiteral("coturn did not relay the call's RTP both ways: ") +
                        describe(streams)));
}

void TestWorldNatCall::aliceAndBob2CallEachOther() {
    QJsonObject callerIce;
    QJsonObject calleeIce;
    {
        const QString aliceHeard = scratch(QStringLiteral("2-alice-heard.wav"));
        const QString bob2Heard = scratch(QStringLiteral("2-bob2-heard.wav"));
        auto bob2 =
            agent(QStringLiteral("2-bob2"),
                  freshProfile(QStringLiteral("bob2"), QStringLiteral("2-bob2")), "WORLD_NS_BOB2",
                  {QStringLiteral("--auto-answer"), QStringLiteral("--play"), m_bobTone,
                   QStringLiteral("--record"), bob2Heard});
        NAPKIN_VERIFY_OK(startRegistered(*bob2, kWaitMs));
        auto alice = agent(
            QStringLiteral("2-alice"),
            freshProfile(QStringLiteral("alice"), QStringLiteral("2-alice")), "WORLD_NS_ALICE",
            {QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
             QStringLiteral("--hangup-after"), QStringLiteral("4"), QStringLiteral("--play"),
             m_aliceTone, QStringLiteral("--record"), aliceHeard});
        tonesBothWays(*alice, *bob2, aliceHeard, kAliceTone, bob2Heard, kBobTone, true, callerIce,
                      calleeIce);
        if (QTest::currentTestFailed()) {
            return;
        }
    }
    {
        const QString aliceHeard = scratch(QStringLiteral("3-alice-heard.wav"));
        const QString bob2Heard = scratch(QStringLiteral("3-bob2-heard.wav"));
        auto alice = agent(QStringLiteral("3-alice"),
                           freshProfile(QStringLiteral("alice"), QStringLiteral("3-alice")),
                           "WORLD_NS_ALICE",
                           {QStringLiteral("--auto-answer"), QStringLiteral("--play"), m_aliceTone,
                            QStringLiteral("--record"), aliceHeard});
        NAPKIN_VERIFY_OK(startRegistered(*alice, kWaitMs));
        auto bob2 =
            agent(QStringLiteral("3-bob2"),
                  freshProfile(QStringLiteral("bob2"), QStringLiteral("3-bob2")), "WORLD_NS_BOB2",
                  {QStringLiteral("--call"), QStringLiteral("sip:alice@a.example"),
                   QStringLiteral("--hangup-after"), QStringLiteral("4"), QStringLiteral("--play"),
                   m_bobTone, QStringLiteral("--record"), bob2Heard});
        tonesBothWays(*bob2, *alice, bob2Heard, kBobTone, aliceHeard, kAliceTone, true, callerIce,
                      calleeIce);
    }
}

void TestWorldNatCall::holdAndResumeThroughTheNats() {
    auto help =
        runProgram(m_world->env(QStringLiteral("WORLD_CLI_BIN")), {QStringLiteral("--help")});
    NAPKIN_VERIFY_OK(help);
    if (!help->stdoutText.contains(QStringLiteral("--hold-after"))) {
        QSKIP("napkin-cli agent cannot hold a call yet (wants --hold-after S --resume-after S)");
    }
    // alice holds bob2 from 2 s to 5 s into the call and hangs up at 10 s;
    // bob2 records the whole call: the last 4 s must hold alice's tone again.
    const QString bob2Heard = scratch(QStringLiteral("4-bob2-heard.wav"));
    auto bob2 =
        agent(QStringLiteral("4-bob2"),
              freshProfile(QStringLiteral("bob2"), QStringLiteral("4-bob2")), "WORLD_NS_BOB2",
              {QStringLiteral("--auto-answer"), QStringLiteral("--play"), m_bobTone,
               QStringLiteral("--record"), bob2Heard});
    NAPKIN_VERIFY_OK(startRegistered(*bob2, kWaitMs));
    auto alice = agent(
        QStringLiteral("4-alice"), freshProfile(QStringLiteral("alice"), QStringLiteral("4-alice")),
        "WORLD_NS_ALICE",
        {QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
         QStringLiteral("--hold-after"), QStringLiteral("2"), QStringLiteral("--resume-after"),
         QStringLiteral("5"), QStringLiteral("--hangup-after"), QStringLiteral("10"),
         QStringLiteral("--play"), m_aliceTone});
    NAPKIN_VERIFY_OK(alice->start());
    auto aliceIce = waitForIce(*alice);
    NAPKIN_VERIFY_OK(aliceIce);
    auto bob2Flowing = waitForFlowing(*bob2);
    NAPKIN_VERIFY_OK(bob2Flowing);
    auto held = bob2->waitWhere(
        QStringLiteral("hold"),
        [](const QJsonObject &e) { return e.value(QStringLiteral("remote")).toBool(); },
        QStringLiteral("remote hold"));
    NAPKIN_VERIFY_OK(held);
    auto resumed = bob2->waitWhere(
        QStringLiteral("hold"),
        [](const QJsonObject &e) {
            return !e.value(QStringLiteral("remote")).toBool() &&
                   !e.value(QStringLiteral("local")).toBool();
        },
        QStringLiteral("resume"));
    NAPKIN_VERIFY_OK(resumed);
    // Media flows again after the resume (a flowing event after it).
    const qint64 resumedAt = resumed->value(QStringLiteral("t")).toInteger();
    auto flowingAgain = bob2->waitWhere(
        QStringLiteral("media"),
        [resumedAt](const QJsonObject &e) {
            return e.value(QStringLiteral("flowing")).toBool() &&
                   e.value(QStringLiteral("t")).toInteger() >= resumedAt;
        },
        QStringLiteral("media flowing after the resume"));
    NAPKIN_VERIFY_OK(flowingAgain);
    NAPKIN_WAIT_EVENT(ended, *bob2, QStringLiteral("ended"), {}, kWaitMs);
    const auto error = callError(*alice);
    QVERIFY2(!error, qPrintable(compactJson(error.value_or(QJsonObject{}))));
    alice->process().stop();
    bob2->process().stop();
    // The recording's last seconds (well after the resume) hold alice's tone.
    NAPKIN_VERIFY_OK(checkToneTail(bob2Heard, kAliceTone, 4));
}

void TestWorldNatCall::carolIsRelayedOverTurnTcp() {
    // c.example's proxy routes only to b.example (docs/world.md), so carol
    // calls bob. c.example has no certificate service and home-c's DNS over
    // UDP is dropped (carol is ready only after her lookups time out): her
    // calls are unsigned, in clear SDP, so not end-to-end.
    const QString bobHeard = scratch(QStringLiteral("5-bob-heard.wav"));
    const QString carolHeard = scratch(QStringLiteral("5-carol-heard.wav"));
    auto bob = agent(QStringLiteral("5-bob"),
                     freshProfile(QStringLiteral("bob"), QStringLiteral("5-bob")), "WORLD_NS_BOB",
                     {QStringLiteral("--auto-answer"), QStringLiteral("--play"), m_bobTone,
                      QStringLiteral("--record"), bobHeard});
    NAPKIN_VERIFY_OK(startRegistered(*bob, kWaitMs));
    auto carol = agent(
        QStringLiteral("5-carol"), freshProfile(QStringLiteral("carol"), QStringLiteral("5-carol")),
        "WORLD_NS_CAROL",
        {QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
         QStringLiteral("--allow-plain"), QStringLiteral("--hangup-after"), QStringLiteral("5"),
         QStringLiteral("--play"), m_carolTone, QStringLiteral("--record"), carolHeard});
    QJsonObject carolIce;
    QJsonObject bobIce;
    tonesBothWays(*carol, *bob, carolHeard, kCarolTone, bobHeard, kBobTone, false, carolIce,
                  bobIce);
    if (QTest::currentTestFailed()) {
        return;
    }
    QCOMPARE(carolIce.value(QStringLiteral("local")).toString(), QStringLiteral("relay"));
    QCOMPARE(carolIce.value(QStringLiteral("transport")).toString(), QStringLiteral("tcp"));
}

void TestWorldNatCall::withoutStunOrTurnTheCallSaysNoMediaPath() {
    // alice's profile without the world's STUN and TURN server: her only
    // candidate is her home address, which nothing outside reaches.
    QString text = readTextFile(world(QStringLiteral("alice.ini")));
    QStringList kept;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        if (!line.startsWith(QStringLiteral("stun_server")) &&
            !line.startsWith(QStringLiteral("turn_"))) {
            kept << line;
        }
    }
    const QString bare = world(QStringLiteral("alice-no-ice-servers.ini"));
    {
        QFile f(bare);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(kept.join(QLatin1Char('\n')).toUtf8());
    }
    QVERIFY(!readTextFile(bare).contains(QStringLiteral("turn_server")));

    auto bob =
        agent(QStringLiteral("6-bob"), freshProfile(QStringLiteral("bob"), QStringLiteral("6-bob")),
              "WORLD_NS_BOB", {QStringLiteral("--auto-answer")});
    NAPKIN_VERIFY_OK(startRegistered(*bob, kWaitMs));
    auto alice = agent(QStringLiteral("6-alice"), bare, "WORLD_NS_ALICE",
                       {QStringLiteral("--call"), QStringLiteral("sip:bob@b.example")});
    NAPKIN_VERIFY_OK(alice->start());
    auto active = waitForCallState(*alice, QStringLiteral("active"));
    NAPKIN_VERIFY_OK(active);
    auto error = alice->waitWhere(
        QStringLiteral("error"),
        [](const QJsonObject &e) {
            return e.value(QStringLiteral("code")) == QStringLiteral("no-media-path");
        },
        QStringLiteral("error no-media-path"), int(kIceDeadlineMs + kIceSlackMs + 5000));
    NAPKIN_VERIFY_OK(error);
    const qint64 after = error->value(QStringLiteral("t")).toInteger() -
                         active->value(QStringLiteral("t")).toInteger();
    qInfo("no-media-path %lld ms after the call became active: %s", static_cast<long long>(after),
          qPrintable(compactJson(*error)));
    QVERIFY2(after <= kIceDeadlineMs + kIceSlackMs,
             qPrintable(QStringLiteral("no-media-path came %1 ms after the answer").arg(after)));
    QVERIFY2(error->value(QStringLiteral("message")).toString().contains(QStringLiteral("TURN")),
             qPrintable(compactJson(*error)));
    QCOMPARE(error->value(QStringLiteral("call")).toString(),
             active->value(QStringLiteral("call")).toString());
    QVERIFY2(!alice->findWhere(
                 QStringLiteral("media"),
                 [](const QJsonObject &e) { return e.value(QStringLiteral("flowing")).toBool(); }),
             "media flowed although no path was found");
    alice->process().stop();
    bob->process().stop();
}

QTEST_GUILESS_MAIN(TestWorldNatCall)
#include "test_world_nat_call.moc"
