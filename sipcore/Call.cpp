#include "sipcore/Call.h"

#include "sipcore/SecureBody.h"
#include "sipcore/SeenDevices.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"
#include "sipcore/UserAgent.h"

#include <openssl/rand.h>

#include <QTimer>

namespace napkin::sip {

namespace {

using Clock = std::chrono::system_clock;

std::string randomToken(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        // Only uniqueness matters for tags and Call-IDs; fall back to the clock.
        const auto t = static_cast<unsigned long long>(Clock::now().time_since_epoch().count());
        return std::to_string(t);
    }
    return crypto::toHex(raw);
}

std::uint32_t randomCseq() {
    std::uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&v), sizeof v) != 1) {
        v = 1;
    }
    return 1 + (v % 0x7ffff); // small, and far from the 2^31 limit
}

IdentityVerdict failedVerdict(const std::string &aor, const SecureBodyError &error) {
    return IdentityVerdict::failedBecause(aor, error.code, error.message);
}

/// Checks a signed body against the peer's set; when the body's signer is
/// missing from it, asks the source again and checks once more with that
/// certificate if the service now lists it.
template <typename T>
void checkWithRefresh(
    CertificateSource &source, const std::string &aor, const crypto::MimeBody &body,
    std::vector<crypto::Certificate> set,
    std::function<SecureBodyResult<T>(std::span<const crypto::Certificate>)> check,
    std::weak_ptr<bool> alive, std::function<void(SecureBodyResult<T>)> done) {
    auto first = check(set);
    if (first.ok() || first.error().code != IdentityFailure::SignerNotListed) {
        done(std::move(first));
        return;
    }
    auto claimed = claimedSigner(body);
    if (!claimed) {
        done(std::move(first));
        return;
    }
    source.refreshIfUnknown(
        aor, claimed->fingerprint(),
        [alive, check, done, first = std::move(first).error(),
         set = std::move(set)](SourceResult<crypto::Certificate> refreshed) mutable {
            if (alive.expired()) {
                return;
            }
            if (!refreshed) {
                first.message +=
                    " (asked the certificate service again: " + refreshed.error().message + ")";
                done(fail(std::move(first)));
                return;
            }
            set.push_back(std::move(refreshed).value());
            done(check(set));
        });
}

/// A final response with which a phone that does not understand our signed,
/// SDP-less INVITE refuses it: 415 Unsupported Media Type (RFC 3261 21.4.13;
/// what Sofia-SIP's own SDP engine answers), and 500 (baresip 1.0 answers
/// "500 Call Error" when the body is not SDP). A 500 with Retry-After is an
/// overloaded server, and a refusal with a Napkin Warning comes from a device
/// that read the body: neither is a plain phone.
bool refusesUnreadableBody(int status, const sip_t *sip) {
    if (status != 415 && status != 500) {
        return false;
    }
    if (sip == nullptr) {
        return status == 415;
    }
    if (status == 500 && sip->sip_retry_after != nullptr) {
        return false;
    }
    for (const sip_warning_t *w = sip->sip_warning; w != nullptr; w = w->w_next) {
        if (w->w_host != nullptr && std::string_view(w->w_host) == "napkin") {
            return false;
        }
    }
    return true;
}

} // namespace

CallErrc callErrcForStatus(int status) {
    switch (status) {
    case 404:
    case 408:
    case 410:
    case 480:
    case 503:
    case 504:
        return CallErrc::Unreachable;
    case 487:
        return CallErrc::Cancelled;
    default:
        return CallErrc::Declined;
    }
}

std::string_view callErrcName(CallErrc code) {
    switch (code) {
    case CallErrc::None:
        return "hangup";
    case CallErrc::Declined:
        return "declined";
    case CallErrc::Cancelled:
        return "cancelled";
    case CallErrc::IdentityRejected:
        return "identity-rejected";
    case CallErrc::IdentityFailed:
        return "identity-failed";
    case CallErrc::NotEndToEnd:
        return "not-end-to-end";
    case CallErrc::MediaFailed:
        return "media-failed";
    case CallErrc::Unreachable:
        return "unreachable";
    case CallErrc::Local:
        return "local-failure";
    }
    return "unknown";
}

Call::Call(Context context, Direction direction, QString id, nua_handle_s *handle,
           std::shared_ptr<const crypto::DeviceIdentity> identity)
    : m_ctx(context), m_direction(direction), m_id(std::move(id)), m_handle(handle),
      m_identity(std::move(identity)), m_sdp(context.media.create()),
      m_state(direction == Direction::Outgoing ? State::Calling : State::Checking) {
    m_sdp->onFlowing([this](bool flowing) { Q_EMIT mediaFlowing(flowing); });
    m_sdp->onDtmf([this](char digit) { Q_EMIT dtmfReceived(digit); });
}

