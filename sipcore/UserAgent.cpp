// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/UserAgent.h"

#include "crypto/Mime.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"
#include "sipcore/SofiaRoot.h"

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>

namespace napkin::sip {

/// The C callback nua calls; forwards to the agent (its magic).
struct UserAgentCallback {
    static void invoke(nua_event_t event, int status, char const *phrase, nua_t *,
                       nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *, sip_t const *sip,
                       tagi_t tags[]) {
        static_cast<UserAgent *>(magic)->onEvent(event, status, phrase, nh, sip, tags);
    }
};

namespace {

std::string userPart(const std::string &aor) {
    auto parsed = crypto::parseAor(aor);
    return parsed ? parsed->user : std::string();
}

/// A quoted-string for a display name.
std::string quoted(const std::string &text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (static_cast<unsigned char>(c) >= 0x20) {
            out += c;
        }
    }
    return out + "\"";
}

} // namespace

UserAgent::UserAgent(SofiaRoot &root, UserAgentSettings settings, CertificateSource &certificates,
                     SdpNegotiatorFactory &media, SeenDevices &seen, QObject *parent)
    : QObject(parent), m_root(root), m_settings(std::move(settings)), m_certificates(certificates),
      m_media(media), m_seen(seen) {
    if (m_settings.authUser.empty()) {
        m_settings.authUser = userPart(m_settings.aor);
    }
}

UserAgent::~UserAgent() {
    if (m_nua != nullptr && !m_shutdownDone) {
        shutdown();
        QEventLoop loop;
        QTimer::singleShot(35000, &loop, &QEventLoop::quit);
        connect(this, &UserAgent::shutdownFinished, &loop, &QEventLoop::quit);
        if (!m_shutdownDone) {
            loop.exec();
        }
    }
    if (m_nua != nullptr && m_shutdownDone) {
        nua_destroy(m_nua);
        m_nua = nullptr;
    }
    // A nua that never finished shutting down is leaked on purpose:
    // nua_destroy() before that aborts the process.
}

std::string_view uaErrcName(UaErrc code) {
    switch (code) {
    case UaErrc::AlreadyStarted:
        return "already-started";
    case UaErrc::BadAddress:
        return "bad-address";
    case UaErrc::TlsSetup:
        return "tls-setup";
    case UaErrc::BindFailed:
        return "bind-failed";
    case UaErrc::NotReady:
        return "not-ready";
    case UaErrc::ShuttingDown:
        return "shutting-down";
    case UaErrc::Internal:
        return "internal";
    }
    return "unknown";
}

Result<void, UaError> UserAgent::start() {
    if (m_nua != nullptr) {
        return fail(UaError{UaErrc::AlreadyStarted, "the agent is already started"});
    }
    if (!crypto::parseAor(m_settings.aor)) {
        return fail(
            UaError{UaErrc::BadAddress, "'" + m_settings.aor + "' is not a SIP address of record"});
    }
    const bool tls = !m_settings.tlsBindUrl.empty();
    std::string tlsDir = m_settings.tlsCertificateDir;
    if (tls && tlsDir.empty()) {
        auto made = makeTlsDirectory();
        if (!made) {
            return fail(std::move(made).error());
        }
        tlsDir = std::move(made).value();
    }
    m_nua = nua_create(
        m_root.native(), &UserAgentCallback::invoke, this, NUTAG_URL(m_settings.bindUrl.c_str()),
        TAG_IF(tls, NUTAG_SIPS_URL(m_settings.tlsBindUrl.c_str())),
        TAG_IF(!tlsDir.empty(), NUTAG_CERTIFICATE_DIR(tlsDir.c_str())),
        TAG_IF(tls, TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_SUBJECTS_OUT)),
        // Our bodies are S/MIME: Sofia's SDP engine must never see them.
        NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOACK(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0),
        NUTAG_ENABLEINVITE(1),
        // No 100rel (breaks forking in nta) and no session timers (their
        // refresh would resend a stale S/MIME body).
        SIPTAG_SUPPORTED_STR("replaces"), SIPTAG_ALLOW_STR("INVITE, ACK, BYE, CANCEL, OPTIONS"),
        SIPTAG_USER_AGENT_STR(m_settings.userAgentName.c_str()),
        SIPTAG_FROM_STR(m_settings.aor.c_str()),
        TAG_IF(!m_settings.outboundProxy.empty(), NUTAG_PROXY(m_settings.outboundProxy.c_str())),
        // NAT: ask for rport (RFC 3581) in every Via, so responses come back
        // to the router's public port. Sofia's own OPTIONS keep-alives are
        // off (NUTAG_KEEPALIVE(0)): they go to the AOR with Max-Forwards 0,
        // and when they see a changed binding nua swaps in a Contact of its
        // own making; UserAgentNat.cpp sends ours and re-registers itself.
        NTATAG_CLIENT_RPORT(1), NUTAG_KEEPALIVE(0), NUTAG_OUTBOUND("no-validate"), TAG_NULL());
    if (m_nua == nullptr) {
        return fail(UaError{UaErrc::BindFailed,
                            "cannot start SIP on " + m_settings.bindUrl +
                                (tls ? " and " + m_settings.tlsBindUrl : std::string()) +
                                " (address in use, or TLS files missing?)"});
    }
    nua_get_params(m_nua, TAG_ANY(), TAG_END());
    return {};
}

