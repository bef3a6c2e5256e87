// napkin-cli agent: a headless Napkin device. It enrols this device's
// certificate, registers, answers and places secure calls, and prints one
// JSON object per line on standard output for every event (logs go to
// standard error). The same engine as the app: sipcore and its discovery.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include "media/WavFile.h"
#include "sipcore/DirectoryCertificates.h"
#include "sipcore/KeysOnlySdpFactory.h"
#include "sipcore/MediaSdpFactory.h"
#include "sipcore/SipProfile.h"
#include "sipcore/SofiaRoot.h"
#include "sipcore/UserAgent.h"
#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "sipcore/discovery/Profile.h"
#include "sipcore/discovery/ServiceClient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
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
    void error(const QString &where, const QString &message) {
        write(QStringLiteral("error"),
              {{QStringLiteral("where"), where}, {QStringLiteral("message"), message}});
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
    bool noAudio = false;           ///< agree on keys only, no media engine
    std::optional<int> callDelay;   ///< seconds after ready before --call
    std::optional<int> answerDelay; ///< milliseconds of ringing before --auto-answer answers
};

/// The running agent: owns every part and wires their signals to events.
class Agent : public QObject {
public:
    Agent(QCoreApplication &app, Options options, Profile profile, SipProfile sip)
        : m_app(app), m_options(std::move(options)), m_profile(std::move(profile)),
          m_sip(std::move(sip)) {}

    int run();

private:
    bool prepare();
    void placeCallWhenReady();
    void placeCall();
    void watch(Call *call);
    void identityFromEnroller();
    void stop(const QString &why);

    QCoreApplication &m_app;
    Options m_options;
    Profile m_profile;
    SipProfile m_sip;
    EventWriter m_out;

    std::unique_ptr<SofiaRoot> m_root;
    std::unique_ptr<discovery::ServiceClient> m_client;
    std::unique_ptr<discovery::CertificateDirectory> m_directory;
    std::unique_ptr<DirectoryCertificates> m_certificates;
    std::unique_ptr<discovery::KeyStore> m_keys;
    std::unique_ptr<discovery::Enroller> m_enroller;
    std::unique_ptr<SeenDevices> m_seen;
    std::unique_ptr<SdpNegotiatorFactory> m_media;
    std::vector<std::shared_ptr<media::WavFileSink>> m_recordings;
    std::unique_ptr<UserAgent> m_agent;

    bool m_enrolmentSettled = false;
    bool m_callPlaced = false;
    bool m_stopping = false;
    int m_exit = ExitOk;
};

gboolean onSignal(gpointer agent) {
    // Runs on the main loop (GLib dispatches it), never in a signal handler.
    auto *stop = static_cast<std::function<void()> *>(agent);
    (*stop)();
    return G_SOURCE_CONTINUE;
}

