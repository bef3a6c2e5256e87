// Call, outgoing: the signed INVITE, its challenges and refusals (with the
// fall back to a plain offer for phones that cannot read it), and the
// answering device's 200 OK, checked before the ACK carries our answer.

#include "sipcore/Call.h"

#include "sipcore/SecureBody.h"
#include "sipcore/SipBody.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"

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

void Call::startOutgoing(const std::string &target, const std::string &requestUri) {
    auto aor = crypto::parseAor(target);
    OutgoingLeg &leg = out();
    leg.requestUri = requestUri;
    if (!aor) {
        noteEnd(CallErrc::Local, "'" + target + "' is not a SIP address: " + aor.error().message, 0,
                false);
        QTimer::singleShot(0, this, [this] { onTerminated(0, nullptr); });
        return;
    }
    m_peer = *aor;
    m_peerAor = aor->uri();
    m_peerCheck = std::make_unique<PeerIdentityCheck>(m_ctx.certificates, m_ctx.host, m_peerAor);
    leg.invite = m_identity ? InviteKind::Signed : InviteKind::Plain;
    if (m_identity) {
        m_peerCheck->fetch(); // the callee's set, while the INVITE is on its way
    }
    leg.sent.from = m_ctx.host.fromHeader(randomToken(8));
    leg.sent.to = "<" + m_peerAor + ">";
    leg.sent.callId = randomToken(16) + "@napkin";
    leg.sent.contact = m_ctx.host.contact();
    sendInvite(false, randomCseq(), {});
}

void Call::sendInvite(bool afterChallenge, std::uint32_t cseq, const std::string &credentials) {
    OutgoingLeg &leg = out();
    leg.sent.cseq = std::to_string(cseq) + " INVITE";
    leg.inviteCseq = cseq;
    leg.sent.date = formatSipDate(Clock::now());
    crypto::MimeBody body;
    if (leg.invite == InviteKind::Signed) {
        auto signedBody = signIdentityBody(leg.sent, *m_identity);
        if (!signedBody) {
            failCall(CallErrc::Local, signedBody.error().message);
            return;
        }
        body = std::move(signedBody).value();
    } else {
        if (!afterChallenge) {
            auto offer = m_sdp->createOffer(false);
            if (!offer) {
                failCall(CallErrc::MediaFailed, offer.error().message);
                return;
            }
            leg.plainOffer = std::move(offer).value();
        }
        body = {"application/sdp", crypto::Bytes(leg.plainOffer.begin(), leg.plainOffer.end())};
    }
    const BodyTags tags(body);
    if (!afterChallenge) {
        // nta numbers the first request of a dialog one above the CSeq it is
        // given, so the signed CSeq is the one that goes on the wire.
        const std::string cseqTag = std::to_string(cseq - 1) + " INVITE";
        nua_invite(m_handle, TAG_IF(!leg.requestUri.empty(), NUTAG_URL(leg.requestUri.c_str())),
                   SIPTAG_FROM_STR(leg.sent.from.c_str()),
                   SIPTAG_CALL_ID_STR(leg.sent.callId.c_str()), SIPTAG_CSEQ_STR(cseqTag.c_str()),
                   SIPTAG_DATE_STR(leg.sent.date.c_str()),
                   SIPTAG_CONTACT_STR(leg.sent.contact.c_str()), TAG_NEXT(tags.list()));
    } else {
        nua_authenticate(m_handle, NUTAG_AUTH(credentials.c_str()),
                         SIPTAG_DATE_STR(leg.sent.date.c_str()), TAG_NEXT(tags.list()));
    }
    qCDebug(lcSip) << "call" << m_id << "INVITE sent to" << m_peerAor.c_str()
                   << (leg.invite == InviteKind::Signed ? "(signed identity body)"
                                                        : "(unsigned, SDP offer)");
}

