// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One account's engine: every part a Napkin device needs, wired together -
// the Sofia root, the certificate service client and directory, the seen and
// known devices, the key store, the enroller, the own-device watch, the media
// factory and the SIP user agent. napkin-cli's agent and the desktop app are
// two faces on this class; neither adds behaviour the other lacks.
//
//   auto engine = Engine::create(std::move(config));   // profile checks
//   (*engine)->start();                                 // bind, register, enrol
//   (errors are EngineError: a stage, a code, words)
//   ... callsPossible() -> call("sip:bob@b.example") ...
//   (*engine)->shutdown();                              // -> shutdownFinished()
//
// Everything runs on the thread that created the engine (the Qt main loop,
// which must use GLib's dispatcher for Sofia).

#include "crypto/Result.h"
#include "sipcore/MediaSdpFactory.h"
#include "sipcore/SipProfile.h"
#include "sipcore/UserAgent.h"
#include "sipcore/discovery/Backoff.h"
#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "sipcore/discovery/Profile.h"

#include <QByteArray>
#include <QChar>
#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

namespace napkin::discovery {
class CertificateDirectory;
class DeviceWatch;
class KnownDevices;
class ServiceClient;
} // namespace napkin::discovery

namespace napkin::sip {
class DirectoryCertificates;
class SeenDevices;
class SofiaRoot;
class SdpNegotiatorFactory;
} // namespace napkin::sip

namespace napkin::engine {

struct EngineConfig {
    discovery::Profile profile; ///< [account] [network] [certificates]
    sip::SipProfile sip;        ///< [sip] [calls]
    /// Never logged. Empty: the profile's password or password_file.
    QByteArray password;
    /// The TURN password (the desktop app's keychain). Never logged. Empty:
    /// the first line of the profile's turn_password_file; with neither, a
    /// profile naming a turn_server is an error (stage Profile) unless noAudio.
    QByteArray turnPassword;
    /// Keys-only SDP (no media engine): tests and `--no-audio`.
    bool noAudio = false;
    /// A protected peer (known to use end-to-end security) reachable only in
    /// clear: the desktop app asks, napkin-cli refuses unless --allow-plain.
    sip::PolicySettings::PlainToProtected plainToProtected =
        sip::PolicySettings::PlainToProtected::Refuse;
    /// Audio source/sink factories; `address` is replaced by sip.mediaAddress.
    /// `iceServers` is replaced by the profile's stun_server/turn_server when
    /// it names either; a null `resolve` becomes the profile's DNS server's
    /// A records (discovery::resolveIpv4).
    sip::MediaSettings media;
    /// Null: from profile.keyStorage (file: the state directory; none: memory).
    /// `keychain` needs one supplied here.
    std::unique_ptr<discovery::KeyStore> keyStore;
    /// The SIP User-Agent header.
    QString userAgentName = QStringLiteral("Napkin");
    /// The User-Agent of requests to certificate services.
    QByteArray serviceUserAgent = "Napkin";
    /// Watch the own address for unknown devices after enrolment (one extra
    /// fetch of the own certificate set per enrolment and per refresh).
    bool watchDevices = true;
    /// How often the own set is checked again (0: after enrolment and on request).
    /// Also how soon a revocation from another device is noticed.
    std::chrono::seconds deviceCheckInterval{0};
    /// Retries of enrolment. Empty: the Enroller's defaults (tests use short ones).
    std::optional<discovery::BackoffPolicy> enrolmentRetry;
    std::optional<discovery::BackoffPolicy> enrolmentNeedsUserRetry;
    /// The clock this device's certificates are issued by (tests only: set
    /// back, it makes certificates that expire within seconds).
    std::function<std::chrono::system_clock::time_point()> certificateIssueClock;
};

/// Whether calls are signed with this device's certificate.
enum class Signing {
    None,      ///< no certificate enrolled yet (or enrolment failed): calls go out unsigned
    Active,    ///< signed with the enrolled certificate
    Withdrawn, ///< the certificate expired or is no longer listed: unsigned until re-enrolled
};

/// Why the certificate was withdrawn: "expired" or "not-listed".
[[nodiscard]] QString withdrawalReasonName(discovery::Enroller::Loss why);

/// Where in the engine's life something went wrong. The names
/// (engineStageName) are the `where` of napkin-cli agent's error events.
enum class EngineStage {
    Profile,      ///< "profile": a profile value, the password, the state dir, the CA file
    Start,        ///< "start": the SIP stack and its transports
    Registration, ///< "registration": the registrar refused (registrationChanged)
    Enrolment,    ///< "enrolment": the certificate service (enrolmentError)
    Devices,      ///< "devices": the own device list (revoke, acknowledge, checks)
    Call,         ///< "call": placing a call
    Sip,          ///< "sip": something outside any call (problem)
};

/// "profile", "start", "registration", "enrolment", "devices", "call", "sip".
[[nodiscard]] QString engineStageName(EngineStage stage);

/// What went wrong in the engine itself, where no lower layer has a code.
enum class EngineErrc {
    AlreadyStarted, ///< start() twice
    ShuttingDown,   ///< call() after shutdown()
    NoKeychain,     ///< key_storage = keychain without a key store supplied
    SipStackFailed, ///< Sofia-SIP's root could not be created
};

/// The code of an engine error: the lower layer's, where it had one.
using EngineCode = std::variant<EngineErrc, sip::UaErrc, discovery::DiscoveryErrc>;

/// A short stable name for any engine code ("bind-failed", "no-service",
/// "already-started"): the lower layer's own name where it has one.
[[nodiscard]] QString engineCodeName(const EngineCode &code);

/// Why the engine could not do what was asked: at which stage, the code to
/// switch on, and words for people.
struct EngineError {
    EngineStage stage = EngineStage::Start;
    EngineCode code = EngineErrc::SipStackFailed;
    QString message; ///< in words; never contains the password

