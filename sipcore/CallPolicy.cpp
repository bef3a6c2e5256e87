// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/CallPolicy.h"

namespace napkin::sip {

namespace {

/// `peerReason` empty: the caller is told `reason` itself (it names nothing
/// but what the caller sent or this device's own policy).
IncomingDecision reject(int status, std::string phrase, std::string reason,
                        std::string peerReason = {}) {
    IncomingDecision d;
    d.action = IncomingDecision::Action::Reject;
    d.status = status;
    d.phrase = std::move(phrase);
    d.peerReason = peerReason.empty() ? reason : std::move(peerReason);
    d.reason = std::move(reason);
    return d;
}

/// What the caller is told about a failed check of its identity: what went
/// wrong with what it sent, never what this device saw on its network.
std::string peerFacingFailure(IdentityFailure failure) {
    const std::string failed = "the caller's identity check failed";
    switch (failure) {
    case IdentityFailure::CertificatesUnavailable:
        return "the callee could not check the caller's identity: the caller's certificate "
               "service could not be reached";
    case IdentityFailure::Malformed:
        return failed + ": the signed body does not parse";
    case IdentityFailure::BadSignature:
        return failed + ": the content does not match its signature";
    case IdentityFailure::SignerNotListed:
        return failed + ": the signer is not a device the caller's domain publishes";
    case IdentityFailure::WrongAddress:
        return failed + ": the signer's certificate names another address";
    case IdentityFailure::CertificateInvalid:
        return failed + ": the signer's certificate is expired or not yet valid";
    case IdentityFailure::HeaderMismatch:
        return failed + ": the signed headers differ from the INVITE's";
    case IdentityFailure::DateOutOfRange:
        return failed + ": the signed Date is too far from the callee's clock";
    case IdentityFailure::Replayed:
        return failed + ": this signed INVITE was received before";
    case IdentityFailure::StrippedSignature:
        return failed + ": the caller's address signs its calls, and this one is not signed";
    case IdentityFailure::None:
    case IdentityFailure::NotForThisDevice:
    case IdentityFailure::DecryptFailed:
    case IdentityFailure::Internal:
        break;
    }
    return failed;
}

IncomingDecision ring(bool endToEnd, std::string reason) {
    IncomingDecision d;
    d.action = IncomingDecision::Action::Ring;
    d.endToEnd = endToEnd;
    d.reason = std::move(reason);
    return d;
}

} // namespace

IncomingDecision decideIncoming(const IdentityVerdict &caller, BodyKind inviteBody,
                                bool haveIdentity, const PolicySettings &settings) {
    if (inviteBody == BodyKind::Other || inviteBody == BodyKind::Encrypted) {
        return reject(415, "Unsupported Media Type",
                      "the INVITE carries a body that is neither SDP nor a signed identity");
    }
    switch (caller.kind) {
    case IdentityVerdict::Kind::Failed:
        if (settings.ringOnFailed && !settings.requireEndToEnd) {
            return ring(false, "the caller's identity check FAILED: " + caller.reason);
        }
        return reject(403, "Caller Identity Check Failed",
                      "the caller's identity check failed: " + caller.reason,
                      peerFacingFailure(caller.failure));
    case IdentityVerdict::Kind::Unsigned:
        if (settings.requireEndToEnd) {
            return reject(488, "End-to-End Security Required",
                          "this device only accepts end-to-end secured calls, and the caller's "
                          "identity is not signed (" +
                              caller.reason + ")",
                          "this device only accepts end-to-end secured calls, and the caller's "
                          "identity is not signed");
        }
        return ring(false, "not end-to-end: " + caller.reason);
    case IdentityVerdict::Kind::Unverifiable:
        // "Could not check" is not "forged": amber, not a 403.
        if (settings.requireEndToEnd) {
            return reject(488, "End-to-End Security Required",
                          "this device only accepts end-to-end secured calls, and the caller's "
                          "identity could not be checked (" +
                              caller.reason + ")",
                          "this device only accepts end-to-end secured calls, and "
                          "the caller's identity could not be checked");
        }
        if (!settings.ringOnUnverifiable) {
            return reject(480, "Caller Identity Not Checked",
                          "the caller's identity could not be checked (" + caller.reason +
                              "), and this device does not ring such calls",
                          peerFacingFailure(caller.failure));
        }
        return ring(false,
                    "not end-to-end: the caller's identity could not be checked: " + caller.reason);
    case IdentityVerdict::Kind::Verified:
    case IdentityVerdict::Kind::VerifiedNewDevice:
        break;
    }
    if (inviteBody == BodyKind::PlainSdp) {
        // A signed INVITE never carries SDP in clear: the keys would be
        // visible to every proxy. Treat it like an unsigned call.
        if (settings.requireEndToEnd) {
            return reject(488, "End-to-End Security Required",
                          "the INVITE carries its SDP in clear");
        }
        return ring(false, "not end-to-end: the caller sent its SDP in clear");
    }
    if (!haveIdentity) {
        if (settings.requireEndToEnd) {
            return reject(480, "No Device Certificate",
                          "this device has no enrolled certificate to sign its answer with");
        }
        return ring(false,
                    "not end-to-end: this device has no enrolled certificate to answer with");
    }
    return ring(true, {});
}

AnswerDecision decideAnswer(const IdentityVerdict &callee, BodyKind answerBody, bool signedInvite,
                            const PolicySettings &settings) {
    AnswerDecision d;
    if (answerBody == BodyKind::Empty || answerBody == BodyKind::Other ||
        answerBody == BodyKind::Encrypted) {
        d.reason = "the answer carries no usable session description";
        return d;
    }
    if (callee.kind == IdentityVerdict::Kind::Failed) {
        d.reason = "the answering device's identity check failed: " + callee.reason;
        return d;
    }
    const bool e2e = callee.verified() && answerBody == BodyKind::Signed && signedInvite;
    if (!e2e) {
        std::string why =
            callee.kind == IdentityVerdict::Kind::Unverifiable
                ? "the answering device's identity could not be checked: " + callee.reason
            : callee.kind == IdentityVerdict::Kind::Unsigned && !callee.reason.empty()
                ? callee.reason
            : !signedInvite ? std::string("this device could not sign its INVITE")
                            : std::string("the answer is not signed");
        if (settings.requireEndToEnd) {
            d.reason = "end-to-end security is required, and " + why;
            return d;
        }
        d.action = AnswerDecision::Action::Proceed;
        d.reason = "not end-to-end: " + why;
        return d;
    }
    d.action = AnswerDecision::Action::Proceed;
    d.endToEnd = true;
    return d;
}

PlainCallDecision decidePlainCall(const std::string &peer, const std::string &what,
                                  const PeerProtection &protection,
                                  const PolicySettings &settings) {
    PlainCallDecision d;
    d.downgrade = protection.isProtected;
    if (settings.requireEndToEnd) {
        d.reason = what + ", as a phone without end-to-end security does; end-to-end security "
                          "is required, so it was not called again in clear";
        return d;
    }
    if (!protection.isProtected) {
        d.action = PlainCallDecision::Action::CallPlain;
        d.reason = what + ", so it was called again with a plain SDES-SRTP offer that every "
                          "proxy on the way can read";
        return d;
    }
    switch (settings.plainToProtected) {
    case PolicySettings::PlainToProtected::Refuse:
        d.reason = peer + " can only be reached without end-to-end encryption right now (" + what +
                   "), although " + protection.why +
                   ". Someone on the path may be interfering, so no key was sent in clear";
        return d;
    case PolicySettings::PlainToProtected::Ask:
        d.action = PlainCallDecision::Action::Ask;
        d.reason = peer +
                   " can only be reached without end-to-end encryption right now. Someone on "
                   "the path may be interfering. Call without protection?";
        return d;
    case PolicySettings::PlainToProtected::Allow:
        d.action = PlainCallDecision::Action::CallPlain;
        d.reason = what + " although " + protection.why +
                   "; it was called again in clear, as this device allows, with a plain "
                   "SDES-SRTP offer that every proxy on the way can read";
        return d;
    }
    return d;
}

} // namespace napkin::sip
