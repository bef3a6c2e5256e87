// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>

namespace napkin::crypto {

namespace {

constexpr std::size_t kMaxCertFile = 1024 * 1024;
constexpr std::string_view kUrnUuidPrefix = "urn:uuid:";

std::string asn1String(const ASN1_STRING *s) {
    return std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

SystemTime fromAsn1Time(const ASN1_TIME *t) {
    struct tm tm {};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        return SystemTime{};
    }
    // SystemTime counts nanoseconds in 64 bits (1678 to 2262), but a
    // certificate may say 9999-12-31 ("no expiry", RFC 5280 §4.1.2.5): clamp
    // to half that range (1824 to 2116), so that converting cannot overflow
    // and neither can the difference of two such times plus some slack.
    const std::time_t limit =
        std::chrono::duration_cast<std::chrono::seconds>(SystemTime::duration::max()).count() / 2;
    const std::time_t seconds = std::clamp<std::time_t>(timegm(&tm), -limit, limit);
    return std::chrono::system_clock::from_time_t(seconds);
}

template <typename Fn> void forEachSan(X509 *cert, Fn &&fn) {
    GeneralNamesPtr names(static_cast<GENERAL_NAMES *>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) {
        return;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        fn(*sk_GENERAL_NAME_value(names.get(), i));
    }
}

bool looksLikePem(ByteView data) {
    static constexpr std::string_view marker = "-----BEGIN ";
    std::string_view text(reinterpret_cast<const char *>(data.data()), data.size());
    return text.find(marker) != std::string_view::npos;
}

} // namespace

std::string groupHexForPeople(ByteView bytes) {
    const std::string hex = toHex(bytes, HexCase::Upper);
    std::string out;
    out.reserve(hex.size() + hex.size() / 4);
    for (std::size_t i = 0; i < hex.size(); ++i) {
        if (i > 0 && i % 4 == 0) {
            out += ' ';
        }
        out += hex[i];
    }
    return out;
}

Certificate::Certificate(X509Ptr cert) : m_cert(cert.release(), X509_free) {}

CryptoResult<Certificate> Certificate::fromDer(ByteView der) {
    if (der.empty()) {
        return fail(CryptoError{CryptoErrc::MalformedDer, "the certificate is empty"});
    }
    const unsigned char *p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) {
        return fail(
            CryptoError::fromOpenSsl(CryptoErrc::MalformedDer, "the certificate is not valid DER"));
    }
    if (p != der.data() + der.size()) {
        return fail(CryptoError{CryptoErrc::MalformedDer,
                                "the certificate has trailing bytes after its DER encoding"});
    }
    return Certificate(std::move(cert));
}

CryptoResult<std::vector<Certificate>> Certificate::listFromPem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "out of memory"));
    }
    std::vector<Certificate> certs;
    for (;;) {
        X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) {
            unsigned long err = ERR_peek_last_error();
            if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE && !certs.empty()) {
                ERR_clear_error();
                break;
            }
            if (ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                return fail(
                    CryptoError{CryptoErrc::MalformedPem, "no PEM CERTIFICATE block was found"});
            }
            return fail(CryptoError::fromOpenSsl(
                CryptoErrc::MalformedPem,
                "PEM certificate number " + std::to_string(certs.size() + 1) + " does not parse"));
        }
        certs.emplace_back(std::move(cert));
    }
    return certs;
}

CryptoResult<Certificate> Certificate::fromPem(std::string_view pem) {
    auto list = listFromPem(pem);
    if (!list) {
        return fail(std::move(list).error());
    }
    return std::move(list.value().front());
}

CryptoResult<Certificate> Certificate::fromBytes(ByteView data) {
    if (looksLikePem(data)) {
        return fromPem(std::string_view(reinterpret_cast<const char *>(data.data()), data.size()));
    }
    return fromDer(data);
}