bool Agent::prepare() {
    auto root = SofiaRoot::create();
    if (!root) {
        m_out.error(QStringLiteral("start"), text(root.error()));
        return false;
    }
    m_root = std::move(root).value();

    auto password = m_profile.readPassword();
    if (!password) {
        m_out.error(QStringLiteral("profile"), password.error().message);
        return false;
    }
    auto instance = m_profile.instanceUrn();
    if (!instance) {
        m_out.error(QStringLiteral("profile"), instance.error().message);
        return false;
    }
    auto trust = discovery::loadTrustStore(m_profile.caFile);
    if (!trust) {
        m_out.error(QStringLiteral("profile"), trust.error().message);
        return false;
    }
    discovery::ServiceClientSettings clientSettings;
    clientSettings.dns = m_profile.dnsSettings();
    clientSettings.userAgent = "napkin-cli-agent/" NAPKIN_VERSION;
    m_client = std::make_unique<discovery::ServiceClient>(clientSettings, trust.value());
    m_directory = std::make_unique<discovery::CertificateDirectory>(
        *m_client, discovery::DirectorySettings{m_profile.cacheTtl, {}});
    m_certificates = std::make_unique<DirectoryCertificates>(*m_directory);

    m_seen = std::make_unique<SeenDevices>(
        m_profile.stateDir.isEmpty()
            ? std::string()
            : (m_profile.stateDir + QStringLiteral("/seen-devices")).toStdString());
    if (auto loaded = m_seen->load(); !loaded) {
        m_out.error(QStringLiteral("profile"), text(loaded.error()));
    }
    if (m_options.noAudio) {
        m_media = std::make_unique<KeysOnlySdpFactory>(m_sip.mediaAddress, 40000);
    } else {
        MediaSettings media;
        media.address = m_sip.mediaAddress;
        if (m_options.play) {
            const std::string path = *m_options.play;
            media.source = [this, path]() -> std::shared_ptr<media::AudioSource> {
                auto source = media::WavFileSource::open(path);
                if (!source) {
                    m_out.error(QStringLiteral("audio"), text(source.error().message));
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
                    m_out.error(QStringLiteral("audio"), text(sink.error().message));
                    return nullptr;
                }
                m_recordings.push_back(sink.value());
                return std::move(sink).value();
            };
        }
        m_media = std::make_unique<MediaSdpFactory>(std::move(media));
    }

    UserAgentSettings settings;
    settings.aor = m_profile.aor.toStdString();
    settings.displayName = m_profile.displayName.toStdString();
    settings.authUser = m_profile.username.toStdString();
    settings.password = password->toStdString();
    settings.registrar = m_profile.registrar.toStdString();
    settings.outboundProxy = m_profile.outboundProxy.toStdString();
    settings.bindUrl = m_sip.listen;
    settings.tlsBindUrl = m_sip.listenTls;
    settings.tlsCertificateDir = m_sip.tlsDirectory;
    settings.tlsCaFile = m_profile.caFile.toStdString();
    settings.transport = m_sip.transport;
    settings.instanceUrn = instance->toStdString();
    settings.registrationExpiry = m_sip.registrationExpiry;
    settings.policy.requireEndToEnd = m_sip.requireEndToEnd;
    settings.policy.ringOnFailed = m_sip.ringOnFailed;
    settings.userAgentName = "Napkin/" NAPKIN_VERSION;
    m_agent = std::make_unique<UserAgent>(*m_root, settings, *m_certificates, *m_media, *m_seen);

    connect(m_agent.get(), &UserAgent::registrationChanged, this,
            [this](UserAgent::Registration state, const QString &message) {
                if (state == UserAgent::Registration::Registered) {
                    m_out.write(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("registered")},
                                 {QStringLiteral("aor"), m_profile.aor},
                                 {QStringLiteral("contact"), text(m_agent->contact())}});
                    placeCallWhenReady();
                } else if (state == UserAgent::Registration::Unregistered) {
                    m_out.write(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("unregistered")},
                                 {QStringLiteral("aor"), m_profile.aor}});
                } else if (state == UserAgent::Registration::Failed) {
                    m_out.error(QStringLiteral("registration"), message);
                }
            });
    connect(m_agent.get(), &UserAgent::ready, this, [this] { placeCallWhenReady(); });
    connect(m_agent.get(), &UserAgent::problem, this,
            [this](const QString &message) { m_out.error(QStringLiteral("sip"), message); });
    connect(m_agent.get(), &UserAgent::incomingCall, this, [this](Call *call) {
        m_out.write(QStringLiteral("incoming"), {{QStringLiteral("call"), call->id()},
                                                 {QStringLiteral("from"), text(call->peer())},
                                                 {QStringLiteral("to"), m_profile.aor}});
        watch(call);
    });
    connect(m_agent.get(), &UserAgent::shutdownFinished, this, [this] {
        for (const auto &recording : m_recordings) {
            if (auto finished = recording->finish(); !finished) {
                m_out.error(QStringLiteral("audio"), text(finished.error().message));
            }
        }
        m_app.exit(m_exit);
    });

    // Enrolment runs beside registration; calls wait until it settled.
    auto keys = std::unique_ptr<discovery::KeyStore>();
    if (m_profile.keyStorage == Profile::KeyStorage::File) {
        keys = std::make_unique<discovery::FileKeyStore>(m_profile.stateDir);
    } else {
        keys = std::make_unique<discovery::MemoryKeyStore>();
    }
    m_keys = std::move(keys);
    discovery::EnrolmentSettings enrolment;
    enrolment.aor = m_profile.aor;
    enrolment.username = m_profile.username;
    enrolment.instanceUrn = instance.value();
    enrolment.displayName = m_profile.displayName;
    enrolment.lifetime = m_profile.certificateLifetime;
    m_enroller = std::make_unique<discovery::Enroller>(*m_client, *m_keys, enrolment);
    m_enroller->setPassword(password.value());
    connect(m_enroller.get(), &discovery::Enroller::enrolled, this,
            [this](const QString &fingerprint) {
                identityFromEnroller();
                const auto cert = m_enroller->certificate();
                m_out.write(QStringLiteral("enrolled"),
                            {{QStringLiteral("fingerprint"), fingerprint},
                             {QStringLiteral("instance"),
                              text(cert ? cert->instanceUrn().value_or("") : std::string())},
                             {QStringLiteral("not_after"),
                              cert ? discovery::isoTime(cert->notAfter()) : QString()}});
                m_enrolmentSettled = true;
                placeCallWhenReady();
            });
    connect(m_enroller.get(), &discovery::Enroller::enrolmentFailed, this,
            [this](const DiscoveryError &error, std::chrono::milliseconds retryIn) {
                QJsonObject fields{
                    {QStringLiteral("where"), QStringLiteral("enrolment")},
                    {QStringLiteral("code"), discovery::errcName(error.code)},
                    {QStringLiteral("message"), error.message},
                    {QStringLiteral("retry_ms"), static_cast<qint64>(retryIn.count())}};
                m_out.write(QStringLiteral("error"), fields);
                // Calls go ahead unsigned (and say so) rather than waiting
                // for a service that may not exist; a later success signs them.
                m_enrolmentSettled = true;
                placeCallWhenReady();
            });
    return true;
}

