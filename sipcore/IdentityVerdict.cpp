// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/IdentityVerdict.h"

namespace napkin::sip {

std::string_view identityFailureName(IdentityFailure failure) {
    switch (failure) {
    case IdentityFailure::None:
        return "none";
    case IdentityFailure::Malformed:
        return "malformed";
    case IdentityFailure::BadSignature:
        return "bad-signature";
    case IdentityFailure::SignerNotListed:
        return "signer-not-listed";
    case IdentityFailure::WrongAddress:
        return "wrong-address";
    case IdentityFailure::CertificateInvalid:
        return "certificate-invalid";
    case IdentityFailure::HeaderMismatch:
        return "header-mismatch";
    case IdentityFailure::DateOutOfRange:
        return "date-out-of-range";
    case IdentityFailure::NotForThisDevice:
        return "not-for-this-device";
    case IdentityFailure::DecryptFailed:
        return "decrypt-failed";
    case IdentityFailure::CertificatesUnavailable:
        return "certificates-unavailable";
    case IdentityFailure::Replayed:
        return "replayed";
    case IdentityFailure::StrippedSignature:
        return "stripped-signature";
    case IdentityFailure::Internal:
        return "internal";
    }
    return "unknown";
}

std::string_view verdictName(IdentityVerdict::Kind kind) {
    switch (kind) {
    case IdentityVerdict::Kind::Verified:
        return "verified";
    case IdentityVerdict::Kind::VerifiedNewDevice:
        return "verified-new-device";
    case IdentityVerdict::Kind::Unsigned:
        return "unsigned";
    case IdentityVerdict::Kind::Failed:
        return "failed";
    case IdentityVerdict::Kind::Unverifiable:
        return "unverifiable";
    }
    return "failed";
}

IdentityVerdict IdentityVerdict::unsignedBecause(std::string aor, std::string reason) {
    IdentityVerdict v;
    v.kind = Kind::Unsigned;
    v.aor = std::move(aor);
    v.reason = std::move(reason);
    return v;
}

IdentityVerdict IdentityVerdict::failedBecause(std::string aor, IdentityFailure failure,
                                               std::string reason) {
    IdentityVerdict v;
    v.kind = Kind::Failed;
    v.failure = failure;
    v.aor = std::move(aor);
    v.reason = std::move(reason);
    return v;
}

IdentityVerdict IdentityVerdict::unverifiableBecause(std::string aor, std::string reason) {
    IdentityVerdict v;
    v.kind = Kind::Unverifiable;
    v.failure = IdentityFailure::CertificatesUnavailable;
    v.aor = std::move(aor);
    v.reason = std::move(reason);
    return v;
}

} // namespace napkin::sip
