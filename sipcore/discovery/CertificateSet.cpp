// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/CertificateSet.h"

#include "crypto/CertsOnly.h"

#include <QDateTime>
#include <QStringList>

#include <set>

namespace napkin::discovery {

namespace {

QByteArray mediaType(const QByteArray &contentType) {
    const qsizetype semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.left(semi)).trimmed().toLower();
}

crypto::ByteView bytesOf(const QByteArray &data) {
    return crypto::ByteView(reinterpret_cast<const std::uint8_t *>(data.constData()),
                            static_cast<std::size_t>(data.size()));
}

} // namespace

QString aorText(const crypto::Aor &aor) {
    return QString::fromStdString(aor.uri());
}

QString fingerprintOf(const crypto::Certificate &certificate) {
    return QString::fromStdString(certificate.fingerprint());
}

QString isoTime(std::chrono::system_clock::time_point when) {
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(Qt::ISODate);
}

bool CertificateSet::contains(const QString &fingerprint) const {
    return find(fingerprint).has_value();
}

std::optional<crypto::Certificate> CertificateSet::find(const QString &fingerprint) const {
    const std::string wanted = fingerprint.toLower().toStdString();
    for (const auto &c : certificates) {
        if (c.fingerprint() == wanted) {
            return c;
        }
    }
    return std::nullopt;
}

DiscoveryResult<std::vector<crypto::Certificate>>
decodeCertificateSet(const QByteArray &contentType, const QByteArray &body) {
    const QByteArray type = mediaType(contentType);
    if (type == "application/pkcs7-mime" || type == "application/pkcs7-certificates" ||
        type == "application/x-pkcs7-certificates") {
        auto certs = crypto::decodeCertsOnly(bytesOf(body));
        if (!certs) {
            return fail(discoveryError(
                DiscoveryErrc::MalformedSet,
                QStringLiteral("The certificate service sent a set that cannot be read: %1.")
                    .arg(QString::fromStdString(certs.error().message))));
        }
        return std::move(certs).value();
    }
    if (type == "application/pem-certificate-chain") {
        auto certs = crypto::Certificate::listFromPem(
            std::string_view(body.constData(), static_cast<std::size_t>(body.size())));
        if (!certs) {
            return fail(discoveryError(
                DiscoveryErrc::MalformedSet,
                QStringLiteral("The certificate service sent a PEM set that cannot be read: %1.")
                    .arg(QString::fromStdString(certs.error().message))));
        }
        if (certs->size() > crypto::kMaxCertsOnlyCertificates) {
            return fail(discoveryError(DiscoveryErrc::MalformedSet,
                                       QStringLiteral("The certificate service sent %1 "
                                                      "certificates, more than the limit of %2.")
                                           .arg(certs->size())
                                           .arg(crypto::kMaxCertsOnlyCertificates)));
        }
        return std::move(certs).value();
    }
    if (type == "application/pkix-cert") {
        // RFC 2585: exactly one DER certificate, nothing before or after it.
        if (body.isEmpty()) {
            return fail(discoveryError(DiscoveryErrc::MalformedSet,
                                       QStringLiteral("The certificate service sent an empty "
                                                      "application/pkix-cert body instead of a "
                                                      "certificate.")));
        }
        if (static_cast<std::size_t>(body.size()) > crypto::kMaxCertsOnlySize) {
            return fail(discoveryError(
                DiscoveryErrc::MalformedSet,
                QStringLiteral("The certificate service sent a certificate of %1 bytes, more "
                               "than the limit of %2.")
                    .arg(body.size())
                    .arg(crypto::kMaxCertsOnlySize)));
        }
        auto cert = crypto::Certificate::fromDer(bytesOf(body));
        if (!cert) {
            return fail(discoveryError(
                DiscoveryErrc::MalformedSet,
                QStringLiteral("The certificate service sent an application/pkix-cert body "
                               "that is not one DER certificate: %1.")
                    .arg(QString::fromStdString(cert.error().message))));
        }
        std::vector<crypto::Certificate> one;
        one.push_back(std::move(cert).value());
        return one;
    }
    return fail(discoveryError(
        DiscoveryErrc::MalformedSet,
        QStringLiteral("The certificate service answered with '%1' instead of a certificate set.")
            .arg(QString::fromLatin1(contentType.left(100)))));
}

DiscoveryResult<CertificateSet> filterCertificateSet(const crypto::Aor &aor,
                                                     std::vector<crypto::Certificate> certificates,
                                                     std::chrono::system_clock::time_point now) {
    CertificateSet set;
    set.aor = aor;
    set.fetchedAt = now;
    std::set<std::string> seen;
    for (auto &cert : certificates) {
        const std::string fp = cert.fingerprint();
        const QString fingerprint = QString::fromStdString(fp);
        if (!seen.insert(fp).second) {
            continue; // a duplicate is harmless; keep the first
        }
        if (auto named = crypto::checkCertificateForAor(cert, aor); !named) {
            QStringList uris;
            for (const auto &u : cert.sanUris()) {
                uris << QString::fromStdString(u);
            }
            set.dropped.push_back(
                {fingerprint, QStringLiteral("it is issued for %1, not for %2")
                                  .arg(uris.isEmpty() ? QStringLiteral("no SIP address")
                                                      : uris.join(QStringLiteral(", ")),
                                       aorText(aor))});
            continue;
        }
        if (auto self = cert.checkSelfSigned(); !self) {
            set.dropped.push_back(
                {fingerprint, QStringLiteral("it is not self-signed (%1)")
                                  .arg(QString::fromStdString(self.error().message))});
            continue;
        }
        if (cert.notAfter() < now) {
            set.dropped.push_back(
                {fingerprint, QStringLiteral("it expired on %1").arg(isoTime(cert.notAfter()))});
            continue;
        }
        if (cert.notBefore() > now + kNotBeforeTolerance) {
            set.dropped.push_back(
                {fingerprint,
                 QStringLiteral("it is not valid before %1").arg(isoTime(cert.notBefore()))});
            continue;
        }
        set.certificates.push_back(std::move(cert));
    }
    if (set.certificates.empty()) {
        QStringList reasons;
        for (const auto &d : set.dropped) {
            reasons << QStringLiteral("%1: %2").arg(d.fingerprint.left(23), d.reason);
        }
        return fail(discoveryError(
            DiscoveryErrc::EmptySet,
            reasons.isEmpty()
                ? QStringLiteral("%1 has no device certificate.").arg(aorText(aor))
                : QStringLiteral("%1 has no usable device certificate; the service listed "
                                 "only certificates Napkin refuses (%2).")
                      .arg(aorText(aor), reasons.join(QStringLiteral("; ")))));
    }
    return set;
}

} // namespace napkin::discovery
