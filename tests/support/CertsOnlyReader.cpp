// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/CertsOnlyReader.h"

#include <QCryptographicHash>
#include <QStringList>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <memory>

namespace napkin::testing {

namespace {

QByteArray toDer(X509 *cert) {
    unsigned char *der = nullptr;
    const int len = i2d_X509(cert, &der);
    if (len <= 0) {
        return {};
    }
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

} // namespace

TestResult<QList<QByteArray>> CertsOnlyReader::fromDer(const QByteArray &der) {
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(d2i_PKCS7(nullptr, &p, der.size()),
                                                     &PKCS7_free);
    if (!p7) {
        return fail(QStringLiteral("not a DER PKCS#7/CMS structure (%1 bytes)").arg(der.size()));
    }
    if (p != reinterpret_cast<const unsigned char *>(der.constData()) + der.size()) {
        return fail(QStringLiteral("trailing bytes after the PKCS#7 structure"));
    }
    if (!PKCS7_type_is_signed(p7.get())) {
        return fail(QStringLiteral("the PKCS#7 structure is not SignedData"));
    }
    PKCS7_SIGNED *sd = p7->d.sign;
    if (sd == nullptr) {
        return fail(QStringLiteral("SignedData without content"));
    }
    if (sk_PKCS7_SIGNER_INFO_num(sd->signer_info) > 0) {
        return fail(QStringLiteral("a certs-only SignedData must have no signers"));
    }
    if (sd->contents != nullptr && sd->contents->d.ptr != nullptr) {
        return fail(QStringLiteral("a certs-only SignedData must have no encapsulated content"));
    }
    QList<QByteArray> out;
    for (int i = 0; i < sk_X509_num(sd->cert); ++i) {
        out.append(toDer(sk_X509_value(sd->cert, i)));
    }
    return out;
}

TestResult<QList<QByteArray>> CertsOnlyReader::fromPem(const QByteArray &pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.constData(), static_cast<int>(pem.size())), &BIO_free);
    QList<QByteArray> out;
    for (;;) {
        X509 *cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
        if (cert == nullptr) {
            break;
        }
        out.append(toDer(cert));
        X509_free(cert);
    }
    ERR_clear_error(); // the end of input is reported as an error
    if (out.isEmpty()) {
        return fail(QStringLiteral("no CERTIFICATE block in the PEM text"));
    }
    return out;
}

QStringList CertsOnlyReader::fingerprints(const QList<QByteArray> &ders) {
    QStringList out;
    for (const auto &d : ders) {
        out << QStringLiteral("sha256:") +
                   QString::fromLatin1(
                       QCryptographicHash::hash(d, QCryptographicHash::Sha256).toHex());
    }
    out.sort();
    return out;
}

} // namespace napkin::testing
