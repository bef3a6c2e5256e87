// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Lets QCOMPARE print crypto error codes by name, and takes multipart/signed
// bodies apart (and signs with OpenSSL directly) for tamper cases.

#include "crypto/CryptoError.h"
#include "crypto/DeviceIdentity.h"
#include "crypto/Mime.h"
#include "crypto/OpenSslPtr.h"
#include "crypto/Smime.h"

#include <openssl/cms.h>

#include <QByteArray>
#include <string>

namespace napkin::crypto {
inline char *toString(CryptoErrc code) {
    return qstrdup(std::string(errcName(code)).c_str());
}

/// The two parts of a multipart/signed body.
struct Halves {
    std::string boundary;
    Bytes content;
    Bytes signatureDer;
};

inline Halves splitSigned(const MimeBody &signedBody) {
    Halves h;
    auto ct = parseContentType(signedBody.contentType);
    h.boundary = std::string(*ct->parameter("boundary"));
    auto parts = splitMultipart(signedBody.body, h.boundary);
    h.content.assign((*parts)[0].begin(), (*parts)[0].end());
    auto sig = mimeBodyFromEntity((*parts)[1]);
    h.signatureDer = sig->body;
    return h;
}

/// Rebuilds a multipart/signed body from (modified) halves.
inline MimeBody joinSigned(const MimeBody &original, const Halves &h) {
    std::string sigPart = "Content-Type: application/pkcs7-signature\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n" +
                          encodeBase64Lines(h.signatureDer);
    const ByteView parts[] = {h.content, asBytes(sigPart)};
    auto built = buildMultipart(parts, h.boundary);
    return MimeBody{original.contentType, std::move(built->body)};
}

inline Bytes cmsDer(CMS_ContentInfo *cms) {
    unsigned char *der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms, &der);
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

/// A detached signature made directly with OpenSSL, for cases our own
/// smimeSign() refuses to produce.
inline Bytes rawSignature(ByteView content, const std::vector<const DeviceIdentity *> &signers,
                          const EVP_MD *md, unsigned int flags) {
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY | flags));
    for (const auto *s : signers) {
        CMS_add1_signer(cms.get(), s->certificate.native(), s->key.native(), md,
                        CMS_PARTIAL | CMS_BINARY | (flags & CMS_NOATTR));
    }
    BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY | flags);
    return cmsDer(cms.get());
}

} // namespace napkin::crypto
