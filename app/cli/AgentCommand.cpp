// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli agent: a headless Napkin device. It enrols this device's
// certificate, registers, answers and places secure calls, and prints one
// JSON object per line on standard output for every event (logs go to
// standard error). The same engine as the app (napkin::engine::Engine); this
// file only parses options and prints events.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include "app/engine/Engine.h"
#include "media/IceDescription.h"
#include "media/WavFile.h"
#include "sipcore/MediaSdpFactory.h"
#include "sipcore/SipProfile.h"
#include "sipcore/UserAgent.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DeviceWatch.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/Profile.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>

#include <glib-unix.h>

#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

namespace napkin::cli {

namespace {

using namespace napkin::sip;
using discovery::DiscoveryError;
using discovery::Profile;
using engine::EngineStage;
using engine::engineStageName;

// The `code` of error events that no typed error below carries; every other
// code is the typed error's own name (engineCodeName, errcName). Listed in
// `napkin-cli --help`.
constexpr QLatin1String kUnusableStateFile("unusable-state-file");
constexpr QLatin1String kRegistrationFailed("registration-failed");
constexpr QLatin1String kSipProblem("sip-problem");
constexpr QLatin1String kOwnDeviceMissing("own-device-missing");
constexpr QLatin1String kIdentityWithdrawn("identity-withdrawn");
constexpr QLatin1String kDtmfRefused("dtmf-refused");

int usage(const std::string &message) {
    std::cerr << "napkin-cli agent: " << message << " (try napkin-cli --help)\n";
    return ExitUsage;
}

QString text(const std::string &s) {
    return QString::fromStdString(s);
}

QString stateName(Call::State state) {
    switch (state) {
    case Call::State::Checking:
        return QStringLiteral("checking");
    case Call::State::Calling:
        return QStringLiteral("calling");
    case Call::State::Ringing:
        return QStringLiteral("ringing");
    case Call::State::Answering:
        return QStringLiteral("answering");
    case Call::State::Active:
        return QStringLiteral("active");
    case Call::State::Ending:
        return QStringLiteral("ending");
    case Call::State::Ended:
        return QStringLiteral("ended");
    }
    return QStringLiteral("unknown");
}

/// One JSON object per line on stdout, each with "t" (ms since start).
class EventWriter {
public:
    EventWriter() { m_clock.start(); }
    void write(const QString &event, QJsonObject fields) {
        fields.insert(QStringLiteral("t"), static_cast<qint64>(m_clock.elapsed()));
        fields.insert(QStringLiteral("event"), event);
        std::cout << QJsonDocument(fields).toJson(QJsonDocument::Compact).toStdString()
                  << std::endl;
    }
    /// {"event":"error","where":...,"code":...,"message":...}: `where` is the
    /// stage, `code` a stable machine name, `message` the words; `extra`
    /// adds fields (retry_ms).
    void error(const QString &where, const QString &code, const QString &message,
               QJsonObject extra = {}) {
        extra.insert(QStringLiteral("where"), where);
        extra.insert(QStringLiteral("code"), code);
        extra.insert(QStringLiteral("message"), message);
        write(QStringLiteral("error"), std::move(extra));
    }
    void error(const engine::EngineError &e) { error(e.where(), e.codeName(), e.message); }
    void error(const media::MediaError &e) {
        error(QStringLiteral("audio"), text(std::string(media::errcName(e.code))), text(e.message));
    }

private:
    QElapsedTimer m_clock;
};

struct Options {
    std::string config;
    bool autoAnswer = false;
    std::optional<std::string> call;
    std::optional<std::string> via;
    std::optional<std::string> play;
    std::optional<std::string> record;
    std::optional<int> duration;
    std::optional<int> hangupAfter;
    std::optional<int> holdAfter;    ///< seconds after active: put the call on hold
    std::optional<int> resumeAfter;  ///< seconds after active: take it off hold
    bool noAudio = false;            ///< agree on keys only, no media engine
    bool allowPlain = false;         ///< call a protected peer in clear when only that works
    std::optional<int> callDelay;    ///< seconds after ready before --call
    std::optional<int> answerDelay;  ///< milliseconds of ringing before --auto-answer answers
    std::optional<std::string> dtmf; ///< digits sent once the first call is active
    bool watchDevices = false;       ///< report the own address's devices
    int calls = 1;                   ///< --calls: sequential calls to --call
    int callIntervalMs = 1000;       ///< --call-interval: pause between them
};

/// The running agent: the engine, with its events printed as JSON and the
/// command line's automation (--call, --auto-answer, --hangup-after...).
class Agent : public QObject {
public:
    Agent(QCoreApplication &app, Options options, Profile profile, SipProfile sip)
        : m_app(app), m_options(std::move(options)), m_profile(std::move(profile)),
          m_sip(std::move(sip)) {}