    [[nodiscard]] QString where() const { return engineStageName(stage); }
    [[nodiscard]] QString codeName() const { return engineCodeName(code); }
};

template <typename T> using EngineResult = Result<T, EngineError>;

class Engine : public QObject {
    Q_OBJECT
public:
    /// Checks the profile, reads the password and builds every part. Nothing
    /// touches the network until start(). Errors: stage Profile (with the
    /// profile's DiscoveryErrc, or NoKeychain) or Start (SipStackFailed).
    [[nodiscard]] static EngineResult<std::unique_ptr<Engine>> create(EngineConfig config);
    /// Call shutdown() and wait for shutdownFinished() first; otherwise the
    /// user agent's destructor spins the event loop to end its calls.
    ~Engine() override;

    /// Binds the SIP transports, then registers and enrols in parallel.
    /// Errors: stage Start, with the agent's UaErrc or AlreadyStarted.
    [[nodiscard]] EngineResult<void> start();
    /// Stops enrolment, ends every call, unregisters: shutdownFinished() follows.
    void shutdown();

    /// Calls `target` ("sip:bob@b.example"); `via` sends the INVITE to that
    /// URI instead (a direct call without proxies). The call is owned by the
    /// user agent and deleted later after it ended. Errors: stage Call, with
    /// the agent's UaErrc or ShuttingDown.
    [[nodiscard]] EngineResult<sip::Call *> call(const QString &target, const QString &via = {});
    /// Revokes one of the user's devices at the certificate service; the
    /// callback runs later. The device list is checked again afterwards.
    /// Errors: stage Devices, with the service's DiscoveryErrc.
    void revoke(const QString &fingerprint, std::function<void(EngineResult<void>)> done);
    /// The user accepts a device on their address (saved to the known-devices
    /// file). Errors: stage Devices, with a DiscoveryErrc.
    [[nodiscard]] EngineResult<void> acknowledge(const QString &fingerprint);
    /// Fetches the own certificate set again (devicesChanged() follows).
    void refreshDevices();

    /// Transports bound, enrolment settled (enrolled or failed) and, with a
    /// registrar, registered: a call placed now is signed when it can be.
    [[nodiscard]] bool readyForCalls() const;
    [[nodiscard]] bool isShuttingDown() const { return m_stopping; }
    /// Problems found while creating the engine that did not stop it
    /// (e.g. an unreadable seen-devices file), in words (stage Profile).
    [[nodiscard]] const QStringList &startupWarnings() const { return m_warnings; }