Result<std::string, UaError> UserAgent::makeTlsDirectory() {
    // Proxies open TLS connections to our listener for in-dialog requests,
    // so it needs a certificate; nobody verifies this one against a CA.
    m_tlsDir = std::make_unique<QTemporaryDir>();
    if (!m_tlsDir->isValid()) {
        return fail(UaError{UaErrc::TlsSetup, "cannot create a private directory for TLS files"});
    }
    crypto::IdentityOptions options;
    options.aor = m_settings.aor;
    if (!m_settings.instanceUrn.empty()) {
        options.instanceUrn = m_settings.instanceUrn;
    }
    auto listener = crypto::createDeviceIdentity(options);
    if (!listener) {
        return fail(UaError{UaErrc::TlsSetup, "cannot make the TLS listener's certificate: " +
                                                  listener.error().message});
    }
    const std::string dir = m_tlsDir->path().toStdString();
    const std::string agentPem = listener->certificate.toPem() + listener->key.toPem();
    if (auto written = crypto::writeFileAtomically(dir + "/agent.pem", agentPem, 0600); !written) {
        return fail(UaError{UaErrc::TlsSetup,
                            "cannot write the TLS listener's key: " + written.error().message});
    }
    const std::string caFile = m_settings.tlsCaFile.empty()
                                   ? std::string("/etc/ssl/certs/ca-certificates.crt")
                                   : m_settings.tlsCaFile;
    auto ca = crypto::readFileBytes(caFile, 16 * 1024 * 1024);
    if (!ca) {
        return fail(UaError{UaErrc::TlsSetup,
                            "cannot read the TLS CA file " + caFile + ": " + ca.error().message});
    }
    if (auto written = crypto::writeFileAtomically(dir + "/cafile.pem", crypto::asText(*ca), 0644);
        !written) {
        return fail(
            UaError{UaErrc::TlsSetup, "cannot write cafile.pem: " + written.error().message});
    }
    return dir;
}

void UserAgent::setIdentity(std::shared_ptr<const crypto::DeviceIdentity> identity) {
    m_identity = std::move(identity);
}

std::vector<Call *> UserAgent::calls() const {
    std::vector<Call *> out;
    for (const auto &[nh, entry] : m_calls) {
        out.push_back(entry.call);
    }
    return out;
}

Result<Call *, UaError> UserAgent::call(const std::string &target, const std::string &requestUri) {
    if (!isReady()) {
        return fail(UaError{UaErrc::NotReady, "SIP is not started yet"});
    }
    if (m_shuttingDown) {
        return fail(UaError{UaErrc::ShuttingDown, "SIP is shutting down"});
    }
    auto aor = crypto::parseAor(target);
    if (!aor) {
        return fail(UaError{UaErrc::BadAddress,
                            "'" + target + "' is not a SIP address: " + aor.error().message});
    }
    const std::string to = "<" + aor->uri() + ">";
    // NUTAG_MAX_RETRY_AFTER(0): a 5xx with Retry-After ends the call attempt
    // at once with its reason, instead of nua silently sending the INVITE
    // again up to 32 s later while the person waits at "Calling...".
    nua_handle_t *nh =
        nua_handle(m_nua, nullptr, SIPTAG_TO_STR(to.c_str()), NUTAG_MAX_RETRY_AFTER(0), TAG_END());
    if (nh == nullptr) {
        return fail(UaError{UaErrc::Internal, "cannot create a SIP handle"});
    }
    Call *call = newCall(Call::Direction::Outgoing, nh);
    Q_EMIT outgoingCall(call);
    call->startOutgoing(target, requestUri);
    return call;
}

