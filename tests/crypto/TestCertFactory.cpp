// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/crypto/TestCertFactory.h"

#include <openssl/rand.h>

#include <array>

namespace napkin::crypto::test {

namespace {

using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OsslDeleter<ASN1_BIT_STRING_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OsslDeleter<BASIC_CONSTRAINTS_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OsslDeleter<GENERAL_NAME_free>>;

inline void freeObjectStack(STACK_OF(ASN1_OBJECT) * s) noexcept {
    sk_ASN1_OBJECT_pop_free(s, ASN1_OBJECT_free);
}
using ObjectStackPtr = std::unique_ptr<STACK_OF(ASN1_OBJECT), OsslDeleter<freeObjectStack>>;

CryptoError failed(const std::string &what) {
    return CryptoError::fromOpenSsl(CryptoErrc::Internal, "test certificate: " + what);
}

bool pushString(GENERAL_NAMES *names, int type, const std::string &value) {
    GeneralNamePtr gn(GENERAL_NAME_new());
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    if (!gn || s == nullptr ||
        ASN1_STRING_set(s, value.data(), static_cast<int>(value.size())) != 1) {
        ASN1_IA5STRING_free(s);
        return false;
    }
    GENERAL_NAME_set0_value(gn.get(), type, s);
    if (sk_GENERAL_NAME_push(names, gn.get()) <= 0) {
        return false;
    }
    static_cast<void>(gn.release());
    return true;
}

bool pushIp(GENERAL_NAMES *names, const std::string &ip) {
    Asn1OctetStringPtr octets(a2i_IPADDRESS(ip.c_str()));
    GeneralNamePtr gn(GENERAL_NAME_new());
    if (!octets || !gn) {
        return false;
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, octets.release());
    if (sk_GENERAL_NAME_push(names, gn.get()) <= 0) {
        return false;
    }
    static_cast<void>(gn.release());
    return true;
}

bool setTime(X509 *cert, bool notBefore, SystemTime when) {
    Asn1TimePtr t(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(when)));
    return t && (notBefore ? X509_set1_notBefore(cert, t.get())
                           : X509_set1_notAfter(cert, t.get())) == 1;
}

Result<void, CryptoError> addExtensions(X509 *cert, const TestCertOptions &o) {
    if (!o.dnsNames.empty() || !o.ipAddresses.empty() || !o.uris.empty()) {
        GeneralNamesPtr names(GENERAL_NAMES_new());
        if (!names) {
            return fail(failed("SAN"));
        }
        for (const auto &n : o.dnsNames) {
            if (!pushString(names.get(), GEN_DNS, n)) {
                return fail(failed("DNS name " + n));
            }
        }
        for (const auto &ip : o.ipAddresses) {
            if (!pushIp(names.get(), ip)) {
                return fail(failed("IP address " + ip));
            }
        }
        for (const auto &u : o.uris) {
            if (!pushString(names.get(), GEN_URI, u)) {
                return fail(failed("URI " + u));
            }
        }
        if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
            1) {
            return fail(failed("SAN extension"));
        }
    }

    BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
    if (!bc) {
        return fail(failed("basicConstraints"));
    }
    bc->ca = o.isCa ? 0xff : 0;
    if (X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), 1, X509V3_ADD_DEFAULT) != 1) {
        return fail(failed("basicConstraints"));
    }

    Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
    if (!ku) {
        return fail(failed("keyUsage"));
    }
    // RFC 5280 bit numbers: 0 digitalSignature, 2 keyEncipherment, 4 keyAgreement,
    // 5 keyCertSign, 6 cRLSign.
    std::vector<int> bits{0};
    if (o.isCa) {
        bits.insert(bits.end(), {5, 6});
    } else {
        bits.push_back(o.keyType == KeyType::Rsa ? 2 : 4);
    }
    for (int bit : bits) {
        if (ASN1_BIT_STRING_set_bit(ku.get(), bit, 1) != 1) {
            return fail(failed("keyUsage"));
        }
    }
    if (X509_add1_ext_i2d(cert, NID_key_usage, ku.get(), 1, X509V3_ADD_DEFAULT) != 1) {
        return fail(failed("keyUsage"));
    }

    if (!o.extendedKeyUsages.empty()) {
        ObjectStackPtr eku(sk_ASN1_OBJECT_new_null());
        if (!eku) {
            return fail(failed("extendedKeyUsage"));
        }
        for (int nid : o.extendedKeyUsages) {
            ASN1_OBJECT *obj = OBJ_nid2obj(nid);
            if (obj == nullptr || sk_ASN1_OBJECT_push(eku.get(), OBJ_dup(obj)) <= 0) {
                return fail(failed("extendedKeyUsage"));
            }
        }
        if (X509_add1_ext_i2d(cert, NID_ext_key_usage, eku.get(), 0, X509V3_ADD_DEFAULT) != 1) {
            return fail(failed("extendedKeyUsage"));
        }
    }

    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    Asn1OctetStringPtr ski(ASN1_OCTET_STRING_new());
    if (!ski || X509_pubkey_digest(cert, EVP_sha1(), md.data(), &len) != 1 ||
        ASN1_OCTET_STRING_set(ski.get(), md.data(), static_cast<int>(len)) != 1 ||
        X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski.get(), 0, X509V3_ADD_DEFAULT) !=
            1) {
        return fail(failed("subjectKeyIdentifier"));
    }
    return {};
}

CryptoResult<PrivateKey> keyFor(const TestCertOptions &o) {
    if (o.key != nullptr) {
        return PrivateKey::fromPem(o.key->toPem());
    }
    if (o.keyType == KeyType::Rsa) {
        return PrivateKey::generateRsa(o.rsaBits);
    }
    return PrivateKey::generateEc("P-256");
}

} // namespace

CryptoResult<TestCert> makeTestCert(const TestCertOptions &o) {
    if ((o.issuerCert == nullptr) != (o.issuerKey == nullptr)) {
        return fail(
            CryptoError{CryptoErrc::InvalidArgument,
                        "test certificate: give both issuerCert and issuerKey, or neither"});
    }
    auto key = keyFor(o);
    if (!key) {
        return fail(std::move(key).error());
    }
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return fail(failed("version"));
    }

    std::array<unsigned char, 16> serialBytes{};
    if (RAND_bytes(serialBytes.data(), static_cast<int>(serialBytes.size())) != 1) {
        return fail(failed("serial"));
    }
    serialBytes[0] = static_cast<unsigned char>((serialBytes[0] & 0x7f) | 0x01);
    BignumPtr bn(BN_bin2bn(serialBytes.data(), static_cast<int>(serialBytes.size()), nullptr));
    Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
    if (!serial || X509_set_serialNumber(cert.get(), serial.get()) != 1) {
        return fail(failed("serial"));
    }

    X509NamePtr subject(X509_NAME_new());
    if (!subject) {
        return fail(failed("subject"));
    }
    if (!o.commonName.empty() &&
        X509_NAME_add_entry_by_NID(subject.get(), NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>(o.commonName.data()),
                                   static_cast<int>(o.commonName.size()), -1, 0) != 1) {
        return fail(failed("common name"));
    }
    X509_NAME *issuerName =
        o.issuerCert != nullptr ? X509_get_subject_name(o.issuerCert->native()) : subject.get();
    if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
        X509_set_issuer_name(cert.get(), issuerName) != 1) {
        return fail(failed("names"));
    }

    auto now = std::chrono::system_clock::now();
    if (!setTime(cert.get(), true, o.notBefore.value_or(now - std::chrono::hours(1))) ||
        !setTime(cert.get(), false, o.notAfter.value_or(now + std::chrono::hours(24)))) {
        return fail(failed("validity"));
    }
    if (X509_set_pubkey(cert.get(), key->native()) != 1) {
        return fail(failed("public key"));
    }
    if (auto ext = addExtensions(cert.get(), o); !ext) {
        return fail(std::move(ext).error());
    }
    EVP_PKEY *signer = o.issuerKey != nullptr ? o.issuerKey->native() : key->native();
    if (X509_sign(cert.get(), signer, EVP_sha256()) <= 0) {
        return fail(failed("signature"));
    }
    return TestCert{Certificate(std::move(cert)), std::move(key).value()};
}

} // namespace napkin::crypto::test
