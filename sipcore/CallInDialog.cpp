// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Call, inside the established dialog: bodies to and from the peer device
// (sealed when the dialog has one), re-INVITE for hold and resume, BYE, and
// teardown.

#include "sipcore/Call.h"

#include "sipcore/SecureBody.h"
#include "sipcore/SipBody.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"

namespace napkin::sip {

// ---------------------------------------------------------------- bodies

BodyBinding Call::expectedBinding(bool answer) const {
    BodyBinding b;
    b.callId = m_security.callId;
    b.callerTag = m_security.callerTag;
    b.fromCaller = m_direction == Direction::Incoming; // the peer's side
    b.answer = answer;
    b.offerDigest = answer ? m_security.lastOfferSent : std::string();
    return b;
}

SecureBodyResult<crypto::MimeBody> Call::seal(const std::string &sdp,
                                              const std::string *answeredOffer) {
    if (!m_identity || !m_security.peerDevice) {
        return fail(
            SecureBodyError{IdentityFailure::Internal, "no certificate to seal the SDP to"});
    }
    BodyBinding b;
    b.callId = m_security.callId;
    b.callerTag = m_security.callerTag;
    b.fromCaller = m_direction == Direction::Outgoing;
    b.sequence = ++m_security.sentBodies;
    b.answer = answeredOffer != nullptr;
    if (answeredOffer != nullptr) {
        b.offerDigest = sdpDigest(*answeredOffer);
    } else {
        m_security.lastOfferSent = sdpDigest(sdp);
    }
    return sealSdp(sdp, *m_security.peerDevice, *m_identity, b);
}

std::optional<crypto::MimeBody> Call::outgoingSdp(const std::string &sdp,
                                                  const std::string *answeredOffer) {
    if (m_identity && m_security.peerDevice) {
        auto sealed = seal(sdp, answeredOffer);
        if (!sealed) {
            failCall(CallErrc::Local, sealed.error().message);
            return std::nullopt;
        }
        return std::move(sealed).value();
    }
    return crypto::MimeBody{"application/sdp", crypto::Bytes(sdp.begin(), sdp.end())};
}

std::optional<std::string> Call::incomingSdp(const crypto::MimeBody &body, const char *what,
                                             bool answer) {
    const BodyKind kind = classifyBody(body.contentType, body.body.size());
    if (kind == BodyKind::Signed && m_identity && m_security.peerDevice && m_peer) {
        const crypto::Certificate device[] = {*m_security.peerDevice};
        auto opened = openSdp(body, *m_peer, device, *m_identity, std::chrono::system_clock::now(),
                              m_security.peerDevice);
        if (opened) {
            if (auto bound = checkBinding(opened->binding, expectedBinding(answer),
                                          m_security.receivedBodies);
                !bound) {
                opened = fail(std::move(bound).error());
            }
        }
        if (!opened) {
            const std::string reason = std::string(what) + ": " + opened.error().message;
            failCall(opened.error().code == IdentityFailure::Malformed ? CallErrc::MediaFailed
                                                                       : CallErrc::IdentityFailed,
                     reason);
            return std::nullopt;
        }
        m_security.receivedBodies = opened->binding->sequence;
        return std::move(opened->sdp);
    }
    const bool sealedDialog = m_security.protection == Protection::Agreed ||
                              m_security.protection == Protection::EndToEnd ||
                              m_security.peerDevice.has_value();
    if (kind == BodyKind::PlainSdp && !sealedDialog) {
        return std::string(crypto::asText(body.body));
    }
    if (kind == BodyKind::PlainSdp) {
        // Never let a re-INVITE or an ACK quietly downgrade an end-to-end call.
        failCall(CallErrc::NotEndToEnd,
                 std::string(what) + " carries its SDP in clear in an end-to-end call");
        return std::nullopt;
    }
    failCall(CallErrc::MediaFailed, std::string(what) + " carries no usable session description");
    return std::nullopt;
}

// ---------------------------------------------------------------- hold, resume, re-INVITE

void Call::hold() {
    if (m_state == State::Active && !onHold() && m_renegotiation == Renegotiation::Idle) {
        sendReinvite(true);
    }
}

void Call::resume() {
    if (m_state == State::Active && onHold() && m_renegotiation == Renegotiation::Idle) {
        sendReinvite(false);
    }
}

void Call::sendReinvite(bool hold) {
    auto offer = m_sdp->createOffer(hold);
    if (!offer) {
        failCall(CallErrc::MediaFailed, offer.error().message);
        return;
    }
    auto body = outgoingSdp(*offer, nullptr);
    if (!body) {
        return;
    }
    m_renegotiation = hold ? Renegotiation::Holding : Renegotiation::Resuming;
    nua_invite(m_handle, TAG_NEXT(BodyTags(*body).list()));
}

void Call::onReinviteResponse(int status, const sip_s *sip) {
    if (status < 200) {
        return;
    }
    m_renegotiation = Renegotiation::Idle;
    if (status >= 300) {
        qCInfo(lcSip) << "call" << m_id << "re-INVITE refused with" << status;
        if (status == 481 || status == 408) {
            failCall(CallErrc::Unreachable, "the peer no longer knows this call", status);
        }
        return;
    }
    nua_ack(m_handle, TAG_END());
    auto answer = incomingSdp(bodyOf(sip), "the answer to the re-INVITE", true);
    if (!answer) {
        return;
    }
    if (auto accepted = m_sdp->acceptAnswer(*answer); !accepted) {
        failCall(CallErrc::MediaFailed, accepted.error().message);
        return;
    }
    mediaAgreed();
    const auto media = m_sdp->negotiated();
    Q_EMIT holdChanged(media && media->localHold, media && media->remoteHold);
}

void Call::onReinvite(const sip_s *sip) {
    if (m_state != State::Active) {
        respond(491, "Request Pending");
        return;
    }
    const crypto::MimeBody body = bodyOf(sip);
    if (body.body.empty()) {
        respond(488, "Not Acceptable Here", "a re-INVITE without an offer is not supported");
        return;
    }
    auto offer = incomingSdp(body, "the re-INVITE", false);
    if (!offer) {
        return; // the call is being ended; nua answers the re-INVITE itself
    }
    auto answer = m_sdp->createAnswer(*offer, onHold());
    if (!answer) {
        respond(488, "Not Acceptable Here", answer.error().message);
        return;
    }
    auto out = outgoingSdp(*answer, &*offer);
    if (!out) {
        return;
    }
    nua_respond(m_handle, 200, "OK", TAG_NEXT(BodyTags(*out).list()));
    mediaAgreed();
    const auto media = m_sdp->negotiated();
    Q_EMIT holdChanged(media && media->localHold, media && media->remoteHold);
}

// ---------------------------------------------------------------- teardown

void Call::hangUp() {
    if (auto *leg = std::get_if<OutgoingLeg>(&m_leg);
        leg != nullptr && m_state != State::Ending && m_state != State::Ended &&
        (leg->invite == InviteKind::Refused || leg->invite == InviteKind::AwaitingConsent)) {
        // Between the signed attempt and a plain one: nothing to cancel.
        noteEnd(CallErrc::Cancelled, "cancelled on this device", 0, false);
        if (leg->invite == InviteKind::AwaitingConsent) {
            finishEnded(0, nullptr);
        } else {
            setState(State::Ending); // decidePlainCall() ends it
        }
        return;
    }
    switch (m_state) {
    case State::Checking:
        reject(603, "Decline");
        return;
    case State::Ringing:
        if (m_direction == Direction::Incoming) {
            reject(603, "Decline");
            return;
        }
        [[fallthrough]];
    case State::Calling:
        noteEnd(CallErrc::Cancelled, "cancelled on this device", 0, false);
        if (m_mediaWait == MediaWait::Invite) {
            // The INVITE still waits for ICE gathering: nothing went out.
            m_mediaWait = MediaWait::None;
            finishEnded(0, nullptr);
            return;
        }
        nua_cancel(m_handle, TAG_END());
        setState(State::Ending);
        return;
    case State::Answering:
        if (auto *leg = std::get_if<OutgoingLeg>(&m_leg);
            leg != nullptr && leg->answer == AnswerPhase::Checking) {
            // The answer is still being checked: every 2xx gets its ACK
            // (RFC 3261 13.2.2.4), then the BYE.
            sendAck();
        }
        [[fallthrough]];
    case State::Active:
        noteEnd(CallErrc::None, "hung up on this device", 0, false);
        sendBye({});
        return;
    case State::Ending:
    case State::Ended:
        return;
    }
}

void Call::onCancelled(const sip_s *sip) {
    std::string reason = "the caller gave up";
    if (sip != nullptr && sip->sip_reason != nullptr && sip->sip_reason->re_text != nullptr) {
        const std::string text = sip->sip_reason->re_text;
        if (text.find("elsewhere") != std::string::npos) {
            reason = "answered on another device";
        }
    }
    noteEnd(CallErrc::Cancelled, reason, 487, true);
    setState(State::Ending);
}

void Call::onBye() {
    noteEnd(CallErrc::None, "the other side hung up", 0, true);
    setState(State::Ending);
}

void Call::onTerminated(int status, const char *phrase) {
    if (auto *leg = std::get_if<OutgoingLeg>(&m_leg);
        leg != nullptr && leg->invite == InviteKind::Refused) {
        // The signed attempt's end is not the call's: call in clear, ask,
        // or end it (decidePlainCall).
        decidePlainCall();
        return;
    }
    finishEnded(status, phrase);
}

void Call::finishEnded(int status, const char *phrase) {
    if (m_state == State::Ended) {
        return;
    }
    if (!m_end) {
        const std::string text = status > 0 ? std::to_string(status) + " " + (phrase ? phrase : "")
                                            : std::string("the call ended");
        noteEnd(status >= 300 ? callErrcForStatus(status) : CallErrc::None, text, status, false);
    }
    if (m_sdp) {
        m_sdp->stop();
    }
    setState(State::Ended);
    qCInfo(lcSip).noquote() << "call" << m_id << "ended:" << callErrcName(m_end->code).data()
                            << logText(m_end->reason);
    Q_EMIT ended(*m_end);
    m_ctx.host.callEnded(this);
}

} // namespace napkin::sip
