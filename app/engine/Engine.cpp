// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/engine/Engine.h"

#include "media/QtMediaLog.h"
#include "media/UdpSocket.h"
#include "sipcore/DirectoryCertificates.h"
#include "sipcore/KeysOnlySdpFactory.h"
#include "sipcore/SeenDevices.h"
#include "sipcore/SofiaRoot.h"
#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DeviceWatch.h"
#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KnownDevices.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/TrustStore.h"

#include <QLoggingCategory>
#include <QPointer>

namespace napkin::engine {

namespace {

Q_LOGGING_CATEGORY(lcEngine, "napkin.engine")

QString text(const std::string &s) {
    return QString::fromStdString(s);
}

QDateTime toDateTime(std::chrono::system_clock::time_point when) {
    return QDateTime::fromSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count(), Qt::UTC);
}

} // namespace

QString engineStageName(EngineStage stage) {
    switch (stage) {
    case EngineStage::Profile:
        return QStringLiteral("profile");
    case EngineStage::Start:
        return QStringLiteral("start");
    case EngineStage::Registration:
        return QStringLiteral("registration");
    case EngineStage::Enrolment:
        return QStringLiteral("enrolment");
    case EngineStage::Devices:
        return QStringLiteral("devices");
    case EngineStage::Call:
        return QStringLiteral("call");
    case EngineStage::Sip:
        return QStringLiteral("sip");
    }
    return QStringLiteral("unknown");
}

namespace {

QString engineErrcName(EngineErrc code) {
    switch (code) {
    case EngineErrc::AlreadyStarted:
        return QStringLiteral("already-started");
    case EngineErrc::ShuttingDown:
        return QStringLiteral("shutting-down");
    case EngineErrc::NoKeychain:
        return QStringLiteral("no-keychain");
    case EngineErrc::SipStackFailed:
        return QStringLiteral("sip-stack-failed");
    }
    return QStringLiteral("unknown");
}

EngineError profileError(const discovery::DiscoveryError &error) {
    return EngineError{EngineStage::Profile, error.code, error.message};
}

} // namespace

QString withdrawalReasonName(discovery::Enroller::Loss why) {
    switch (why) {
    case discovery::Enroller::Loss::Expired:
        return QStringLiteral("expired");
    case discovery::Enroller::Loss::NotListed:
        return QStringLiteral("not-listed");
    }
    return QStringLiteral("unknown");
}

QString engineCodeName(const EngineCode &code) {
    if (const auto *own = std::get_if<EngineErrc>(&code)) {
        return engineErrcName(*own);
    }
    if (const auto *ua = std::get_if<sip::UaErrc>(&code)) {
        return text(std::string(sip::uaErrcName(*ua)));
    }
    return discovery::errcName(std::get<discovery::DiscoveryErrc>(code));
}

Engine::Engine(EngineConfig config) : m_config(std::move(config)) {
    // The media thread's and ICE's log lines (warnings by default) go to
    // the napkin.media category; without a sink they would be dropped.
    media::installQtMediaLog();
}

Engine::~Engine() {
    if (m_enroller) {
        m_enroller->stop();
    }
}

EngineResult<std::unique_ptr<Engine>> Engine::create(EngineConfig config) {
    std::unique_ptr<Engine> engine(new Engine(std::move(config)));
    if (auto built = engine->build(); !built) {
        return fail(std::move(built).error());
    }
    engine->wire();
    return engine;
}

