// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/Smime.h"
#include "crypto/CmsInspect.h"

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <cctype>
#include <ctime>

namespace napkin::crypto {

namespace {

constexpr std::string_view kSignatureType = "application/pkcs7-signature";
constexpr std::string_view kSignaturePartHeaders =
    "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=smime.p7s\r\n"
    "\r\n";

CryptoError error(CryptoErrc code, std::string message) {
    return CryptoError{code, std::move(message)};
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

/// A memory BIO reading `data` without copying. Never null data, even when empty.
BioPtr readOnlyBio(ByteView data) {
    static const std::uint8_t empty = 0;
    const void *p = data.empty() ? &empty : data.data();
    return BioPtr(BIO_new_mem_buf(p, static_cast<int>(data.size())));
}

Bytes memBioBytes(BIO *bio) {
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) {
        return {};
    }
    return Bytes(data, data + len);
}

CryptoResult<Bytes> cmsToDer(CMS_ContentInfo *cms) {
    unsigned char *der = nullptr;
    const int len = i2d_CMS_ContentInfo(cms, &der);
    if (len <= 0) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot encode CMS"));
    }
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

CryptoResult<CmsPtr> cmsFromDer(ByteView der, const std::string &what) {
    if (der.empty()) {
        return fail(error(CryptoErrc::MalformedDer, "the " + what + " is empty"));
    }
    const unsigned char *p = der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::MalformedDer,
                                             "the " + what + " is not valid CMS"));
    }
    if (p != der.data() + der.size()) {
        return fail(error(CryptoErrc::MalformedDer,
                          "the " + what + " has trailing bytes after its CMS structure"));
    }
    return cms;
}

std::string describeCert(const Certificate &cert) {
    auto uri = cert.sipUri();
    return (uri ? *uri + " " : std::string()) + "(" + cert.fingerprint() + ")";
}

/// RFC 8591 profile: RSA of at least 2048 bits or EC on a NIST curve.
Result<void, CryptoError> checkKeyStrength(const Certificate &cert, std::string_view role) {
    const KeyInfo info = cert.keyInfo();
    if (info.type == KeyType::Rsa) {
        if (info.bits < 2048) {
            return fail(error(CryptoErrc::UnsupportedAlgorithm,
                              std::string(role) + " " + describeCert(cert) + " has an RSA key of " +
                                  std::to_string(info.bits) + " bits; at least 2048 are required"));
        }
        return {};
    }
    if (info.type == KeyType::Ec) {
        if (info.curve == "prime256v1" || info.curve == "secp384r1" || info.curve == "secp521r1") {
            return {};
        }
        return fail(error(CryptoErrc::UnsupportedAlgorithm,
                          std::string(role) + " " + describeCert(cert) + " uses the curve " +
                              info.curve + "; only P-256, P-384 and P-521 are supported"));
    }
    return fail(error(CryptoErrc::UnsupportedAlgorithm,
                      std::string(role) + " " + describeCert(cert) + " has a " + info.algorithm +
                          " key, which S/MIME here cannot use"));
}

/// The entity in canonical form, copied only when it is not canonical already.
struct CanonicalEntity {
    Bytes storage;
    ByteView view;
};

CryptoResult<CanonicalEntity> canonicalInput(ByteView entity) {
    if (entity.size() > kMaxSmimeBody) {
        return fail(error(CryptoErrc::InvalidArgument,
                          "the entity is larger than " + std::to_string(kMaxSmimeBody) + " bytes"));
    }
    CanonicalEntity out;
    if (hasCanonicalLineEnds(entity)) {
        out.view = entity;
        return out;
    }
    out.storage = canonicalizeLineEnds(entity);
    if (out.storage.size() > kMaxSmimeBody) {
        return fail(error(CryptoErrc::InvalidArgument, "the entity is larger than " +
                                                           std::to_string(kMaxSmimeBody) +
                                                           " bytes in canonical form"));
    }
    out.view = out.storage;
    return out;
}

