// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One call, outgoing or incoming, as the UI and the agent see it: its state,
// the peer's identity verdict, whether it is end-to-end, and the requests
// (answer, reject, hang up, hold, resume). The secure flow of
// draft-jennings-sipping-certs runs inside:
//
//   caller                                   callee (each device)
//   INVITE  signed AIB, no SDP     ------->  fetch caller's set, verify, verdict
//   (fetch callee's set meanwhile) <-------  180 Ringing
//                                  <-------  200 OK  SDP offer, encrypted to the
//   verify, decrypt                           caller's cert, signed
//   ACK  SDP answer, encrypted to  ------->  verify, decrypt: media
//   the answering device, signed
//
// Calls are created and owned by UserAgent (through the CallHost seam); every
// method runs on the main thread. A Call is deleted (later) after it reports
// ended(). Its phases (docs/architecture.md has the diagram):
//
//   State            Checking/Calling -> Ringing -> Answering -> Active -> Ending -> Ended
//   InviteKind       outgoing: Signed -> Refused -> [AwaitingConsent] -> PlainFallback | Plain
//   AnswerPhase      outgoing: Awaiting -> Checking -> Acking -> Acked
//   Protection       Pending -> Agreed (incoming, sealed offer out) -> EndToEnd | Clear
//   Renegotiation    Idle <-> Holding | Resuming (our re-INVITE outstanding)

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "sipcore/CallHost.h"
#include "sipcore/CallPolicy.h"
#include "sipcore/CertificateSource.h"
#include "sipcore/IdentityBody.h"
#include "sipcore/IdentityVerdict.h"
#include "sipcore/PeerIdentityCheck.h"
#include "sipcore/SdpNegotiator.h"

#include <QObject>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

struct nua_handle_s;
struct sip_s;

namespace napkin::sip {

/// Why a call ended (or could not go on).
enum class CallErrc {
    None,             ///< hung up normally (BYE, by either side)
    Declined,         ///< the peer answered with an error status (busy, declined...)
    Cancelled,        ///< the caller gave up before an answer, or another device answered
    IdentityRejected, ///< this device refused the call: the caller's identity check failed
                      ///< (or, by policy, could not be done)
    IdentityFailed,   ///< the answering device's identity check failed
    NotEndToEnd,      ///< end-to-end security is required and the call would not be
    DowngradeRefused, ///< the peer is known to use end-to-end security, yet the call could only
                      ///< go on in clear: not placed (or the person said no)
    MediaFailed,      ///< offer and answer do not fit, or the SDP could not be opened
    Unreachable,      ///< timeout, transport failure, no such user (408/480/404/503)
    Local,            ///< this device failed (signing, shutting down...)
};

[[nodiscard]] std::string_view callErrcName(CallErrc code);
/// The error for a final SIP status that ended a call.
[[nodiscard]] CallErrc callErrcForStatus(int status);

struct CallEnd {
    CallErrc code = CallErrc::None;
    int sipStatus = 0;   ///< the status that ended it, when one did
    std::string reason;  ///< in words
    bool byPeer = false; ///< the peer ended it
};

class Call : public QObject {
    Q_OBJECT
public:
    enum class Direction { Outgoing, Incoming };
    enum class State {
        Checking,  ///< incoming: fetching the caller's certificates and checking the signature
        Calling,   ///< outgoing: INVITE sent
        Ringing,   ///< incoming: ringing here; outgoing: ringing at the peer
        Answering, ///< 200 OK sent (incoming) or received and being checked (outgoing)
        Active,    ///< offer and answer agreed; media may flow
        Ending,    ///< BYE or CANCEL sent, or a rejection on its way
        Ended,
    };
    Q_ENUM(State)

    /// How the call's bodies are protected.
    enum class Protection {
        Pending,  ///< not decided yet
        Agreed,   ///< incoming: the sealed offer went out; end-to-end once the sealed answer is in
        EndToEnd, ///< keys exchanged encrypted and signed between verified devices
        Clear,    ///< not end-to-end (notEndToEndReason() says why)
    };
    Q_ENUM(Protection)

    /// The services of the agent that a call uses; all outlive the call.
    struct Context {
        CallHost &host;
        CertificateSource &certificates;
        SdpNegotiatorFactory &media;
        const PolicySettings &policy;
    };

    /// `handle` stays owned by the host, valid until ended(). Start the call
    /// with startOutgoing() or startIncoming().
    Call(Context context, Direction direction, QString id, nua_handle_s *handle,
         std::shared_ptr<const crypto::DeviceIdentity> identity);
    ~Call() override;