void Agent::identityFromEnroller() {
    const auto cert = m_enroller->certificate();
    const crypto::PrivateKey *key = m_enroller->privateKey();
    if (!cert || key == nullptr) {
        return;
    }
    // The agent keeps its own copy so that calls in progress keep the key
    // they signed with when the enroller renews.
    auto copy = crypto::PrivateKey::fromPem(key->toPem());
    if (!copy) {
        m_out.error(QStringLiteral("enrolment"), text(copy.error().message));
        return;
    }
    m_agent->setIdentity(std::make_shared<const crypto::DeviceIdentity>(
        crypto::DeviceIdentity{*cert, std::move(copy).value()}));
}

void Agent::placeCallWhenReady() {
    if (!m_options.call || m_callPlaced || m_stopping || !m_enrolmentSettled ||
        !m_agent->isReady()) {
        return;
    }
    if (!m_profile.registrar.isEmpty() &&
        m_agent->registration() != UserAgent::Registration::Registered) {
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
    auto call = m_agent->call(*m_options.call, m_options.via.value_or(std::string()));
    if (!call) {
        m_out.error(QStringLiteral("call"), text(call.error().message));
        return;
    }
    watch(call.value());
    m_out.write(QStringLiteral("call_state"),
                {{QStringLiteral("call"), call.value()->id()},
                 {QStringLiteral("direction"), QStringLiteral("outgoing")},
                 {QStringLiteral("peer"), text(call.value()->peer())},
                 {QStringLiteral("state"), QStringLiteral("calling")}});
}

void Agent::watch(Call *call) {
    const QString id = call->id();
    const QString direction = call->direction() == Call::Direction::Outgoing
                                  ? QStringLiteral("outgoing")
                                  : QStringLiteral("incoming");
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
            QTimer::singleShot(m_options.answerDelay.value_or(0), this, [guard] {
                if (guard) {
                    guard->answer();
                }
            });
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
    if (m_enroller) {
        m_enroller->stop();
    }
    m_agent->shutdown();
}

int Agent::run() {
    if (!prepare()) {
        return ExitFailure;
    }
    if (auto started = m_agent->start(); !started) {
        m_out.error(QStringLiteral("start"), text(started.error().message));
        return ExitFailure;
    }
    m_enroller->start();

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
                              "call-delay", "answer-delay"},
                             {"auto-answer", "no-audio"}};
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
    options.call = args->value("call");
    options.via = args->value("via");
    options.play = args->value("play");
    options.record = args->value("record");
    options.duration = positiveSeconds(*args, "duration", error);
    options.hangupAfter = positiveSeconds(*args, "hangup-after", error);
    options.callDelay = positiveSeconds(*args, "call-delay", error);
    if (auto delay = args->value("answer-delay")) {
        bool ok = false;
        const int ms = QString::fromStdString(*delay).toInt(&ok);
        if (!ok || ms < 0 || ms > 600000) {
            error = "--answer-delay wants milliseconds (0 to 600000)";
        }
        options.answerDelay = ms;
    }
    if (!error.empty()) {
        return usage(error);
    }
    if ((options.via || options.callDelay) && !options.call) {
        return usage("--via and --call-delay only make sense with --call");
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
    Agent agent(app, std::move(options), std::move(profile).value(), std::move(sip).value());
    return agent.run();
}

} // namespace napkin::cli
