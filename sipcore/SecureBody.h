// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The S/MIME compositions of a secure call (RFC 3261 §23, RFC 3893,
// draft-jennings-sipping-certs), built from crypto/ and nothing else:
//
//   INVITE       multipart/signed over a message/sipfrag identity body (AIB)
//   200 OK, ACK  multipart/signed around application/pkcs7-mime, whose
//   re-INVITE    plaintext is the application/sdp entity (encrypted to the
//                peer device's certificate, then signed with ours)
//
// Every check here runs against the certificate set the peer's domain
// published (never a CA store), and every failure says what failed.

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "crypto/Smime.h"
#include "sipcore/IdentityBody.h"
#include "sipcore/IdentityVerdict.h"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace napkin::sip {

/// What a SIP message body is, judged from its Content-Type alone.
enum class BodyKind {
    Empty,     ///< no body
    PlainSdp,  ///< application/sdp in clear
    Signed,    ///< multipart/signed (identity body, or signed encrypted SDP)
    Encrypted, ///< application/pkcs7-mime without a signature around it
    Other,     ///< anything else (or a Content-Type that does not parse)
};

[[nodiscard]] BodyKind classifyBody(std::string_view contentType, std::size_t size);

/// A failed check: the verdict's failure code and the reason in words.
struct SecureBodyError {
    IdentityFailure code = IdentityFailure::Internal;
    std::string message;
};

template <typename T> using SecureBodyResult = Result<T, SecureBodyError>;

/// How far a signed Date or signing time may be from this device's clock.
constexpr std::chrono::minutes kSignatureWindow{10};

/// The INVITE body: `headers` as an RFC 3893 AIB, signed with `self`.
[[nodiscard]] SecureBodyResult<crypto::MimeBody>
signIdentityBody(const IdentityHeaders &headers, const crypto::DeviceIdentity &self);

/// What a successful check proved about the signer.
struct SignerProof {
    crypto::Certificate certificate;
    std::optional<std::chrono::system_clock::time_point> signingTime;
};

/// Checks an INVITE's signed AIB: the signature against `publishedSet` only,
/// the signer's certificate names `claimed` (the From AOR), the AIB agrees
/// with `actual` (the message's real headers) and its Date is within
/// kSignatureWindow of `now`.
[[nodiscard]] SecureBodyResult<SignerProof>
verifyIdentityBody(const crypto::MimeBody &body, const IdentityHeaders &actual,
                   const crypto::Aor &claimed, std::span<const crypto::Certificate> publishedSet,
                   std::chrono::system_clock::time_point now);

/// What a sealed body is bound to. It travels as header lines of the
/// encrypted application/sdp entity, so it is signed and encrypted with the
/// SDP: the dialog, the side that sent it, its place in that side's run of
/// offers and answers, and for an answer the offer it answers. A body lifted
/// from another call, the other direction or an earlier exchange does not fit.
struct BodyBinding {
    std::string callId;
    std::string callerTag;      ///< the From tag of the dialog's INVITE
    bool fromCaller = false;    ///< sent by the side that placed the call
    std::uint32_t sequence = 0; ///< 1, 2, ... for each body one side seals in a dialog
    bool answer = false;        ///< an answer; else an offer
    std::string offerDigest;    ///< an answer's: sdpDigest() of the offer it answers
};

/// "sha256:" and the hex SHA-256 of an SDP, for BodyBinding::offerDigest.
[[nodiscard]] std::string sdpDigest(std::string_view sdp);

/// A 200 OK / ACK / re-INVITE body: the SDP and its `binding` encrypted to
/// `recipient` (the peer device's certificate), then signed with `self`.
[[nodiscard]] SecureBodyResult<crypto::MimeBody> sealSdp(std::string_view sdp,
                                                         const crypto::Certificate &recipient,
                                                         const crypto::DeviceIdentity &self,
                                                         const BodyBinding &binding);

/// A body sealed with sealSdp(), checked and opened.
struct OpenedSdp {
    std::string sdp; ///< decrypted: never log it
    SignerProof signer;
    std::optional<BodyBinding> binding; ///< absent when the sender bound it to nothing
};

/// Checks a received binding against `expected` (this dialog, the peer's
/// side, the role this side waits for, and for an answer the digest of our
/// offer); `lastSequence` is the highest sequence accepted from the peer so
/// far. HeaderMismatch for another call, direction or role; Replayed for an
/// earlier body of this dialog or an answer to another offer.
[[nodiscard]] Result<void, SecureBodyError> checkBinding(const std::optional<BodyBinding> &received,
                                                         const BodyBinding &expected,
                                                         std::uint32_t lastSequence);

/// Verifies a sealed body against `publishedSet` (signer names `peer`,
/// signing time within kSignatureWindow of `now`), then decrypts it with
/// `self` and checks that the plaintext is an application/sdp entity.
/// When `expectedSigner` is given, the signer must be that certificate (the
/// device the dialog was established with).
[[nodiscard]] SecureBodyResult<OpenedSdp>
openSdp(const crypto::MimeBody &body, const crypto::Aor &peer,
        std::span<const crypto::Certificate> publishedSet, const crypto::DeviceIdentity &self,
        std::chrono::system_clock::time_point now,
        const std::optional<crypto::Certificate> &expectedSigner = std::nullopt);

/// The certificate a multipart/signed body says signed it, WITHOUT checking
/// anything. Only used to ask the peer's domain whether it lists that
/// certificate (when it is not in the cached set); never trusted by itself.
[[nodiscard]] std::optional<crypto::Certificate> claimedSigner(const crypto::MimeBody &body);

} // namespace napkin::sip
