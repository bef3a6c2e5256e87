// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// An independent reader of certificate sets as a certificate service serves
// them, so that tests check the server's encoder against OpenSSL's own
// PKCS#7 parser rather than against the project's code.

#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QList>

namespace napkin::testing {

class CertsOnlyReader {
public:
    /// The certificates (DER each) of a degenerate SignedData (RFC 5751
    /// §3.6 certs-only): no signers, no content. An error names what is wrong.
    [[nodiscard]] static TestResult<QList<QByteArray>> fromDer(const QByteArray &der);
    /// The certificates (DER each) of a PEM certificate chain.
    [[nodiscard]] static TestResult<QList<QByteArray>> fromPem(const QByteArray &pem);
    /// Sorted "sha256:hex" fingerprints of DER certificates.
    [[nodiscard]] static QStringList fingerprints(const QList<QByteArray> &ders);
};

} // namespace napkin::testing
