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

bool writeText(const QString &path, const QByteArray &text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

/// One baresip-core instance with a private config directory, driven over
/// ctrl_tcp. Its decoded (received) audio goes to `<dir>/snd/dump-*-dec.wav`.
class BaresipPhone {
public:
    BaresipPhone(const QString &name, const QString &dir) : m_name(name), m_dir(dir) {}

    /// Writes config and accounts, starts baresip and connects to ctrl_tcp.
    [[nodiscard]] TestResult<void> start(const QString &aor, const QString &password,
                                         const QString &proxy, const QString &tone) {
        QDir().mkpath(m_dir + QStringLiteral("/snd"));
        m_address = FreePort::uniqueLoopbackAddress();
        const QByteArray ip = m_address.toString().toUtf8();
        // baresip also listens for SIP over TLS on the next port; keep ctrl_tcp clear of it.
        m_ctrlPort = 5070;
        QByteArray config;
        config += "poll_method epoll\n";
        config += "sip_listen " + ip + ":5060\n";
        config += "net_interface " + ip + "\n"; // media on this loopback address too
        config += "audio_source aufile," + tone.toUtf8() + "\n";
        config += "audio_player aubridge,play-" + m_name.toUtf8() + "\n";
        config += "audio_alert aubridge,alert-" + m_name.toUtf8() + "\n";
        config += "audio_srate 48000\naudio_channels 1\n";
        config += "module_path /usr/lib/baresip/modules\n";
        for (const char *module : {"opus", "srtp", "aufile", "aubridge", "sndfile"}) {
            config += QByteArray("module ") + module + ".so\n";
        }
        for (const char *module : {"account", "menu", "ctrl_tcp"}) {
            config += QByteArray("module_app ") + module + ".so\n";
        }
        config += "ctrl_tcp_listen " + ip + ":" + QByteArray::number(m_ctrlPort) + "\n";
        config += "snd_path " + m_dir.toUtf8() + "/snd\n";
        config += "opus_stereo no\nopus_sprop_stereo no\n";
        QByteArray account = "<" + aor.toUtf8() + ">;auth_pass=" + password.toUtf8() +
                             ";outbound=\"sip:" + proxy.toUtf8() +
                             "\";regint=300;mediaenc=srtp-mand;audio_codecs=opus/48000/1;"
                             "answermode=auto\n";
        if (!writeText(m_dir + QStringLiteral("/config"), config) ||
            !writeText(m_dir + QStringLiteral("/accounts"), account)) {
            return fail(QStringLiteral("cannot write the baresip config in ") + m_dir);
        }
        QFile::setPermissions(m_dir + QStringLiteral("/accounts"),
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner);

        ProcessSpec spec;
        spec.name = m_name;
        spec.program = QStandardPaths::findExecutable(QStringLiteral("baresip"));
        if (spec.program.isEmpty()) {
            return fail(QStringLiteral("baresip is not installed (scripts/deps installs "
                                       "baresip-core)"));
        }
        spec.arguments = {QStringLiteral("-f"), m_dir};
        spec.logDirectory = QFileInfo(m_dir).absolutePath();
        spec.stopGraceMs = 10000;
        m_process = std::make_unique<ManagedProcess>(spec);
        if (auto started = m_process->start(); !started) {
            return fail(started.error());
        }
        if (auto up = m_process->waitForTcp({m_address, m_ctrlPort}, 15000); !up) {
            return fail(up.error());
        }
        m_socket.connectToHost(m_address, m_ctrlPort);
        if (!m_socket.waitForConnected(5000)) {
            return fail(QStringLiteral("%1: ctrl_tcp: %2").arg(m_name, m_socket.errorString()));
        }
        return {};
    }

    /// Sends a command; its response (ok and data), once it comes.
    [[nodiscard]] TestResult<QJsonObject> command(const QString &name, const QString &params = {}) {
        QJsonObject msg{{QStringLiteral("command"), name},
                        {QStringLiteral("token"), QString::number(++m_token)}};
        if (!params.isEmpty()) {
            msg.insert(QStringLiteral("params"), params);
        }
        const QByteArray body = QJsonDocument(msg).toJson(QJsonDocument::Compact);
        m_socket.write(QByteArray::number(body.size()) + ":" + body + ",");
        m_socket.flush();
        std::optional<QJsonObject> response;
        auto waited = waitUntil(
            [&] {
                for (const auto &r : m_responses) {
                    if (r.value(QStringLiteral("token")).toString() == QString::number(m_token)) {
                        response = r;
                    }
                }
                return response.has_value();
            },
            10000, QStringLiteral("the response to ") + name);
        if (!waited) {
            return fail(waited.error());
        }
        return *response;
    }

    /// Waits until the account is registered (reginfo shows OK).
    [[nodiscard]] TestResult<void> waitRegistered() {
        for (int i = 0; i < 100; ++i) {
            auto info = command(QStringLiteral("reginfo"));
            if (!info) {
                return fail(info.error());
            }
            if (info->value(QStringLiteral("data")).toString().contains(QStringLiteral("OK"))) {
                return {};
            }
            QTest::qWait(100);
        }
        return fail(m_name + QStringLiteral(" did not register\n") + m_process->logTail(40));
    }

    /// The first event of `type` (CALL_ESTABLISHED, CALL_MENC, ...), waiting for it.
    [[nodiscard]] TestResult<QJsonObject> waitEvent(const QString &type, int timeoutMs = 30000) {
        std::optional<QJsonObject> found;
        auto waited = waitUntil(
            [&] {
                found = event(type);
                return found.has_value();
            },
            timeoutMs, QStringLiteral("the baresip event ") + type);
        if (!waited) {
            return fail(waited.error());
        }
        return *found;
    }

    [[nodiscard]] std::optional<QJsonObject> event(const QString &type) const {
        for (const auto &e : m_events) {
            if (e.value(QStringLiteral("type")).toString() == type) {
                return e;
            }
        }
        return std::nullopt;
    }

    /// The decoded audio baresip received (sndfile's dump-*-dec.wav).
    [[nodiscard]] QString decodedRecording() const {
        const QStringList files = QDir(m_dir + QStringLiteral("/snd"))
                                      .entryList({QStringLiteral("dump-*-dec.wav")}, QDir::Files);
        return files.isEmpty() ? QString() : m_dir + QStringLiteral("/snd/") + files.first();
    }

    /// Asks baresip to quit (it unregisters), then makes sure it is gone.
    void stop() {
        if (m_process && m_process->isRunning()) {
            if (m_socket.state() == QAbstractSocket::ConnectedState) {
                (void)command(QStringLiteral("quit"));
                (void)m_process->waitForExit(10000);
            }
            m_process->stop();
        }
    }

    [[nodiscard]] QString logTail() const { return m_process ? m_process->logTail(60) : QString(); }

private:
    /// Polls `done` while reading netstrings from ctrl_tcp.
    TestResult<void> waitUntil(const std::function<bool()> &done, int timeoutMs,
                               const QString &what) {
        QElapsedTimer clock;
        clock.start();
        while (!done()) {
            if (clock.elapsed() > timeoutMs) {
                return fail(QStringLiteral("%1: timed out waiting for %2\n%3")
                                .arg(m_name, what, m_process->logTail(60)));
            }
            if (!m_process->isRunning()) {
                return fail(QStringLiteral("%1 exited while waiting for %2\n%3")
                                .arg(m_name, what, m_process->logTail(60)));
            }
            m_socket.waitForReadyRead(50);
            m_buffer += m_socket.readAll();
            parse();
        }
        return {};
    }

    void parse() {
        for (;;) {
            const qsizetype colon = m_buffer.indexOf(':');
            if (colon <= 0) {
                return;
            }
            bool ok = false;
            const qsizetype size = m_buffer.left(colon).toLongLong(&ok);
            if (!ok || size < 0) {
                m_buffer.clear(); // not a netstring: nothing more to trust in it
                return;
            }
            if (m_buffer.size() < colon + 1 + size + 1) {
                return;
            }
            const auto doc = QJsonDocument::fromJson(m_buffer.mid(colon + 1, size));
            m_buffer.remove(0, colon + 1 + size + 1);
            if (!doc.isObject()) {
                continue;
            }
            const QJsonObject o = doc.object();
            if (o.value(QStringLiteral("event")).toBool()) {
                m_events.push_back(o);
            } else if (o.value(QStringLiteral("response")).toBool()) {
                m_responses.push_back(o);
            }
        }
    }

    QString m_name;
    QString m_dir;
    QHostAddress m_address;
    quint16 m_ctrlPort = 0;
    std::unique_ptr<ManagedProcess> m_process;
    QTcpSocket m_socket;
    QByteArray m_buffer;
    std::vector<QJsonObject> m_events;
    std::vector<QJsonObject> m_responses;
    int m_token = 0;
};

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
    if (auto started = phone->start(QStringLiteral("sip:") + address, *password,
                                    m_world->env(QStringLiteral("WORLD_B_PROXY")), m_baresipTone);
        !started) {
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
