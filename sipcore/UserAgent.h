// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The SIP user agent on Sofia-SIP's nua: one account, registered with Digest
// authentication, placing and receiving secure calls. Runs on the Qt main
// loop (SofiaRoot); every nua call is made from the main thread, and no nua
// callback ever runs a nested event loop.
//
// nua is created with its own SDP engine off (NUTAG_MEDIA_ENABLE(0): the
// bodies are S/MIME, built by Call), no automatic ACK, answer or alert, and
// "Supported: replaces" only - no 100rel (breaks forking) and no session
// timers (a refresh would resend stale S/MIME bodies).

#include "crypto/DeviceIdentity.h"
#include "sipcore/Call.h"
#include "sipcore/CallHost.h"
#include "sipcore/CallPolicy.h"
#include "sipcore/CertificateSource.h"
#include "sipcore/ReplayCache.h"
#include "sipcore/SdpNegotiator.h"
#include "sipcore/SeenDevices.h"

#include <QObject>
#include <QTemporaryDir>
#include <QTimer>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct nua_s;
struct nua_handle_s;
struct sip_s;

namespace napkin::sip {

class SofiaRoot;

struct UserAgentSettings {
    std::string aor;         ///< "sip:alice@a.example"
    std::string displayName; ///< for From; empty: none
    std::string authUser;    ///< Digest user name; the AOR's user part when empty
    std::string password;    ///< in memory only, never logged
    /// Digest realms answered besides the AOR's domain ([account] extra_realms);
    /// a challenge for any other realm ends the request instead.
    std::vector<std::string> extraRealms;
    /// "sip:a.example" or "sip:127.0.0.1:5060"; empty: do not register.
    std::string registrar;
    /// Every out-of-dialog request goes here first ("sip:127.0.0.1:5060"); empty: none.
    std::string outboundProxy;
    /// Where to listen (NUTAG_URL): "sip:127.0.0.1:*" is UDP and TCP on one free port.
    std::string bindUrl = "sip:127.0.0.1:*";
    /// TLS listener (NUTAG_SIPS_URL), e.g. "sips:127.0.0.1:*"; empty: no TLS.
    std::string tlsBindUrl;
    /// Directory with agent.pem (certificate and key) and cafile.pem, for TLS.
    /// Empty: the agent makes a private one, with a fresh self-signed
    /// certificate for its own TLS listener and `tlsCaFile` as cafile.pem.
    std::string tlsCertificateDir;
    /// The CAs a TLS peer (the registrar, a proxy) must chain to; empty:
    /// the system's bundle. Used when tlsCertificateDir is empty.
    std::string tlsCaFile;
    /// The transport put into Contact and used towards the registrar: "udp",
    /// "tcp" or "tls" (empty: udp).
    std::string transport;
    std::string instanceUrn; ///< "urn:uuid:...", stable per device
    std::chrono::seconds registrationExpiry{600};
    /// While registered, an OPTIONS to the registrar this often keeps a home
    /// router's mapping open, and a re-registration follows when the
    /// answer's Via received/rport show that the mapping changed. 0: off.
    std::chrono::seconds keepaliveInterval{25};
    PolicySettings policy;
    std::string userAgentName = "Napkin";
    /// At most this many incoming calls are being checked (their caller's
    /// certificates fetched) at once; more are answered 486 with Retry-After.
    int maxCheckingCalls = 16;
};

/// What kind of thing stopped the agent from doing what was asked.
enum class UaErrc {
    AlreadyStarted, ///< start() on an agent that is already started
    BadAddress,     ///< the account's or the callee's address is not a SIP address
    TlsSetup,       ///< the TLS listener's private certificate or CA files could not be made
    BindFailed,     ///< the SIP transports could not be bound (address in use, TLS files)
    NotReady,       ///< call() before the transports were bound
    ShuttingDown,   ///< call() while the agent shuts down
    Internal,       ///< the SIP stack failed where input cannot be the cause
};

/// A short stable name for logs, JSON output and tests ("bind-failed").
[[nodiscard]] std::string_view uaErrcName(UaErrc code);

/// Why the agent could not do what was asked.
struct UaError {
    UaErrc code = UaErrc::Internal;
    std::string message; ///< in words; never contains the password
};

class UserAgent : public QObject, private CallHost {
    Q_OBJECT
public:
    enum class Registration {
        None,         ///< not registered (no registrar, or not yet)
        Registering,  ///< REGISTER sent
        Registered,   ///< the registrar accepted our binding
        Failed,       ///< the registrar refused (see registrationError())
        Unregistered, ///< after shutdown
    };
    Q_ENUM(Registration)
    /// The keep-alive OPTIONS to the registrar (SIP through NAT): one at a time.
    enum class KeepalivePhase {
        Idle,           ///< none in flight; the timer sends the next one
        AwaitingAnswer, ///< sent; its answer's Via shows the router's mapping
    };

    /// Everything given must outlive the agent.
    UserAgent(SofiaRoot &root, UserAgentSettings settings, CertificateSource &certificates,
              SdpNegotiatorFactory &media, SeenDevices &seen, QObject *parent = nullptr);
    /// Call shutdown() and wait for shutdownFinished() first; otherwise the
    /// destructor does it, spinning the event loop for up to 35 s (never call
    /// it from inside a nua callback).
    ~UserAgent() override;