Call::~Call() {
    *m_alive = false;
    if (m_sdp) {
        m_sdp->stop();
    }
}

std::optional<NegotiatedMedia> Call::media() const {
    return m_sdp ? m_sdp->negotiated() : std::nullopt;
}

// ---------------------------------------------------------------- outgoing

void Call::startOutgoing(const std::string &target, const std::string &requestUri) {
    auto aor = crypto::parseAor(target);
    m_requestUri = requestUri;
    if (!aor) {
        noteEnd(CallErrc::Local, "'" + target + "' is not a SIP address: " + aor.error().message, 0,
                false);
        QTimer::singleShot(0, this, [this] { onTerminated(0, nullptr); });
        return;
    }
    m_peer = *aor;
    m_peerAor = aor->uri();
    if (m_identity) {
        // Fetch the callee's set while the INVITE is on its way.
        std::weak_ptr<bool> alive = m_alive;
        m_ctx.certificates.fetch(m_peerAor, [this, alive](auto result) {
            if (alive.expired()) {
                return;
            }
            m_peerSet = std::move(result);
            if (m_answerBody && !m_answerHandled) {
                handleAnswer();
            }
        });
    }
    m_sent.from = m_ctx.agent.fromHeader(randomToken(8));
    m_sent.to = "<" + m_peerAor + ">";
    m_sent.callId = randomToken(16) + "@napkin";
    m_sent.contact = m_ctx.agent.contact();
    sendInvite(false, randomCseq(), {});
}

void Call::sendInvite(bool afterChallenge, std::uint32_t cseq, const std::string &credentials) {
    std::string contentType;
    crypto::Bytes body;
    m_sent.cseq = std::to_string(cseq) + " INVITE";
    m_inviteCseq = cseq;
    m_sent.date = formatSipDate(Clock::now());
    if (m_identity && !m_plainFallback) {
        auto signedBody = signIdentityBody(m_sent, *m_identity);
        if (!signedBody) {
            failCall(CallErrc::Local, signedBody.error().message);
            return;
        }
        contentType = signedBody->contentType;
        body = std::move(signedBody->body);
        m_signedInvite = true;
    } else {
        if (!afterChallenge) {
            auto offer = m_sdp->createOffer(false);
            if (!offer) {
                failCall(CallErrc::MediaFailed, offer.error().message);
                return;
            }
            m_plainOffer = std::move(offer).value();
            m_sentOffer = true;
        }
        contentType = "application/sdp";
        body.assign(m_plainOffer.begin(), m_plainOffer.end());
    }
    HomePtr home = makeHome();
    sip_payload_t *payload = sip_payload_create(home.get(), body.data(), body.size());
    if (!afterChallenge) {
        // nta numbers the first request of a dialog one above the CSeq it is
        // given, so the signed CSeq is the one that goes on the wire.
        const std::string cseqTag = std::to_string(cseq - 1) + " INVITE";
        nua_invite(m_handle, TAG_IF(!m_requestUri.empty(), NUTAG_URL(m_requestUri.c_str())),
                   SIPTAG_FROM_STR(m_sent.from.c_str()), SIPTAG_CALL_ID_STR(m_sent.callId.c_str()),
                   SIPTAG_CSEQ_STR(cseqTag.c_str()), SIPTAG_DATE_STR(m_sent.date.c_str()),
                   SIPTAG_CONTACT_STR(m_sent.contact.c_str()),
                   SIPTAG_CONTENT_TYPE_STR(contentType.c_str()), SIPTAG_PAYLOAD(payload),
                   TAG_END());
    } else {
        nua_authenticate(
            m_handle, NUTAG_AUTH(credentials.c_str()), SIPTAG_DATE_STR(m_sent.date.c_str()),
            SIPTAG_CONTENT_TYPE_STR(contentType.c_str()), SIPTAG_PAYLOAD(payload), TAG_END());
    }
    qCDebug(lcSip) << "call" << m_id << "INVITE sent to" << m_peerAor.c_str()
                   << (m_signedInvite ? "(signed identity body)" : "(unsigned, SDP offer)");
}

