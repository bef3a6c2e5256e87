// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// A napkin-cli agent and a real baresip (Debian baresip-core) call each other
// through the world's Kamailio proxies (scripts/world): baresip is a plain
// phone with SDES-SRTP (;mediaenc=srtp-mand) and Opus.
//
//   baresip (b.example) --> Kamailio b --> Kamailio a --> napkin alice
//   napkin alice --> Kamailio a --> Kamailio b --> baresip (b.example)
//
// Each side plays a tone from a WAV file (napkin 1000 Hz, baresip 700 Hz) and
// records what it receives (napkin --record; baresip's sndfile module dumps
// the decoded audio); a Goertzel filter checks frequency and level. baresip
// is driven over its ctrl_tcp module (netstring JSON commands and events).

#include "media/WavFile.h"
#include "tests/media/MediaTestSupport.h"
#include "tests/support/AgentProcess.h"
#include "tests/support/BaresipPhone.h"
#include "tests/support/FreePort.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/ToneCheck.h"
#include "tests/support/WorldRun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>

using namespace napkin::testing;
using napkin::fail;

/// NAPKIN_VERIFY_OK evaluates its argument twice: this runs `expr` once.
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        const auto checked_ = (expr);                                                              \
        NAPKIN_VERIFY_OK(checked_);                                                                \
    } while (false)

namespace {

constexpr double kSampleRate = 48000;
constexpr double kNapkinTone = 1000; ///< what napkin plays
constexpr double kBaresipTone = 700; ///< what baresip plays
constexpr int kCallSeconds = 5;      ///< napkin hangs up this long after answer

} // namespace

class TestBaresipInterop : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void baresipCallsNapkin();
    void napkinCallsBaresip();

private:
    /// A path in the world's scratch directory (removed with the world).
    [[nodiscard]] QString scratchFile(const QString &name) const;
    /// Checks napkin's media event against an SDES-SRTP Opus call with a plain phone.
    static void checkPlainSrtpOpus(const QJsonObject &media);
    /// A napkin agent on alice's profile that plays its tone, records into
    /// `recording` and hangs up kCallSeconds after the answer; `role` says
    /// whether it calls (--call ...) or answers (--auto-answer).
    [[nodiscard]] std::unique_ptr<AgentProcess>
    napkinAgent(const QString &name, const QStringList &role, const QString &recording) const;
    /// Adds `<user>@b.example` and starts a baresip registered as that user.
    [[nodiscard]] TestResult<std::unique_ptr<BaresipPhone>> startBaresip(const QString &name,
                                                                         const QString &user);
    /// Follows napkin's `call` with `phone` from the media on: plain SRTP
    /// Opus flowing, the call established and encrypted at baresip (as
    /// `baresipDirection` when not empty), napkin's hang-up seen by both, and
    /// each side's recording holding the other's tone.
    static void checkCallThrough(AgentProcess &alice, BaresipPhone &phone, const QString &call,
                                 const QString &recording, const QString &baresipDirection);

    std::unique_ptr<WorldRun> m_world;
    QString m_napkinTone;
    QString m_baresipTone;
};

void TestBaresipInterop::initTestCase() {
    auto world = WorldRun::up();
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
    QVERIFY(!m_world->env(QStringLiteral("WORLD_B_DB")).isEmpty());

    m_napkinTone = scratchFile(QStringLiteral("napkin-tone.wav"));
    m_baresipTone = scratchFile(QStringLiteral("baresip-tone.wav"));
    CHECK_OK(writeTone(m_napkinTone, kNapkinTone, 30));
    CHECK_OK(writeTone(m_baresipTone, kBaresipTone, 30));
}

void TestBaresipInterop::cleanupTestCase() {
    if (m_world) {
        if (auto down = m_world->down(); !down) {
            qWarning("%s", qPrintable(down.error()));
        }
    }
}

QString TestBaresipInterop::scratchFile(const QString &name) const {
    return m_world->scratch() + QLatin1Char('/') + name;
}