void UserAgent::shutdown() {
    if (m_nua == nullptr || m_shuttingDown) {
        return;
    }
    m_shuttingDown = true;
    stopKeepalive();
    qCInfo(lcSip) << "shutting down: ending" << m_calls.size() << "call(s)";
    // Answer or end every call first: pending incoming requests at shutdown
    // can crash this Sofia version.
    for (Call *call : calls()) {
        if (call->direction() == Call::Direction::Incoming &&
            (call->state() == Call::State::Checking || call->state() == Call::State::Ringing)) {
            call->reject(480, "Temporarily Unavailable");
        } else {
            call->hangUp();
        }
    }
    auto proceed = [this] {
        if (m_nua == nullptr || m_shutdownDone) {
            return;
        }
        setRegistration(m_registration == Registration::None ? Registration::None
                                                             : Registration::Unregistered,
                        "shutting down");
        nua_shutdown(m_nua);
    };
    if (m_calls.empty()) {
        proceed();
        return;
    }
    // Give the BYEs and CANCELs a moment to complete; nua_shutdown ends
    // whatever is left.
    auto waited = std::make_shared<QElapsedTimer>();
    waited->start();
    auto *poll = new QTimer(this);
    poll->setInterval(50);
    connect(poll, &QTimer::timeout, this, [this, poll, waited, proceed] {
        if (m_calls.empty() || waited->elapsed() > 3000) {
            poll->deleteLater();
            proceed();
        }
    });
    poll->start();
}

void UserAgent::finishShutdown() {
    m_shutdownDone = true;
    // Deferred: nua must not be destroyed from inside its own callback.
    QTimer::singleShot(0, this, [this] {
        for (auto &[nh, entry] : m_calls) {
            entry.call->deleteLater();
        }
        // The handles go back to nua before nua itself goes.
        m_calls.clear();
        m_register.reset();
        m_keepalive.reset();
        if (m_nua != nullptr) {
            nua_destroy(m_nua);
            m_nua = nullptr;
        }
        qCInfo(lcSip) << "SIP stack stopped";
        Q_EMIT shutdownFinished();
    });
}

// ---------------------------------------------------------------- events

void UserAgent::onEvent(int event, int status, const char *phrase, nua_handle_s *nh,
                        const sip_s *sip, const void *rawTags) {
    const auto *tags = static_cast<const tagi_t *>(rawTags);
    const auto e = static_cast<nua_event_t>(event);
    qCDebug(lcSip) << "event" << nua_event_name(e) << status << logText(phrase ? phrase : "");

    if (e == nua_r_shutdown) {
        if (status >= 200 && !m_shutdownDone) {
            if (status >= 300) {
                qCWarning(lcSip) << "shutdown completed with" << status
                                 << logText(phrase ? phrase : "");
            }
            finishShutdown();
        }
        return;
    }
    if (e == nua_r_get_params) {
        onParams(tags);
        return;
    }
    if (nh != nullptr && nh == m_keepalive.get()) {
        if (e == nua_r_options) {
            onKeepaliveResponse(status, phrase, sip);
        }
        return;
    }
    if (nh != nullptr && nh == m_register.get()) {
        if (e == nua_r_register || e == nua_r_unregister) {
            onRegisterResponse(event, status, phrase, sip);
        }
        return;
    }
    auto it = nh != nullptr ? m_calls.find(nh) : m_calls.end();
    Call *call = it != m_calls.end() ? it->second.call : nullptr;

    if (call != nullptr) {
        call->onStackEvent(event, status, phrase, sip, tags);
    }
    switch (e) {
    case nua_i_invite:
        if (call == nullptr && nh != nullptr && sip != nullptr) {
            onIncomingInvite(nh, sip);
        }
        return;
    case nua_i_error:
        qCWarning(lcSip) << "SIP stack error" << status << logText(phrase ? phrase : "");
        Q_EMIT problem(QStringLiteral("SIP stack error %1 %2")
                           .arg(status)
                           .arg(QString::fromUtf8(phrase ? phrase : "")));
        return;
    case nua_r_invite:
    case nua_i_ack:
    case nua_i_cancel:
    case nua_i_bye:
    case nua_i_state:
        return;
    default:
        break;
    }
    // A handle the stack created for something we do not handle (OPTIONS,
    // MESSAGE...): nua has answered it; give the handle back.
    if (call == nullptr && nh != nullptr && nh != m_register.get() && nh != nua_default(m_nua) &&
        e != nua_r_bye && e != nua_r_cancel && e != nua_i_terminated && e != nua_i_active) {
        if (nua_event_is_incoming_request(e) || e == nua_i_outbound) {
            nua_handle_destroy(nh);
        }
    }
}

