// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What to do with a call given what its identity check proved: ring, reject,
// carry on without end-to-end protection (saying so), or hang up. Pure
// decisions, so that every rule is tested on its own.

#include "sipcore/IdentityVerdict.h"
#include "sipcore/SecureBody.h"

#include <string>

namespace napkin::sip {

struct PolicySettings {
    /// Refuse every call that would not be end-to-end (unsigned callers,
    /// plain SDP, domains without a certificate service).
    bool requireEndToEnd = false;
    /// Ring with a red verdict instead of rejecting a call whose signature failed.
    bool ringOnFailed = false;
    /// Ring (amber, not end-to-end) a call whose caller could not be checked
    /// because its certificate service or DNS failed; else refuse it with 480.
    bool ringOnUnverifiable = true;
    /// What to do when a peer known to use end-to-end security (a protected
    /// peer) could only be called in clear: a refusal of the signed INVITE,
    /// or an answer without a sealed offer, is what a proxy forging a
    /// downgrade would send.
    enum class PlainToProtected {
        Refuse, ///< end the call, saying why (napkin-cli agent without --allow-plain)
        Ask,    ///< ask the person before any key leaves the device (the desktop app)
        Allow,  ///< call in clear, marked not end-to-end (--allow-plain)
    };
    PlainToProtected plainToProtected = PlainToProtected::Refuse;
};

/// The callee's decision once the caller's identity is judged.
struct IncomingDecision {
    enum class Action { Ring, Reject };
    Action action = Action::Reject;
    int status = 0;        ///< SIP status for Reject
    std::string phrase;    ///< reason phrase for Reject
    std::string reason;    ///< in words, for the user and the log
    bool endToEnd = false; ///< the answer will be encrypted and signed
    /// For Reject: what the caller is told (the Warning). Generic on purpose:
    /// never the addresses, DNS servers or connection errors of `reason`, so
    /// that an INVITE cannot be used to probe what this device can reach.
    std::string peerReason;
};

/// `inviteBody` is the kind of body the INVITE carried; `haveIdentity` says
/// whether this device has an enrolled certificate to sign the answer with.
[[nodiscard]] IncomingDecision decideIncoming(const IdentityVerdict &caller, BodyKind inviteBody,
                                              bool haveIdentity, const PolicySettings &settings);

/// The caller's decision once the answering device's identity is judged.
struct AnswerDecision {
    enum class Action { Proceed, HangUp };
    Action action = Action::HangUp;
    bool endToEnd = false;
    std::string reason; ///< in words: why not end-to-end, or why hung up
};

/// `answerBody` is the kind of body the 200 OK carried; `signedInvite` says
/// whether our INVITE was signed (an unsigned INVITE makes nothing end-to-end).
[[nodiscard]] AnswerDecision decideAnswer(const IdentityVerdict &callee, BodyKind answerBody,
                                          bool signedInvite, const PolicySettings &settings);

/// Whether a peer is protected for this call, and why (in words).
struct PeerProtection {
    bool isProtected = false;
    std::string why; ///< "b.example publishes certificates for bob@b.example"
    /// Whether the domain publishes certificates for the peer could not be
    /// checked (its service or DNS failed): counted as protected, since a hop
    /// that forges a refusal can as easily block the fetch, but not proof
    /// that the peer signs (an unsigned INVITE is then unverifiable, not forged).
    bool unchecked = false;
};

/// The caller's decision when the signed INVITE brought no end-to-end
/// answer and the only way on is an offer in clear.
struct PlainCallDecision {
    enum class Action {
        CallPlain, ///< call (again) with an SDES offer in clear, marked not end-to-end
        Ask,       ///< ask the person first; `reason` is the question
        Refuse,    ///< end the call; `reason` says why
    };
    Action action = Action::Refuse;
    bool downgrade =
        false; ///< the peer is protected: a refusal means a forged downgrade may be under way
    std::string reason;
};

/// `peer` is the callee's address ("bob@b.example"), `what` what happened
/// ("the callee refused the signed INVITE (415 Unsupported Media Type)").
[[nodiscard]] PlainCallDecision decidePlainCall(const std::string &peer, const std::string &what,
                                                const PeerProtection &protection,
                                                const PolicySettings &settings);

} // namespace napkin::sip
