// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// napkin-certd's settings: an INI file (--config) overridden by flags.

#include "crypto/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace napkin::certd {

struct CertdConfig {
    std::optional<std::string> configFile;
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 8443;
    std::vector<std::string> domains; ///< normalised (lower-case, no trailing dot)
    std::string tlsCert;
    std::string tlsKey;
    /// An optional second pair holding an RSA key, for an operator whose main
    /// key is EC: it lets certd offer TLS_RSA_WITH_AES_128_CBC_SHA, the
    /// draft's mandatory suite, which needs an RSA certificate. Both or neither.
    std::string tlsRsaCert;
    std::string tlsRsaKey;
    std::string databaseUrl = "sqlite:/var/lib/napkin-certd/certd.db";
    int maxAge = 60;
    int maxDevices = 10;
    int maxValidityDays = 90;
    std::optional<std::string> nonceSecretFile;
    int nonceLifetime = 300;
    int threads = 0; ///< 0: one per CPU
    /// Simultaneous connections; 0: as many as the open-file limit allows, at most 10000.
    int maxConnections = 0;
    int maxConnectionsPerIp = 32;

    bool checkConfig = false;
    bool help = false;
    bool version = false;

    /// "ADDR:PORT" as given ("[v6]:port" for IPv6).
    [[nodiscard]] std::string listenAddress() const;
};

struct ConfigError {
    std::string message;
    bool usage = false; ///< a command-line mistake (exit 2) rather than a bad setting (exit 1)
};

template <typename T> using ConfigResult = Result<T, ConfigError>;

/// Parses the server's command line (without the program name): reads the
/// --config file first, then applies every flag on top. Does not check that
/// files exist (see CertdStartup).
[[nodiscard]] ConfigResult<CertdConfig> parseServerArguments(const std::vector<std::string> &args);

/// Reads an INI file into `config` (only the keys it names).
[[nodiscard]] ConfigResult<void> loadConfigFile(const std::string &path, CertdConfig &config);

/// Parses "127.0.0.2:8443", "[::1]:8443".
[[nodiscard]] ConfigResult<void> parseListen(std::string_view text, CertdConfig &config);

/// Domains, comma-separated, each normalised; an error names a bad one.
[[nodiscard]] ConfigResult<std::vector<std::string>> parseDomainList(std::string_view text);

/// Checks that what the server needs is present and within range.
[[nodiscard]] ConfigResult<void> validateServerConfig(CertdConfig &config);

/// The --help text.
[[nodiscard]] std::string helpText();

} // namespace napkin::certd