void UserAgent::onParams(const void *rawTags) {
    if (!m_contact.empty()) {
        return;
    }
    const auto *tags = static_cast<const tagi_t *>(rawTags);
    const sip_contact_t *agentContact = nullptr;
    tl_gets(tags, NTATAG_CONTACT_REF(agentContact), TAG_END());
    if (agentContact == nullptr || agentContact->m_url->url_host == nullptr) {
        Q_EMIT problem(QStringLiteral("the SIP stack reported no local contact address"));
        return;
    }
    const url_t *url = agentContact->m_url;
    const bool tls = m_settings.transport == "tls";
    std::string host = url->url_host;
    std::string port = url->url_port != nullptr ? url->url_port : "";
    if (tls) {
        // The TLS listener has its own port: take it from the sips: bind URL.
        HomePtr home = makeHome();
        url_t *sips = url_hdup(home.get(), URL_STRING_MAKE(m_settings.tlsBindUrl.c_str())->us_url);
        if (sips != nullptr && sips->url_port != nullptr && std::string(sips->url_port) != "*") {
            port = sips->url_port;
        }
    }
    std::string uri = "sip:" + m_settings.authUser + "@" + host + (port.empty() ? "" : ":" + port);
    if (m_settings.transport == "tcp" || tls) {
        uri += ";transport=" + m_settings.transport;
    }
    m_contact = "<" + uri + ">";
    if (!m_settings.instanceUrn.empty()) {
        m_contact += ";+sip.instance=\"<" + m_settings.instanceUrn + ">\"";
    }
    qCInfo(lcSip) << "SIP ready, contact" << m_contact.c_str();
    Q_EMIT ready();
    startRegistration();
}

void UserAgent::startRegistration() {
    if (m_settings.registrar.empty() || m_shuttingDown) {
        return;
    }
    m_register.reset(nua_handle(m_nua, nullptr, SIPTAG_TO_STR(m_settings.aor.c_str()),
                                SIPTAG_FROM_STR(m_settings.aor.c_str()), TAG_END()));
    setRegistration(Registration::Registering, "registering at " + m_settings.registrar);
    sendRegister();
}

void UserAgent::sendRegister() {
    const std::string expires = std::to_string(m_settings.registrationExpiry.count());
    nua_register(m_register.get(), NUTAG_REGISTRAR(m_settings.registrar.c_str()),
                 NUTAG_OUTBOUND("no-validate"), SIPTAG_CONTACT_STR(m_contact.c_str()),
                 SIPTAG_EXPIRES_STR(expires.c_str()), TAG_END());
}

void UserAgent::onRegisterResponse(int event, int status, const char *phrase, const sip_s *sip) {
    if (status < 200) {
        return;
    }
    const std::string text = std::to_string(status) + " " + (phrase ? phrase : "");
    if (event == nua_r_unregister) {
        stopKeepalive();
        setRegistration(Registration::Unregistered, text);
        return;
    }
    if (status == 401 || status == 407) {
        const auto credentials = credentialsFor(sip, "the registrar " + m_settings.registrar);
        if (!credentials || ++m_registerChallenges > 2 || m_shuttingDown) {
            m_registrationError = credentials ? "the registrar " + m_settings.registrar +
                                                    " refused the credentials (" + text + ")"
                                              : credentials.error().reason;
            setRegistration(Registration::Failed, m_registrationError);
            nua_authenticate(m_register.get(), NUTAG_AUTH(kDeclineChallenge), TAG_END());
            return;
        }
        nua_authenticate(m_register.get(), NUTAG_AUTH(credentials->c_str()), TAG_END());
        return;
    }
    if (status == 904 && m_registration == Registration::Failed) {
        return; // nua ending the challenge we declined (kDeclineChallenge)
    }
    if (status >= 300) {
        m_registrationError = "the registrar " + m_settings.registrar + " answered " + text;
        setRegistration(Registration::Failed, m_registrationError);
        return;
    }
    m_registerChallenges = 0;
    if (!m_shuttingDown) {
        notePublicAddress(sip);
        setRegistration(Registration::Registered, "registered at " + m_settings.registrar);
        startKeepalive();
    }
}

void UserAgent::setRegistration(Registration state, const std::string &message) {
    const bool changed = m_registration != state;
    m_registration = state;
    if (changed || state == Registration::Failed) {
        qCInfo(lcSip).noquote() << "registration:" << logText(message);
        Q_EMIT registrationChanged(state, QString::fromStdString(message));
    }
}