void TestBaresipInterop::checkPlainSrtpOpus(const QJsonObject &media) {
    QVERIFY2(
        media.value(QStringLiteral("codec")).toString().startsWith(QStringLiteral("opus/48000")),
        qPrintable(media.value(QStringLiteral("codec")).toString()));
    QCOMPARE(media.value(QStringLiteral("srtp")).toString(),
             QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
    QCOMPARE(media.value(QStringLiteral("audio")).toBool(), true);
    // A plain phone's SDES keys travel in SDP that every proxy can read.
    QCOMPARE(media.value(QStringLiteral("e2e")).toBool(), false);
    QVERIFY(!media.value(QStringLiteral("not_e2e_reason")).toString().isEmpty());
}

std::unique_ptr<AgentProcess> TestBaresipInterop::napkinAgent(const QString &name,
                                                              const QStringList &role,
                                                              const QString &recording) const {
    return m_world->agent(
        name,
        QStringList{QStringLiteral("--config"), m_world->file(QStringLiteral("world/alice.ini"))} +
            role +
            QStringList{QStringLiteral("--play"), m_napkinTone, QStringLiteral("--record"),
                        recording, QStringLiteral("--hangup-after"),
                        QString::number(kCallSeconds)});
}

TestResult<std::unique_ptr<BaresipPhone>> TestBaresipInterop::startBaresip(const QString &name,
                                                                           const QString &user) {
    const QString address = user + QStringLiteral("@b.example");
    auto password = m_world->addUser(address, QStringLiteral("WORLD_B_DB"));
    if (!password) {
        return fail(password.error());
    }
    auto phone = std::make_unique<BaresipPhone>(name, scratchFile(name));
    BaresipSettings settings;
    settings.aor = QStringLiteral("sip:") + address;
    settings.password = *password;
    settings.proxy = m_world->env(QStringLiteral("WORLD_B_PROXY"));
    settings.tone = m_baresipTone;
    if (auto started = phone->start(settings); !started) {
        return fail(started.error());
    }
    if (auto registered = phone->waitRegistered(); !registered) {
        return fail(registered.error());
    }
    return phone;
}

void TestBaresipInterop::checkCallThrough(AgentProcess &alice, BaresipPhone &phone,
                                          const QString &call, const QString &recording,
                                          const QString &baresipDirection) {
    NAPKIN_WAIT_EVENT(media, alice, QStringLiteral("media"),
                      {{QStringLiteral("call"), call}, {QStringLiteral("e2e"), false}});
    checkPlainSrtpOpus(media);
    if (QTest::currentTestFailed()) {
        return;
    }
    NAPKIN_WAIT_EVENT(flowing, alice, QStringLiteral("media"),
                      {{QStringLiteral("call"), call}, {QStringLiteral("flowing"), true}});
    auto established = phone.waitEvent(QStringLiteral("CALL_ESTABLISHED"));
    NAPKIN_VERIFY_OK(established);
    if (!baresipDirection.isEmpty()) {
        QCOMPARE(established->value(QStringLiteral("direction")).toString(), baresipDirection);
    }
    auto encrypted = phone.waitEvent(QStringLiteral("CALL_MENC"));
    NAPKIN_VERIFY_OK(encrypted);
    auto rtp = phone.waitEvent(QStringLiteral("CALL_RTPESTAB"));
    NAPKIN_VERIFY_OK(rtp);

    // napkin hangs up after kCallSeconds; both sides see the end.
    NAPKIN_WAIT_EVENT(ended, alice, QStringLiteral("ended"), {{QStringLiteral("call"), call}},
                      kCallSeconds * 1000 + 30000);
    QCOMPARE(ended.value(QStringLiteral("code")).toString(), QStringLiteral("hangup"));
    auto closed = phone.waitEvent(QStringLiteral("CALL_CLOSED"));
    NAPKIN_VERIFY_OK(closed);
    phone.stop();
    alice.process().stop(); // the recording is finished at shutdown

    CHECK_OK(checkTone(recording, kBaresipTone));
    const QString heard = phone.decodedRecording();
    QVERIFY2(!heard.isEmpty(), qPrintable(phone.logTail()));
    CHECK_OK(checkTone(heard, kNapkinTone));
}

void TestBaresipInterop::baresipCallsNapkin() {
    const QString recording = scratchFile(QStringLiteral("napkin-heard-baresip.wav"));
    const auto aliceAgent =
        napkinAgent(QStringLiteral("alice-in"), {QStringLiteral("--auto-answer")}, recording);
    AgentProcess &alice = *aliceAgent;
    CHECK_OK(alice.start());
    NAPKIN_WAIT_EVENT(registered, alice, QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("registered")}});

    auto phone = startBaresip(QStringLiteral("baresip-in"), QStringLiteral("phonein"));
    NAPKIN_VERIFY_OK(phone);
    auto dialled = (*phone)->command(QStringLiteral("dial"), QStringLiteral("sip:alice@a.example"));
    NAPKIN_VERIFY_OK(dialled);
    QVERIFY2(dialled->value(QStringLiteral("ok")).toBool(),
             qPrintable(dialled->value(QStringLiteral("data")).toString()));

    NAPKIN_WAIT_EVENT(incoming, alice, QStringLiteral("incoming"));
    QVERIFY2(incoming.value(QStringLiteral("from"))
                 .toString()
                 .contains(QStringLiteral("sip:phonein@b.example")),
             qPrintable(incoming.value(QStringLiteral("from")).toString()));
    checkCallThrough(alice, **phone, incoming.value(QStringLiteral("call")).toString(), recording,
                     {});
}

void TestBaresipInterop::napkinCallsBaresip() {
    auto phone = startBaresip(QStringLiteral("baresip-out"), QStringLiteral("phoneout"));
    NAPKIN_VERIFY_OK(phone);

    // alice signs her INVITE and offers no SDP; baresip cannot read that and
    // refuses it, so alice calls again with a plain SDES offer (not end-to-end).
    const QString recording = scratchFile(QStringLiteral("napkin-heard-baresip-out.wav"));
    const auto aliceAgent = napkinAgent(
        QStringLiteral("alice-out"),
        {QStringLiteral("--call"), QStringLiteral("sip:phoneout@b.example")}, recording);
    AgentProcess &alice = *aliceAgent;
    CHECK_OK(alice.start());
    NAPKIN_WAIT_EVENT(calling, alice, QStringLiteral("call_state"),
                      {{QStringLiteral("state"), QStringLiteral("calling")}});
    const QString call = calling.value(QStringLiteral("call")).toString();
    NAPKIN_WAIT_EVENT(
        active, alice, QStringLiteral("call_state"),
        {{QStringLiteral("call"), call}, {QStringLiteral("state"), QStringLiteral("active")}});
    checkCallThrough(alice, **phone, call, recording, QStringLiteral("incoming"));
}

QTEST_GUILESS_MAIN(TestBaresipInterop)
#include "test_baresip_interop.moc"
