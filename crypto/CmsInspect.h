// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A few facts about CMS structures that OpenSSL 3.0 parses but has no public
// getter for, read with a small bounded BER walker. Internal to crypto/.

#include "crypto/Certificate.h"

#include <cstddef>
#include <optional>

namespace napkin::crypto {

/// What an EnvelopedData or AuthEnvelopedData says about its encryption.
struct EnvelopeFacts {
    int contentTypeNid = 0; ///< NID_pkcs7_enveloped or NID_id_smime_ct_authEnvelopedData
    int cipherNid = 0;      ///< content-encryption algorithm, NID_undef when unknown
    std::optional<std::size_t> macLength; ///< AuthEnvelopedData only
};

/// Reads the content type, the content-encryption algorithm and the MAC
/// length of a DER or BER ContentInfo that holds (Auth)EnvelopedData.
/// MalformedDer when the structure is not shaped like one.
[[nodiscard]] CryptoResult<EnvelopeFacts> inspectEnvelope(ByteView der);

/// The same ContentInfo with the SignedData `certificates` and `crls` fields
/// left out, in definite-length form; nullopt when `der` is not one complete
/// ContentInfo holding SignedData. Verifying against known certificates does
/// not need the embedded ones, and with OpenSSL 3.0 parsing a certificate
/// costs more than checking an ECDSA signature.
[[nodiscard]] std::optional<Bytes> signedDataWithoutCertificates(ByteView der);

} // namespace napkin::crypto
