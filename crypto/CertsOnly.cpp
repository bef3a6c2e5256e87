// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/CertsOnly.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

namespace napkin::crypto {

namespace {

CryptoError malformed(std::string message) {
    return CryptoError{CryptoErrc::MalformedDer, std::move(message)};
}

} // namespace

CryptoResult<Bytes> encodeCertsOnly(std::span<const Certificate> certificates) {
    if (certificates.empty()) {
        return fail(
            CryptoError{CryptoErrc::InvalidArgument, "a certificate set needs a certificate"});
    }
    if (certificates.size() > kMaxCertsOnlyCertificates) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "a certificate set holds at most " +
                                    std::to_string(kMaxCertsOnlyCertificates) + " certificates"});
    }
    // No signer and detached: SignedData with eContentType id-data, no
    // eContent, no SignerInfos; finalising would need content, so it is skipped.
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED));
    if (!cms) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot create SignedData"));
    }
    for (std::size_t i = 0; i < certificates.size(); ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i && !seen; ++j) {
            seen = certificates[j] == certificates[i];
        }
        if (!seen && CMS_add1_cert(cms.get(), certificates[i].native()) != 1) {
            return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot add a certificate"));
        }
    }
    unsigned char *der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &der);
    if (len <= 0) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot encode SignedData"));
    }
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

CryptoResult<std::vector<Certificate>> decodeCertsOnly(ByteView der) {
    if (der.empty()) {
        return fail(malformed("the certificate set is empty"));
    }
    if (der.size() > kMaxCertsOnlySize) {
        return fail(malformed("the certificate set is larger than " +
                              std::to_string(kMaxCertsOnlySize) + " bytes"));
    }
    const unsigned char *p = der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::MalformedDer,
                                             "the certificate set is not valid CMS"));
    }
    if (p != der.data() + der.size()) {
        return fail(malformed("the certificate set has trailing bytes after its CMS structure"));
    }
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        return fail(malformed("the certificate set is CMS but not SignedData"));
    }
    if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms.get())) > 0) {
        return fail(malformed("the certificate set has signers; a certs-only structure has none"));
    }
    ASN1_OCTET_STRING **content = CMS_get0_content(cms.get());
    if (content != nullptr && *content != nullptr && ASN1_STRING_length(*content) > 0) {
        return fail(
            malformed("the certificate set carries content; a certs-only structure has none"));
    }
    X509StackPtr certs(CMS_get1_certs(cms.get()));
    const int count = certs ? sk_X509_num(certs.get()) : 0;
    if (count == 0) {
        return fail(malformed("the certificate set holds no certificates"));
    }
    if (static_cast<std::size_t>(count) > kMaxCertsOnlyCertificates) {
        return fail(malformed("the certificate set holds " + std::to_string(count) +
                              " certificates; at most " +
                              std::to_string(kMaxCertsOnlyCertificates) + " are accepted"));
    }
    std::vector<Certificate> out;
    out.reserve(static_cast<std::size_t>(count));
    while (sk_X509_num(certs.get()) > 0) {
        out.emplace_back(X509Ptr(sk_X509_shift(certs.get())));
    }
    return out;
}

} // namespace napkin::crypto
