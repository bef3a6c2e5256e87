// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

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

/// "bob@b.example" for "sip:bob@b.example".
std::string bareAddress(const std::string &aor) {
    return aor.rfind("sip:", 0) == 0 ? aor.substr(4) : aor;
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
    // ICE gathers while the INVITE is on its way and the callee's set is
    // checked: the ACK (our answer) then need not wait for a slow STUN server.
    // A signed INVITE has no SDP: the callee offers in its 200 OK. (If it
    // ends in a plain call, our offer meets a controlled peer; ICE's
    // role-conflict rule sorts that out.)
    m_sdp->prepare(std::nullopt, leg.invite != InviteKind::Signed, [this] { onMediaPrepared(); });
    leg.sent.from = m_ctx.host.fromHeader(randomToken(8));
    leg.sent.to = "<" + m_peerAor + ">";
    leg.sent.callId = randomToken(16) + "@napkin";
    m_security.callId = leg.sent.callId;
    if (auto from = parseNameAddr(leg.sent.from)) {
        m_security.callerTag = from->tag;
    }
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
        if (!afterChallenge && !m_sdp->prepared()) {
            // The offer must carry every candidate gathered within the
            // deadline (a relay may be the only way to us).
            leg.deferredInviteCseq = cseq;
            m_mediaWait = MediaWait::Invite;
            return;
        }
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
    qCDebug(lcSip) << "call" << m_id << "INVITE sent to" << logText(m_peerAor)
                   << (leg.invite == InviteKind::Signed ? "(signed identity body)"
                                                        : "(unsigned, SDP offer)");
}

