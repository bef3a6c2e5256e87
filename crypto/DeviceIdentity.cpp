// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/DeviceIdentity.h"
#include "crypto/KeyContinuity.h"
#include "crypto/NameMatch.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace napkin::crypto {

namespace {

// RFC 5280 ub-common-name, in characters.
constexpr std::size_t kMaxCommonNameChars = 64;
constexpr std::size_t kSerialBytes = 16;

using Asn1BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, OsslDeleter<ASN1_BIT_STRING_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OsslDeleter<BASIC_CONSTRAINTS_free>>;

inline void freeEku(EXTENDED_KEY_USAGE *eku) noexcept {
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
}
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, OsslDeleter<freeEku>>;

std::string describeDuration(std::chrono::seconds d) {
    using namespace std::chrono;
    auto plural = [](long long n, const char *unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    long long s = d.count();
    if (s % (24 * 3600) == 0 && s != 0) {
        return plural(s / (24 * 3600), "day");
    }
    if (s % 3600 == 0 && s != 0) {
        return plural(s / 3600, "hour");
    }
    if (s % 60 == 0) {
        return plural(s / 60, "minute");
    }
    return plural(s, "second");
}

/// Counts the characters of well-formed UTF-8 without control characters;
/// nullopt if the text is not that.
std::optional<std::size_t> utf8Characters(std::string_view text) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++chars) {
        auto b = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (b < 0x80) {
            if (b < 0x20 || b == 0x7f) {
                return std::nullopt;
            }
            ++i;
            continue;
        }
        if ((b & 0xe0) == 0xc0) {
            len = 2;
            cp = b & 0x1fU;
        } else if ((b & 0xf0) == 0xe0) {
            len = 3;
            cp = b & 0x0fU;
        } else if ((b & 0xf8) == 0xf0) {
            len = 4;
            cp = b & 0x07U;
        } else {
            return std::nullopt;
        }
        if (i + len > text.size()) {
            return std::nullopt;
        }
        for (std::size_t k = 1; k < len; ++k) {
            auto c = static_cast<unsigned char>(text[i + k]);
            if ((c & 0xc0) != 0x80) {
                return std::nullopt;
            }
            cp = (cp << 6) | (c & 0x3fU);
        }
        static constexpr std::array<std::uint32_t, 5> minForLength{0, 0, 0x80, 0x800, 0x10000};
        if (cp < minForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
            (cp >= 0x80 && cp < 0xa0)) {
            return std::nullopt;
        }
        i += len;
    }
    return chars;
}

CryptoError internal(const char *what) {
    return CryptoError::fromOpenSsl(CryptoErrc::Internal,
                                    std::string("making the certificate failed: ") + what);
}

CryptoResult<Asn1IntegerPtr> randomSerial() {
    std::array<unsigned char, kSerialBytes> bytes{};
    // A positive INTEGER needs the top bit clear, and a zero first octet would
    // shorten the encoding; draw again in that (1 in 128) case.
    do {
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
            return fail(
                CryptoError::fromOpenSsl(CryptoErrc::KeyGeneration, "the random generator failed"));
        }
        bytes[0] &= 0x7f;
    } while (bytes[0] == 0);
    BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
    Asn1IntegerPtr serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
    if (!serial) {
        return fail(internal("serial number"));
    }
    return serial;
}

bool setTime(X509 *cert, bool notBefore, SystemTime when) {
    Asn1TimePtr t(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(when)));
    if (!t) {
        return false;
    }
    return (notBefore ? X509_set1_notBefore(cert, t.get()) : X509_set1_notAfter(cert, t.get())) ==
           1;
}

bool addUriSan(GENERAL_NAMES *names, const std::string &uri) {
    GENERAL_NAME *gn = GENERAL_NAME_new();
    if (gn == nullptr) {
        return false;
    }
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    if (ia5 == nullptr || ASN1_STRING_set(ia5, uri.data(), static_cast<int>(uri.size())) != 1) {
        ASN1_IA5STRING_free(ia5);
        GENERAL_NAME_free(gn);
        return false;
    }
    GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
    if (sk_GENERAL_NAME_push(names, gn) <= 0) {
        GENERAL_NAME_free(gn);
        return false;
    }
    return true;
}

Result<void, CryptoError> addExtensions(X509 *cert, KeyType keyType,
                                        const std::vector<std::string> &uris) {
    GeneralNamesPtr names(GENERAL_NAMES_new());
    if (!names) {
        return fail(internal("subjectAltName"));
    }
    for (const auto &uri : uris) {
        if (!addUriSan(names.get(), uri)) {
            return fail(internal("subjectAltName"));
        }
    }
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        return fail(internal("subjectAltName"));
    }

    BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
    if (!bc) {
        return fail(internal("basicConstraints"));
    }
    bc->ca = 0;
    if (X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), 1, X509V3_ADD_DEFAULT) != 1) {
        return fail(internal("basicConstraints"));
    }

    // keyUsage bit numbers from RFC 5280 4.2.1.3.
    constexpr int kDigitalSignature = 0;
    constexpr int kKeyEncipherment = 2;
    constexpr int kKeyAgreement = 4;
    Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
    bool kuOk = ku && ASN1_BIT_STRING_set_bit(ku.get(), kDigitalSignature, 1) == 1 &&
                ASN1_BIT_STRING_set_bit(
                    ku.get(), keyType == KeyType::Rsa ? kKeyEncipherment : kKeyAgreement, 1) == 1;
    if (!kuOk || X509_add1_ext_i2d(cert, NID_key_usage, ku.get(), 1, X509V3_ADD_DEFAULT) != 1) {
        return fail(internal("keyUsage"));
    }

    EkuPtr eku(sk_ASN1_OBJECT_new_null());
    ASN1_OBJECT *email = OBJ_nid2obj(NID_email_protect);
    if (!eku || email == nullptr || sk_ASN1_OBJECT_push(eku.get(), OBJ_dup(email)) <= 0 ||
        X509_add1_ext_i2d(cert, NID_ext_key_usage, eku.get(), 0, X509V3_ADD_DEFAULT) != 1) {
        return fail(internal("extendedKeyUsage"));
    }

    // RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int mdLen = 0;
    Asn1OctetStringPtr ski(ASN1_OCTET_STRING_new());
    if (!ski || X509_pubkey_digest(cert, EVP_sha1(), md.data(), &mdLen) != 1 ||
        ASN1_OCTET_STRING_set(ski.get(), md.data(), static_cast<int>(mdLen)) != 1 ||
        X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski.get(), 0, X509V3_ADD_DEFAULT) !=
            1) {
        return fail(internal("subjectKeyIdentifier"));
    }
    return {};
}