    int run();

private:
    bool prepare();
    sip::MediaSettings audio();
    void placeCallWhenReady();
    void placeCall();
    void watch(Call *call);
    void sendDigits(Call *call);
    void stop(const QString &why);

    QCoreApplication &m_app;
    Options m_options;
    Profile m_profile;
    SipProfile m_sip;
    EventWriter m_out;

    std::vector<std::shared_ptr<media::WavFileSink>> m_recordings;
    std::unique_ptr<engine::Engine> m_engine;

    bool m_callPlaced = false;
    int m_callsPlaced = 0;
    bool m_digitsSent = false;
    bool m_holdPlanned = false;
    bool m_stopping = false;
    int m_exit = ExitOk;
};

gboolean onSignal(gpointer agent) {
    // Runs on the main loop (GLib dispatches it), never in a signal handler.
    auto *stop = static_cast<std::function<void()> *>(agent);
    (*stop)();
    return G_SOURCE_CONTINUE;
}

sip::MediaSettings Agent::audio() {
    MediaSettings media;
    if (m_options.play) {
        const std::string path = *m_options.play;
        media.source = [this, path]() -> std::shared_ptr<media::AudioSource> {
            auto source = media::WavFileSource::open(path);
            if (!source) {
                m_out.error(source.error());
                return nullptr;
            }
            return std::move(source).value();
        };
    }
    if (m_options.record) {
        const std::string path = *m_options.record;
        media.sink = [this, path]() -> std::shared_ptr<media::AudioSink> {
            auto sink = media::WavFileSink::create(path);
            if (!sink) {
                m_out.error(sink.error());
                return nullptr;
            }
            m_recordings.push_back(sink.value());
            return std::move(sink).value();
        };
    }
    return media;
}

bool Agent::prepare() {
    engine::EngineConfig config;
    config.profile = m_profile;
    config.sip = m_sip;
    config.noAudio = m_options.noAudio;
    config.plainToProtected = m_options.allowPlain ? sip::PolicySettings::PlainToProtected::Allow
                                                   : sip::PolicySettings::PlainToProtected::Refuse;
    if (!m_options.noAudio) {
        config.media = audio();
    }
    config.userAgentName = QStringLiteral("Napkin/" NAPKIN_VERSION);
    config.serviceUserAgent = "napkin-cli-agent/" NAPKIN_VERSION;
    config.watchDevices = m_options.watchDevices;
    if (m_profile.keyStorage == Profile::KeyStorage::Keychain) {
        // napkin-cli has no keychain: such a profile enrols a fresh key at
        // every run, as with key_storage = none.
        config.keyStore = std::make_unique<discovery::MemoryKeyStore>();
    }
    auto created = engine::Engine::create(std::move(config));
    if (!created) {
        m_out.error(created.error());
        return false;
    }
    m_engine = std::move(created).value();
    for (const QString &warning : m_engine->startupWarnings()) {
        m_out.error(engineStageName(EngineStage::Profile), kUnusableStateFile, warning);
    }
    engine::Engine *e = m_engine.get();

    connect(e, &engine::Engine::registrationChanged, this,
            [this](UserAgent::Registration state, const QString &message) {
                if (state == UserAgent::Registration::Registered) {
                    m_out.write(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("registered")},
                                 {QStringLiteral("aor"), m_profile.aor},
                                 {QStringLiteral("contact"), text(m_engine->agent().contact())}});
                } else if (state == UserAgent::Registration::Unregistered) {
                    m_out.write(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("unregistered")},
                                 {QStringLiteral("aor"), m_profile.aor}});
                } else if (state == UserAgent::Registration::Failed) {
                    m_out.error(engineStageName(EngineStage::Registration), kRegistrationFailed,
                                message);
                }
            });
    connect(e, &engine::Engine::callsPossible, this, [this] { placeCallWhenReady(); });
    connect(e, &engine::Engine::problem, this, [this](const QString &message) {
        m_out.error(engineStageName(EngineStage::Sip), kSipProblem, message);
    });
    connect(e, &engine::Engine::incomingCall, this, [this](Call *call) {
        m_out.write(QStringLiteral("incoming"), {{QStringLiteral("call"), call->id()},
                                                 {QStringLiteral("from"), text(call->peer())},
                                                 {QStringLiteral("to"), m_profile.aor}});
        watch(call);
    });
    connect(e, &engine::Engine::shutdownFinished, this, [this] {
        for (const auto &recording : m_recordings) {
            if (auto finished = recording->finish(); !finished) {
                m_out.error(finished.error());
            }
        }
        m_app.exit(m_exit);
    });
    connect(e, &engine::Engine::enrolled, this,
            [this](const QString &fingerprint, const QDateTime &) {
                const auto cert = m_engine->enroller().certificate();
                m_out.write(QStringLiteral("enrolled"),
                            {{QStringLiteral("fingerprint"), fingerprint},
                             {QStringLiteral("instance"),
                              text(cert ? cert->instanceUrn().value_or("") : std::string())},
                             {QStringLiteral("not_after"),
                              cert ? discovery::isoTime(cert->notAfter()) : QString()}});
            });
    connect(e, &engine::Engine::enrolmentError, this,
            [this](const DiscoveryError &error, qint64 retryInMs) {
                m_out.error(engineStageName(EngineStage::Enrolment),
                            discovery::errcName(error.code), error.message,
                            {{QStringLiteral("retry_ms"), retryInMs}});
            });
    connect(e, &engine::Engine::identityWithdrawn, this,
            [this](const QString &fingerprint, const QString &reason, const QString &message) {
                m_out.error(engineStageName(EngineStage::Enrolment), kIdentityWithdrawn, message,
                            {{QStringLiteral("fingerprint"), fingerprint},
                             {QStringLiteral("reason"), reason}});
            });
    connect(e, &engine::Engine::reenrolling, this,
            [this](const QDateTime &next, const QString &message) {
                QJsonObject fields{
                    {QStringLiteral("next_attempt"), next.toUTC().toString(Qt::ISODate)},
                    {QStringLiteral("retry_ms"),
                     std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(next))}};
                if (!message.isEmpty()) {
                    fields.insert(QStringLiteral("message"), message);
                }
                m_out.write(QStringLiteral("reenrolling"), fields);
            });
    // Only with --watch-devices (the engine does not watch otherwise).
    connect(e, &engine::Engine::devicesChanged, this, [this] {
        QJsonArray devices;
        for (const auto &d : m_engine->devices().devices()) {
            devices.append(QJsonObject{{QStringLiteral("fingerprint"), d.fingerprint},
                                       {QStringLiteral("instance"), d.instanceUrn},
                                       {QStringLiteral("this_device"), d.thisDevice},
                                       {QStringLiteral("known"), d.known}});
        }
        m_out.write(QStringLiteral("devices"), {{QStringLiteral("devices"), devices}});
    });
    connect(e, &engine::Engine::unknownDevice, this,
            [this](const QString &fingerprint, const QString &instance, const QDateTime &) {
                m_out.write(QStringLiteral("unknown_device"),
                            {{QStringLiteral("fingerprint"), fingerprint},
                             {QStringLiteral("instance"), instance}});
            });
    connect(e, &engine::Engine::ownDeviceMissing, this, [this](const QString &fingerprint) {
        m_out.error(engineStageName(EngineStage::Devices), kOwnDeviceMissing,
                    QStringLiteral("the certificate service no longer lists this device (%1)")
                        .arg(fingerprint));
    });
    connect(e, &engine::Engine::devicesCheckFailed, this, [this](const DiscoveryError &error) {
        m_out.error(engineStageName(EngineStage::Devices), discovery::errcName(error.code),
                    error.message);
    });
    return true;
}

