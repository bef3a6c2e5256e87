// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What the callee (or the caller, about the answering device) learned about
// the peer's identity from the S/MIME signature. One value, shown in words;
// nothing here ever claims more than was checked.

#include <string>
#include <string_view>

namespace napkin::sip {

/// Why a signature did not prove the peer's identity.
enum class IdentityFailure {
    None,
    Malformed,               ///< the signed body does not parse
    BadSignature,            ///< the content does not match its signature (altered on the way)
    SignerNotListed,         ///< validly signed, but by a certificate the domain does not publish
    WrongAddress,            ///< the signer's certificate names another address than From/To
    CertificateInvalid,      ///< the signer's certificate is expired or not yet valid
    HeaderMismatch,          ///< the signed identity headers differ from the message's
    DateOutOfRange,          ///< the signed Date is too far from this device's clock
    NotForThisDevice,        ///< encrypted, but not to this device's key
    DecryptFailed,           ///< the encrypted part does not decrypt
    CertificatesUnavailable, ///< the peer's certificates could not be had (its service or DNS
                             ///< is down, timed out or answered nonsense): not checked
    Replayed,                ///< a signed request already received (a replay)
    StrippedSignature, ///< unsigned, though the address is known to sign (its domain publishes
                       ///< certificates for it, or this device saw it verified before)
    Internal,          ///< a local failure (signing, encryption)
};

[[nodiscard]] std::string_view identityFailureName(IdentityFailure failure);

/// The identity verdict of one peer device.
struct IdentityVerdict {
    enum class Kind {
        Verified,          ///< signed by a device its domain publishes for the address
        VerifiedNewDevice, ///< as Verified, and this contact used other devices before
        Unsigned,          ///< no signature, or the domain publishes no certificates
        Failed,            ///< a signature that does not prove what it claims
        Unverifiable,      ///< could not be checked: the peer's certificate service or DNS is
                           ///< down or timed out. Not proof of anything either way.
    };

    Kind kind = Kind::Unsigned;
    IdentityFailure failure = IdentityFailure::None; ///< set when Failed or Unverifiable
    std::string reason;            ///< in words, for Unsigned, Failed and Unverifiable
    std::string aor;               ///< the address the peer claims ("sip:alice@a.example")
    std::string signerFingerprint; ///< "sha256:hex" when a certificate was involved
    std::string instanceUrn;       ///< the signer's device instance, if its certificate has one
    std::string vouchingDomain;    ///< the domain whose certificate service listed the signer

    [[nodiscard]] bool verified() const {
        return kind == Kind::Verified || kind == Kind::VerifiedNewDevice;
    }
    [[nodiscard]] static IdentityVerdict unsignedBecause(std::string aor, std::string reason);
    [[nodiscard]] static IdentityVerdict failedBecause(std::string aor, IdentityFailure failure,
                                                       std::string reason);
    /// Unverifiable, failure CertificatesUnavailable: `reason` says what could not be reached.
    [[nodiscard]] static IdentityVerdict unverifiableBecause(std::string aor, std::string reason);
};

/// "verified", "verified-new-device", "unsigned", "failed", "unverifiable".
[[nodiscard]] std::string_view verdictName(IdentityVerdict::Kind kind);

} // namespace napkin::sip
