// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Builds X.509 certificates of any shape a test needs, including the broken
// ones a production builder refuses to make: weak keys, wrong names,
// validity in the past or too long, a damaged signature.

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"
#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace napkin::testing {

/// Key types for test certificates; the last three are weak or unusual on
/// purpose (a certificate service must refuse them).
enum class TestKeyKind { EcP256, EcP384, Rsa2048, Rsa1024, EcP192, Ed25519 };

/// What goes into a certificate. Times are offsets from now, in seconds.
struct CertTemplate {
    QString commonName;
    QStringList dnsNames;    ///< DNS subjectAltNames
    QStringList ipAddresses; ///< IP subjectAltNames, text form
    QStringList uris;        ///< URI subjectAltNames ("sip:bob@b.example", "urn:uuid:...")
    qint64 notBeforeOffset = -300;
    qint64 notAfterOffset = 7 * 86400;
    bool isCa = false;
    /// OpenSSL config text, e.g. "critical,digitalSignature"; empty: none.
    QString keyUsage;
    QString extendedKeyUsage; ///< e.g. "serverAuth" or "emailProtection"
};

/// A certificate with its key, in the forms tests hand to programs.
struct IssuedCert {
    crypto::Certificate certificate;
    QByteArray der;
    QByteArray pem;
    QByteArray keyPem; ///< unencrypted PKCS#8; test material only
    /// "sha256:" + lower-case hex of the DER, as napkin-certd names devices.
    [[nodiscard]] QString fingerprint() const;
    /// Base64 of SHA-256 over the SubjectPublicKeyInfo (Chromium's
    /// --ignore-certificate-errors-spki-list format).
    [[nodiscard]] QString spkiSha256Base64() const;
};

/// Options for a device certificate as the draft describes it.
struct DeviceCertSpec {
    QString aor = QStringLiteral("sip:bob@b.example"); ///< first SAN URI
    QStringList extraUris;                             ///< e.g. a second SIP URI
    std::optional<QString> instanceUrn;                ///< added as a SAN URI
    TestKeyKind key = TestKeyKind::EcP256;
    qint64 notBeforeOffset = -300;
    qint64 notAfterOffset = 7 * 86400;
    /// Flip one bit in the signature after signing: parses, does not verify.
    bool corruptSignature = false;
};

class TestCa;

/// Free functions grouped as a class for discoverability.
class CertBuilder {
public:
    [[nodiscard]] static TestResult<crypto::PrivateKey> generateKey(TestKeyKind kind);

    /// Signs `tmpl` for `subjectKey` with `issuerKey`; the issuer name comes
    /// from `issuer`, or the certificate is self-signed when it is null.
    [[nodiscard]] static TestResult<crypto::Certificate> build(const CertTemplate &tmpl,
                                                               const crypto::PrivateKey &subjectKey,
                                                               const crypto::Certificate *issuer,
                                                               const crypto::PrivateKey &issuerKey);

    /// A self-signed device certificate (or one signed by `ca` when given,
    /// which a certificate service must reject as not self-signed).
    [[nodiscard]] static TestResult<IssuedCert> device(const DeviceCertSpec &spec,
                                                       const TestCa *ca = nullptr);

    /// A random "urn:uuid:..." instance URN.
    [[nodiscard]] static QString randomInstanceUrn();

    /// Packs a certificate and its key into the forms of IssuedCert.
    [[nodiscard]] static IssuedCert package(const crypto::Certificate &cert,
                                            const crypto::PrivateKey &key);

    /// The DER with one bit of the signature flipped (the last byte).
    [[nodiscard]] static QByteArray corruptSignature(const QByteArray &der);
};

} // namespace napkin::testing