void Agent::placeCallWhenReady() {
    if (!m_options.call || m_callPlaced || m_stopping || !m_engine->readyForCalls()) {
        return;
    }
    m_callPlaced = true;
    if (m_options.callDelay) {
        QTimer::singleShot(*m_options.callDelay * 1000, this, [this] { placeCall(); });
        return;
    }
    placeCall();
}

void Agent::placeCall() {
    if (m_stopping) {
        return;
    }
    ++m_callsPlaced;
    auto call = m_engine->call(QString::fromStdString(*m_options.call),
                               QString::fromStdString(m_options.via.value_or(std::string())));
    if (!call) {
        m_out.error(call.error());
        return;
    }
    watch(call.value());
    if (m_callsPlaced < m_options.calls) {
        // The next call follows once this one ended (in the same process,
        // so the certificate cache and the libraries stay warm).
        connect(call.value(), &Call::ended, this, [this] {
            QTimer::singleShot(m_options.callIntervalMs, this, [this] { placeCall(); });
        });
    }
    m_out.write(QStringLiteral("call_state"),
                {{QStringLiteral("call"), call.value()->id()},
                 {QStringLiteral("direction"), QStringLiteral("outgoing")},
                 {QStringLiteral("peer"), text(call.value()->peer())},
                 {QStringLiteral("state"), QStringLiteral("calling")}});
}

