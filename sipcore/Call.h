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
// Calls are created and owned by UserAgent; every method runs on the main
// thread. A Call is deleted (later) after it reports ended().

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "sipcore/CallPolicy.h"
#include "sipcore/CertificateSource.h"
#include "sipcore/IdentityBody.h"
#include "sipcore/IdentityVerdict.h"
#include "sipcore/SdpNegotiator.h"

#include <QObject>
#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

struct nua_handle_s;
struct sip_s;

namespace napkin::sip {

class UserAgent;

/// Why a call ended (or could not go on).
enum class CallErrc {
    None,             ///< hung up normally (BYE, by either side)
    Declined,         ///< the peer answered with an error status (busy, declined...)
    Cancelled,        ///< the caller gave up before an answer, or another device answered
    IdentityRejected, ///< this device refused the call: the caller's identity check failed
    IdentityFailed,   ///< the answering device's identity check failed
    NotEndToEnd,      ///< end-to-end security is required and the call would not be
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

    ~Call() override;

    [[nodiscard]] const QString &id() const { return m_id; }
    [[nodiscard]] Direction direction() const { return m_direction; }
    [[nodiscard]] State state() const { return m_state; }
    /// The other side's address of record ("sip:bob@b.example").
    [[nodiscard]] const std::string &peer() const { return m_peerAor; }
    /// The peer's identity verdict (Unsigned until checked).
    [[nodiscard]] const IdentityVerdict &verdict() const { return m_verdict; }
    /// Media keys were exchanged encrypted and signed between verified devices.
    [[nodiscard]] bool endToEnd() const { return m_endToEnd; }
    /// Why it is not end-to-end, in words (empty when it is).
    [[nodiscard]] const std::string &notEndToEndReason() const { return m_notE2eReason; }
    [[nodiscard]] std::optional<NegotiatedMedia> media() const;
    [[nodiscard]] bool onHold() const { return m_localHold; }
    [[nodiscard]] const CallEnd &end() const { return m_end; }

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
    /// The peer sent an RFC 4733 digit ('0'-'9', '*', '#', 'A'-'D').
    void dtmfReceived(char digit);
    void ended(const napkin::sip::CallEnd &end);

private:
    friend class UserAgent;

    /// The services of the agent that a call uses.
    struct Context {
        UserAgent &agent;
        CertificateSource &certificates;
        SdpNegotiatorFactory &media;
        const PolicySettings &policy;
    };

    Call(Context context, Direction direction, QString id, nua_handle_s *handle,
         std::shared_ptr<const crypto::DeviceIdentity> identity);

    // Outgoing.
    void startOutgoing(const std::string &target, const std::string &requestUri);
    void sendInvite(bool afterChallenge, std::uint32_t cseq, const std::string &credentials);
    void onInviteResponse(int status, const char *phrase, const sip_s *sip);
    void handleAnswer();
    void finishAnswer(const IdentityVerdict &verdict, std::optional<std::string> sdp);
    /// A refusal of our signed INVITE that a plain (non-Napkin) phone gives
    /// when it cannot read the body: calls again once with a clear SDES offer,
    /// or ends the call when end-to-end security is required. False when the
    /// response is not such a refusal.
    [[nodiscard]] bool fallBackToPlain(int status, const char *phrase, const sip_s *sip);
    // Incoming.
    void startIncoming(const sip_s *sip);
    void judgeCaller();
    void decide(const IdentityVerdict &verdict);
    void onAck(const sip_s *sip);
    // The ACK of our first INVITE's 2xx (outgoing).
    /// Sends the ACK (with the SDP answer when there is one).
    void sendAck(std::optional<std::pair<std::string, crypto::Bytes>> body = std::nullopt);
    /// nua refused our ACK ("900 No response to ACK") and sent nothing. This
    /// Sofia-SIP (Debian's 1.12.11, fixed upstream in FreeSWITCH's 1.13 in
    /// 2019) lets a provisional response that arrives after the 200 OK (the
    /// proxies can reorder 180 and 200) overwrite the INVITE's status, and
    /// nta swallows the 200's retransmissions, so no later nua_ack() can
    /// succeed. The callee would wait for the ACK and the call would have no
    /// media: the call ends with a clear reason instead (BYE).
    void onAckRefused();
    /// nua sent the ACK (call state "ready").
    void onAckSent();
    // Both.
    void onReinvite(const sip_s *sip);
    void onReinviteResponse(int status, const sip_s *sip);
    void onCancelled(const sip_s *sip);
    void onBye();
    void onTerminated(int status, const char *phrase);
    void sendReinvite(bool hold);