    [[nodiscard]] sip::UserAgent &agent();
    [[nodiscard]] discovery::Enroller &enroller();
    [[nodiscard]] discovery::DeviceWatch &devices();
    [[nodiscard]] const discovery::Profile &profile() const;
    [[nodiscard]] const sip::SipProfile &sipProfile() const;
    /// This device's instance URN ("urn:uuid:...").
    [[nodiscard]] const QString &instanceUrn() const { return m_instanceUrn; }
    /// The enrolled certificate's fingerprint ("sha256:..."), once enrolled;
    /// empty after it was withdrawn.
    [[nodiscard]] QString ownFingerprint() const;
    /// Whether calls are signed now (see identityWithdrawn, enrolled).
    [[nodiscard]] Signing signing() const { return m_signing; }

Q_SIGNALS:
    void registrationChanged(napkin::sip::UserAgent::Registration state, const QString &message);
    /// The service accepted this device's certificate (first time or renewal).
    void enrolled(const QString &fingerprint, const QDateTime &notAfter);
    /// An enrolment attempt failed (stage Enrolment); `retryInMs` is 0 when
    /// no retry is scheduled.
    void enrolmentError(const napkin::discovery::DiscoveryError &error, qint64 retryInMs);
    void incomingCall(napkin::sip::Call *call);
    /// A call placed with call().
    void outgoingCall(napkin::sip::Call *call);
    /// readyForCalls() may have become true (emitted after every step that
    /// could make it so; check readyForCalls()).
    void callsPossible();
    /// DeviceWatch finished a check.
    void devicesChanged();
    /// A check of the own device list failed (stage Devices).
    void devicesCheckFailed(const napkin::discovery::DiscoveryError &error);
    void unknownDevice(const QString &fingerprint, const QString &instanceUrn,
                       const QDateTime &notBefore);
    void ownDeviceMissing(const QString &fingerprint);
    /// This device stopped signing with `fingerprint`: it expired or the
    /// service no longer lists it (`reason`: withdrawalReasonName). Calls go
    /// out unsigned (refused with require_end_to_end) until enrolled() again.
    /// `message` says so in words, and that a new certificate is being enrolled.
    void identityWithdrawn(const QString &fingerprint, const QString &reason,
                           const QString &message);
    /// After a withdrawal, until enrolled() again: the next enrolment attempt
    /// (now when one starts at once) and why the last one failed (empty at first).
    void reenrolling(const QDateTime &nextAttempt, const QString &message);
    void signingChanged(napkin::engine::Signing signing);
    /// Something went wrong outside any call (in words).
    void problem(const QString &message);
    void shutdownFinished();

private:
    explicit Engine(EngineConfig config);
    [[nodiscard]] Result<void, EngineError> build();
    /// The profile's STUN/TURN servers with the TURN password filled in.
    [[nodiscard]] Result<media::IceServers, EngineError> iceSettings() const;
    void wire();
    void adoptEnrolledIdentity();
    void withdrawIdentity(const QString &fingerprint, discovery::Enroller::Loss why);
    void setSigning(Signing signing);

    EngineConfig m_config;
    QString m_instanceUrn;
    QByteArray m_password;
    QStringList m_warnings;

    std::unique_ptr<sip::SofiaRoot> m_root;
    std::unique_ptr<discovery::ServiceClient> m_client;
    std::unique_ptr<discovery::CertificateDirectory> m_directory;
    std::unique_ptr<sip::DirectoryCertificates> m_certificates;
    std::unique_ptr<sip::SeenDevices> m_seen;
    std::unique_ptr<discovery::KnownDevices> m_known;
    std::unique_ptr<discovery::KeyStore> m_keys;
    std::unique_ptr<discovery::Enroller> m_enroller;
    std::unique_ptr<discovery::DeviceWatch> m_watch;
    std::unique_ptr<sip::SdpNegotiatorFactory> m_media;
    std::unique_ptr<sip::UserAgent> m_agent;

    bool m_started = false;
    bool m_enrolmentSettled = false;
    bool m_stopping = false;
    Signing m_signing = Signing::None;
};

} // namespace napkin::engine
