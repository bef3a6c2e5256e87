// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// S/MIME (RFC 5751/8551) for SIP bodies (RFC 3261 §23, algorithms per RFC 8591):
// multipart/signed with a detached CMS SignedData, and application/pkcs7-mime
// with (Auth)EnvelopedData for several recipients at once.
//
// A SIP message carries the Content-Type header apart from the body bytes, so
// the API works on MimeBody pairs. mimeBodyFromEntity()/mimeBodyToEntity()
// convert to and from a whole MIME entity (headers, blank line, body) as
// files and `openssl cms -inform SMIME` use.

#include "crypto/Certificate.h"
#include "crypto/Mime.h"
#include "crypto/PrivateKey.h"

#include <optional>
#include <span>
#include <string>

namespace napkin::crypto {

/// Largest body or entity accepted anywhere in S/MIME processing.
constexpr std::size_t kMaxSmimeBody = 1024 * 1024;
/// Most recipients one encrypted body may name.
constexpr std::size_t kMaxSmimeRecipients = 64;

/// A Content-Type header value and the body bytes it describes (no transfer
/// encoding: exactly what a SIP message carries).
struct MimeBody {
    std::string contentType;
    Bytes body;
};

/// The outcome of a successful verification.
struct VerifiedContent {
    Bytes entity;                          ///< the signed MIME entity, byte for byte as verified
    Certificate signer;                    ///< the member of the acceptable set that signed
    std::optional<SystemTime> signingTime; ///< from the signed attributes, if present
};

/// Content-encryption algorithm for smimeEncrypt().
enum class Cipher {
    Aes128Gcm, ///< AuthEnvelopedData (RFC 5083/5084), the default
    Aes128Cbc, ///< EnvelopedData, for peers without AuthEnvelopedData
};

/// Signs a MIME entity (headers, blank line, body). Bare LFs are first
/// converted to CRLF (RFC 5751 §3.1.1); the canonical bytes are what is signed
/// and what the first part carries. Output: multipart/signed with
/// protocol="application/pkcs7-signature" and micalg=sha-256; the second part
/// is a base64 detached CMS SignedData with SHA-256, the signer's certificate,
/// signingTime and SMIMECapabilities (AES-GCM/CBC).
/// Errors: InvalidArgument (too large, key does not match), UnsupportedAlgorithm
/// (weak or unsupported key).
[[nodiscard]] CryptoResult<MimeBody> smimeSign(ByteView entity, const Certificate &certificate,
                                               const PrivateKey &key);

/// Verifies a multipart/signed body against `acceptableSigners` only: the
/// system CA store is never consulted, and the signer must be one of these
/// certificates (the set discovered for the peer). Exactly one signer. The
/// signature is checked over the first part's bytes exactly as received; only
/// if that fails and the part has bare LFs is its CRLF form tried
/// (RFC 5751 §3.1.1: the content was signed in canonical form).
/// Errors: NoSignature (not multipart/signed, another protocol, no signer),
/// MalformedMime, MalformedDer, UnsupportedAlgorithm (digest other than
/// SHA-256/384/512, weak signer key), BadSignature (content or signature
/// altered, several signers, not detached), SignerNotInSet,
/// CertificateExpired / CertificateNotYetValid (the signer at `now`).
[[nodiscard]] CryptoResult<VerifiedContent>
smimeVerify(const MimeBody &signedBody, std::span<const Certificate> acceptableSigners,
            SystemTime now);

/// Encrypts a MIME entity for every recipient at once: RSA recipients by key
/// transport (RSAES-OAEP, SHA-256), EC recipients by ephemeral-static ECDH
/// (X9.63 KDF with SHA-256, AES key wrap). Bare LFs become CRLF first.
/// Output: application/pkcs7-mime with the binary DER body.
/// Errors: InvalidArgument (no or too many recipients, too large),
/// UnsupportedAlgorithm (a recipient's key type or size).
[[nodiscard]] CryptoResult<MimeBody> smimeEncrypt(ByteView entity,
                                                  std::span<const Certificate> recipients,
                                                  Cipher cipher = Cipher::Aes128Gcm);

/// Decrypts application/pkcs7-mime (AuthEnvelopedData or EnvelopedData)
/// with this device's key. The body is DER; base64 text is accepted too.
/// Returns the decrypted MIME entity.
/// Errors: MalformedMime (wrong Content-Type or smime-type, too large),
/// MalformedDer, UnsupportedAlgorithm (content encryption other than AES-128
/// or AES-256 in GCM or CBC mode, or a short GCM tag), NotForThisKey (no
/// RecipientInfo for `certificate`), DecryptFailed (key unwrap, tag or padding
/// failure), InvalidArgument (key does not match the certificate).
[[nodiscard]] CryptoResult<Bytes>
smimeDecrypt(const MimeBody &encrypted, const Certificate &certificate, const PrivateKey &key);

/// Parses a whole MIME entity into its Content-Type value (text/plain when
/// absent) and its body with the Content-Transfer-Encoding undone (base64;
/// 7bit, 8bit and binary are taken as they are).
[[nodiscard]] CryptoResult<MimeBody> mimeBodyFromEntity(ByteView entity);

/// A whole MIME entity for a body: MIME-Version and Content-Type headers, a
/// blank line and the body. application/pkcs7-mime bodies are written in
/// base64 with Content-Transfer-Encoding and Content-Disposition, as
/// `openssl cms -inform SMIME` expects; other bodies are written as they are.
[[nodiscard]] Bytes mimeBodyToEntity(const MimeBody &body);

} // namespace napkin::crypto