CryptoResult<PrivateKey> generateKey(const IdentityOptions &options) {
    switch (options.keyType) {
    case KeyType::Ec:
        return PrivateKey::generateEc("P-256");
    case KeyType::Rsa:
        if (options.rsaBits != 2048 && options.rsaBits != 3072 && options.rsaBits != 4096) {
            return fail(CryptoError{CryptoErrc::InvalidArgument,
                                    "an RSA key must have 2048, 3072 or 4096 bits, not " +
                                        std::to_string(options.rsaBits)});
        }
        return PrivateKey::generateRsa(options.rsaBits);
    case KeyType::Other:
        break;
    }
    return fail(CryptoError{CryptoErrc::InvalidArgument, "a device key must be EC (P-256) or RSA"});
}

} // namespace

CryptoResult<DeviceIdentity> createDeviceIdentity(const IdentityOptions &options,
                                                  const DeviceIdentity *previous) {
    auto aor = parseAor(options.aor);
    if (!aor) {
        return fail(std::move(aor).error());
    }
    if (options.lifetime < kMinLifetime || options.lifetime > kMaxLifetime) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "a certificate lifetime of " + describeDuration(options.lifetime) +
                                    " is not allowed; choose between 1 hour and 90 days"});
    }

    std::vector<std::string> uris{aor->uri()};
    if (options.instanceUrn) {
        auto urn = normaliseInstanceUrn(*options.instanceUrn);
        if (!urn) {
            return fail(std::move(urn).error());
        }
        uris.push_back(std::move(urn).value());
    }

    std::string commonName = options.displayName;
    if (commonName.empty()) {
        // The user part is ASCII, so cutting by bytes keeps it well formed.
        commonName = aor->user.substr(0, kMaxCommonNameChars);
    }
    auto chars = utf8Characters(commonName);
    if (!chars) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "the display name is not valid UTF-8 text (or contains control "
                                "characters)"});
    }
    if (*chars > kMaxCommonNameChars) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "the display name has " + std::to_string(*chars) +
                                    " characters; a certificate allows at most 64"});
    }

    auto key = generateKey(options);
    if (!key) {
        return fail(std::move(key).error());
    }

    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return fail(internal("version"));
    }
    auto serial = randomSerial();
    if (!serial) {
        return fail(std::move(serial).error());
    }
    if (X509_set_serialNumber(cert.get(), serial->get()) != 1) {
        return fail(internal("serial number"));
    }

    X509NamePtr name(X509_NAME_new());
    if (!name ||
        X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>(commonName.data()),
                                   static_cast<int>(commonName.size()), -1, 0) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::InvalidArgument,
                                             "the display name cannot be used as a common name"));
    }
    if (X509_set_subject_name(cert.get(), name.get()) != 1 ||
        X509_set_issuer_name(cert.get(), name.get()) != 1) {
        return fail(internal("subject name"));
    }

    SystemTime now = options.now.value_or(std::chrono::system_clock::now());
    if (!setTime(cert.get(), true, now - kClockSkewAllowance) ||
        !setTime(cert.get(), false, now + options.lifetime)) {
        return fail(internal("validity"));
    }
    if (X509_set_pubkey(cert.get(), key->native()) != 1) {
        return fail(internal("public key"));
    }
    if (auto ext = addExtensions(cert.get(), key->type(), uris); !ext) {
        return fail(std::move(ext).error());
    }
    if (previous != nullptr) {
        if (uris.size() < 2) {
            return fail(CryptoError{CryptoErrc::InvalidArgument,
                                    "a key continuity proof needs the device's instance URN"});
        }
        if (auto proof = addKeyContinuity(cert.get(), previous->certificate, previous->key, uris[1],
                                          uris[0]);
            !proof) {
            return fail(std::move(proof).error());
        }
    }
    if (X509_sign(cert.get(), key->native(), EVP_sha256()) <= 0) {
        return fail(internal("signature"));
    }
    // A freshly built X509 keeps no cached encoding, so OpenSSL would re-encode
    // it on every signature; a parsed copy carries its DER.
    Certificate built(std::move(cert));
    auto parsed = Certificate::fromDer(built.toDer());
    if (!parsed) {
        return fail(CryptoError{CryptoErrc::Internal, "the new certificate does not parse back: " +
                                                          parsed.error().message});
    }
    return DeviceIdentity{std::move(parsed).value(), std::move(key).value()};
}

} // namespace napkin::crypto