    /// Outgoing: sends the INVITE to the address of record `target`, or to
    /// `requestUri` when given (a direct call without proxies).
    void startOutgoing(const std::string &target, const std::string &requestUri);
    /// Incoming: takes the INVITE `sip`; the caller is judged right after.
    void startIncoming(const sip_s *sip);
    /// An event of the SIP stack for this call's handle (from the host's nua
    /// callback): responses, in-dialog requests, state changes, errors.
    void onStackEvent(int event, int status, const char *phrase, const sip_s *sip,
                      const void *tags);

    [[nodiscard]] const QString &id() const { return m_id; }
    [[nodiscard]] Direction direction() const { return m_direction; }
    [[nodiscard]] State state() const { return m_state; }
    /// The other side's address of record ("sip:bob@b.example").
    [[nodiscard]] const std::string &peer() const { return m_peerAor; }
    /// The peer's identity verdict (Unsigned until checked).
    [[nodiscard]] const IdentityVerdict &verdict() const { return m_verdict; }
    [[nodiscard]] Protection protection() const { return m_security.protection; }
    /// Media keys were exchanged encrypted and signed between verified devices.
    [[nodiscard]] bool endToEnd() const { return m_security.protection == Protection::EndToEnd; }
    /// Why it is not end-to-end, in words (empty when it is).
    [[nodiscard]] const std::string &notEndToEndReason() const { return m_security.reason; }
    [[nodiscard]] std::optional<NegotiatedMedia> media() const;
    [[nodiscard]] bool onHold() const;
    /// Why the call ended; nullopt until it ends (or an end is decided).
    [[nodiscard]] const std::optional<CallEnd> &end() const { return m_end; }

    /// Outgoing: the peer is known to use end-to-end security, yet it can
    /// only be reached in clear right now; plainCallConsentNeeded() asked the
    /// person, and nothing was sent in clear yet.
    [[nodiscard]] bool awaitingPlainConsent() const;
    /// What the call holds back until ICE gathering is done (SdpNegotiator::
    /// prepare): nothing, the 200 OK of answer(), our plain INVITE (its offer
    /// must carry the candidates), or the ACK of a checked 2xx (our answer).
    enum class MediaWait { None, Answer, Invite, Ack };
    [[nodiscard]] MediaWait waitingForMedia() const { return m_mediaWait; }
    /// The person's answer to plainCallConsentNeeded(): call in clear, marked
    /// not end-to-end, or end the call (downgrade-refused).
    void allowPlainCall();
    void refusePlainCall();

    /// Incoming, ringing: answers with the encrypted, signed offer.
    void answer();
    /// Incoming, not yet answered: rejects (486 Busy Here by default).
    void reject(int status = 486, const std::string &phrase = "Busy Here");
    /// Any state: CANCEL before an answer, BYE after.
    void hangUp();
    /// Active: re-INVITE with a=sendonly (resume() with a=sendrecv), both
    /// sealed like the first offer when the call is end-to-end.
    void hold();
    void resume();

    // In-call media controls (CallMedia.cpp), through the SdpNegotiator.

    /// Sends silence instead of the microphone while muted (also across hold
    /// and resume). Without audio there is nothing to mute: muted() stays false.
    void setMuted(bool muted);
    [[nodiscard]] bool muted() const;
    /// Active: sends one RFC 4733 digit ('0'-'9', '*', '#', 'A'-'D'); the
    /// reason in words when the call is not active, the digit is not one, or
    /// the peer did not agree on telephone-event.
    [[nodiscard]] Result<void, QString> sendDtmf(char digit);
    /// The media's figures (RTCP loss, jitter, round trip...); nullopt when no
    /// media runs.
    [[nodiscard]] std::optional<media::MediaStatistics> statistics() const;

Q_SIGNALS:
    void stateChanged(napkin::sip::Call::State state);
    /// The peer's identity was judged (once per call, and again if a
    /// re-INVITE is signed by another device, which ends the call).
    void identityChecked(const napkin::sip::IdentityVerdict &verdict);
    /// Offer and answer agreed (again after hold/resume).
    void mediaReady(const napkin::sip::NegotiatedMedia &media, bool endToEnd);
    void holdChanged(bool localHold, bool remoteHold);
    /// Authenticated media started (true) or stopped (false) arriving.
    void mediaFlowing(bool flowing);
    /// ICE selected the pair media takes (again after a restart).
    void mediaPath(const napkin::media::IcePath &path);
    /// No ICE pair worked within the deadline: the call has no sound. `why`
    /// says so in words ("no network path to bob@b.example's device: ...").
    void mediaPathFailed(const QString &why);
    /// The peer sent an RFC 4733 digit ('0'-'9', '*', '#', 'A'-'D').
    void dtmfReceived(char digit);
    void ended(const napkin::sip::CallEnd &end);
    /// The question to ask before calling a protected peer in clear (see
    /// awaitingPlainConsent()); answer with allowPlainCall() or refusePlainCall().
    void plainCallConsentNeeded(const QString &question);

private:
    /// What our first INVITE carried.
    enum class InviteKind {
        Signed,          ///< the draft's INVITE: a signed identity body, no SDP
        Plain,           ///< an SDES offer in clear (this device has no certificate)
        Refused,         ///< the signed INVITE brought no end-to-end answer (a plain
                         ///< phone's refusal, or a 2xx without a sealed offer, ACKed
                         ///< and BYEd); once its transaction ends, decidePlainCall()
        AwaitingConsent, ///< asked the person whether to call in clear
        PlainFallback,   ///< called again with an SDES offer in clear
    };
    /// Outgoing: how far the first INVITE's 2xx got.
    enum class AnswerPhase {
        Awaiting, ///< no 2xx yet
        Checking, ///< the 2xx is in; its signer and body are being checked
        Acking,   ///< the ACK is handed to nua, not yet reported sent
        Acked,    ///< the ACK went out (or could not, and the call is ending)
    };
    /// Our own re-INVITE, while one is outstanding.
    enum class Renegotiation { Idle, Holding, Resuming };

