// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/TrustStore.h"

#include <QFile>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

namespace napkin::discovery {

namespace {

using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, crypto::OsslDeleter<X509_STORE_CTX_free>>;

crypto::X509Ptr toX509(const QSslCertificate &cert) {
    const QByteArray der = cert.toDer();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    return crypto::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

} // namespace

DiscoveryResult<std::shared_ptr<const TrustStore>> TrustStore::create(const QString &extraCaFile,
                                                                      bool includeSystem) {
    crypto::X509StorePtr store(X509_STORE_new());
    if (!store) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot create a certificate store.")));
    }
    if (includeSystem && X509_STORE_set_default_paths(store.get()) != 1) {
        ERR_clear_error();
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot use the system's CA certificates.")));
    }
    if (!extraCaFile.isEmpty()) {
        QFile file(extraCaFile);
        if (!file.open(QIODevice::ReadOnly)) {
            return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                       QStringLiteral("Cannot read the CA file %1: %2.")
                                           .arg(extraCaFile, file.errorString())));
        }
        const QByteArray data = file.read(4 * 1024 * 1024);
        auto certs = QSslCertificate::fromData(data, QSsl::Pem);
        if (certs.isEmpty()) {
            certs = QSslCertificate::fromData(data, QSsl::Der);
        }
        if (certs.isEmpty()) {
            return fail(discoveryError(
                DiscoveryErrc::LocalFailure,
                QStringLiteral("The CA file %1 holds no certificate (PEM or DER expected).")
                    .arg(extraCaFile)));
        }
        for (const auto &c : certs) {
            crypto::X509Ptr x = toX509(c);
            if (!x || X509_STORE_add_cert(store.get(), x.get()) != 1) {
                ERR_clear_error();
                return fail(discoveryError(
                    DiscoveryErrc::LocalFailure,
                    QStringLiteral("The CA file %1 holds a certificate OpenSSL cannot use.")
                        .arg(extraCaFile)));
            }
        }
    }
    return std::shared_ptr<const TrustStore>(new TrustStore(std::move(store)));
}

Result<void, QString> TrustStore::verify(const QList<QSslCertificate> &chain) const {
    if (chain.isEmpty()) {
        return fail(QStringLiteral("the service sent no certificate"));
    }
    crypto::X509Ptr leaf = toX509(chain.front());
    if (!leaf) {
        return fail(QStringLiteral("the service's certificate cannot be read"));
    }
    crypto::X509StackPtr untrusted(sk_X509_new_null());
    for (qsizetype i = 1; i < chain.size(); ++i) {
        crypto::X509Ptr x = toX509(chain[i]);
        if (x && sk_X509_push(untrusted.get(), x.get()) > 0) {
            x.release(); // now owned by the stack
        }
    }
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), m_store.get(), leaf.get(), untrusted.get()) != 1) {
        ERR_clear_error();
        return fail(QStringLiteral("the certificate check could not start"));
    }
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    const int ok = X509_verify_cert(ctx.get());
    if (ok != 1) {
        const int err = X509_STORE_CTX_get_error(ctx.get());
        ERR_clear_error();
        return fail(QString::fromLatin1(X509_verify_cert_error_string(err)));
    }
    return {};
}

} // namespace napkin::discovery
