// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/KeyContinuity.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <algorithm>

namespace napkin::crypto {

namespace {

constexpr std::string_view kDomain{"napkin key continuity v1\0", 25};
constexpr std::size_t kMaxSignature = 1024; // RSA 4096 needs 512, ECDSA P-384 ~104

inline void freeTypeSequence(ASN1_SEQUENCE_ANY *seq) noexcept {
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
}
using TypeSequencePtr = std::unique_ptr<ASN1_SEQUENCE_ANY, OsslDeleter<freeTypeSequence>>;
using Asn1TypePtr = std::unique_ptr<ASN1_TYPE, OsslDeleter<ASN1_TYPE_free>>;

CryptoError malformed(std::string what) {
    return CryptoError{CryptoErrc::MalformedDer, "the key continuity proof " + std::move(what)};
}

Asn1ObjectPtr continuityOid() {
    return Asn1ObjectPtr(OBJ_txt2obj(kKeyContinuityOid, 1));
}

bool pushOctets(ASN1_SEQUENCE_ANY *seq, ByteView bytes) {
    Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
    if (!os || ASN1_OCTET_STRING_set(os.get(), bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return false;
    }
    Asn1TypePtr type(ASN1_TYPE_new());
    if (!type) {
        return false;
    }
    ASN1_TYPE_set(type.get(), V_ASN1_OCTET_STRING, os.release());
    if (sk_ASN1_TYPE_push(seq, type.get()) <= 0) {
        return false;
    }
    type.release(); // the sequence owns it now
    return true;
}

std::optional<Bytes> encodeSequence(const ASN1_SEQUENCE_ANY *seq) {
    const int len = i2d_ASN1_SEQUENCE_ANY(seq, nullptr);
    if (len <= 0) {
        return std::nullopt;
    }
    Bytes out(static_cast<std::size_t>(len));
    unsigned char *p = out.data();
    if (i2d_ASN1_SEQUENCE_ANY(seq, &p) != len) {
        return std::nullopt;
    }
    return out;
}

std::array<std::uint8_t, 32> sha256Of(ByteView bytes) {
    std::array<std::uint8_t, 32> md{};
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
    return md;
}

/// The SubjectPublicKeyInfo DER of a certificate.
std::optional<Bytes> spkiOf(X509 *cert) {
    const X509_PUBKEY *key = X509_get_X509_PUBKEY(cert);
    const int len = key == nullptr ? 0 : i2d_X509_PUBKEY(key, nullptr);
    if (len <= 0) {
        return std::nullopt;
    }
    Bytes out(static_cast<std::size_t>(len));
    unsigned char *p = out.data();
    if (i2d_X509_PUBKEY(key, &p) != len) {
        return std::nullopt;
    }
    return out;
}

} // namespace

Bytes keyContinuityMessage(ByteView newSpkiDer, std::string_view instanceUrn,
                           std::string_view aor) {
    Bytes message(kDomain.begin(), kDomain.end());
    const auto spkiHash = sha256Of(newSpkiDer);
    message.insert(message.end(), spkiHash.begin(), spkiHash.end());
    message.insert(message.end(), instanceUrn.begin(), instanceUrn.end());
    message.insert(message.end(), aor.begin(), aor.end());
    return message;
}

CryptoResult<Bytes> makeKeyContinuity(const Certificate &previous, const PrivateKey &previousKey,
                                      ByteView newSpkiDer, std::string_view instanceUrn,
                                      std::string_view aor) {
    if (!previousKey.matches(previous)) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "the previous key does not belong to the previous certificate"});
    }
    if (previous.instanceUrn() != std::optional<std::string>(instanceUrn) ||
        previous.sipUri() != std::optional<std::string>(aor)) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "the previous certificate names another device or address, so "
                                "it cannot vouch for this one"});
    }
    const Bytes message = keyContinuityMessage(newSpkiDer, instanceUrn, aor);
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t sigLen = 0;
    if (!ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, previousKey.native()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &sigLen, message.data(), message.size()) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                             "signing the key continuity proof failed"));
    }
    Bytes signature(sigLen);
    if (EVP_DigestSign(ctx.get(), signature.data(), &sigLen, message.data(), message.size()) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                             "signing the key continuity proof failed"));
    }
    signature.resize(sigLen);

    const auto previousFingerprint = previous.sha256();
    TypeSequencePtr seq(sk_ASN1_TYPE_new_null());
    if (!seq || !pushOctets(seq.get(), previousFingerprint) || !pushOctets(seq.get(), signature)) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                             "encoding the key continuity proof failed"));
    }
    auto der = encodeSequence(seq.get());
    if (!der) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                             "encoding the key continuity proof failed"));
    }
    return std::move(*der);
}

