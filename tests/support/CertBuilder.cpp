// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/CertBuilder.h"
#include "tests/support/TestCa.h"

#include <QUuid>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <arpa/inet.h>

namespace napkin::testing {

using namespace napkin::crypto;

namespace {

QString opensslReason() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) {
        return QStringLiteral("unknown OpenSSL error");
    }
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

QString failure(const char *what) {
    return QStringLiteral("%1: %2").arg(QLatin1String(what), opensslReason());
}

bool addExtension(X509 *cert, X509V3_CTX *ctx, int nid, const QString &value) {
    if (value.isEmpty()) {
        return true;
    }
    const QByteArray text = value.toLatin1();
    X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, text.constData()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool appendName(GENERAL_NAMES *names, int type, const QByteArray &value) {
    GENERAL_NAME *gn = GENERAL_NAME_new();
    if (gn == nullptr) {
        return false;
    }
    ASN1_STRING *s =
        ASN1_STRING_type_new(type == GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
    if (s == nullptr ||
        ASN1_STRING_set(s, value.constData(), static_cast<int>(value.size())) != 1) {
        ASN1_STRING_free(s);
        GENERAL_NAME_free(gn);
        return false;
    }
    GENERAL_NAME_set0_value(gn, type, s);
    if (sk_GENERAL_NAME_push(names, gn) == 0) {
        GENERAL_NAME_free(gn);
        return false;
    }
    return true;
}

TestResult<GeneralNamesPtr> subjectAltNames(const CertTemplate &t) {
    GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
    if (!names) {
        return fail(failure("sk_GENERAL_NAME_new_null"));
    }
    for (const auto &dns : t.dnsNames) {
        if (!appendName(names.get(), GEN_DNS, dns.toLatin1())) {
            return fail(failure("DNS subjectAltName"));
        }
    }
    for (const auto &ip : t.ipAddresses) {
        unsigned char raw[16];
        QByteArray bytes;
        const QByteArray text = ip.toLatin1();
        if (inet_pton(AF_INET, text.constData(), raw) == 1) {
            bytes = QByteArray(reinterpret_cast<const char *>(raw), 4);
        } else if (inet_pton(AF_INET6, text.constData(), raw) == 1) {
            bytes = QByteArray(reinterpret_cast<const char *>(raw), 16);
        } else {
            return fail(QStringLiteral("not an IP address: %1").arg(ip));
        }
        if (!appendName(names.get(), GEN_IPADD, bytes)) {
            return fail(failure("IP subjectAltName"));
        }
    }
    for (const auto &uri : t.uris) {
        if (!appendName(names.get(), GEN_URI, uri.toUtf8())) {
            return fail(failure("URI subjectAltName"));
        }
    }
    return names;
}

} // namespace

QString IssuedCert::fingerprint() const {
    return QString::fromStdString(certificate.fingerprint());
}

QString IssuedCert::spkiSha256Base64() const {
    EVP_PKEY *pub = X509_get0_pubkey(certificate.native());
    unsigned char *spki = nullptr;
    const int len = i2d_PUBKEY(pub, &spki);
    if (len <= 0) {
        return {};
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(spki, static_cast<size_t>(len), digest);
    OPENSSL_free(spki);
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(digest), sizeof digest).toBase64());
}

TestResult<PrivateKey> CertBuilder::generateKey(TestKeyKind kind) {
    EVP_PKEY *raw = nullptr;
    switch (kind) {
    case TestKeyKind::EcP256:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case TestKeyKind::EcP384:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
    case TestKeyKind::EcP192:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-192");
        break;
    case TestKeyKind::Rsa2048:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
        break;
    case TestKeyKind::Rsa1024:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
        break;
    case TestKeyKind::Ed25519:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
    if (raw == nullptr) {
        return fail(failure("key generation"));
    }
    return PrivateKey(EvpPkeyPtr(raw));
}

TestResult<Certificate> CertBuilder::build(const CertTemplate &tmpl, const PrivateKey &subjectKey,
                                           const Certificate *issuer, const PrivateKey &issuerKey) {
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return fail(failure("X509_new"));
    }
    BignumPtr serial(BN_new());
    Asn1IntegerPtr serialAsn1;
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !(serialAsn1 = Asn1IntegerPtr(BN_to_ASN1_INTEGER(serial.get(), nullptr))) ||
        X509_set_serialNumber(cert.get(), serialAsn1.get()) != 1) {
        return fail(failure("serial number"));
    }
    X509NamePtr subject(X509_NAME_new());
    const QByteArray cn = tmpl.commonName.toUtf8();
    if (!subject || (!cn.isEmpty() && X509_NAME_add_entry_by_txt(
                                          subject.get(), "CN", MBSTRING_UTF8,
                                          reinterpret_cast<const unsigned char *>(cn.constData()),
                                          static_cast<int>(cn.size()), -1, 0) != 1)) {
        return fail(failure("subject name"));
    }
    X509_set_subject_name(cert.get(), subject.get());
    X509_set_issuer_name(cert.get(),
                         issuer ? X509_get_subject_name(issuer->native()) : subject.get());
    if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, tmpl.notBeforeOffset, nullptr) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, tmpl.notAfterOffset, nullptr)) {
        return fail(failure("validity"));
    }
    if (X509_set_pubkey(cert.get(), subjectKey.native()) != 1) {
        return fail(failure("public key"));
    }

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer->native() : cert.get(), cert.get(), nullptr, nullptr, 0);
    if (!addExtension(cert.get(), &ctx, NID_basic_constraints,
                      tmpl.isCa ? QStringLiteral("critical,CA:TRUE")
                                : QStringLiteral("critical,CA:FALSE")) ||
        !addExtension(cert.get(), &ctx, NID_key_usage, tmpl.keyUsage) ||
        !addExtension(cert.get(), &ctx, NID_ext_key_usage, tmpl.extendedKeyUsage) ||
        !addExtension(cert.get(), &ctx, NID_subject_key_identifier, QStringLiteral("hash"))) {
        return fail(failure("extensions"));
    }
    if (issuer && !addExtension(cert.get(), &ctx, NID_authority_key_identifier,
                                QStringLiteral("keyid:always"))) {
        return fail(failure("authority key identifier"));
    }
    if (!tmpl.dnsNames.isEmpty() || !tmpl.ipAddresses.isEmpty() || !tmpl.uris.isEmpty()) {
        auto names = subjectAltNames(tmpl);
        if (!names) {
            return fail(names.error());
        }
        if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names->get(), 0,
                              X509V3_ADD_DEFAULT) != 1) {
            return fail(failure("subjectAltName"));
        }
    }
    // Ed25519 signs without a separate digest.
    const EVP_MD *md =
        EVP_PKEY_get_id(issuerKey.native()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
    if (X509_sign(cert.get(), issuerKey.native(), md) <= 0) {
        return fail(failure("signing"));
    }
    return Certificate(std::move(cert));
}