void Agent::sendDigits(Call *call) {
    const QString id = call->id();
    const QString digits = QString::fromStdString(m_options.dtmf.value_or(std::string()));
    // One digit every 250 ms: 100 ms of tone and a clear gap between digits.
    for (qsizetype i = 0; i < digits.size(); ++i) {
        QPointer<Call> guard(call);
        const char digit = digits.at(i).toLatin1();
        QTimer::singleShot(static_cast<int>(250 * (i + 1)), this, [this, guard, id, digit] {
            if (!guard) {
                return;
            }
            if (auto sent = guard->sendDtmf(digit); !sent) {
                m_out.error(QStringLiteral("dtmf"), kDtmfRefused, sent.error());
                return;
            }
            m_out.write(QStringLiteral("dtmf"),
                        {{QStringLiteral("call"), id},
                         {QStringLiteral("digit"), QString(QChar::fromLatin1(digit))},
                         {QStringLiteral("direction"), QStringLiteral("sent")}});
        });
    }
}

void Agent::watch(Call *call) {
    const QString id = call->id();
    const QString direction = call->direction() == Call::Direction::Outgoing
                                  ? QStringLiteral("outgoing")
                                  : QStringLiteral("incoming");
    connect(call, &Call::dtmfReceived, this, [this, id](char digit) {
        m_out.write(QStringLiteral("dtmf"),
                    {{QStringLiteral("call"), id},
                     {QStringLiteral("digit"), QString(QChar::fromLatin1(digit))},
                     {QStringLiteral("direction"), QStringLiteral("received")}});
    });
    connect(call, &Call::stateChanged, this, [this, call, id, direction](Call::State state) {
        if (state == Call::State::Ended) {
            return; // reported as "ended"
        }
        m_out.write(QStringLiteral("call_state"), {{QStringLiteral("call"), id},
                                                   {QStringLiteral("direction"), direction},
                                                   {QStringLiteral("peer"), text(call->peer())},
                                                   {QStringLiteral("state"), stateName(state)}});
        if (state == Call::State::Ringing && m_options.autoAnswer &&
            call->direction() == Call::Direction::Incoming) {
            QPointer<Call> guard(call);
            // Answer at once unless told to ring first. Should the proxies
            // deliver the 180 after the 200, sipcore/SofiaFixes keeps the
            // ACK going out.
            constexpr int kDefaultAnswerDelayMs = 0;
            QTimer::singleShot(m_options.answerDelay.value_or(kDefaultAnswerDelayMs), this,
                               [guard] {
                                   if (guard) {
                                       guard->answer();
                                   }
                               });
        }
        if (state == Call::State::Active && m_options.dtmf && !m_digitsSent) {
            m_digitsSent = true;
            sendDigits(call);
        }
        if (state == Call::State::Active && !m_holdPlanned &&
            (m_options.holdAfter || m_options.resumeAfter)) {
            // Once per call: re-INVITEs for hold and resume bring the call
            // back to Active.
            m_holdPlanned = true;
            QPointer<Call> guard(call);
            if (m_options.holdAfter) {
                QTimer::singleShot(*m_options.holdAfter * 1000, this, [guard] {
                    if (guard) {
                        guard->hold();
                    }
                });
            }
            if (m_options.resumeAfter) {
                QTimer::singleShot(*m_options.resumeAfter * 1000, this, [guard] {
                    if (guard) {
                        guard->resume();
                    }
                });
            }
        }
        if (state == Call::State::Active && m_options.hangupAfter) {
            QPointer<Call> guard(call);
            QTimer::singleShot(*m_options.hangupAfter * 1000, this, [guard] {
                if (guard) {
                    guard->hangUp();
                }
            });
        }
    });
    connect(call, &Call::identityChecked, this, [this, id](const IdentityVerdict &v) {
        QJsonObject fields{{QStringLiteral("call"), id},
                           {QStringLiteral("peer"), text(v.aor)},
                           {QStringLiteral("verdict"), text(std::string(verdictName(v.kind)))},
                           {QStringLiteral("fingerprint"), text(v.signerFingerprint)},
                           {QStringLiteral("instance"), text(v.instanceUrn)},
                           {QStringLiteral("domain"), text(v.vouchingDomain)}};
        if (!v.reason.empty()) {
            fields.insert(QStringLiteral("reason"), text(v.reason));
        }
        if (v.kind == IdentityVerdict::Kind::Failed) {
            fields.insert(QStringLiteral("failure"),
                          text(std::string(identityFailureName(v.failure))));
        }
        m_out.write(QStringLiteral("identity"), fields);
    });
    connect(call, &Call::mediaReady, this,
            [this, call, id](const NegotiatedMedia &media, bool endToEnd) {
                QJsonObject fields{{QStringLiteral("call"), id},
                                   {QStringLiteral("codec"), text(media.codec)},
                                   {QStringLiteral("srtp"), text(media.srtpSuite)},
                                   {QStringLiteral("e2e"), endToEnd},
                                   {QStringLiteral("audio"), media.audio},
                                   {QStringLiteral("hold"), media.localHold || media.remoteHold}};
                if (!endToEnd) {
                    fields.insert(QStringLiteral("not_e2e_reason"),
                                  text(call->notEndToEndReason()));
                }
                m_out.write(QStringLiteral("media"), fields);
            });
    connect(call, &Call::holdChanged, this, [this, id](bool localHold, bool remoteHold) {
        m_out.write(QStringLiteral("hold"), {{QStringLiteral("call"), id},
                                             {QStringLiteral("local"), localHold},
                                             {QStringLiteral("remote"), remoteHold}});
    });
    connect(call, &Call::mediaPath, this, [this, id](const media::IcePath &path) {
        QJsonObject ice{
            {QStringLiteral("local"), text(std::string(candidateKindName(path.local)))},
            {QStringLiteral("remote"), text(std::string(candidateKindName(path.remote)))},
            {QStringLiteral("transport"), text(path.transport)}};
        if (!path.relay.empty()) {
            ice.insert(QStringLiteral("relay"), text(path.relay));
        }
        ice.insert(QStringLiteral("gather_ms"), static_cast<int>(path.gatherMs));
        ice.insert(QStringLiteral("check_ms"), static_cast<int>(path.checkMs));
        m_out.write(QStringLiteral("media"),
                    {{QStringLiteral("call"), id}, {QStringLiteral("ice"), ice}});
    });
    connect(call, &Call::mediaPathFailed, this, [this, id](const QString &why) {
        m_out.error(QStringLiteral("media"), QStringLiteral("no-media-path"), why,
                    {{QStringLiteral("call"), id}});
    });
    connect(call, &Call::mediaFlowing, this, [this, id](bool flowing) {
        m_out.write(QStringLiteral("media"),
                    {{QStringLiteral("call"), id}, {QStringLiteral("flowing"), flowing}});
    });
    connect(call, &Call::ended, this, [this, id](const CallEnd &end) {
        m_out.write(QStringLiteral("ended"),
                    {{QStringLiteral("call"), id},
                     {QStringLiteral("code"), text(std::string(callErrcName(end.code)))},
                     {QStringLiteral("status"), end.sipStatus},
                     {QStringLiteral("by_peer"), end.byPeer},
                     {QStringLiteral("reason"), text(end.reason)}});
    });
}