CryptoResult<KeyContinuityProof> parseKeyContinuity(ByteView der) {
    const unsigned char *p = der.data();
    TypeSequencePtr seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (!seq) {
        return fail(malformed("is not a DER SEQUENCE"));
    }
    if (p != der.data() + der.size()) {
        return fail(malformed("has bytes after its SEQUENCE"));
    }
    if (sk_ASN1_TYPE_num(seq.get()) != 2) {
        return fail(malformed("must hold exactly two OCTET STRINGs"));
    }
    // Only one encoding is accepted (DER), so the proof cannot be re-encoded
    // to look different.
    auto again = encodeSequence(seq.get());
    if (!again || !std::equal(again->begin(), again->end(), der.begin(), der.end())) {
        return fail(malformed("is not in DER form"));
    }
    std::array<ByteView, 2> fields;
    for (int i = 0; i < 2; ++i) {
        const ASN1_TYPE *t = sk_ASN1_TYPE_value(seq.get(), i);
        if (ASN1_TYPE_get(t) != V_ASN1_OCTET_STRING) {
            return fail(malformed("must hold exactly two OCTET STRINGs"));
        }
        const ASN1_OCTET_STRING *os = t->value.octet_string;
        fields[static_cast<std::size_t>(i)] =
            ByteView(ASN1_STRING_get0_data(os), static_cast<std::size_t>(ASN1_STRING_length(os)));
    }
    KeyContinuityProof proof;
    if (fields[0].size() != proof.previousFingerprint.size()) {
        return fail(malformed("names the previous certificate by " +
                              std::to_string(fields[0].size()) +
                              " bytes, not a 32-byte SHA-256 fingerprint"));
    }
    if (fields[1].empty() || fields[1].size() > kMaxSignature) {
        return fail(malformed("has a signature of " + std::to_string(fields[1].size()) +
                              " bytes, which no allowed key makes"));
    }
    std::copy(fields[0].begin(), fields[0].end(), proof.previousFingerprint.begin());
    proof.signature.assign(fields[1].begin(), fields[1].end());
    return proof;
}

CryptoResult<std::optional<KeyContinuityProof>> keyContinuityOf(const Certificate &certificate) {
    auto oid = continuityOid();
    if (!oid) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "the proof's OID"));
    }
    const int at = X509_get_ext_by_OBJ(certificate.native(), oid.get(), -1);
    if (at < 0) {
        return std::optional<KeyContinuityProof>();
    }
    if (X509_get_ext_by_OBJ(certificate.native(), oid.get(), at) >= 0) {
        return fail(malformed("appears twice in the certificate"));
    }
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(certificate.native(), at));
    if (data == nullptr) {
        return fail(malformed("is empty"));
    }
    auto proof = parseKeyContinuity(
        ByteView(ASN1_STRING_get0_data(data), static_cast<std::size_t>(ASN1_STRING_length(data))));
    if (!proof) {
        return fail(std::move(proof).error());
    }
    return std::optional<KeyContinuityProof>(std::move(proof).value());
}

Result<void, CryptoError> verifyKeyContinuity(const Certificate &next,
                                              const Certificate &previous) {
    auto proof = keyContinuityOf(next);
    if (!proof) {
        return fail(std::move(proof).error());
    }
    if (!proof->has_value()) {
        return fail(CryptoError{CryptoErrc::NoSignature,
                                "the certificate carries no key continuity proof"});
    }
    if ((*proof)->previousFingerprint != previous.sha256()) {
        return fail(CryptoError{CryptoErrc::SignerNotInSet,
                                "the key continuity proof vouches from another certificate"});
    }
    const auto urn = next.instanceUrn();
    const auto aor = next.sipUri();
    if (!urn || !aor || previous.instanceUrn() != urn || previous.sipUri() != aor) {
        return fail(CryptoError{CryptoErrc::NameMismatch,
                                "the previous certificate names another device or address"});
    }
    const auto key = previous.keyInfo().type;
    if (key != KeyType::Ec && key != KeyType::Rsa) {
        return fail(CryptoError{CryptoErrc::UnsupportedAlgorithm,
                                "the previous certificate's key is neither EC nor RSA"});
    }
    auto spki = spkiOf(next.native());
    if (!spki) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::MalformedDer,
                                             "the certificate's public key does not encode"));
    }
    const Bytes message = keyContinuityMessage(*spki, *urn, *aor);
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_PKEY *pub = X509_get0_pubkey(previous.native());
    if (!ctx || pub == nullptr ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::UnsupportedAlgorithm,
                                             "the previous certificate's key cannot verify"));
    }
    const auto &sig = (*proof)->signature;
    if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) != 1) {
        return fail(CryptoError::fromOpenSsl(
            CryptoErrc::BadSignature,
            "the key continuity proof was not made by the previous certificate's key"));
    }
    return {};
}

Result<void, CryptoError> addKeyContinuity(X509 *cert, const Certificate &previous,
                                           const PrivateKey &previousKey,
                                           std::string_view instanceUrn, std::string_view aor) {
    auto spki = spkiOf(cert);
    if (!spki) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::InvalidArgument,
                                             "the new certificate has no public key yet"));
    }
    auto value = makeKeyContinuity(previous, previousKey, *spki, instanceUrn, aor);
    if (!value) {
        return fail(std::move(value).error());
    }
    return addKeyContinuityExtension(cert, *value);
}

Result<void, CryptoError> addKeyContinuityExtension(X509 *cert, ByteView value) {
    auto oid = continuityOid();
    Asn1OctetStringPtr os(ASN1_OCTET_STRING_new());
    if (!oid || !os ||
        ASN1_OCTET_STRING_set(os.get(), value.data(), static_cast<int>(value.size())) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "the key continuity proof"));
    }
    X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, os.get()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "the key continuity proof"));
    }
    return {};
}

} // namespace napkin::crypto
