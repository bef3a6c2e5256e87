// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Call: construction, the stack's events, and what both directions share
// (state, verdict, ending). The outgoing flow is in CallOutgoing.cpp, the
// incoming one in CallIncoming.cpp, requests inside the dialog in
// CallInDialog.cpp and the media controls in CallMedia.cpp.

#include "sipcore/Call.h"

#include "sipcore/SipLog.h"
#include "sipcore/SofiaPtr.h"

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

/// What the peer is told when this device ends or refuses a call: the local
/// reason for what concerns the peer's own messages (its SDP), generic words
/// where the reason may name what this device saw on its network (DNS
/// servers, addresses, connection errors of a certificate fetch) or its
/// own failures, so that a call cannot be used to probe this device.
std::string peerFacingEnd(CallErrc code, const std::string &reason) {
    switch (code) {
    case CallErrc::IdentityFailed:
        return "the identity check of the other device failed";
    case CallErrc::NotEndToEnd:
        return "this device requires end-to-end security, and this call would not have it";
    case CallErrc::DowngradeRefused:
        return "this device does not call in clear a peer known to use end-to-end security";
    case CallErrc::Local:
        return "this device could not go on with the call";
    case CallErrc::None:
    case CallErrc::Declined:
    case CallErrc::Cancelled:
    case CallErrc::IdentityRejected:
    case CallErrc::MediaFailed:
    case CallErrc::Unreachable:
        break;
    }
    return reason;
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
    case CallErrc::DowngradeRefused:
        return "downgrade-refused";
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
      m_state(direction == Direction::Outgoing ? State::Calling : State::Checking),
      m_leg(direction == Direction::Outgoing
                ? std::variant<OutgoingLeg, IncomingLeg>(OutgoingLeg{})
                : std::variant<OutgoingLeg, IncomingLeg>(IncomingLeg{})) {
    m_sdp->onFlowing([this](bool flowing) { Q_EMIT mediaFlowing(flowing); });
    m_sdp->onDtmf([this](char digit) { Q_EMIT dtmfReceived(digit); });
    m_sdp->onMediaPath([this](const media::IcePath &path) { Q_EMIT mediaPath(path); },
                       [this](const std::string &why) {
                           const std::string text =
                               "no network path to " + m_peerAor + "'s device: " + why;
                           qCWarning(lcSip).noquote() << "call" << m_id << logText(text);
                           Q_EMIT mediaPathFailed(QString::fromStdString(text));
                       });
}

Call::~Call() {
    if (m_sdp) {
        m_sdp->stop();
    }
}

std::optional<NegotiatedMedia> Call::media() const {
    return m_sdp ? m_sdp->negotiated() : std::nullopt;
}

bool Call::onHold() const {
    const auto negotiated = media();
    return negotiated && negotiated->localHold;
}

bool Call::offerIsOurs() const {
    if (const auto *outgoing = std::get_if<OutgoingLeg>(&m_leg)) {
        return outgoing->invite != InviteKind::Signed;
    }
    const auto &incoming = std::get<IncomingLeg>(m_leg);
    return classifyBody(incoming.invite.contentType, incoming.invite.body.size()) !=
           BodyKind::PlainSdp;
}

void Call::onStackEvent(int event, int status, const char *phrase, const sip_s *sip,
                        const void *rawTags) {
    switch (static_cast<nua_event_t>(event)) {
    case nua_i_invite:
        if (sip != nullptr) {
            onReinvite(sip);
        }
        return;
    case nua_r_invite:
        onInviteResponse(status, phrase, sip);
        return;
    case nua_i_ack:
        onAck(sip);
        return;
    case nua_i_cancel:
        onCancelled(sip);
        return;
    case nua_i_bye:
        onBye();
        return;
    case nua_i_state: {
        int callState = nua_callstate_init;
        tl_gets(static_cast<const tagi_t *>(rawTags), NUTAG_CALLSTATE_REF(callState), TAG_END());
        if (callState == nua_callstate_ready && m_direction == Direction::Outgoing) {
            onAckSent();
        }
        if (callState == nua_callstate_terminated) {
            onTerminated(status, phrase);
        }
        return;
    }
    case nua_i_error:
        if (status == 900 && phrase != nullptr &&
            std::string_view(phrase) == "No response to ACK") {
            onAckRefused();
        }
        return;
    default:
        return;
    }
}

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
    qCInfo(lcSip).noquote() << "call" << m_id << "identity of" << logText(m_verdict.aor)
                            << verdictName(m_verdict.kind).data() << logText(m_verdict.reason);
    Q_EMIT identityChecked(m_verdict);
}

void Call::onMediaPrepared() {
    switch (std::exchange(m_mediaWait, MediaWait::None)) {
    case MediaWait::None:
        return;
    case MediaWait::Answer:
        answer();
        return;
    case MediaWait::Invite:
        if (m_state == State::Calling) {
            sendInvite(false, out().deferredInviteCseq, {});
        }
        return;
    case MediaWait::Ack: {
        DeferredAnswer deferred = std::move(out().deferred);
        finishAnswer(deferred.verdict, std::move(deferred.sdp));
        return;
    }
    }
}

void Call::mediaAgreed() {
    if (auto media = m_sdp->negotiated()) {
        Q_EMIT mediaReady(*media, endToEnd());
    }
}

void Call::noteEnd(CallErrc code, std::string reason, int sipStatus, bool byPeer) {
    if (!m_end) {
        m_end = CallEnd{code, sipStatus, std::move(reason), byPeer};
    }
}

void Call::failCall(CallErrc code, std::string reason, int sipStatus) {
    qCWarning(lcSip).noquote() << "call" << m_id << "failed:" << logText(reason);
    noteEnd(code, reason, sipStatus, false);
    sendBye(peerFacingEnd(code, reason));
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

void Call::refuse(CallErrc code, int status, const std::string &phrase, const std::string &reason) {
    noteEnd(code, reason, status, false);
    respond(status, phrase, peerFacingEnd(code, reason));
    setState(State::Ending);
}

} // namespace napkin::sip
