// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Key continuity: a renewed device certificate proves that the key of the
// certificate it replaces vouched for it (security review M2). The proof is a
// non-critical private extension of the new certificate,
//
//   id-napkin-keyContinuity ::= 1.3.6.1.4.1.59999.1.1
//   KeyContinuity ::= SEQUENCE {
//       previousFingerprint OCTET STRING,  -- SHA-256 of the previous certificate's DER
//       signature           OCTET STRING } -- by the previous certificate's key
//
// where the signature (SHA-256 with ECDSA, or RSA PKCS#1 v1.5) covers
//   "napkin key continuity v1\0" || SHA-256(new SubjectPublicKeyInfo DER)
//   || instance URN || AOR
// so anyone who saw the previous certificate can check it, and only that key
// can make it.

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace napkin::crypto {

/// The extension's OID (a private arc; see docs/architecture.md).
inline constexpr const char *kKeyContinuityOid = "1.3.6.1.4.1.59999.1.1";

/// The parsed extension value; the signature is not checked yet.
struct KeyContinuityProof {
    std::array<std::uint8_t, 32> previousFingerprint{};
    Bytes signature;
};

/// The bytes the previous key signs.
[[nodiscard]] Bytes keyContinuityMessage(ByteView newSpkiDer, std::string_view instanceUrn,
                                         std::string_view aor);

/// The DER value of the extension: `previousKey` signs for the new key
/// `newSpkiDer` of device `instanceUrn` at `aor`.
[[nodiscard]] CryptoResult<Bytes>
makeKeyContinuity(const Certificate &previous, const PrivateKey &previousKey, ByteView newSpkiDer,
                  std::string_view instanceUrn, std::string_view aor);

/// Parses an extension value (strict DER); MalformedDer saying what is wrong.
[[nodiscard]] CryptoResult<KeyContinuityProof> parseKeyContinuity(ByteView der);

/// The proof `certificate` carries: nullopt when it has none, MalformedDer
/// when the extension is there but is not a proof.
[[nodiscard]] CryptoResult<std::optional<KeyContinuityProof>>
keyContinuityOf(const Certificate &certificate);

/// Whether `next` carries a valid proof by the key of `previous`. Errors:
/// NoSignature (no proof), MalformedDer, SignerNotInSet (the proof names
/// another previous certificate), NameMismatch (the two name different
/// devices or addresses), UnsupportedAlgorithm, BadSignature.
[[nodiscard]] Result<void, CryptoError> verifyKeyContinuity(const Certificate &next,
                                                            const Certificate &previous);

/// Adds the proof that `previous` (with its key) vouches for the public key
/// of `cert`, a certificate being built whose public key is set, before it is
/// signed. InvalidArgument when previous names another device or address.
[[nodiscard]] Result<void, CryptoError> addKeyContinuity(X509 *cert, const Certificate &previous,
                                                         const PrivateKey &previousKey,
                                                         std::string_view instanceUrn,
                                                         std::string_view aor);

/// Adds an extension value (makeKeyContinuity) to a certificate being built,
/// before it is signed.
[[nodiscard]] Result<void, CryptoError> addKeyContinuityExtension(X509 *cert, ByteView value);

} // namespace napkin::crypto
