// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/CryptoError.h"

#include <openssl/err.h>

namespace napkin::crypto {

std::string_view errcName(CryptoErrc code) {
    switch (code) {
    case CryptoErrc::InvalidArgument:
        return "invalid-argument";
    case CryptoErrc::MalformedDer:
        return "malformed-der";
    case CryptoErrc::MalformedPem:
        return "malformed-pem";
    case CryptoErrc::MalformedMime:
        return "malformed-mime";
    case CryptoErrc::MalformedEncoding:
        return "malformed-encoding";
    case CryptoErrc::UnsupportedAlgorithm:
        return "unsupported-algorithm";
    case CryptoErrc::KeyGeneration:
        return "key-generation";
    case CryptoErrc::CertificateExpired:
        return "certificate-expired";
    case CryptoErrc::CertificateNotYetValid:
        return "certificate-not-yet-valid";
    case CryptoErrc::NotSelfSigned:
        return "not-self-signed";
    case CryptoErrc::BadSignature:
        return "bad-signature";
    case CryptoErrc::SignerNotInSet:
        return "signer-not-in-set";
    case CryptoErrc::NoSignature:
        return "no-signature";
    case CryptoErrc::NotForThisKey:
        return "not-for-this-key";
    case CryptoErrc::DecryptFailed:
        return "decrypt-failed";
    case CryptoErrc::NameMismatch:
        return "name-mismatch";
    case CryptoErrc::Io:
        return "io";
    case CryptoErrc::Internal:
        return "internal";
    }
    return "unknown";
}

CryptoError CryptoError::fromOpenSsl(CryptoErrc code, std::string message) {
    // The most recent error is the most specific one.
    unsigned long last = 0;
    while (unsigned long e = ERR_get_error()) {
        last = e;
    }
    if (last != 0) {
        char buf[256];
        ERR_error_string_n(last, buf, sizeof buf);
        const char *reason = ERR_reason_error_string(last);
        message += " (";
        message += reason != nullptr ? reason : buf;
        message += ')';
    }
    return CryptoError{code, std::move(message)};
}

} // namespace napkin::crypto