Result<void, EngineError> Engine::build() {
    const discovery::Profile &profile = m_config.profile;
    auto root = sip::SofiaRoot::create();
    if (!root) {
        return fail(
            EngineError{EngineStage::Start, EngineErrc::SipStackFailed, text(root.error())});
    }
    m_root = std::move(root).value();

    if (!m_config.password.isEmpty()) {
        m_password = m_config.password;
    } else {
        auto password = profile.readPassword();
        if (!password) {
            return fail(profileError(password.error()));
        }
        m_password = std::move(password).value();
    }
    // Checked before anything is created on disk: a missing TURN password
    // stops napkin-cli at once with words.
    media::IceServers ice;
    if (!m_config.noAudio) {
        auto servers = iceSettings();
        if (!servers) {
            return fail(std::move(servers).error());
        }
        ice = std::move(servers).value();
    }
    auto instance = profile.instanceUrn();
    if (!instance) {
        return fail(profileError(instance.error()));
    }
    m_instanceUrn = instance.value();
    auto trust = discovery::loadTrustStore(profile.caFile);
    if (!trust) {
        return fail(profileError(trust.error()));
    }

    discovery::ServiceClientSettings clientSettings;
    clientSettings.dns = profile.dnsSettings();
    clientSettings.userAgent = m_config.serviceUserAgent;
    clientSettings.allowPrivateServices = profile.allowPrivateServices;
    m_client = std::make_unique<discovery::ServiceClient>(clientSettings, trust.value());
    discovery::DirectorySettings directorySettings;
    directorySettings.ttl = profile.cacheTtl;
    directorySettings.maxPeerFetchesPerDomainPerMinute = profile.maxFetchesPerDomainPerMinute;
    m_directory = std::make_unique<discovery::CertificateDirectory>(*m_client, directorySettings);
    m_certificates = std::make_unique<sip::DirectoryCertificates>(*m_directory);

    m_seen = std::make_unique<sip::SeenDevices>(
        profile.stateDir.isEmpty()
            ? std::string()
            : (profile.stateDir + QStringLiteral("/seen-devices")).toStdString());
    if (auto loaded = m_seen->load(); !loaded) {
        m_warnings.append(text(loaded.error()));
    }
    m_known = std::make_unique<discovery::KnownDevices>(
        profile.stateDir.isEmpty() ? QString() : profile.knownDevicesPath());
    if (m_config.watchDevices) {
        if (auto loaded = m_known->load(); !loaded) {
            m_warnings.append(loaded.error().message);
        }
    }

    if (m_config.noAudio) {
        const std::string address = m_config.sip.mediaAddress == sip::kAutoAddress
                                        ? media::defaultRouteAddress()
                                        : m_config.sip.mediaAddress;
        m_media = std::make_unique<sip::KeysOnlySdpFactory>(address, 40000);
    } else {
        sip::MediaSettings media = m_config.media;
        media.address = m_config.sip.mediaAddress;
        if (ice.stun || ice.turn) {
            media.iceServers = std::move(ice);
        }
        if (!media.resolve) {
            media.resolve = [dns = profile.dnsSettings()](const std::string &host) {
                return discovery::resolveIpv4(dns, host);
            };
        }
        m_media = std::make_unique<sip::MediaSdpFactory>(std::move(media));
    }

    sip::UserAgentSettings settings;
    settings.aor = profile.aor.toStdString();
    settings.displayName = profile.displayName.toStdString();
    settings.authUser = profile.username.toStdString();
    settings.password = m_password.toStdString();
    for (const QString &realm : profile.extraRealms) {
        settings.extraRealms.push_back(realm.toStdString());
    }
    settings.registrar = profile.registrar.toStdString();
    settings.outboundProxy = profile.outboundProxy.toStdString();
    settings.bindUrl = m_config.sip.listen;
    settings.tlsBindUrl = m_config.sip.listenTls;
    settings.tlsCertificateDir = m_config.sip.tlsDirectory;
    settings.tlsCaFile = profile.caFile.toStdString();
    settings.transport = m_config.sip.transport;
    settings.instanceUrn = m_instanceUrn.toStdString();
    settings.registrationExpiry = m_config.sip.registrationExpiry;
    settings.keepaliveInterval = m_config.sip.keepaliveInterval;
    settings.policy.requireEndToEnd = m_config.sip.requireEndToEnd;
    settings.policy.ringOnFailed = m_config.sip.ringOnFailed;
    settings.policy.ringOnUnverifiable = m_config.sip.ringOnUnverifiable;
    settings.policy.plainToProtected = m_config.plainToProtected;
    settings.userAgentName = m_config.userAgentName.toStdString();
    m_agent =
        std::make_unique<sip::UserAgent>(*m_root, settings, *m_certificates, *m_media, *m_seen);

    if (m_config.keyStore) {
        m_keys = std::move(m_config.keyStore);
    } else if (profile.keyStorage == discovery::Profile::KeyStorage::File) {
        m_keys = std::make_unique<discovery::FileKeyStore>(profile.stateDir);
    } else if (profile.keyStorage == discovery::Profile::KeyStorage::None) {
        m_keys = std::make_unique<discovery::MemoryKeyStore>();
    } else {
        return fail(EngineError{EngineStage::Profile, EngineErrc::NoKeychain,
                                QStringLiteral("%1: key_storage = keychain needs the desktop "
                                               "app's keychain; use file or none here")
                                    .arg(profile.path)});
    }
    discovery::EnrolmentSettings enrolment;
    enrolment.aor = profile.aor;
    enrolment.username = profile.username;
    enrolment.instanceUrn = m_instanceUrn;
    enrolment.displayName = profile.displayName;
    enrolment.lifetime = profile.certificateLifetime;
    if (m_config.enrolmentRetry) {
        enrolment.retry = *m_config.enrolmentRetry;
    }
    if (m_config.enrolmentNeedsUserRetry) {
        enrolment.needsUserRetry = *m_config.enrolmentNeedsUserRetry;
    }
    enrolment.issueClock = m_config.certificateIssueClock;
    m_enroller = std::make_unique<discovery::Enroller>(*m_client, *m_keys, enrolment);
    m_enroller->setPassword(m_password);

    m_watch = std::make_unique<discovery::DeviceWatch>(*m_directory, *m_known, profile.aor);
    return {};
}