std::optional<SystemTime> signingTimeOf(CMS_SignerInfo *si) {
    const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (idx < 0) {
        return std::nullopt;
    }
    ASN1_TYPE *value = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
    if (value == nullptr ||
        (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME)) {
        return std::nullopt;
    }
    struct tm tm {};
    if (ASN1_TIME_to_tm(value->value.utctime, &tm) != 1) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

/// Runs OpenSSL's check of the signed attributes and of the content digest
/// with the signer certificate already set on the SignerInfo.
bool signatureVerifies(CMS_ContentInfo *cms, ByteView content) {
    BioPtr in = readOnlyBio(content);
    const bool ok = in && CMS_verify(cms, nullptr, nullptr, in.get(), nullptr,
                                     CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
    ERR_clear_error();
    return ok;
}

/// Verifies over the part as received, then (if it has bare LFs) over its
/// canonical form. Returns the bytes that verified.
std::optional<Bytes> verifyContent(CMS_ContentInfo *cms, ByteView part) {
    if (signatureVerifies(cms, part)) {
        return Bytes(part.begin(), part.end());
    }
    if (!hasCanonicalLineEnds(part)) {
        Bytes canonical = canonicalizeLineEnds(part);
        if (signatureVerifies(cms, canonical)) {
            return canonical;
        }
    }
    return std::nullopt;
}

struct SignedParts {
    ByteView content;
    Bytes signatureDer;
};

CryptoResult<SignedParts> splitSignedBody(const MimeBody &signedBody) {
    auto ct = parseContentType(signedBody.contentType);
    if (!ct) {
        return fail(std::move(ct).error());
    }
    if (!ct->is("multipart", "signed")) {
        return fail(error(CryptoErrc::NoSignature,
                          "the body is " + ct->mediaType() + ", not multipart/signed"));
    }
    const auto protocol = ct->parameter("protocol");
    if (!protocol) {
        return fail(error(CryptoErrc::NoSignature, "the multipart/signed body names no protocol"));
    }
    if (!equalsNoCase(*protocol, kSignatureType) &&
        !equalsNoCase(*protocol, "application/x-pkcs7-signature")) {
        return fail(error(CryptoErrc::NoSignature,
                          "the multipart/signed body uses protocol '" + std::string(*protocol) +
                              "', not S/MIME (application/pkcs7-signature)"));
    }
    const auto boundary = ct->parameter("boundary");
    if (!boundary) {
        return fail(error(CryptoErrc::MalformedMime, "the multipart/signed body has no boundary"));
    }
    if (signedBody.body.size() > kMaxSmimeBody) {
        return fail(error(CryptoErrc::MalformedMime, "the signed body is larger than " +
                                                         std::to_string(kMaxSmimeBody) + " bytes"));
    }
    auto parts = splitMultipart(signedBody.body, *boundary, 2);
    if (!parts) {
        return fail(std::move(parts).error());
    }
    if (parts->size() != 2) {
        return fail(error(CryptoErrc::MalformedMime,
                          "multipart/signed needs two parts (content and signature), found " +
                              std::to_string(parts->size())));
    }
    auto sigPart = mimeBodyFromEntity((*parts)[1]);
    if (!sigPart) {
        auto err = std::move(sigPart).error();
        err.message = "the signature part: " + err.message;
        return fail(std::move(err));
    }
    auto sigType = parseContentType(sigPart->contentType);
    if (!sigType) {
        auto err = std::move(sigType).error();
        err.message = "the signature part's Content-Type: " + err.message;
        return fail(std::move(err));
    }
    if (!sigType->is("application", "pkcs7-signature") &&
        !sigType->is("application", "x-pkcs7-signature")) {
        return fail(error(CryptoErrc::NoSignature, "the second part is " + sigType->mediaType() +
                                                       ", not application/pkcs7-signature"));
    }
    return SignedParts{(*parts)[0], std::move(sigPart->body)};
}

/// After no acceptable certificate matched: tells a valid signature by a
/// stranger (SignerNotInSet) from a broken one (BadSignature), using the
/// certificates embedded in the full signature.
CryptoError strangerOrBroken(ByteView signatureDer, ByteView content, std::size_t setSize) {
    auto full = cmsFromDer(signatureDer, "signature");
    if (!full) {
        return std::move(full).error();
    }
    CMS_ContentInfo *cms = full->get();
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    X509 *embedded = nullptr;
    if (si != nullptr && CMS_set1_signers_certs(cms, nullptr, 0) > 0) {
        CMS_SignerInfo_get0_algs(si, nullptr, &embedded, nullptr, nullptr);
    }
    ERR_clear_error();
    const std::string among = "none of the " + std::to_string(setSize) + " acceptable certificates";
    if (embedded == nullptr) {
        return error(CryptoErrc::SignerNotInSet,
                     "the body is signed by a certificate that is not included and is " + among);
    }
    X509_up_ref(embedded);
    const Certificate stranger{X509Ptr(embedded)};
    if (!verifyContent(cms, content)) {
        return error(CryptoErrc::BadSignature, "the signature does not match the content");
    }
    return error(CryptoErrc::SignerNotInSet,
                 "the body is validly signed by " + describeCert(stranger) + ", which is " + among);
}

Result<void, CryptoError> checkDigest(CMS_SignerInfo *si) {
    X509_ALGOR *digest = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest, nullptr);
    const ASN1_OBJECT *oid = nullptr;
    if (digest != nullptr) {
        X509_ALGOR_get0(&oid, nullptr, nullptr, digest);
    }
    const int nid = oid != nullptr ? OBJ_obj2nid(oid) : NID_undef;
    if (nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512) {
        return {};
    }
    const char *name = nid != NID_undef ? OBJ_nid2sn(nid) : "an unknown digest";
    return fail(error(CryptoErrc::UnsupportedAlgorithm,
                      std::string("the signature uses ") + name +
                          "; only SHA-256, SHA-384 and SHA-512 are accepted"));
}

} // namespace

