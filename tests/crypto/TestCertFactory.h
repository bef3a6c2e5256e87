// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Builds arbitrary X.509 certificates for tests: service certificates with
// chosen DNS/IP names, CA-signed chains, expired or odd certificates. The
// production code only makes device identities; tests need everything else.

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace napkin::crypto::test {

struct TestCertOptions {
    std::vector<std::string> dnsNames; ///< SAN dNSName entries, used as given ('*', non-ASCII...)
    std::vector<std::string> ipAddresses; ///< SAN iPAddress entries in text form (v4 or v6)
    std::vector<std::string> uris;        ///< SAN URI entries, e.g. "sip:alice@a.example"
    std::string commonName;               ///< subject CN; none when empty
    std::optional<SystemTime> notBefore;  ///< default: one hour ago
    std::optional<SystemTime> notAfter;   ///< default: one day from now
    KeyType keyType = KeyType::Ec;        ///< Ec (P-256) or Rsa
    int rsaBits = 2048;
    bool isCa = false; ///< basicConstraints CA:TRUE and keyCertSign/cRLSign
    /// extendedKeyUsage NIDs, e.g. NID_server_auth; no extension when empty.
    std::vector<int> extendedKeyUsages;
    /// Signs with this issuer; self-signed when unset. The issuer's subject
    /// becomes our issuer name.
    const Certificate *issuerCert = nullptr;
    const PrivateKey *issuerKey = nullptr;
    /// Use this key instead of generating one (e.g. to reuse an expensive RSA key).
    const PrivateKey *key = nullptr;
};

struct TestCert {
    Certificate certificate;
    PrivateKey key; ///< a copy of options.key when one was given
};

/// Makes the certificate, or an error saying which step failed.
[[nodiscard]] CryptoResult<TestCert> makeTestCert(const TestCertOptions &options);

} // namespace napkin::crypto::test