void Agent::stop(const QString &why) {
    if (m_stopping) {
        return;
    }
    m_stopping = true;
    qInfo("napkin-cli agent: stopping (%s)", qPrintable(why));
    m_engine->shutdown();
}

int Agent::run() {
    if (!prepare()) {
        return ExitFailure;
    }
    if (auto started = m_engine->start(); !started) {
        m_out.error(started.error());
        return ExitFailure;
    }

    std::function<void()> stopper = [this] { stop(QStringLiteral("signal")); };
    const guint sigint = g_unix_signal_add(SIGINT, &onSignal, &stopper);
    const guint sigterm = g_unix_signal_add(SIGTERM, &onSignal, &stopper);
    if (m_options.duration) {
        QTimer::singleShot(*m_options.duration * 1000, this,
                           [this] { stop(QStringLiteral("--duration reached")); });
    }
    const int code = m_app.exec();
    g_source_remove(sigint);
    g_source_remove(sigterm);
    return code;
}

std::optional<int> positiveSeconds(const CliArgs &args, const char *name, std::string &error) {
    auto v = args.value(name);
    if (!v) {
        return std::nullopt;
    }
    bool ok = false;
    const int seconds = QString::fromStdString(*v).toInt(&ok);
    if (!ok || seconds < 1 || seconds > 7 * 24 * 3600) {
        error = std::string("--") + name + " wants a number of seconds (1 or more)";
        return std::nullopt;
    }
    return seconds;
}

} // namespace