CryptoResult<MimeBody> smimeSign(ByteView entity, const Certificate &certificate,
                                 const PrivateKey &key) {
    auto input = canonicalInput(entity);
    if (!input) {
        return fail(std::move(input).error());
    }
    if (auto strong = checkKeyStrength(certificate, "the signing certificate"); !strong) {
        return fail(std::move(strong).error());
    }
    CmsPtr cms(
        CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_DETACHED | CMS_BINARY));
    if (!cms) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot start a CMS signature"));
    }
    CMS_SignerInfo *si = CMS_add1_signer(cms.get(), certificate.native(), key.native(),
                                         EVP_sha256(), CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP);
    if (si == nullptr) {
        if (!key.matches(certificate)) {
            ERR_clear_error();
            return fail(error(CryptoErrc::InvalidArgument,
                              "the private key does not belong to the signing certificate"));
        }
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot add the CMS signer"));
    }
    // Advertise what we decrypt (RFC 8551 §2.5.2) instead of OpenSSL's
    // default list, which still names DES and RC2.
    STACK_OF(X509_ALGOR) *caps = nullptr;
    const bool capsOk = CMS_add_simple_smimecap(&caps, NID_aes_128_gcm, -1) == 1 &&
                        CMS_add_simple_smimecap(&caps, NID_aes_256_gcm, -1) == 1 &&
                        CMS_add_simple_smimecap(&caps, NID_aes_128_cbc, -1) == 1 &&
                        CMS_add_simple_smimecap(&caps, NID_aes_256_cbc, -1) == 1 &&
                        CMS_add_smimecap(si, caps) == 1;
    sk_X509_ALGOR_pop_free(caps, X509_ALGOR_free);
    if (!capsOk) {
        return fail(
            CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot add S/MIME capabilities"));
    }
    BioPtr in = readOnlyBio(input->view);
    if (!in || CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY | CMS_DETACHED) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "signing failed"));
    }
    auto der = cmsToDer(cms.get());
    if (!der) {
        return fail(std::move(der).error());
    }
    std::string signaturePart(kSignaturePartHeaders);
    signaturePart += encodeBase64Lines(*der);
    signaturePart.resize(signaturePart.size() - 2); // the delimiter brings its own CRLF
    const ByteView parts[] = {input->view, asBytes(signaturePart)};
    auto multipart = buildMultipart(parts);
    if (!multipart) {
        return fail(std::move(multipart).error());
    }
    ContentType ct{"multipart",
                   "signed",
                   {{"protocol", std::string(kSignatureType)},
                    {"micalg", "sha-256"},
                    {"boundary", multipart->boundary}}};
    return MimeBody{formatContentType(ct), std::move(multipart->body)};
}