IssuedCert CertBuilder::package(const Certificate &cert, const PrivateKey &key) {
    IssuedCert out{cert, {}, {}, {}};
    const auto der = cert.toDer();
    out.der =
        QByteArray(reinterpret_cast<const char *>(der.data()), static_cast<qsizetype>(der.size()));
    out.pem = QByteArray::fromStdString(cert.toPem());
    out.keyPem = QByteArray::fromStdString(key.toPem());
    return out;
}

QByteArray CertBuilder::corruptSignature(const QByteArray &der) {
    QByteArray out = der;
    if (!out.isEmpty()) {
        // The signature BIT STRING ends the certificate; its last byte is
        // signature value, never a tag or length.
        out[out.size() - 1] = static_cast<char>(out.at(out.size() - 1) ^ 0x01);
    }
    return out;
}

QString CertBuilder::randomInstanceUrn() {
    return QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

TestResult<IssuedCert> CertBuilder::device(const DeviceCertSpec &spec, const TestCa *ca) {
    auto key = generateKey(spec.key);
    if (!key) {
        return fail(key.error());
    }
    CertTemplate t;
    QString user = spec.aor.section(QLatin1Char('@'), 0, 0);
    user = user.mid(user.indexOf(QLatin1Char(':')) + 1);
    t.commonName = user.isEmpty() ? QStringLiteral("device") : user;
    t.uris << spec.aor << spec.extraUris;
    if (spec.instanceUrn) {
        t.uris << *spec.instanceUrn;
    }
    t.notBeforeOffset = spec.notBeforeOffset;
    t.notAfterOffset = spec.notAfterOffset;
    t.keyUsage = spec.key == TestKeyKind::Rsa2048 || spec.key == TestKeyKind::Rsa1024
                     ? QStringLiteral("critical,digitalSignature,keyEncipherment")
                     : QStringLiteral("critical,digitalSignature");
    t.extendedKeyUsage = QStringLiteral("emailProtection");
    auto cert =
        ca ? build(t, *key, &ca->rootCertificate(), ca->rootKey()) : build(t, *key, nullptr, *key);
    if (!cert) {
        return fail(cert.error());
    }
    IssuedCert out = package(*cert, *key);
    if (spec.corruptSignature) {
        out.der = corruptSignature(out.der);
        const auto bytes = ByteView(reinterpret_cast<const std::uint8_t *>(out.der.constData()),
                                    static_cast<std::size_t>(out.der.size()));
        auto broken = Certificate::fromDer(bytes);
        if (!broken) {
            return fail(QStringLiteral("the corrupted certificate does not parse: %1")
                            .arg(QString::fromStdString(broken.error().message)));
        }
        out.certificate = *broken;
        out.pem = QByteArray::fromStdString(broken->toPem());
    }
    return out;
}

} // namespace napkin::testing
