// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "crypto/Result.h"

#include <string>
#include <string_view>

namespace napkin::crypto {

/// What went wrong, as a value the caller can switch on. The message says it
/// in words a person can act on; it never contains key material.
enum class CryptoErrc {
    InvalidArgument,      ///< a caller-supplied option is out of range
    MalformedDer,         ///< DER that does not parse
    MalformedPem,         ///< PEM that does not parse or holds the wrong kind of object
    MalformedMime,        ///< a MIME entity or multipart body that does not parse
    MalformedEncoding,    ///< base64 or hex text that does not decode
    UnsupportedAlgorithm, ///< a key, digest or cipher this profile does not allow
    KeyGeneration,        ///< the random generator or key generation failed
    CertificateExpired,
    CertificateNotYetValid,
    NotSelfSigned,  ///< issuer differs from subject, or the self-signature is bad
    BadSignature,   ///< the content does not match its signature
    SignerNotInSet, ///< signature is fine but the signer is not acceptable
    NoSignature,    ///< a body that should be signed is not
    NotForThisKey,  ///< an encrypted body with no recipient for our key
    DecryptFailed,  ///< decryption or its integrity check failed
    NameMismatch,   ///< a certificate does not name the expected AOR or domain
    Io,             ///< reading or writing a file failed
    Internal,       ///< OpenSSL failed where input cannot be the cause
};

[[nodiscard]] std::string_view errcName(CryptoErrc code);

struct CryptoError {
    CryptoErrc code;
    std::string message;

    /// Builds an error whose message ends with the reason on top of OpenSSL's
    /// error queue (if any); the queue is then cleared.
    [[nodiscard]] static CryptoError fromOpenSsl(CryptoErrc code, std::string message);
};

template <typename T> using CryptoResult = Result<T, CryptoError>;

} // namespace napkin::crypto