void Call::onInviteResponse(int status, const char *phrase, const sip_s *sip) {
    const bool firstInvite =
        sip != nullptr && sip->sip_cseq != nullptr && sip->sip_cseq->cs_seq == m_inviteCseq;
    if (m_answerBody && firstInvite && status >= 200) {
        return; // the first INVITE's 200 again: not a re-INVITE's answer
    }
    if (m_reinviteOutstanding || (m_state == State::Active && !firstInvite)) {
        onReinviteResponse(status, sip);
        return;
    }
    if (m_state == State::Active) {
        return; // a late provisional response to the first INVITE
    }
    if (status < 200) {
        if ((status == 180 || status == 183) && m_state == State::Calling) {
            setState(State::Ringing);
        }
        return;
    }
    if ((status == 401 || status == 407) && m_state != State::Ending) {
        const std::string credentials = m_ctx.agent.credentialsFor(sip);
        if (++m_challenges > 2 || credentials.empty() || sip == nullptr || !sip->sip_cseq) {
            noteEnd(CallErrc::Local,
                    "the proxy did not accept this account's credentials for the call", status,
                    false);
            return;
        }
        sendInvite(true, sip->sip_cseq->cs_seq + 1, credentials);
        return;
    }
    if (status >= 300) {
        if (m_state != State::Ending && fallBackToPlain(status, phrase, sip)) {
            return;
        }
        std::string reason = std::to_string(status) + " " + (phrase ? phrase : "");
        if (sip != nullptr && sip->sip_warning != nullptr && sip->sip_warning->w_text != nullptr) {
            reason += " (" + std::string(sip->sip_warning->w_text) + ")";
        }
        noteEnd(callErrcForStatus(status), reason, status, true);
        return;
    }
    if (m_answerBody || m_state == State::Ending) {
        return; // a retransmission, or we are hanging up anyway
    }
    std::string type;
    crypto::Bytes body;
    if (sip != nullptr && sip->sip_payload != nullptr && sip->sip_payload->pl_len > 0) {
        const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
        body.assign(data, data + sip->sip_payload->pl_len);
    }
    if (sip != nullptr && sip->sip_content_type != nullptr) {
        type = headerText(sip->sip_content_type);
    }
    m_answerBody.emplace(std::move(type), std::move(body));
    m_okArrived = std::chrono::steady_clock::now();
    setState(State::Answering);
    handleAnswer();
}

bool Call::fallBackToPlain(int status, const char *phrase, const sip_s *sip) {
    if (!m_signedInvite || m_plainFallback || !refusesUnreadableBody(status, sip)) {
        return false;
    }
    const std::string refusal = std::to_string(status) + " " + (phrase ? phrase : "");
    if (m_ctx.policy.requireEndToEnd) {
        noteEnd(CallErrc::NotEndToEnd,
                "the callee refused the signed INVITE (" + refusal +
                    "), as a phone without end-to-end security does; end-to-end security is "
                    "required, so it was not called again in clear",
                status, false);
        return true; // the INVITE's end ends the call
    }
    m_plainFallback = true;
    m_signedInvite = false;
    m_skipTermination = true;
    m_challenges = 0;
    m_fallbackReason = "the callee refused the signed INVITE (" + refusal +
                       "), so it was called again with a plain SDES-SRTP offer that every "
                       "proxy on the way can read";
    qCInfo(lcSip).noquote() << "call" << m_id
                            << "falls back to plain SDP:" << m_fallbackReason.c_str();
    // RFC 3261 8.1.3.5: the same Call-ID, From and To, the next CSeq.
    sendInvite(false, sip != nullptr && sip->sip_cseq ? sip->sip_cseq->cs_seq + 1 : randomCseq(),
               {});
    return true;
}