CryptoResult<VerifiedContent> smimeVerify(const MimeBody &signedBody,
                                          std::span<const Certificate> acceptableSigners,
                                          SystemTime now) {
    auto parts = splitSignedBody(signedBody);
    if (!parts) {
        return fail(std::move(parts).error());
    }
    // The embedded certificates are skipped: the signer must be in the set
    // anyway, and parsing them would double the cost of verification.
    const auto stripped = signedDataWithoutCertificates(parts->signatureDer);
    auto cms =
        cmsFromDer(stripped ? ByteView(*stripped) : ByteView(parts->signatureDer), "signature");
    if (!cms) {
        return fail(std::move(cms).error());
    }
    CMS_ContentInfo *c = cms->get();
    if (OBJ_obj2nid(CMS_get0_type(c)) != NID_pkcs7_signed) {
        return fail(error(CryptoErrc::MalformedDer, "the signature part holds no CMS SignedData"));
    }
    STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(c);
    const int count = sk_CMS_SignerInfo_num(signers);
    if (count <= 0) {
        return fail(error(CryptoErrc::NoSignature, "the signature part carries no signer"));
    }
    if (count > 1) {
        return fail(error(CryptoErrc::BadSignature, "the signature has " + std::to_string(count) +
                                                        " signers; exactly one is accepted"));
    }
    if (CMS_is_detached(c) != 1) {
        return fail(error(CryptoErrc::BadSignature,
                          "the signature carries content of its own; multipart/signed needs a "
                          "detached signature"));
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(signers, 0);
    if (auto digestOk = checkDigest(si); !digestOk) {
        return fail(std::move(digestOk).error());
    }
    bool sawCandidate = false;
    for (const auto &candidate : acceptableSigners) {
        if (CMS_SignerInfo_cert_cmp(si, candidate.native()) != 0) {
            continue;
        }
        if (auto strong = checkKeyStrength(candidate, "the signer"); !strong) {
            return fail(std::move(strong).error());
        }
        sawCandidate = true;
        CMS_SignerInfo_set1_signer_cert(si, candidate.native());
        auto verified = verifyContent(c, parts->content);
        if (!verified) {
            continue; // another certificate may share issuer and serial
        }
        if (auto valid = candidate.checkValidAt(now); !valid) {
            auto err = std::move(valid).error();
            err.message =
                "the signer's certificate " + describeCert(candidate) +
                (err.code == CryptoErrc::CertificateExpired ? " has expired" : " is not valid yet");
            return fail(std::move(err));
        }
        return VerifiedContent{std::move(*verified), candidate, signingTimeOf(si)};
    }
    if (sawCandidate) {
        return fail(error(CryptoErrc::BadSignature,
                          "the signature does not match the content (altered in transit?)"));
    }
    return fail(strangerOrBroken(parts->signatureDer, parts->content, acceptableSigners.size()));
}

CryptoResult<MimeBody> smimeEncrypt(ByteView entity, std::span<const Certificate> recipients,
                                    Cipher cipher) {
    if (recipients.empty()) {
        return fail(error(CryptoErrc::InvalidArgument, "there is no recipient to encrypt for"));
    }
    if (recipients.size() > kMaxSmimeRecipients) {
        return fail(error(CryptoErrc::InvalidArgument,
                          "more than " + std::to_string(kMaxSmimeRecipients) + " recipients"));
    }
    for (const auto &r : recipients) {
        if (auto strong = checkKeyStrength(r, "the recipient"); !strong) {
            return fail(std::move(strong).error());
        }
    }
    auto input = canonicalInput(entity);
    if (!input) {
        return fail(std::move(input).error());
    }
    const bool gcm = cipher == Cipher::Aes128Gcm;
    CmsPtr cms(gcm ? CMS_AuthEnvelopedData_create(EVP_aes_128_gcm())
                   : CMS_EnvelopedData_create(EVP_aes_128_cbc()));
    if (!cms) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "cannot start CMS encryption"));
    }
    for (const auto &r : recipients) {
        CMS_RecipientInfo *ri = CMS_add1_recipient_cert(cms.get(), r.native(), CMS_KEY_PARAM);
        EVP_PKEY_CTX *pctx = ri != nullptr ? CMS_RecipientInfo_get0_pkey_ctx(ri) : nullptr;
        if (pctx == nullptr) {
            return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                                 "cannot add the recipient " + describeCert(r)));
        }
        bool ok = true;
        if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
                 EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) > 0 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0;
        } else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
            ok = EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) > 0;
        }
        if (!ok) {
            return fail(CryptoError::fromOpenSsl(
                CryptoErrc::Internal, "cannot set key parameters for " + describeCert(r)));
        }
    }
    BioPtr in = readOnlyBio(input->view);
    if (!in || CMS_set_detached(cms.get(), 0) != 1 ||
        CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "encryption failed"));
    }
    auto der = cmsToDer(cms.get());
    if (!der) {
        return fail(std::move(der).error());
    }
    return MimeBody{gcm ? "application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m"
                        : "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                    std::move(der).value()};
}

