// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Call, incoming: the caller's INVITE judged (PeerIdentityCheck), the policy's
// decision (ring or refuse), the answer with our sealed offer, and the ACK
// that brings the caller's sealed answer.

#include "sipcore/Call.h"

#include "sipcore/SecureBody.h"
#include "sipcore/SipBody.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"

#include <QTimer>

namespace napkin::sip {

void Call::startIncoming(const sip_s *sip) {
    IncomingLeg &leg = in();
    leg.received.from = headerText(sip->sip_from);
    leg.received.to = headerText(sip->sip_to);
    leg.received.callId = headerText(sip->sip_call_id);
    leg.received.cseq = headerText(sip->sip_cseq);
    leg.received.date = headerText(sip->sip_date);
    leg.received.contact = headerText(sip->sip_contact);
    leg.invite = bodyOf(sip);
    m_security.callId = leg.received.callId;
    if (auto from = parseNameAddr(leg.received.from)) {
        m_security.callerTag = from->tag;
    }
    if (auto from = parseNameAddr(leg.received.from)) {
        if (auto aor = crypto::parseAor(from->uri)) {
            m_peer = *aor;
            m_peerAor = aor->uri();
            m_peerCheck =
                std::make_unique<PeerIdentityCheck>(m_ctx.certificates, m_ctx.host, m_peerAor);
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
    if (!addressedToThisAccount()) {
        return;
    }
    const crypto::MimeBody &invite = in().invite;
    switch (classifyBody(invite.contentType, invite.body.size())) {
    case BodyKind::Signed:
        break;
    case BodyKind::PlainSdp:
        judgeUnsignedCaller("the caller sent its SDP in clear, without a signature");
        return;
    case BodyKind::Empty:
        judgeUnsignedCaller("the caller's INVITE is not signed");
        return;
    case BodyKind::Encrypted:
    case BodyKind::Other:
        decide(IdentityVerdict::unsignedBecause(m_peerAor, "the caller's INVITE carries " +
                                                               invite.contentType));
        return;
    }
    if (!m_peer) {
        decide(IdentityVerdict::failedBecause(m_peerAor, IdentityFailure::Malformed,
                                              "the From header names no SIP address"));
        return;
    }
    auto peer = *m_peer;
    auto received = in().received;
    const auto now = std::chrono::system_clock::now();
    m_peerCheck->judge(
        invite,
        [invite, received, peer,
         now](std::span<const crypto::Certificate> set) -> SecureBodyResult<CheckedBody> {
            auto proof = verifyIdentityBody(invite, received, peer, set, now);
            if (!proof) {
                return fail(std::move(proof).error());
            }
            return CheckedBody{std::move(proof).value(), std::nullopt, std::nullopt};
        },
        [this](PeerJudgement judgement) {
            if (m_state != State::Checking) {
                return;
            }
            if (judgement.body) {
                // A signature that checked out: the same signed INVITE
                // again (a new Via branch is all a replay needs) is refused.
                // The key is what the signature covers (From URI and tag,
                // Call-ID, CSeq), never the unsigned display name.
                const IdentityHeaders &h = in().received;
                const auto from = parseNameAddr(h.from);
                const std::string key = (from ? from->uri + ";tag=" + from->tag : h.from) + "\n" +
                                        h.callId + "\n" + h.cseq;
                if (!m_ctx.host.firstSighting(key)) {
                    decide(IdentityVerdict::failedBecause(m_peerAor, IdentityFailure::Replayed,
                                                          "this signed INVITE (Call-ID " +
                                                              h.callId + ", CSeq " + h.cseq +
                                                              ") was received before: a replay"));
                    return;
                }
            }
            if (judgement.body && (judgement.verdict.verified() ||
                                   judgement.verdict.kind == IdentityVerdict::Kind::Unverifiable)) {
                // A device its domain vouches for gets a sealed answer. So
                // does one whose domain could not be asked: sealing to the
                // key that signed the INVITE is never worse than clear SDP,
                // though the call is not called end-to-end (nothing says whose
                // key it is).
                m_security.peerDevice = judgement.body->signer.certificate;
            }
            decide(judgement.verdict);
        });
}

bool Call::addressedToThisAccount() {
    // A proxy must not be able to make this device ring "Verified" for a call
    // meant for someone else (or replay one addressed elsewhere).
    std::optional<crypto::Aor> toAor;
    if (const auto to = parseNameAddr(in().received.to)) {
        if (auto aor = crypto::parseAor(to->uri)) {
            toAor = *aor;
        }
    }
    const auto self = crypto::parseAor(m_ctx.host.accountAor());
    if (toAor && self && toAor->uri() == self->uri()) {
        return true;
    }
    const std::string named = toAor ? toAor->uri() : in().received.to;
    const std::string reason = "this call is addressed to " + named + ", and this device answers " +
                               "only for " + m_ctx.host.accountAor();
    qCWarning(lcSip).noquote() << "call" << m_id << "refused:" << reason.c_str();
    refuse(CallErrc::IdentityRejected, 404, "Not Found", reason);
    return false;
}

void Call::judgeUnsignedCaller(const std::string &reason) {
    if (!m_peerCheck) {
        decide(IdentityVerdict::unsignedBecause(m_peerAor, reason));
        return;
    }
    // A caller known to sign whose INVITE arrives unsigned: a hop may have
    // stripped the signature to make the call look merely unsigned.
    m_peerCheck->protection([this, reason](PeerProtection protection) {
        if (m_state != State::Checking) {
            return;
        }
        if (protection.unchecked) {
            decide(IdentityVerdict::unverifiableBecause(m_peerAor,
                                                        reason + ", and " + protection.why));
            return;
        }
        if (protection.isProtected) {
            decide(
                IdentityVerdict::failedBecause(m_peerAor, IdentityFailure::StrippedSignature,
                                               protection.why + ", but this call was not signed"));
            return;
        }
        decide(IdentityVerdict::unsignedBecause(m_peerAor, reason));
    });
}

void Call::decide(const IdentityVerdict &verdict) {
    setVerdict(verdict);
    const crypto::MimeBody &invite = in().invite;
    const BodyKind kind = classifyBody(invite.contentType, invite.body.size());
    const IncomingDecision d = decideIncoming(verdict, kind, m_identity != nullptr, m_ctx.policy);
    if (d.action == IncomingDecision::Action::Reject) {
        const bool identity =
            verdict.kind == IdentityVerdict::Kind::Failed ||
            (verdict.kind == IdentityVerdict::Kind::Unverifiable && d.status != 488);
        const CallErrc code =
            identity ? CallErrc::IdentityRejected
                     : (d.status == 415 ? CallErrc::MediaFailed : CallErrc::NotEndToEnd);
        // The caller is told the peer-facing reason only; the details stay here.
        noteEnd(code, d.reason, d.status, false);
        respond(d.status, d.phrase, d.peerReason);
        setState(State::Ending);
        return;
    }
    m_security.protection = d.endToEnd ? Protection::Agreed : Protection::Clear;
    m_security.reason = d.reason;
    // ICE gathers while it rings: our offer (or answer) is in the 200 OK.
    m_sdp->prepare(offerIsOurs() ? std::nullopt
                                 : std::optional<std::string_view>(crypto::asText(invite.body)),
                   offerIsOurs(), [this] { onMediaPrepared(); });
    respond(180, "Ringing");
    setState(State::Ringing);
}

void Call::answer() {
    if (m_direction != Direction::Incoming || m_state != State::Ringing) {
        return;
    }
    if (!m_sdp->prepared()) {
        m_mediaWait = MediaWait::Answer; // onMediaPrepared() answers
        return;
    }
    const crypto::MimeBody &invite = in().invite;
    std::string sdp;
    if (!offerIsOurs()) {
        auto answer = m_sdp->createAnswer(crypto::asText(invite.body), false);
        if (!answer) {
            refuse(CallErrc::MediaFailed, 488, "Not Acceptable Here", answer.error().message);
            return;
        }
        sdp = std::move(answer).value();
    } else {
        auto offer = m_sdp->createOffer(false);
        if (!offer) {
            refuse(CallErrc::MediaFailed, 500, "Media Failure", offer.error().message);
            return;
        }
        sdp = std::move(offer).value();
    }
    // Sealed to a verified caller's device (end-to-end), or to the key that
    // signed an INVITE whose domain could not be asked (not called
    // end-to-end); others get clear SDP, and the call says it is not end-to-end.
    crypto::MimeBody body{"application/sdp", crypto::Bytes(sdp.begin(), sdp.end())};
    if (m_security.peerDevice && m_identity) {
        // Not outgoingSdp(): nothing is answered yet, so a failure is a final
        // response (with a Napkin Warning, so the caller does not take it for
        // a plain phone and retry without S/MIME), not a BYE.
        auto sealed = seal(sdp, nullptr);
        if (!sealed) {
            refuse(CallErrc::Local, 500, "Cannot Seal Answer",
                   "cannot seal the offer: " + sealed.error().message);
            return;
        }
        body = std::move(sealed).value();
    }
    nua_respond(m_handle, 200, "OK", TAG_NEXT(BodyTags(body).list()));
    setState(State::Answering);
}

void Call::reject(int status, const std::string &phrase) {
    if (m_direction != Direction::Incoming ||
        (m_state != State::Ringing && m_state != State::Checking)) {
        return;
    }
    noteEnd(CallErrc::Declined, "rejected on this device", status, false);
    respond(status, phrase);
    setState(State::Ending);
}

void Call::onAck(const sip_s *sip) {
    if (m_direction != Direction::Incoming || m_state != State::Answering) {
        return; // the ACK of a re-INVITE's 200
    }
    if (offerIsOurs()) {
        auto answer = incomingSdp(bodyOf(sip), "the ACK", true);
        if (!answer) {
            return;
        }
        if (auto accepted = m_sdp->acceptAnswer(*answer); !accepted) {
            failCall(CallErrc::MediaFailed, accepted.error().message);
            return;
        }
        if (m_security.protection == Protection::Agreed) {
            m_security.protection = Protection::EndToEnd;
        }
    }
    setState(State::Active);
    mediaAgreed();
}

} // namespace napkin::sip