void Call::handleAnswer() {
    const auto &[type, body] = *m_answerBody;
    const BodyKind kind = classifyBody(type, body.size());
    if (kind != BodyKind::Signed) {
        m_answerHandled = true;
        std::optional<std::string> sdp;
        if (kind == BodyKind::PlainSdp) {
            sdp = std::string(crypto::asText(body));
        }
        finishAnswer(IdentityVerdict::unsignedBecause(
                         m_peerAor, "the answering device did not sign its answer"),
                     std::move(sdp));
        return;
    }
    if (!m_identity) {
        m_answerHandled = true;
        finishAnswer(IdentityVerdict::failedBecause(
                         m_peerAor, IdentityFailure::NotForThisDevice,
                         "the answer is encrypted, but this device has no certificate"),
                     std::nullopt);
        return;
    }
    if (!m_peerSet) {
        return; // the fetch callback comes back here
    }
    m_answerHandled = true;
    const crypto::MimeBody signedBody{type, body};
    const auto now = Clock::now();
    if (!*m_peerSet) {
        const SourceError &error = m_peerSet->error();
        if (error.kind != SourceError::Kind::NoService) {
            finishAnswer(IdentityVerdict::failedBecause(
                             m_peerAor, IdentityFailure::CertificatesUnavailable, error.message),
                         std::nullopt);
            return;
        }
        // No service at the callee's domain: nothing can vouch for the
        // signer. The offer is still encrypted to us; open it with the
        // certificate the body names, and say plainly it is not verified.
        auto claimed = claimedSigner(signedBody);
        if (!claimed) {
            finishAnswer(IdentityVerdict::unsignedBecause(m_peerAor, error.message), std::nullopt);
            return;
        }
        const crypto::Certificate only[] = {*claimed};
        auto opened = openSdp(signedBody, *m_peer, only, *m_identity, now);
        if (!opened) {
            finishAnswer(failedVerdict(m_peerAor, opened.error()), std::nullopt);
            return;
        }
        m_peerDevice = opened->signer.certificate;
        finishAnswer(IdentityVerdict::unsignedBecause(m_peerAor, error.message),
                     std::move(opened->sdp));
        return;
    }
    std::weak_ptr<bool> alive = m_alive;
    auto identity = m_identity;
    auto peer = *m_peer;
    checkWithRefresh<OpenedSdp>(
        m_ctx.certificates, m_peerAor, signedBody, m_peerSet->value(),
        [signedBody, peer, identity, now](std::span<const crypto::Certificate> set) {
            return openSdp(signedBody, peer, set, *identity, now);
        },
        alive,
        [this, alive](SecureBodyResult<OpenedSdp> opened) {
            if (alive.expired()) {
                return;
            }
            if (!opened) {
                finishAnswer(failedVerdict(m_peerAor, opened.error()), std::nullopt);
                return;
            }
            m_peerDevice = opened->signer.certificate;
            auto verdict =
                verifiedVerdict(m_peerAor, opened->signer.certificate, m_ctx.agent.seen());
            m_ctx.agent.saveSeen(); // writes only when the device was news
            finishAnswer(verdict, std::move(opened->sdp));
        });
}

void Call::finishAnswer(const IdentityVerdict &verdict, std::optional<std::string> sdp) {
    if (m_state == State::Ending || m_ended) {
        return;
    }
    setVerdict(verdict);
    const BodyKind kind = classifyBody(m_answerBody->first, m_answerBody->second.size());
    const AnswerDecision decision = decideAnswer(verdict, kind, m_signedInvite, m_ctx.policy);
    if (decision.action == AnswerDecision::Action::HangUp) {
        sendAck();
        const CallErrc code = verdict.kind == IdentityVerdict::Kind::Failed
                                  ? CallErrc::IdentityFailed
                                  : (sdp ? CallErrc::NotEndToEnd : CallErrc::MediaFailed);
        failCall(code, decision.reason);
        return;
    }
    m_endToEnd = decision.endToEnd;
    m_notE2eReason = m_plainFallback ? "not end-to-end: " + m_fallbackReason : decision.reason;
    if (!sdp) {
        sendAck();
        failCall(CallErrc::MediaFailed, "the answer carries no session description");
        return;
    }
    if (m_sentOffer) {
        if (auto accepted = m_sdp->acceptAnswer(*sdp); !accepted) {
            sendAck();
            failCall(CallErrc::MediaFailed, accepted.error().message);
            return;
        }
        sendAck();
    } else {
        auto answer = m_sdp->createAnswer(*sdp, false);
        if (!answer) {
            sendAck();
            failCall(CallErrc::MediaFailed, answer.error().message);
            return;
        }
        auto body = outgoingSdp(*answer);
        if (!body) {
            sendAck();
            return; // failCall done
        }
        sendAck(std::move(body));
    }
    setState(State::Active);
    mediaAgreed();
}

void Call::sendAck(std::optional<std::pair<std::string, crypto::Bytes>> body) {
    m_ackPending = true;
    HomePtr home = makeHome();
    if (body) {
        nua_ack(m_handle, SIPTAG_CONTENT_TYPE_STR(body->first.c_str()),
                SIPTAG_PAYLOAD(
                    sip_payload_create(home.get(), body->second.data(), body->second.size())),
                TAG_END());
    } else {
        nua_ack(m_handle, TAG_END());
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - m_okArrived);
    qCDebug(lcSip) << "call" << m_id << "ACK handed to the stack" << took.count()
                   << "us after the 200 OK arrived";
}