CryptoResult<std::vector<Certificate>> Certificate::loadFile(const std::string &path) {
    auto bytes = readFileBytes(path, kMaxCertFile);
    if (!bytes) {
        return fail(std::move(bytes).error());
    }
    if (looksLikePem(*bytes)) {
        auto list = listFromPem(
            std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()));
        if (!list) {
            auto err = std::move(list).error();
            err.message = path + ": " + err.message;
            return fail(std::move(err));
        }
        return list;
    }
    auto one = fromDer(*bytes);
    if (!one) {
        auto err = std::move(one).error();
        err.message = path + ": " + err.message;
        return fail(std::move(err));
    }
    return std::vector<Certificate>{std::move(one).value()};
}

Bytes Certificate::toDer() const {
    unsigned char *out = nullptr;
    int len = i2d_X509(m_cert.get(), &out);
    if (len <= 0) {
        return {};
    }
    Bytes der(out, out + len);
    OPENSSL_free(out);
    return der;
}

std::string Certificate::toPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), m_cert.get());
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::array<std::uint8_t, 32> Certificate::sha256() const {
    std::array<std::uint8_t, 32> md{};
    unsigned int len = 0;
    X509_digest(m_cert.get(), EVP_sha256(), md.data(), &len);
    return md;
}

std::string Certificate::fingerprint() const {
    auto md = sha256();
    return "sha256:" + toHex(md);
}

std::string Certificate::fingerprintForPeople() const {
    auto md = sha256();
    return groupHexForPeople(md);
}

std::vector<std::string> Certificate::sanUris() const {
    std::vector<std::string> out;
    forEachSan(m_cert.get(), [&](const GENERAL_NAME &gn) {
        if (gn.type == GEN_URI) {
            out.push_back(asn1String(gn.d.uniformResourceIdentifier));
        }
    });
    return out;
}

std::vector<std::string> Certificate::sanDnsNames() const {
    std::vector<std::string> out;
    forEachSan(m_cert.get(), [&](const GENERAL_NAME &gn) {
        if (gn.type == GEN_DNS) {
            out.push_back(asn1String(gn.d.dNSName));
        }
    });
    return out;
}

std::vector<std::string> Certificate::sanIpAddresses() const {
    std::vector<std::string> out;
    forEachSan(m_cert.get(), [&](const GENERAL_NAME &gn) {
        if (gn.type != GEN_IPADD) {
            return;
        }
        const ASN1_OCTET_STRING *ip = gn.d.iPAddress;
        char buf[INET6_ADDRSTRLEN] = {};
        int len = ASN1_STRING_length(ip);
        const unsigned char *data = ASN1_STRING_get0_data(ip);
        if (len == 4) {
            inet_ntop(AF_INET, data, buf, sizeof buf);
        } else if (len == 16) {
            inet_ntop(AF_INET6, data, buf, sizeof buf);
        } else {
            return;
        }
        out.emplace_back(buf);
    });
    return out;
}

namespace {
bool startsWithNoCase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
            return false;
        }
    }
    return true;
}
} // namespace

std::optional<std::string> Certificate::sipUri() const {
    for (auto &uri : sanUris()) {
        if (startsWithNoCase(uri, "sip:") || startsWithNoCase(uri, "sips:")) {
            return uri;
        }
    }
    return std::nullopt;
}

CryptoResult<std::string> normaliseInstanceUrn(std::string_view urn) {
    auto bad = [&](const std::string &why) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "the instance '" + std::string(urn.substr(0, 80)) +
                                    "' is not a urn:uuid: URN: " + why});
    };
    if (urn.size() < kUrnUuidPrefix.size()) {
        return bad("it is too short");
    }
    std::string out;
    for (char c : urn) {
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (out.compare(0, kUrnUuidPrefix.size(), kUrnUuidPrefix) != 0) {
        return bad("it must start with urn:uuid:");
    }
    std::string_view uuid = std::string_view(out).substr(kUrnUuidPrefix.size());
    if (uuid.size() != 36) {
        return bad("the UUID must have 36 characters (8-4-4-4-12 hex digits), not " +
                   std::to_string(uuid.size()));
    }
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = uuid[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (dash ? c != '-' : !hex) {
            return bad(
                dash ? "a '-' is missing at position " + std::to_string(i + 1) + " of the UUID"
                     : "the UUID has a non-hex character at position " + std::to_string(i + 1));
        }
    }
    return out;
}