    void setState(State state);
    void setVerdict(IdentityVerdict verdict);
    void mediaAgreed();
    /// Records why the call ends (the first reason wins) and sends BYE.
    void failCall(CallErrc code, std::string reason, int sipStatus = 0);
    /// Records why the call ends; the first reason noted wins.
    void noteEnd(CallErrc code, std::string reason, int sipStatus, bool byPeer);
    void sendBye(const std::string &reason);
    void respond(int status, const std::string &phrase, const std::string &warning = {});
    /// The body to send to the peer device: sealed when end-to-end, clear otherwise.
    [[nodiscard]] std::optional<std::pair<std::string, crypto::Bytes>>
    outgoingSdp(const std::string &sdp);
    /// Checks a body from the peer device of an established call; the SDP, or
    /// nullopt after ending the call.
    [[nodiscard]] std::optional<std::string>
    incomingSdp(const std::string &contentType, const crypto::Bytes &body, const char *what);

    Context m_ctx;
    Direction m_direction;
    QString m_id;
    nua_handle_s *m_handle; ///< owned by UserAgent (CallEntry), valid until ended()
    std::shared_ptr<const crypto::DeviceIdentity> m_identity;
    std::unique_ptr<SdpNegotiator> m_sdp;
    State m_state;
    IdentityVerdict m_verdict;
    bool m_endToEnd = false;
    std::string m_notE2eReason = "not yet established";
    CallEnd m_end;
    bool m_localHold = false;
    bool m_remoteHold = false;
    bool m_reinviteOutstanding = false;
    bool m_endNoted = false;
    bool m_ended = false;

    std::string m_peerAor;
    std::optional<crypto::Aor> m_peer;
    std::optional<crypto::Certificate> m_peerDevice; ///< the certificate the dialog is with

    // Outgoing INVITE.
    IdentityHeaders m_sent;
    std::string m_requestUri; ///< where to send the INVITE, when not to the AOR
    std::string m_plainOffer; ///< the SDP of an unsigned INVITE
    bool m_signedInvite = false;
    int m_challenges = 0;
    bool m_plainFallback = false;   ///< the signed INVITE was refused; called again in clear
    bool m_skipTermination = false; ///< the refused INVITE's end is not the call's end
    std::string m_fallbackReason;   ///< why the call fell back to plain SDP
    std::optional<SourceResult<std::vector<crypto::Certificate>>> m_peerSet;
    std::optional<std::pair<std::string, crypto::Bytes>> m_answerBody; ///< the 200's body
    bool m_answerHandled = false;
    std::uint32_t m_inviteCseq = 0; ///< the CSeq number of our current first INVITE
    std::chrono::steady_clock::time_point m_okArrived; ///< when the first 200 arrived
    bool m_ackPending = false; ///< nua_ack() called, "ACK sent" not yet reported

    // Incoming INVITE.
    IdentityHeaders m_received;
    std::string m_inviteType;
    crypto::Bytes m_inviteBody;
    bool m_answered = false;
    bool m_e2eAnswer = false;
    bool m_awaitingAckAnswer = false;
    bool m_sentOffer = false; ///< the offer is ours (in the INVITE or in the 200)

    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace napkin::sip