Result<media::IceServers, EngineError> Engine::iceSettings() const {
    const discovery::Profile &profile = m_config.profile;
    auto servers = profile.iceServers(m_config.turnPassword.isEmpty()
                                          ? std::nullopt
                                          : std::optional<QByteArray>(m_config.turnPassword));
    if (!servers) {
        return fail(profileError(servers.error()));
    }
    // Where ICE goes, never with the TURN credentials.
    if (servers->stun) {
        qCInfo(lcEngine).noquote()
            << "ice: STUN server" << text(media::formatStunServer(*servers->stun));
    }
    if (servers->turn) {
        qCInfo(lcEngine).noquote()
            << "ice: TURN server" << text(media::formatTurnServer(*servers->turn));
    }
    return std::move(servers).value();
}

void Engine::wire() {
    connect(m_agent.get(), &sip::UserAgent::registrationChanged, this,
            [this](sip::UserAgent::Registration state, const QString &message) {
                Q_EMIT registrationChanged(state, message);
                if (state == sip::UserAgent::Registration::Registered) {
                    Q_EMIT callsPossible();
                }
            });
    connect(m_agent.get(), &sip::UserAgent::ready, this, [this] { Q_EMIT callsPossible(); });
    connect(m_agent.get(), &sip::UserAgent::problem, this, &Engine::problem);
    connect(m_agent.get(), &sip::UserAgent::incomingCall, this,
            [this](sip::Call *call) { Q_EMIT incomingCall(call); });
    connect(m_agent.get(), &sip::UserAgent::shutdownFinished, this, &Engine::shutdownFinished);

    // Enrolment runs beside registration; calls wait until it settled.
    connect(m_enroller.get(), &discovery::Enroller::enrolled, this,
            [this](const QString &fingerprint) {
                adoptEnrolledIdentity();
                const auto cert = m_enroller->certificate();
                m_enrolmentSettled = true;
                Q_EMIT enrolled(fingerprint, cert ? toDateTime(cert->notAfter()) : QDateTime());
                if (m_config.watchDevices && !m_stopping) {
                    // Remembers it as ours and checks the own set.
                    m_watch->setOwnFingerprint(fingerprint);
                }
                Q_EMIT callsPossible();
            });
    connect(m_enroller.get(), &discovery::Enroller::enrolmentFailed, this,
            [this](const discovery::DiscoveryError &error, std::chrono::milliseconds retryIn) {
                // Calls go ahead unsigned (and say so) rather than waiting for
                // a service that may not exist; a later success signs them.
                m_enrolmentSettled = true;
                Q_EMIT enrolmentError(error, static_cast<qint64>(retryIn.count()));
                if (m_signing == Signing::Withdrawn && retryIn.count() > 0) {
                    Q_EMIT reenrolling(QDateTime::currentDateTimeUtc().addMSecs(retryIn.count()),
                                       error.message);
                }
                Q_EMIT callsPossible();
            });
    connect(m_enroller.get(), &discovery::Enroller::certificateLost, this,
            &Engine::withdrawIdentity);

    connect(m_watch.get(), &discovery::DeviceWatch::checked, this, &Engine::devicesChanged);
    connect(m_watch.get(), &discovery::DeviceWatch::checkFailed, this, &Engine::devicesCheckFailed);
    connect(m_watch.get(), &discovery::DeviceWatch::unknownDevice, this, &Engine::unknownDevice);
    connect(m_watch.get(), &discovery::DeviceWatch::ownDeviceMissing, this,
            [this](const QString &fingerprint) {
                Q_EMIT ownDeviceMissing(fingerprint);
                // Revoked (from another device, the devices page) or lost: never
                // sign with it again. The enroller ignores older fingerprints.
                if (!m_stopping) {
                    m_enroller->ownCertificateNotListed(fingerprint);
                }
            });
}

void Engine::setSigning(Signing signing) {
    if (m_signing != signing) {
        m_signing = signing;
        Q_EMIT signingChanged(signing);
    }
}