CryptoResult<Bytes> smimeDecrypt(const MimeBody &encrypted, const Certificate &certificate,
                                 const PrivateKey &key) {
    auto ct = parseContentType(encrypted.contentType);
    if (!ct) {
        return fail(std::move(ct).error());
    }
    if (!ct->is("application", "pkcs7-mime") && !ct->is("application", "x-pkcs7-mime")) {
        return fail(error(CryptoErrc::MalformedMime,
                          "the body is " + ct->mediaType() + ", not application/pkcs7-mime"));
    }
    if (auto type = ct->parameter("smime-type"); type && !equalsNoCase(*type, "enveloped-data") &&
                                                 !equalsNoCase(*type, "authEnveloped-data")) {
        return fail(
            error(CryptoErrc::MalformedMime, "the body has smime-type=" + std::string(*type) +
                                                 ", which is not an encrypted body"));
    }
    if (encrypted.body.size() > kMaxSmimeBody) {
        return fail(error(CryptoErrc::MalformedMime, "the encrypted body is larger than " +
                                                         std::to_string(kMaxSmimeBody) + " bytes"));
    }
    ByteView der = encrypted.body;
    Bytes decoded;
    if (!der.empty() && der.front() != 0x30) {
        // Not DER: maybe base64 from a sender that kept the mail habit.
        auto b64 = decodeBase64(asText(der), kMimeBase64);
        if (!b64) {
            return fail(
                error(CryptoErrc::MalformedDer, "the encrypted body is neither DER nor base64"));
        }
        decoded = std::move(b64).value();
        der = decoded;
    }
    auto facts = inspectEnvelope(der);
    if (!facts) {
        return fail(std::move(facts).error());
    }
    const bool auth = facts->contentTypeNid == NID_id_smime_ct_authEnvelopedData;
    if (!auth && facts->contentTypeNid != NID_pkcs7_enveloped) {
        return fail(error(CryptoErrc::MalformedDer,
                          "the body holds no CMS EnvelopedData or AuthEnvelopedData"));
    }
    const int nid = facts->cipherNid;
    const bool isGcm = nid == NID_aes_128_gcm || nid == NID_aes_256_gcm;
    const bool isCbc = nid == NID_aes_128_cbc || nid == NID_aes_256_cbc;
    if (!(auth ? isGcm : isCbc)) {
        const std::string name = nid != NID_undef ? OBJ_nid2sn(nid) : "an unknown algorithm";
        return fail(error(CryptoErrc::UnsupportedAlgorithm,
                          "the content is encrypted with " + name + " in " +
                              (auth ? "AuthEnvelopedData" : "EnvelopedData") +
                              "; only AES-128/256 GCM (AuthEnvelopedData) or CBC "
                              "(EnvelopedData) is accepted"));
    }
    if (auth && (*facts->macLength < 12 || *facts->macLength > 16)) {
        return fail(error(CryptoErrc::UnsupportedAlgorithm,
                          "the GCM tag is " + std::to_string(*facts->macLength) +
                              " bytes long; 12 to 16 are accepted"));
    }
    auto cms = cmsFromDer(der, "encrypted body");
    if (!cms) {
        return fail(std::move(cms).error());
    }
    STACK_OF(CMS_RecipientInfo) *infos = CMS_get0_RecipientInfos(cms->get());
    bool forUs = false;
    const int count = sk_CMS_RecipientInfo_num(infos);
    for (int i = 0; i < count && !forUs; ++i) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(infos, i);
        if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
            forUs = CMS_RecipientInfo_ktri_cert_cmp(ri, certificate.native()) == 0;
        } else if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
            STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
            for (int k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks) && !forUs; ++k) {
                forUs = CMS_RecipientEncryptedKey_cert_cmp(
                            sk_CMS_RecipientEncryptedKey_value(reks, k), certificate.native()) == 0;
            }
        }
    }
    if (!forUs) {
        return fail(error(CryptoErrc::NotForThisKey,
                          "the body is encrypted for " + std::to_string(count) +
                              " recipient(s), none of them this device's certificate " +
                              certificate.fingerprint()));
    }
    if (!key.matches(certificate)) {
        return fail(error(CryptoErrc::InvalidArgument,
                          "the private key does not belong to the certificate"));
    }
    BioPtr out(BIO_new(BIO_s_mem()));
    if (!out) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "out of memory"));
    }
    if (CMS_decrypt(cms->get(), key.native(), certificate.native(), nullptr, out.get(),
                    CMS_BINARY) != 1) {
        return fail(CryptoError::fromOpenSsl(
            CryptoErrc::DecryptFailed,
            auth ? "decryption failed: the key or the authentication tag does not match"
                 : "decryption failed: the key or the padding does not match"));
    }
    return memBioBytes(out.get());
}

