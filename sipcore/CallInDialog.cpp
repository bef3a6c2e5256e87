// Call, continued: requests inside an established dialog (re-INVITE for hold
// and resume, BYE), teardown, and the helpers both directions share. Split
// from Call.cpp to keep each file readable.

#include "sipcore/Call.h"

#include "sipcore/SecureBody.h"
#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"
#include "sipcore/UserAgent.h"

namespace napkin::sip {

namespace {

std::string warningHeader(const std::string &text) {
    std::string clean;
    for (char c : text) {
        clean += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
        if (clean.size() >= 200) {
            break;
        }
    }
    return "399 napkin \"" + clean + "\"";
}

} // namespace

// ---------------------------------------------------------------- helpers

void Call::setState(State state) {
    if (m_state == state || m_state == State::Ended) {
        return;
    }
    m_state = state;
    qCInfo(lcSip) << "call" << m_id << "state" << state;
    Q_EMIT stateChanged(state);
}

void Call::setVerdict(IdentityVerdict verdict) {
    m_verdict = std::move(verdict);
    qCInfo(lcSip).noquote() << "call" << m_id << "identity of" << m_verdict.aor.c_str()
                            << verdictName(m_verdict.kind).data() << m_verdict.reason.c_str();
    Q_EMIT identityChecked(m_verdict);
}

void Call::mediaAgreed() {
    auto media = m_sdp->negotiated();
    if (!media) {
        return;
    }
    m_localHold = media->localHold;
    m_remoteHold = media->remoteHold;
    Q_EMIT mediaReady(*media, m_endToEnd);
}

void Call::noteEnd(CallErrc code, std::string reason, int sipStatus, bool byPeer) {
    if (m_endNoted) {
        return;
    }
    m_endNoted = true;
    m_end = CallEnd{code, sipStatus, std::move(reason), byPeer};
}

void Call::failCall(CallErrc code, std::string reason, int sipStatus) {
    qCWarning(lcSip).noquote() << "call" << m_id << "failed:" << reason.c_str();
    noteEnd(code, reason, sipStatus, false);
    sendBye(reason);
}

void Call::sendBye(const std::string &reason) {
    if (m_state == State::Ending || m_state == State::Ended) {
        return;
    }
    const std::string warning = warningHeader(reason);
    nua_bye(m_handle, TAG_IF(!reason.empty(), SIPTAG_WARNING_STR(warning.c_str())), TAG_END());
    setState(State::Ending);
}

void Call::respond(int status, const std::string &phrase, const std::string &warning) {
    // nua keeps the phrase pointer (it copies only the tags) and reads it on
    // its own thread later: it must be static. Sofia's table is; our own
    // wording goes into a Warning header instead.
    const char *standard = sip_status_phrase(status);
    const std::string header =
        warningHeader(warning.empty() && standard == nullptr ? phrase : warning);
    nua_respond(m_handle, status, standard,
                TAG_IF(!warning.empty() || standard == nullptr, SIPTAG_WARNING_STR(header.c_str())),
                TAG_END());
}

std::optional<std::pair<std::string, crypto::Bytes>> Call::outgoingSdp(const std::string &sdp) {
    if (m_identity && m_peerDevice) {
        auto sealed = sealSdp(sdp, *m_peerDevice, *m_identity);
        if (!sealed) {
            failCall(CallErrc::Local, sealed.error().message);
            return std::nullopt;
        }
        return std::make_pair(std::move(sealed->contentType), std::move(sealed->body));
    }
    return std::make_pair(std::string("application/sdp"), crypto::Bytes(sdp.begin(), sdp.end()));
}

std::optional<std::string> Call::incomingSdp(const std::string &contentType,
                                             const crypto::Bytes &body, const char *what) {
    const BodyKind kind = classifyBody(contentType, body.size());
    if (kind == BodyKind::Signed && m_identity && m_peerDevice && m_peer) {
        const crypto::Certificate device[] = {*m_peerDevice};
        auto opened = openSdp(crypto::MimeBody{contentType, body}, *m_peer, device, *m_identity,
                              std::chrono::system_clock::now(), m_peerDevice);
        if (!opened) {
            const std::string reason = std::string(what) + ": " + opened.error().message;
            failCall(opened.error().code == IdentityFailure::Malformed ? CallErrc::MediaFailed
                                                                       : CallErrc::IdentityFailed,
                     reason);
            return std::nullopt;
        }
        return std::move(opened->sdp);
    }
    if (kind == BodyKind::PlainSdp && !m_endToEnd && !m_e2eAnswer) {
        return std::string(crypto::asText(body));
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
    if (m_state == State::Active && !m_localHold && !m_reinviteOutstanding) {
        sendReinvite(true);
    }
}

void Call::resume() {
    if (m_state == State::Active && m_localHold && !m_reinviteOutstanding) {
        sendReinvite(false);
    }
}

void Call::sendReinvite(bool hold) {
    auto offer = m_sdp->createOffer(hold);
    if (!offer) {
        failCall(CallErrc::MediaFailed, offer.error().message);
        return;
    }
    auto body = outgoingSdp(*offer);
    if (!body) {
        return;
    }
    m_reinviteOutstanding = true;
    HomePtr home = makeHome();
    nua_invite(
        m_handle, SIPTAG_CONTENT_TYPE_STR(body->first.c_str()),
        SIPTAG_PAYLOAD(sip_payload_create(home.get(), body->second.data(), body->second.size())),
        TAG_END());
}

void Call::onReinviteResponse(int status, const sip_s *sip) {
    if (status < 200) {
        return;
    }
    m_reinviteOutstanding = false;
    if (status >= 300) {
        qCInfo(lcSip) << "call" << m_id << "re-INVITE refused with" << status;
        if (status == 481 || status == 408) {
            failCall(CallErrc::Unreachable, "the peer no longer knows this call", status);
        }
        return;
    }
    std::string type;
    crypto::Bytes body;
    if (sip != nullptr && sip->sip_content_type != nullptr) {
        type = headerText(sip->sip_content_type);
    }
    if (sip != nullptr && sip->sip_payload != nullptr) {
        const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
        body.assign(data, data + sip->sip_payload->pl_len);
    }
    nua_ack(m_handle, TAG_END());
    auto answer = incomingSdp(type, body, "the answer to the re-INVITE");
    if (!answer) {
        return;
    }
    if (auto accepted = m_sdp->acceptAnswer(*answer); !accepted) {
        failCall(CallErrc::MediaFailed, accepted.error().message);
        return;
    }
    mediaAgreed();
    Q_EMIT holdChanged(m_localHold, m_remoteHold);
}

void Call::onReinvite(const sip_s *sip) {
    if (m_state != State::Active) {
        respond(491, "Request Pending");
        return;
    }
    std::string type;
    crypto::Bytes body;
    if (sip->sip_content_type != nullptr) {
        type = headerText(sip->sip_content_type);
    }
    if (sip->sip_payload != nullptr) {
        const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
        body.assign(data, data + sip->sip_payload->pl_len);
    }
    if (body.empty()) {
        respond(488, "Not Acceptable Here", "a re-INVITE without an offer is not supported");
        return;
    }
    auto offer = incomingSdp(type, body, "the re-INVITE");
    if (!offer) {
        return; // the call is being ended; nua answers the re-INVITE itself
    }
    auto answer = m_sdp->createAnswer(*offer, m_localHold);
    if (!answer) {
        respond(488, "Not Acceptable Here", answer.error().message);
        return;
    }
    auto out = outgoingSdp(*answer);
    if (!out) {
        return;
    }
    HomePtr home = makeHome();
    nua_respond(
        m_handle, 200, "OK", SIPTAG_CONTENT_TYPE_STR(out->first.c_str()),
        SIPTAG_PAYLOAD(sip_payload_create(home.get(), out->second.data(), out->second.size())),
        TAG_END());
    mediaAgreed();
    Q_EMIT holdChanged(m_localHold, m_remoteHold);
}

// ---------------------------------------------------------------- teardown

void Call::hangUp() {
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
        nua_cancel(m_handle, TAG_END());
        setState(State::Ending);
        return;
    case State::Answering:
        if (m_direction == Direction::Outgoing && !m_answerHandled) {
            // The answer is still being checked: ACK it, then hang up.
            m_answerHandled = true;
            sendAck();
        }
        noteEnd(CallErrc::None, "hung up on this device", 0, false);
        sendBye({});
        return;
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
    if (m_skipTermination) {
        // The end of the signed INVITE a plain phone refused: the call goes
        // on with the plain one sent after it (Call::fallBackToPlain).
        m_skipTermination = false;
        return;
    }
    if (m_ended) {
        return;
    }
    m_ended = true;
    if (!m_endNoted) {
        const std::string text = status > 0 ? std::to_string(status) + " " + (phrase ? phrase : "")
                                            : std::string("the call ended");
        noteEnd(status >= 300 ? callErrcForStatus(status) : CallErrc::None, text, status, false);
    }
    if (m_sdp) {
        m_sdp->stop();
    }
    setState(State::Ended);
    qCInfo(lcSip).noquote() << "call" << m_id << "ended:" << callErrcName(m_end.code).data()
                            << m_end.reason.c_str();
    Q_EMIT ended(m_end);
    m_ctx.agent.callEnded(this);
}

} // namespace napkin::sip
