// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Start-up of the server: every check that can fail before the first request
// (TLS files, names, nonce secret, database), each with a one-line message,
// then the serving loop with signal handling and the drain.

#include "certd/CertStore.h"
#include "certd/CertdConfig.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace napkin::certd {

/// What start-up has read and verified.
struct PreparedServer {
    std::string certPem; ///< the certificate chain, re-encoded
    std::string keyPem;  ///< PKCS#8; wiped on destruction
    std::string keyAlgorithm;
    std::string rsaCertPem; ///< the optional RSA chain (tls_rsa_cert), re-encoded
    std::string rsaKeyPem;  ///< its key, PKCS#8; wiped on destruction
    std::string rsaKeyAlgorithm;
    /// Why the draft's mandatory suite is not offered (an EC key and no RSA
    /// pair), for one start-up line; empty when it is offered.
    std::string tlsWarning;
    std::vector<std::uint8_t> nonceSecret;
    std::string nonceNote; ///< how the secret was obtained, for the log

    PreparedServer() = default;
    PreparedServer(PreparedServer &&) = default;
    PreparedServer &operator=(PreparedServer &&) = default;
    ~PreparedServer();
};

/// Loads and checks the TLS certificate and key, and the optional RSA pair
/// (each matches, is valid now, and names every domain as a DNS
/// subjectAltName; the second holds an RSA key) and the nonce secret
/// (created if missing, unless `dryRun`). The error is the sentence to print
/// after "napkin-certd: ".
[[nodiscard]] Result<PreparedServer, std::string> prepareServer(const CertdConfig &config,
                                                                bool dryRun = false);

/// Opens `connections` database connections, migrating the schema first when
/// `migrate` is set.
[[nodiscard]] Result<std::unique_ptr<CertStorePool>, std::string>
openDatabase(const CertdConfig &config, int connections, bool migrate);

/// --check-config: prints a summary to stdout; returns the exit status.
[[nodiscard]] int checkConfiguration(const CertdConfig &config);

/// Serves until SIGTERM/SIGINT, then drains. Returns the exit status.
[[nodiscard]] int runServer(const CertdConfig &config);

} // namespace napkin::certd