void Call::onInviteResponse(int status, const char *phrase, const sip_s *sip) {
    OutgoingLeg *leg = std::get_if<OutgoingLeg>(&m_leg);
    const bool firstInvite = leg != nullptr && sip != nullptr && sip->sip_cseq != nullptr &&
                             sip->sip_cseq->cs_seq == leg->inviteCseq;
    const bool answered = leg != nullptr && leg->answer != AnswerPhase::Awaiting;
    if (answered && firstInvite && status >= 200) {
        return; // the first INVITE's 200 again: not a re-INVITE's answer
    }
    if (m_renegotiation != Renegotiation::Idle || (m_state == State::Active && !firstInvite)) {
        onReinviteResponse(status, sip);
        return;
    }
    if (m_state == State::Active || leg == nullptr) {
        return; // a late provisional response to the first INVITE
    }
    if (status < 200) {
        if ((status == 180 || status == 183) && m_state == State::Calling) {
            setState(State::Ringing);
        }
        return;
    }
    if ((status == 401 || status == 407) && m_state != State::Ending) {
        const std::string domain = m_peer ? m_peer->host : m_peerAor;
        const auto credentials = m_ctx.host.credentialsFor(
            sip, status == 407 ? domain + "'s proxy" : m_peerAor + "'s phone");
        if (!credentials || ++leg->challenges > 2 || sip == nullptr || !sip->sip_cseq) {
            noteEnd(CallErrc::Local,
                    credentials ? "the proxy did not accept this account's credentials for the call"
                                : credentials.error().reason,
                    status, false);
            nua_authenticate(m_handle, NUTAG_AUTH(kDeclineChallenge), TAG_END());
            return;
        }
        sendInvite(true, sip->sip_cseq->cs_seq + 1, *credentials);
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
    if (answered || m_state == State::Ending) {
        return; // a retransmission, or we are hanging up anyway
    }
    onAnswer(sip);
}

bool Call::fallBackToPlain(int status, const char *phrase, const sip_s *sip) {
    OutgoingLeg &leg = out();
    if (leg.invite != InviteKind::Signed || !refusesUnreadableBody(status, sip)) {
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
    leg.invite = InviteKind::FallingBack;
    leg.challenges = 0;
    leg.fallbackReason = "the callee refused the signed INVITE (" + refusal +
                         "), so it was called again with a plain SDES-SRTP offer that every "
                         "proxy on the way can read";
    qCInfo(lcSip).noquote() << "call" << m_id
                            << "falls back to plain SDP:" << leg.fallbackReason.c_str();
    // RFC 3261 8.1.3.5: the same Call-ID, From and To, the next CSeq.
    sendInvite(false, sip != nullptr && sip->sip_cseq ? sip->sip_cseq->cs_seq + 1 : randomCseq(),
               {});
    return true;
}

void Call::onAnswer(const sip_s *sip) {
    OutgoingLeg &leg = out();
    leg.answerBody = bodyOf(sip);
    leg.answer = AnswerPhase::Checking;
    leg.okArrived = std::chrono::steady_clock::now();
    setState(State::Answering);
    handleAnswer();
}

void Call::handleAnswer() {
    const crypto::MimeBody &answer = out().answerBody;
    const BodyKind kind = classifyBody(answer.contentType, answer.body.size());
    if (kind != BodyKind::Signed) {
        std::optional<std::string> sdp;
        if (kind == BodyKind::PlainSdp) {
            sdp = std::string(crypto::asText(answer.body));
        }
        finishAnswer(IdentityVerdict::unsignedBecause(
                         m_peerAor, "the answering device did not sign its answer"),
                     std::move(sdp));
        return;
    }
    if (!m_identity) {
        finishAnswer(IdentityVerdict::failedBecause(
                         m_peerAor, IdentityFailure::NotForThisDevice,
                         "the answer is encrypted, but this device has no certificate"),
                     std::nullopt);
        return;
    }
    auto identity = m_identity;
    auto peer = *m_peer;
    const auto now = Clock::now();
    m_peerCheck->judge(
        answer,
        [answer, peer, identity,
         now](std::span<const crypto::Certificate> set) -> SecureBodyResult<CheckedBody> {
            auto opened = openSdp(answer, peer, set, *identity, now);
            if (!opened) {
                return fail(std::move(opened).error());
            }
            return CheckedBody{std::move(opened->signer), std::move(opened->sdp)};
        },
        [this](PeerJudgement judgement) {
            std::optional<std::string> sdp;
            if (judgement.body) {
                // The device that sealed its offer to us: the dialog's bodies
                // are sealed to it and must be signed by it.
                m_security.peerDevice = judgement.body->signer.certificate;
                sdp = std::move(judgement.body->sdp);
            }
            finishAnswer(judgement.verdict, std::move(sdp));
        });
}

void Call::finishAnswer(const IdentityVerdict &verdict, std::optional<std::string> sdp) {
    if (m_state == State::Ending || m_state == State::Ended) {
        return;
    }
    OutgoingLeg &leg = out();
    setVerdict(verdict);
    const BodyKind kind = classifyBody(leg.answerBody.contentType, leg.answerBody.body.size());
    const AnswerDecision decision =
        decideAnswer(verdict, kind, leg.invite == InviteKind::Signed, m_ctx.policy);
    if (decision.action == AnswerDecision::Action::HangUp) {
        sendAck();
        const CallErrc code = verdict.kind == IdentityVerdict::Kind::Failed
                                  ? CallErrc::IdentityFailed
                                  : (sdp ? CallErrc::NotEndToEnd : CallErrc::MediaFailed);
        failCall(code, decision.reason);
        return;
    }
    m_security.protection = decision.endToEnd ? Protection::EndToEnd : Protection::Clear;
    const bool fellBack =
        leg.invite == InviteKind::FallingBack || leg.invite == InviteKind::PlainFallback;
    m_security.reason = fellBack ? "not end-to-end: " + leg.fallbackReason : decision.reason;
    if (!sdp) {
        sendAck();
        failCall(CallErrc::MediaFailed, "the answer carries no session description");
        return;
    }
    if (offerIsOurs()) {
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
        sendAck(*body);
    }
    setState(State::Active);
    mediaAgreed();
}

void Call::sendAck(const crypto::MimeBody &body) {
    OutgoingLeg &leg = out();
    leg.answer = AnswerPhase::Acking;
    nua_ack(m_handle, TAG_NEXT(BodyTags(body).list()));
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - leg.okArrived);
    qCDebug(lcSip) << "call" << m_id << "ACK handed to the stack" << took.count()
                   << "us after the 200 OK arrived";
}

void Call::onAckRefused() {
    auto *leg = std::get_if<OutgoingLeg>(&m_leg);
    if (leg == nullptr || leg->answer != AnswerPhase::Acking) {
        return;
    }
    leg->answer = AnswerPhase::Acked;
    failCall(CallErrc::Local,
             "the SIP stack could not send the ACK: a provisional response arrived after the "
             "200 OK (a known defect of this Sofia-SIP version)");
}

void Call::onAckSent() {
    if (auto *leg = std::get_if<OutgoingLeg>(&m_leg); leg && leg->answer == AnswerPhase::Acking) {
        leg->answer = AnswerPhase::Acked;
    }
}

} // namespace napkin::sip