std::optional<std::string> Certificate::instanceUrn() const {
    for (auto &uri : sanUris()) {
        if (startsWithNoCase(uri, kUrnUuidPrefix)) {
            // Anything else under urn:uuid: is text the certificate's maker chose, which
            // the UI would show and SeenDevices would key on: treated as no instance.
            auto canonical = normaliseInstanceUrn(uri);
            return canonical ? std::optional<std::string>(std::move(canonical).value())
                             : std::nullopt;
        }
    }
    return std::nullopt;
}

std::string Certificate::commonName() const {
    X509_NAME *subject = X509_get_subject_name(m_cert.get());
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx < 0) {
        return {};
    }
    const ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char *utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) {
        return {};
    }
    std::string cn(reinterpret_cast<char *>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    return cn;
}

std::string Certificate::serialHex() const {
    BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(m_cert.get()), nullptr));
    if (!bn) {
        return {};
    }
    char *hex = BN_bn2hex(bn.get());
    std::string out(hex);
    OPENSSL_free(hex);
    return out;
}

SystemTime Certificate::notBefore() const {
    return fromAsn1Time(X509_get0_notBefore(m_cert.get()));
}
SystemTime Certificate::notAfter() const {
    return fromAsn1Time(X509_get0_notAfter(m_cert.get()));
}

Result<void, CryptoError> Certificate::checkValidAt(SystemTime when) const {
    // RFC 5280 §4.1.2.5: both bounds are inclusive. X509_cmp_time treats the
    // notAfter second itself as expired, so compare whole seconds here.
    auto t = std::chrono::time_point_cast<std::chrono::seconds>(when);
    if (t < notBefore()) {
        return fail(
            CryptoError{CryptoErrc::CertificateNotYetValid, "the certificate is not valid yet"});
    }
    if (t > notAfter()) {
        return fail(CryptoError{CryptoErrc::CertificateExpired, "the certificate has expired"});
    }
    return {};
}

Result<void, CryptoError> Certificate::checkSelfSigned() const {
    if (X509_NAME_cmp(X509_get_subject_name(m_cert.get()), X509_get_issuer_name(m_cert.get())) !=
        0) {
        return fail(
            CryptoError{CryptoErrc::NotSelfSigned, "the certificate's issuer is not its subject"});
    }
    EVP_PKEY *pub = X509_get0_pubkey(m_cert.get());
    if (pub == nullptr) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::UnsupportedAlgorithm,
                                             "the certificate's public key cannot be read"));
    }
    if (X509_verify(m_cert.get(), pub) != 1) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::NotSelfSigned,
                                             "the certificate's self-signature does not verify"));
    }
    return {};
}

KeyInfo Certificate::keyInfo() const {
    KeyInfo info;
    EVP_PKEY *pub = X509_get0_pubkey(m_cert.get());
    if (pub == nullptr) {
        info.algorithm = "unknown";
        return info;
    }
    info.bits = EVP_PKEY_get_bits(pub);
    if (EVP_PKEY_is_a(pub, "EC")) {
        info.type = KeyType::Ec;
        char name[64] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(pub, "group", name, sizeof name, &len) == 1) {
            info.curve = name;
        }
        if (info.curve == "prime256v1") {
            info.algorithm = "EC P-256";
        } else if (info.curve == "secp384r1") {
            info.algorithm = "EC P-384";
        } else if (info.curve == "secp521r1") {
            info.algorithm = "EC P-521";
        } else {
            info.algorithm = "EC " + info.curve;
        }
    } else if (EVP_PKEY_is_a(pub, "RSA")) {
        info.type = KeyType::Rsa;
        info.algorithm = "RSA " + std::to_string(info.bits);
    } else {
        info.algorithm =
            EVP_PKEY_get0_type_name(pub) != nullptr ? EVP_PKEY_get0_type_name(pub) : "unknown";
    }
    return info;
}

bool Certificate::operator==(const Certificate &other) const {
    return X509_cmp(m_cert.get(), other.m_cert.get()) == 0;
}

} // namespace napkin::crypto