void UserAgent::onIncomingInvite(nua_handle_s *nh, const sip_s *sip) {
    if (m_shuttingDown) {
        nua_respond(nh, 480, "Temporarily Unavailable", TAG_END());
        nua_handle_destroy(nh);
        return;
    }
    const auto checking = std::count_if(m_calls.begin(), m_calls.end(), [](const auto &entry) {
        const Call *c = entry.second.call;
        return c->direction() == Call::Direction::Incoming && c->state() == Call::State::Checking;
    });
    if (checking >= m_settings.maxCheckingCalls) {
        // Each call being checked may fetch from the caller's domain: a flood
        // of INVITEs must not turn into a flood of connections and memory.
        qCWarning(lcSip) << "refusing an incoming call:" << checking
                         << "calls are being checked already";
        nua_respond(nh, 486, "Busy Here", SIPTAG_RETRY_AFTER_STR("30"),
                    SIPTAG_WARNING_STR("399 napkin \"too many incoming calls are being checked "
                                       "at once; try again later\""),
                    TAG_END());
        nua_handle_destroy(nh);
        return;
    }
    Call *call = newCall(Call::Direction::Incoming, nh);
    call->startIncoming(sip);
    Q_EMIT incomingCall(call);
}

Call *UserAgent::newCall(Call::Direction direction, nua_handle_s *nh) {
    // What an incoming call fetches, a stranger's INVITE made us fetch: the
    // source charges it to the caller's domain's budget (CertificateSource).
    CertificateSource &certificates =
        direction == Call::Direction::Incoming ? m_certificates.forPeerRequests() : m_certificates;
    auto *call = new Call(Call::Context{*this, certificates, m_media, m_settings.policy}, direction,
                          QStringLiteral("c%1").arg(m_nextCall++), nh, m_identity);
    call->setParent(this);
    m_calls[nh] = CallEntry{OwnedHandle(nh), call};
    return call;
}

void UserAgent::callEnded(Call *call) {
    for (auto it = m_calls.begin(); it != m_calls.end(); ++it) {
        if (it->second.call == call) {
            m_calls.erase(it); // gives the handle back to nua
            break;
        }
    }
    call->deleteLater();
}

void UserAgent::HandleOwner::operator()(nua_handle_s *nh) const noexcept {
    nua_handle_destroy(nh);
}

Result<std::string, RealmRefusal> UserAgent::credentialsFor(const sip_s *sip,
                                                            const std::string &asker) const {
    std::vector<std::string> realms;
    std::vector<std::string> quoted;
    const msg_auth_t *challenge = nullptr;
    if (sip != nullptr) {
        challenge = sip->sip_www_authenticate != nullptr ? sip->sip_www_authenticate
                                                         : sip->sip_proxy_authenticate;
    }
    for (; challenge != nullptr; challenge = challenge->au_next) {
        if (challenge->au_scheme == nullptr || std::string_view(challenge->au_scheme) != "Digest") {
            continue;
        }
        const char *realm = msg_params_find(challenge->au_params, "realm=");
        if (realm != nullptr) {
            quoted.emplace_back(realm);
            realms.push_back(unquoteRealm(realm));
        }
    }
    const auto aor = crypto::parseAor(m_settings.aor);
    const AccountRealms own{aor ? aor->host : std::string(), m_settings.extraRealms};
    auto chosen = chooseDigestRealm(realms, own, asker);
    if (!chosen) {
        qCWarning(lcSip) << "not answering a Digest challenge:"
                         << QString::fromStdString(chosen.error().reason);
        return fail(std::move(chosen).error());
    }
    // nua's credential string: scheme:"realm":user:password (the realm keeps its quotes).
    return "Digest:" + quoted[*chosen] + ":" + m_settings.authUser + ":" + m_settings.password;
}

std::string UserAgent::fromHeader(const std::string &tag) const {
    std::string from;
    if (!m_settings.displayName.empty()) {
        from = quoted(m_settings.displayName) + " ";
    }
    return from + "<" + m_settings.aor + ">;tag=" + tag;
}

bool UserAgent::firstSighting(const std::string &key) {
    return m_replays.firstSighting(key, ReplayCache::Clock::now());
}

bool UserAgent::sawVerified(const std::string &aor) const {
    return m_seen.knowsAddress(aor);
}

IdentityVerdict UserAgent::verifiedDevice(const std::string &aor,
                                          const crypto::Certificate &device) {
    auto verdict = verifiedVerdict(aor, device, m_seen);
    if (auto saved = m_seen.save(); !saved) { // writes only when the device was news
        qCWarning(lcSip).noquote() << "cannot save the seen devices:" << saved.error().c_str();
    }
    return verdict;
}

} // namespace napkin::sip