CryptoResult<MimeBody> mimeBodyFromEntity(ByteView entity) {
    if (entity.size() > 2 * kMaxSmimeBody) { // room for base64 and headers
        return fail(error(CryptoErrc::MalformedMime,
                          "the entity is larger than " + std::to_string(kMaxSmimeBody) + " bytes"));
    }
    auto parsed = parseMimeEntity(entity);
    if (!parsed) {
        return fail(std::move(parsed).error());
    }
    MimeBody out;
    const auto type = parsed->header("Content-Type");
    out.contentType = type ? std::string(*type) : std::string("text/plain");
    const auto cte = parsed->header("Content-Transfer-Encoding");
    if (!cte || equalsNoCase(*cte, "binary") || equalsNoCase(*cte, "7bit") ||
        equalsNoCase(*cte, "8bit")) {
        out.body.assign(parsed->body.begin(), parsed->body.end());
    } else if (equalsNoCase(*cte, "base64")) {
        auto decoded = decodeBase64(asText(parsed->body), kMimeBase64);
        if (!decoded) {
            return fail(error(CryptoErrc::MalformedMime,
                              "the base64 body does not decode: " + decoded.error().message));
        }
        out.body = std::move(decoded).value();
    } else {
        return fail(error(CryptoErrc::MalformedMime, "Content-Transfer-Encoding '" +
                                                         std::string(*cte) + "' is not supported"));
    }
    if (out.body.size() > kMaxSmimeBody) {
        return fail(error(CryptoErrc::MalformedMime,
                          "the body is larger than " + std::to_string(kMaxSmimeBody) + " bytes"));
    }
    return out;
}

Bytes mimeBodyToEntity(const MimeBody &body) {
    std::string head = "MIME-Version: 1.0\r\nContent-Type: " + body.contentType + "\r\n";
    auto ct = parseContentType(body.contentType);
    const bool binaryCms =
        ct && (ct->is("application", "pkcs7-mime") || ct->is("application", "x-pkcs7-mime"));
    if (binaryCms) {
        head += "Content-Transfer-Encoding: base64\r\n"
                "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n";
        head += encodeBase64Lines(body.body);
        return Bytes(head.begin(), head.end());
    }
    head += "\r\n";
    Bytes out;
    out.reserve(head.size() + body.body.size());
    out.insert(out.end(), head.begin(), head.end());
    out.insert(out.end(), body.body.begin(), body.body.end());
    return out;
}

} // namespace napkin::crypto