    /// The peer's protection of this call, and the device the dialog is with.
    struct Security {
        Protection protection = Protection::Pending;
        std::string reason = "not yet established"; ///< why not end-to-end
        /// The device whose bodies this dialog accepts and seals to.
        std::optional<crypto::Certificate> peerDevice;
        std::string callId;               ///< the dialog, as sealed bodies name it
        std::string callerTag;            ///< the From tag of its INVITE
        std::uint32_t sentBodies = 0;     ///< sealed bodies this side sent
        std::uint32_t receivedBodies = 0; ///< the last sequence accepted from the peer
        std::string lastOfferSent;        ///< sdpDigest of our latest offer
    };
    /// A checked 2xx whose answer waits for ICE gathering.
    struct DeferredAnswer {
        IdentityVerdict verdict;
        std::optional<std::string> sdp;
    };
    struct OutgoingLeg {
        IdentityHeaders sent;
        std::string requestUri; ///< where to send the INVITE, when not to the AOR
        std::string plainOffer; ///< the SDP of an unsigned INVITE
        InviteKind invite = InviteKind::Plain;
        std::string fallbackReason; ///< why the call fell back to plain SDP
        std::string refusal;        ///< what ended the signed attempt, in words
        int refusalStatus = 0;      ///< its SIP status
        std::uint32_t nextCseq = 0; ///< the CSeq for an INVITE after the refused one
        std::optional<std::uint32_t> abandonedCseq; ///< a dropped 2xx's INVITE: ignore its repeats
        int challenges = 0;
        std::uint32_t inviteCseq = 0; ///< the CSeq number of our current first INVITE
        AnswerPhase answer = AnswerPhase::Awaiting;
        crypto::MimeBody answerBody;                       ///< the 2xx's body
        std::chrono::steady_clock::time_point okArrived{}; ///< when the first 2xx arrived
        DeferredAnswer deferred;                           ///< while waitingForMedia() is Ack
        std::uint32_t deferredInviteCseq = 0;              ///< while waitingForMedia() is Invite
    };
    struct IncomingLeg {
        IdentityHeaders received;
        crypto::MimeBody invite;
    };

    [[nodiscard]] OutgoingLeg &out() { return std::get<OutgoingLeg>(m_leg); }
    [[nodiscard]] IncomingLeg &in() { return std::get<IncomingLeg>(m_leg); }
    /// The first offer is ours (a plain INVITE's, or a signed INVITE's 200).
    [[nodiscard]] bool offerIsOurs() const;