    /// Binds the transports and learns the local Contact; then registers
    /// (when a registrar is set). ready() follows.
    [[nodiscard]] Result<void, UaError> start();

    /// This device's certificate and key, once enrolled (nullptr: calls are
    /// placed and answered unsigned, never end-to-end).
    void setIdentity(std::shared_ptr<const crypto::DeviceIdentity> identity);
    [[nodiscard]] bool hasIdentity() const { return m_identity != nullptr; }

    /// Places a call to the address of record `target` ("sip:bob@b.example").
    /// `requestUri`, when given, is where the INVITE goes instead (a direct
    /// call without proxies: "sip:bob@127.0.0.1:5062"). The Call is owned by
    /// the agent.
    [[nodiscard]] Result<Call *, UaError> call(const std::string &target,
                                               const std::string &requestUri = {});

    /// Ends every call, unregisters and shuts nua down; shutdownFinished()
    /// follows (after at most ~30 s).
    void shutdown();

    [[nodiscard]] Registration registration() const { return m_registration; }
    [[nodiscard]] KeepalivePhase keepalivePhase() const { return m_keepalivePhase; }
    [[nodiscard]] const std::string &registrationError() const { return m_registrationError; }
    /// The Contact this device puts in REGISTER and INVITE.
    [[nodiscard]] const std::string &contact() const override { return m_contact; }
    [[nodiscard]] const UserAgentSettings &settings() const { return m_settings; }
    [[nodiscard]] std::vector<Call *> calls() const;
    [[nodiscard]] bool isReady() const { return !m_contact.empty(); }

Q_SIGNALS:
    /// Transports bound, Contact known: calls may be placed.
    void ready();
    void registrationChanged(napkin::sip::UserAgent::Registration state, const QString &message);
    /// A new incoming call, before its identity is checked.
    void incomingCall(napkin::sip::Call *call);
    /// A call was placed (after call()).
    void outgoingCall(napkin::sip::Call *call);
    void shutdownFinished();
    /// Something went wrong outside any call (in words).
    void problem(const QString &message);

private:
    friend struct UserAgentCallback;

    /// `tags` is Sofia's tagi_t array (an anonymous struct type in C).
    void onEvent(int event, int status, const char *phrase, nua_handle_s *nh, const sip_s *sip,
                 const void *tags);
    void onParams(const void *tags);
    void onRegisterResponse(int event, int status, const char *phrase, const sip_s *sip);
    void onIncomingInvite(nua_handle_s *nh, const sip_s *sip);
    void startRegistration();
    void sendRegister();
    // NAT keep-alives (UserAgentNat.cpp).
    void startKeepalive();
    void stopKeepalive();
    void sendKeepalive();
    void onKeepaliveResponse(int status, const char *phrase, const sip_s *sip);
    void notePublicAddress(const sip_s *response);
    void setRegistration(Registration state, const std::string &message);
    void finishShutdown();
    [[nodiscard]] Call *newCall(Call::Direction direction, nua_handle_s *nh);

    // CallHost: what a call may ask of its agent.
    [[nodiscard]] Result<std::string, RealmRefusal>
    credentialsFor(const sip_s *sip, const std::string &asker) const override;
    [[nodiscard]] std::string fromHeader(const std::string &tag) const override;
    [[nodiscard]] IdentityVerdict verifiedDevice(const std::string &aor,
                                                 const crypto::Certificate &device) override;
    [[nodiscard]] bool sawVerified(const std::string &aor) const override;
    [[nodiscard]] const std::string &accountAor() const override { return m_settings.aor; }
    [[nodiscard]] bool firstSighting(const std::string &key) override;
    void callEnded(Call *call) override;
    /// Writes agent.pem and cafile.pem into a private directory.
    [[nodiscard]] Result<std::string, UaError> makeTlsDirectory();

    SofiaRoot &m_root;
    UserAgentSettings m_settings;
    CertificateSource &m_certificates;
    SdpNegotiatorFactory &m_media;
    SeenDevices &m_seen;
    std::shared_ptr<const crypto::DeviceIdentity> m_identity;

    nua_s *m_nua = nullptr;
    /// Gives an operation handle back to nua (nua_handle_destroy).
    struct HandleOwner {
        void operator()(nua_handle_s *nh) const noexcept;
    };
    using OwnedHandle = std::unique_ptr<nua_handle_s, HandleOwner>;
    struct CallEntry {
        OwnedHandle handle;
        Call *call; ///< a child QObject, deleted (later) when the call ends
    };

    OwnedHandle m_register;
    OwnedHandle m_keepalive; ///< the keep-alive OPTIONS to the registrar
    QTimer *m_keepaliveTimer = nullptr;
    KeepalivePhase m_keepalivePhase = KeepalivePhase::Idle;
    /// "address:port" the registrar saw our last REGISTER come from (its
    /// Via received/rport); empty before the first 2xx.
    std::string m_publicAddress;
    std::map<nua_handle_s *, CallEntry> m_calls;
    ReplayCache m_replays{std::chrono::minutes(21), 4096}; ///< both sides of the Date window
    std::unique_ptr<QTemporaryDir> m_tlsDir; ///< generated TLS material, removed on exit
    std::string m_contact;
    Registration m_registration = Registration::None;
    std::string m_registrationError;
    int m_registerChallenges = 0;
    bool m_shuttingDown = false;
    bool m_shutdownDone = false;
    int m_nextCall = 1;
};

} // namespace napkin::sip