void Engine::withdrawIdentity(const QString &fingerprint, discovery::Enroller::Loss why) {
    // Calls in progress keep the identity they hold; new ones go out unsigned.
    m_agent->setIdentity(nullptr);
    setSigning(Signing::Withdrawn);
    const QString domain = m_config.profile.aor.section(QLatin1Char('@'), -1);
    const QString message =
        why == discovery::Enroller::Loss::Expired
            ? QStringLiteral("This device's certificate (%1) expired before a new one could be "
                             "enrolled at %2: calls are not signed until it is; enrolling a new "
                             "certificate.")
                  .arg(fingerprint, domain)
            : QStringLiteral("This device was removed from %1's list (%2 is no longer listed): "
                             "calls are not signed until it is enrolled again; enrolling a new "
                             "certificate.")
                  .arg(domain, fingerprint);
    qCWarning(lcEngine).noquote() << "engine:" << message;
    Q_EMIT identityWithdrawn(fingerprint, withdrawalReasonName(why), message);
    if (m_stopping) {
        return;
    }
    const auto next = m_enroller->nextAttempt();
    Q_EMIT reenrolling(next ? toDateTime(*next) : QDateTime::currentDateTimeUtc(), QString());
}

void Engine::adoptEnrolledIdentity() {
    const auto cert = m_enroller->certificate();
    const crypto::PrivateKey *key = m_enroller->privateKey();
    if (!cert || key == nullptr) {
        return;
    }
    // The agent keeps its own copy so that calls in progress keep the key
    // they signed with when the enroller renews.
    auto copy = crypto::PrivateKey::fromPem(key->toPem());
    if (!copy) {
        Q_EMIT problem(text(copy.error().message));
        return;
    }
    m_agent->setIdentity(std::make_shared<const crypto::DeviceIdentity>(
        crypto::DeviceIdentity{*cert, std::move(copy).value()}));
    setSigning(Signing::Active);
}

EngineResult<void> Engine::start() {
    if (m_started) {
        return fail(EngineError{EngineStage::Start, EngineErrc::AlreadyStarted,
                                QStringLiteral("the account is already started")});
    }
    if (auto started = m_agent->start(); !started) {
        return fail(
            EngineError{EngineStage::Start, started.error().code, text(started.error().message)});
    }
    m_started = true;
    m_enroller->start();
    if (m_config.watchDevices && m_config.deviceCheckInterval.count() > 0) {
        m_watch->setInterval(m_config.deviceCheckInterval);
    }
    qCInfo(lcEngine).noquote() << "engine: started for" << m_config.profile.aor;
    return {};
}

void Engine::shutdown() {
    if (m_stopping) {
        return;
    }
    m_stopping = true;
    m_enroller->stop();
    m_watch->setInterval(std::chrono::seconds(0));
    if (!m_started) {
        // Nothing bound: nua has nothing to end, but the contract holds.
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT shutdownFinished(); }, Qt::QueuedConnection);
        return;
    }
    m_agent->shutdown();
}

EngineResult<sip::Call *> Engine::call(const QString &target, const QString &via) {
    if (m_stopping) {
        return fail(EngineError{EngineStage::Call, EngineErrc::ShuttingDown,
                                QStringLiteral("the account is shutting down")});
    }
    auto placed = m_agent->call(target.toStdString(), via.toStdString());
    if (!placed) {
        return fail(
            EngineError{EngineStage::Call, placed.error().code, text(placed.error().message)});
    }
    Q_EMIT outgoingCall(placed.value());
    return placed.value();
}

void Engine::revoke(const QString &fingerprint, std::function<void(EngineResult<void>)> done) {
    QPointer<Engine> self(this);
    m_enroller->revoke(fingerprint,
                       [self, done = std::move(done)](discovery::DiscoveryResult<void> result) {
                           if (!result) {
                               done(fail(EngineError{EngineStage::Devices, result.error().code,
                                                     result.error().message}));
                               return;
                           }
                           if (self && self->m_config.watchDevices && !self->m_stopping) {
                               self->m_watch->check();
                           }
                           done({});
                       });
}

EngineResult<void> Engine::acknowledge(const QString &fingerprint) {
    if (auto acknowledged = m_watch->acknowledge(fingerprint); !acknowledged) {
        return fail(EngineError{EngineStage::Devices, acknowledged.error().code,
                                acknowledged.error().message});
    }
    Q_EMIT devicesChanged();
    return {};
}

void Engine::refreshDevices() {
    if (!m_stopping) {
        m_watch->check();
    }
}

bool Engine::readyForCalls() const {
    if (m_stopping || !m_enrolmentSettled || !m_agent->isReady()) {
        return false;
    }
    return m_config.profile.registrar.isEmpty() ||
           m_agent->registration() == sip::UserAgent::Registration::Registered;
}

sip::UserAgent &Engine::agent() {
    return *m_agent;
}

discovery::Enroller &Engine::enroller() {
    return *m_enroller;
}

discovery::DeviceWatch &Engine::devices() {
    return *m_watch;
}

const discovery::Profile &Engine::profile() const {
    return m_config.profile;
}

const sip::SipProfile &Engine::sipProfile() const {
    return m_config.sip;
}

QString Engine::ownFingerprint() const {
    const auto cert = m_enroller->certificate();
    return cert ? text(cert->fingerprint()) : QString();
}

} // namespace napkin::engine