int runAgentCommand(int argc, char **argv) {
    const CliArgs::Spec spec{{"config", "call", "via", "play", "record", "duration", "hangup-after",
                              "call-delay", "answer-delay", "dtmf", "calls", "call-interval",
                              "hold-after", "resume-after"},
                             {"auto-answer", "no-audio", "watch-devices", "allow-plain"}};
    std::string error;
    auto args = CliArgs::parse(argc, argv, 2, spec, error);
    if (!args) {
        return usage(error);
    }
    if (!args->positionals().empty()) {
        return usage("unexpected argument '" + args->positionals().front() + "'");
    }
    Options options;
    if (auto config = args->value("config")) {
        options.config = *config;
    } else {
        return usage("--config FILE is required");
    }
    options.autoAnswer = args->has("auto-answer");
    options.noAudio = args->has("no-audio");
    options.allowPlain = args->has("allow-plain");
    options.call = args->value("call");
    options.via = args->value("via");
    options.play = args->value("play");
    options.record = args->value("record");
    options.dtmf = args->value("dtmf");
    options.watchDevices = args->has("watch-devices");
    if (options.dtmf) {
        const QString digits = QString::fromStdString(*options.dtmf);
        static const QRegularExpression valid(QStringLiteral("^[0-9*#A-D]{1,64}$"));
        if (!valid.match(digits).hasMatch()) {
            error = "--dtmf wants 1 to 64 telephone keys: 0-9, *, # and A-D";
        }
    }
    options.duration = positiveSeconds(*args, "duration", error);
    options.hangupAfter = positiveSeconds(*args, "hangup-after", error);
    options.holdAfter = positiveSeconds(*args, "hold-after", error);
    options.resumeAfter = positiveSeconds(*args, "resume-after", error);
    if (options.resumeAfter && (!options.holdAfter || *options.resumeAfter <= *options.holdAfter)) {
        error = "--resume-after wants --hold-after and a later time";
    }
    options.callDelay = positiveSeconds(*args, "call-delay", error);
    if (auto delay = args->value("answer-delay")) {
        bool ok = false;
        const int ms = QString::fromStdString(*delay).toInt(&ok);
        if (!ok || ms < 0 || ms > 600000) {
            error = "--answer-delay wants milliseconds (0 to 600000)";
        }
        options.answerDelay = ms;
    }
    if (auto calls = args->value("calls")) {
        bool ok = false;
        options.calls = QString::fromStdString(*calls).toInt(&ok);
        if (!ok || options.calls < 1 || options.calls > 100000) {
            error = "--calls wants a number of calls (1 to 100000)";
        }
    }
    if (auto interval = args->value("call-interval")) {
        bool ok = false;
        const double seconds = QString::fromStdString(*interval).toDouble(&ok);
        if (!ok || !(seconds >= 0.0 && seconds <= 3600.0)) {
            error = "--call-interval wants seconds (0 to 3600, decimals allowed)";
        } else {
            options.callIntervalMs = static_cast<int>(seconds * 1000.0 + 0.5);
        }
    }
    if (!error.empty()) {
        return usage(error);
    }
    if ((options.via || options.callDelay || args->has("calls") || args->has("call-interval")) &&
        !options.call) {
        return usage("--via, --call-delay, --calls and --call-interval only make sense with "
                     "--call");
    }
    if (options.play && !QFileInfo(QString::fromStdString(*options.play)).isReadable()) {
        std::cerr << "napkin-cli agent: cannot read " << *options.play << '\n';
        return ExitInput;
    }

    int qtArgc = 1;
    char *qtArgv[] = {argv[0], nullptr};
    QCoreApplication app(qtArgc, qtArgv);
    auto profile = Profile::load(QString::fromStdString(options.config));
    if (!profile) {
        std::cerr << "napkin-cli agent: " << profile.error().message.toStdString() << '\n';
        return ExitInput;
    }
    auto sip = SipProfile::load(options.config);
    if (!sip) {
        std::cerr << "napkin-cli agent: " << sip.error() << '\n';
        return ExitInput;
    }
    if (options.noAudio && (options.play || options.record)) {
        return usage("--play and --record need audio (drop --no-audio)");
    }
    if (options.noAudio && options.dtmf) {
        return usage("--dtmf needs audio (drop --no-audio)");
    }
    Agent agent(app, std::move(options), std::move(profile).value(), std::move(sip).value());
    return agent.run();
}

} // namespace napkin::cli