    // Outgoing (CallOutgoing.cpp).
    void sendInvite(bool afterChallenge, std::uint32_t cseq, const std::string &credentials);
    void onInviteResponse(int status, const char *phrase, const sip_s *sip);
    void onAnswer(const sip_s *sip);
    void handleAnswer();
    void finishAnswer(const IdentityVerdict &verdict, std::optional<std::string> sdp);
    /// A refusal of our signed INVITE that a plain (non-Napkin) phone gives
    /// when it cannot read the body (and a downgrading proxy forges): notes
    /// it, so that its transaction's end leads to decidePlainCall(). False
    /// when the response is not such a refusal.
    [[nodiscard]] bool noteSignedRefusal(int status, const char *phrase, const sip_s *sip);
    /// The 2xx to our signed INVITE carries no sealed offer.
    void onUnsealedAnswer(const PeerProtection &protection);
    /// ACKs and BYEs an unwanted 2xx (RFC 3261 13.2.2.4); the decision about
    /// a plain call follows once its dialog has ended.
    void dropAnswer(const std::string &what);
    /// The signed attempt has ended: call in clear, ask, or end (CallPolicy's
    /// decidePlainCall, given whether the peer is protected).
    void decidePlainCall();
    void placePlainCall(const std::string &reason);
    /// Sends the ACK of our first INVITE's 2xx (with the SDP answer, if any).
    void sendAck(const crypto::MimeBody &body = {});
    /// nua refused our ACK ("900 No response to ACK") and sent nothing. This
    /// Sofia-SIP (Debian's 1.12.11, fixed upstream in FreeSWITCH's 1.13 in
    /// 2019) lets a provisional response that arrives after the 200 OK (the
    /// proxies can reorder 180 and 200) overwrite the INVITE's status, and
    /// nta swallows the 200's retransmissions, so no later nua_ack() can
    /// succeed. The callee would wait for the ACK and the call would have no
    /// media: the call ends with a clear reason instead (BYE). SofiaFixes
    /// prevents it; this is the fallback.
    void onAckRefused();
    /// nua sent the ACK (call state "ready").
    void onAckSent();
    // Incoming (CallIncoming.cpp).
    void judgeCaller();
    /// The To names this account; otherwise refuses the call (404) and false.
    [[nodiscard]] bool addressedToThisAccount();
    /// An unsigned INVITE: Unsigned, or Failed (stripped-signature) when the
    /// caller is protected.
    void judgeUnsignedCaller(const std::string &reason);
    void decide(const IdentityVerdict &verdict);
    void onAck(const sip_s *sip);
    // Both, in the dialog (CallInDialog.cpp).
    void onReinvite(const sip_s *sip);
    void onReinviteResponse(int status, const sip_s *sip);
    void onCancelled(const sip_s *sip);
    void onBye();
    void onTerminated(int status, const char *phrase);
    /// Reports the end (noted before, or from `status`) and tells the host.
    void finishEnded(int status, const char *phrase);
    void sendReinvite(bool hold);
    /// The body to send to the peer device: sealed when the dialog has a peer
    /// device, clear otherwise; nullopt after ending the call.
    [[nodiscard]] std::optional<crypto::MimeBody> outgoingSdp(const std::string &sdp,
                                                              const std::string *answeredOffer);
    /// Seals `sdp` to the peer device, bound to this dialog: an offer, or the
    /// answer to `answeredOffer`.
    [[nodiscard]] SecureBodyResult<crypto::MimeBody> seal(const std::string &sdp,
                                                          const std::string *answeredOffer);
    /// The binding a sealed body from the peer must carry (an answer to our
    /// latest offer, or an offer).
    [[nodiscard]] BodyBinding expectedBinding(bool answer) const;
    /// Checks a body from the peer device of an established dialog; the SDP,
    /// or nullopt after ending the call.
    [[nodiscard]] std::optional<std::string> incomingSdp(const crypto::MimeBody &body,
                                                         const char *what, bool answer);

    // Shared (Call.cpp).
    /// ICE gathering finished: an answer() or a checked 2xx that waited goes on.
    void onMediaPrepared();
    void setState(State state);
    void setVerdict(IdentityVerdict verdict);
    void mediaAgreed();
    /// Records why the call ends (the first reason wins) and sends BYE.
    void failCall(CallErrc code, std::string reason, int sipStatus = 0);
    /// Records why the call ends; the first reason noted wins.
    void noteEnd(CallErrc code, std::string reason, int sipStatus, bool byPeer);
    void sendBye(const std::string &reason);
    void respond(int status, const std::string &phrase, const std::string &warning = {});
    /// Incoming, before the 200: ends the call with a final response.
    void refuse(CallErrc code, int status, const std::string &phrase, const std::string &reason);

    Context m_ctx;
    Direction m_direction;
    QString m_id;
    nua_handle_s *m_handle; ///< owned by the host, valid until ended()
    std::shared_ptr<const crypto::DeviceIdentity> m_identity;
    std::unique_ptr<SdpNegotiator> m_sdp;
    MediaWait m_mediaWait = MediaWait::None;
    State m_state;
    IdentityVerdict m_verdict;
    Security m_security;
    std::optional<CallEnd> m_end;
    Renegotiation m_renegotiation = Renegotiation::Idle;

    std::string m_peerAor;
    std::optional<crypto::Aor> m_peer;
    std::unique_ptr<PeerIdentityCheck> m_peerCheck; ///< once the peer's address is known
    std::variant<OutgoingLeg, IncomingLeg> m_leg;
};

} // namespace napkin::sip