void Call::onAckRefused() {
    if (!m_ackPending) {
        return;
    }
    m_ackPending = false;
    failCall(CallErrc::Local,
             "the SIP stack could not send the ACK: a provisional response arrived after the "
             "200 OK (a known defect of this Sofia-SIP version)");
}

void Call::onAckSent() {
    m_ackPending = false;
}

// ---------------------------------------------------------------- incoming

void Call::startIncoming(const sip_s *sip) {
    m_received.from = headerText(sip->sip_from);
    m_received.to = headerText(sip->sip_to);
    m_received.callId = headerText(sip->sip_call_id);
    m_received.cseq = headerText(sip->sip_cseq);
    m_received.date = headerText(sip->sip_date);
    m_received.contact = headerText(sip->sip_contact);
    if (sip->sip_content_type != nullptr) {
        m_inviteType = headerText(sip->sip_content_type);
    }
    if (sip->sip_payload != nullptr && sip->sip_payload->pl_len > 0) {
        const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
        m_inviteBody.assign(data, data + sip->sip_payload->pl_len);
    }
    if (auto from = parseNameAddr(m_received.from)) {
        if (auto aor = crypto::parseAor(from->uri)) {
            m_peer = *aor;
            m_peerAor = aor->uri();
        } else {
            m_peerAor = from->uri;
        }
    }
    // Judged after the agent announced the call, so that listeners see every step.
    QTimer::singleShot(0, this, [this] { judgeCaller(); });
}

void Call::judgeCaller() {
    if (m_state != State::Checking) {
        return;
    }
    const BodyKind kind = classifyBody(m_inviteType, m_inviteBody.size());
    switch (kind) {
    case BodyKind::Signed:
        break;
    case BodyKind::PlainSdp:
        decide(IdentityVerdict::unsignedBecause(
            m_peerAor, "the caller sent its SDP in clear, without a signature"));
        return;
    case BodyKind::Empty:
        decide(IdentityVerdict::unsignedBecause(m_peerAor, "the caller's INVITE is not signed"));
        return;
    case BodyKind::Encrypted:
    case BodyKind::Other:
        decide(IdentityVerdict::unsignedBecause(m_peerAor,
                                                "the caller's INVITE carries " + m_inviteType));
        return;
    }
    if (!m_peer) {
        decide(IdentityVerdict::failedBecause(m_peerAor, IdentityFailure::Malformed,
                                              "the From header names no SIP address"));
        return;
    }
    std::weak_ptr<bool> alive = m_alive;
    m_ctx.certificates.fetch(m_peerAor, [this, alive](auto set) {
        if (alive.expired() || m_state != State::Checking) {
            return;
        }
        const crypto::MimeBody body{m_inviteType, m_inviteBody};
        if (!set) {
            const SourceError &error = set.error();
            if (error.kind == SourceError::Kind::NoService) {
                decide(IdentityVerdict::unsignedBecause(m_peerAor, error.message));
            } else {
                decide(IdentityVerdict::failedBecause(
                    m_peerAor, IdentityFailure::CertificatesUnavailable, error.message));
            }
            return;
        }
        auto peer = *m_peer;
        auto received = m_received;
        const auto now = Clock::now();
        checkWithRefresh<SignerProof>(
            m_ctx.certificates, m_peerAor, body, std::move(set).value(),
            [body, received, peer, now](std::span<const crypto::Certificate> certificates) {
                return verifyIdentityBody(body, received, peer, certificates, now);
            },
            alive,
            [this, alive](SecureBodyResult<SignerProof> proof) {
                if (alive.expired() || m_state != State::Checking) {
                    return;
                }
                if (!proof) {
                    decide(failedVerdict(m_peerAor, proof.error()));
                    return;
                }
                m_peerDevice = proof->certificate;
                auto verdict = verifiedVerdict(m_peerAor, proof->certificate, m_ctx.agent.seen());
                m_ctx.agent.saveSeen(); // writes only when the device was news
                decide(verdict);
            });
    });
}