void Call::onInviteResponse(int status, const char *phrase, const sip_s *sip) {
    OutgoingLeg *leg = std::get_if<OutgoingLeg>(&m_leg);
    const bool firstInvite = leg != nullptr && sip != nullptr && sip->sip_cseq != nullptr &&
                             sip->sip_cseq->cs_seq == leg->inviteCseq;
    const bool answered = leg != nullptr && leg->answer != AnswerPhase::Awaiting;
    if (leg != nullptr && sip != nullptr && sip->sip_cseq != nullptr && leg->abandonedCseq &&
        sip->sip_cseq->cs_seq == *leg->abandonedCseq) {
        return; // the dropped 2xx again (dropAnswer)
    }
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
        if (m_state != State::Ending && noteSignedRefusal(status, phrase, sip)) {
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

bool Call::noteSignedRefusal(int status, const char *phrase, const sip_s *sip) {
    OutgoingLeg &leg = out();
    if (leg.invite != InviteKind::Signed || !refusesUnreadableBody(status, sip)) {
        return false;
    }
    // Decided once the refused INVITE's transaction has ended (onTerminated):
    // whether the peer is protected may still be on its way.
    leg.invite = InviteKind::Refused;
    leg.refusal = "the callee refused the signed INVITE (" + std::to_string(status) + " " +
                  (phrase ? phrase : "") + ")";
    leg.refusalStatus = status;
    // RFC 3261 8.1.3.5: the same Call-ID, From and To, the next CSeq.
    leg.nextCseq = sip != nullptr && sip->sip_cseq ? sip->sip_cseq->cs_seq + 1 : randomCseq();
    return true;
}

void Call::decidePlainCall() {
    m_peerCheck->protection([this](PeerProtection protection) {
        OutgoingLeg &leg = out();
        if (m_state == State::Ending || m_state == State::Ended) {
            finishEnded(0, nullptr); // hung up while the signed attempt ended
            return;
        }
        const PlainCallDecision d = napkin::sip::decidePlainCall(
            bareAddress(m_peerAor), leg.refusal, protection, m_ctx.policy);
        switch (d.action) {
        case PlainCallDecision::Action::CallPlain:
            placePlainCall(d.reason);
            return;
        case PlainCallDecision::Action::Ask:
            leg.invite = InviteKind::AwaitingConsent;
            setState(State::Calling);
            qCInfo(lcSip) << "call" << m_id << "asks before calling a protected peer in clear";
            Q_EMIT plainCallConsentNeeded(QString::fromStdString(d.reason));
            return;
        case PlainCallDecision::Action::Refuse:
            qCWarning(lcSip).noquote()
                << "call" << m_id << "not called in clear:" << logText(d.reason);
            noteEnd(d.downgrade && !m_ctx.policy.requireEndToEnd ? CallErrc::DowngradeRefused
                                                                 : CallErrc::NotEndToEnd,
                    d.reason, leg.refusalStatus, false);
            finishEnded(0, nullptr);
            return;
        }
    });
}

void Call::placePlainCall(const std::string &reason) {
    OutgoingLeg &leg = out();
    leg.invite = InviteKind::PlainFallback;
    leg.challenges = 0;
    leg.answer = AnswerPhase::Awaiting;
    leg.fallbackReason = reason;
    qCInfo(lcSip).noquote() << "call" << m_id << "falls back to plain SDP:" << logText(reason);
    setState(State::Calling);
    sendInvite(false, leg.nextCseq, {});
}

bool Call::awaitingPlainConsent() const {
    const auto *leg = std::get_if<OutgoingLeg>(&m_leg);
    return leg != nullptr && leg->invite == InviteKind::AwaitingConsent;
}

void Call::allowPlainCall() {
    if (awaitingPlainConsent() && m_state == State::Calling) {
        placePlainCall(out().refusal +
                       "; called again in clear, as the person chose, with a "
                       "plain SDES-SRTP offer that every proxy on the way can read");
    }
}

void Call::refusePlainCall() {
    if (!awaitingPlainConsent()) {
        return;
    }
    noteEnd(CallErrc::DowngradeRefused,
            "not called in clear: " + bareAddress(m_peerAor) +
                " uses end-to-end security, and it could only be reached without it (" +
                out().refusal + ")",
            out().refusalStatus, false);
    finishEnded(0, nullptr);
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
    if (kind != BodyKind::Signed && out().invite == InviteKind::Signed) {
        // Whether a plain answer may be taken depends on whether the peer is
        // known to use end-to-end security.
        m_peerCheck->protection(
            [this](PeerProtection protection) { onUnsealedAnswer(protection); });
        return;
    }
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
    const BodyBinding expected = expectedBinding(false); // the callee's first offer
    m_peerCheck->judge(
        answer,
        [answer, peer, identity, now,
         expected](std::span<const crypto::Certificate> set) -> SecureBodyResult<CheckedBody> {
            auto opened = openSdp(answer, peer, set, *identity, now);
            if (!opened) {
                return fail(std::move(opened).error());
            }
            if (auto bound = checkBinding(opened->binding, expected, 0); !bound) {
                return fail(std::move(bound).error());
            }
            return CheckedBody{std::move(opened->signer), std::move(opened->sdp),
                               std::move(opened->binding)};
        },
        [this](PeerJudgement judgement) {
            std::optional<std::string> sdp;
            if (judgement.body) {
                // The device that sealed its offer to us: the dialog's bodies
                // are sealed to it and must be signed by it.
                m_security.peerDevice = judgement.body->signer.certificate;
                m_security.receivedBodies = judgement.body->binding->sequence;
                sdp = std::move(judgement.body->sdp);
            }
            finishAnswer(judgement.verdict, std::move(sdp));
        });
}

void Call::onUnsealedAnswer(const PeerProtection &protection) {
    OutgoingLeg &leg = out();
    const crypto::MimeBody &answer = leg.answerBody;
    if (m_state != State::Answering || leg.answer != AnswerPhase::Checking) {
        return; // hung up meanwhile (the 2xx was ACKed then)
    }
    const BodyKind kind = classifyBody(answer.contentType, answer.body.size());
    const bool plainOffer = kind == BodyKind::PlainSdp;
    const auto unsignedAnswer = [&] {
        std::optional<std::string> sdp;
        if (plainOffer) {
            sdp = std::string(crypto::asText(answer.body));
        }
        finishAnswer(IdentityVerdict::unsignedBecause(
                         m_peerAor, "the answering device did not sign its answer"),
                     std::move(sdp));
    };
    if ((!plainOffer && kind != BodyKind::Empty) || m_ctx.policy.requireEndToEnd) {
        unsignedAnswer(); // ended by the answer policy, as before
        return;
    }
    const std::string what =
        plainOffer ? "the callee answered the signed INVITE with its offer in clear"
                   : "the callee answered the signed INVITE without a session description";
    const PlainCallDecision d =
        napkin::sip::decidePlainCall(bareAddress(m_peerAor), what, protection, m_ctx.policy);
    if (plainOffer && d.action == PlainCallDecision::Action::CallPlain) {
        unsignedAnswer(); // an unprotected peer's plain answer: not end-to-end, as before
        return;
    }
    dropAnswer(what);
}

void Call::dropAnswer(const std::string &what) {
    OutgoingLeg &leg = out();
    qCInfo(lcSip).noquote() << "call" << m_id << "drops the answer:" << logText(what);
    sendAck();
    leg.invite = InviteKind::Refused;
    leg.refusal = what;
    leg.refusalStatus = 200;
    leg.abandonedCseq = leg.inviteCseq;
    leg.nextCseq = leg.inviteCseq + 2; // after the BYE
    // The unwanted dialog's end (onTerminated) leads to decidePlainCall().
    nua_bye(m_handle, TAG_END());
}

void Call::finishAnswer(const IdentityVerdict &verdict, std::optional<std::string> sdp) {
    if (m_state == State::Ending || m_state == State::Ended) {
        return;
    }
    OutgoingLeg &leg = out();
    if (!m_sdp->prepared()) {
        // Our answer (in the ACK) must carry our candidates: wait for the
        // gathering, which has its own deadline.
        leg.deferred = DeferredAnswer{verdict, std::move(sdp)};
        m_mediaWait = MediaWait::Ack;
        return;
    }
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
    m_security.reason = leg.invite == InviteKind::PlainFallback
                            ? "not end-to-end: " + leg.fallbackReason
                            : decision.reason;
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
        auto body = outgoingSdp(*answer, &*sdp);
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