void Call::decide(const IdentityVerdict &verdict) {
    setVerdict(verdict);
    const BodyKind kind = classifyBody(m_inviteType, m_inviteBody.size());
    const IncomingDecision d = decideIncoming(verdict, kind, m_identity != nullptr, m_ctx.policy);
    if (d.action == IncomingDecision::Action::Reject) {
        const CallErrc code =
            verdict.kind == IdentityVerdict::Kind::Failed
                ? CallErrc::IdentityRejected
                : (d.status == 415 ? CallErrc::MediaFailed : CallErrc::NotEndToEnd);
        noteEnd(code, d.reason, d.status, false);
        respond(d.status, d.phrase, d.reason);
        setState(State::Ending);
        return;
    }
    m_e2eAnswer = d.endToEnd;
    m_notE2eReason = d.reason;
    respond(180, "Ringing");
    setState(State::Ringing);
}

void Call::answer() {
    if (m_direction != Direction::Incoming || m_state != State::Ringing || m_answered) {
        return;
    }
    m_answered = true;
    std::string sdp;
    if (classifyBody(m_inviteType, m_inviteBody.size()) == BodyKind::PlainSdp) {
        auto answer = m_sdp->createAnswer(crypto::asText(m_inviteBody), false);
        if (!answer) {
            noteEnd(CallErrc::MediaFailed, answer.error().message, 488, false);
            respond(488, "Not Acceptable Here", answer.error().message);
            setState(State::Ending);
            return;
        }
        sdp = std::move(answer).value();
        m_sentOffer = false;
    } else {
        auto offer = m_sdp->createOffer(false);
        if (!offer) {
            noteEnd(CallErrc::MediaFailed, offer.error().message, 500, false);
            respond(500, "Media Failure", offer.error().message);
            setState(State::Ending);
            return;
        }
        sdp = std::move(offer).value();
        m_sentOffer = true;
    }
    // Only a verified caller's certificate is sealed to; others get clear SDP
    // and the call says it is not end-to-end.
    std::optional<std::pair<std::string, crypto::Bytes>> body;
    if (m_e2eAnswer) {
        // Not outgoingSdp(): nothing is answered yet, so a failure is a final
        // response (with a Napkin Warning, so the caller does not take it for
        // a plain phone and retry without S/MIME), not a BYE.
        auto sealed = m_identity && m_peerDevice
                          ? sealSdp(sdp, *m_peerDevice, *m_identity)
                          : SecureBodyResult<crypto::MimeBody>(fail(SecureBodyError{
                                IdentityFailure::Internal, "no certificate to seal the offer to"}));
        if (!sealed) {
            const std::string reason = "cannot seal the offer: " + sealed.error().message;
            noteEnd(CallErrc::Local, reason, 500, false);
            respond(500, "Cannot Seal Answer", reason);
            setState(State::Ending);
            return;
        }
        body.emplace(std::move(sealed->contentType), std::move(sealed->body));
    } else {
        body.emplace("application/sdp", crypto::Bytes(sdp.begin(), sdp.end()));
    }
    HomePtr home = makeHome();
    nua_respond(
        m_handle, 200, "OK", SIPTAG_CONTENT_TYPE_STR(body->first.c_str()),
        SIPTAG_PAYLOAD(sip_payload_create(home.get(), body->second.data(), body->second.size())),
        TAG_END());
    m_awaitingAckAnswer = m_sentOffer;
    setState(State::Answering);
    if (!m_sentOffer) {
        // The answer went out in the 200; media is agreed once the ACK comes.
        m_endToEnd = false;
    }
}

void Call::reject(int status, const std::string &phrase) {
    if (m_direction != Direction::Incoming || m_answered ||
        (m_state != State::Ringing && m_state != State::Checking)) {
        return;
    }
    m_answered = true;
    noteEnd(CallErrc::Declined, "rejected on this device", status, false);
    respond(status, phrase);
    setState(State::Ending);
}

void Call::onAck(const sip_s *sip) {
    if (m_state != State::Answering) {
        return; // the ACK of a re-INVITE's 200
    }
    if (m_awaitingAckAnswer) {
        m_awaitingAckAnswer = false;
        std::string type;
        crypto::Bytes body;
        if (sip != nullptr && sip->sip_content_type != nullptr) {
            type = headerText(sip->sip_content_type);
        }
        if (sip != nullptr && sip->sip_payload != nullptr) {
            const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
            body.assign(data, data + sip->sip_payload->pl_len);
        }
        auto answer = incomingSdp(type, body, "the ACK");
        if (!answer) {
            return;
        }
        if (auto accepted = m_sdp->acceptAnswer(*answer); !accepted) {
            failCall(CallErrc::MediaFailed, accepted.error().message);
            return;
        }
        m_endToEnd = m_e2eAnswer;
    }
    setState(State::Active);
    mediaAgreed();
}

} // namespace napkin::sip
