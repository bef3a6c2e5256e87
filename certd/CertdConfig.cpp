// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/CertdConfig.h"
#include "crypto/IniFile.h"
#include "crypto/NameMatch.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <fstream>
#include <sstream>
#include <thread>

namespace napkin::certd {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

ConfigError settingError(std::string message) {
    return ConfigError{std::move(message), false};
}

ConfigError usageError(std::string message) {
    return ConfigError{std::move(message), true};
}

ConfigResult<int> parseInt(std::string_view text, std::string_view what, int min, int max,
                           bool usage) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
        return fail(ConfigError{std::string(what) + " must be a whole number from " +
                                    std::to_string(min) + " to " + std::to_string(max) +
                                    " (got \"" + std::string(text) + "\")",
                                usage});
    }
    return value;
}

/// Paths in the INI file are relative to the file's directory.
std::string resolveAgainst(const std::string &base, const std::string &path) {
    if (path.empty() || path.front() == '/') {
        return path;
    }
    auto slash = base.rfind('/');
    return slash == std::string::npos ? path : base.substr(0, slash + 1) + path;
}

struct Setter {
    std::string_view section;
    std::string_view key;
    std::string_view flag;
};

constexpr Setter kSettings[] = {
    {"server", "listen", "--listen"},
    {"server", "domains", "--domain"},
    {"server", "tls_cert", "--tls-cert"},
    {"server", "tls_key", "--tls-key"},
    {"server", "tls_rsa_cert", "--tls-rsa-cert"},
    {"server", "tls_rsa_key", "--tls-rsa-key"},
    {"server", "threads", "--threads"},
    {"server", "max_connections", "--max-connections"},
    {"server", "max_connections_per_ip", "--max-connections-per-ip"},
    {"database", "url", "--db"},
    {"policy", "max_age", "--max-age"},
    {"policy", "max_devices", "--max-devices"},
    {"policy", "max_validity_days", "--max-validity-days"},
    {"auth", "nonce_secret_file", "--nonce-secret-file"},
    {"auth", "nonce_lifetime", "--nonce-lifetime"},
};

/// Applies one setting, named by its flag. `fromFile` makes errors settings
/// errors (exit 1) instead of usage errors, and resolves relative paths.
ConfigResult<void> apply(CertdConfig &config, std::string_view flag, const std::string &value,
                         const std::string &where, bool fromFile, bool &domainsFromFlags) {
    bool usage = !fromFile;
    auto path = [&](const std::string &v) {
        return fromFile ? resolveAgainst(*config.configFile, v) : v;
    };
    auto number = [&](int &out, int min, int max) -> ConfigResult<void> {
        auto n = parseInt(value, where, min, max, usage);
        if (!n) {
            return fail(std::move(n).error());
        }
        out = *n;
        return {};
    };
    if (flag == "--listen") {
        auto r = parseListen(value, config);
        if (!r) {
            return fail(ConfigError{where + ": " + r.error().message, usage});
        }
        return {};
    }
    if (flag == "--domain") {
        auto domains = parseDomainList(value);
        if (!domains) {
            return fail(ConfigError{where + ": " + domains.error().message, usage});
        }
        if (!fromFile && !domainsFromFlags) {
            config.domains.clear(); // flags replace the file's list
            domainsFromFlags = true;
        }
        if (fromFile) {
            config.domains.clear();
        }
        for (auto &d : *domains) {
            if (std::find(config.domains.begin(), config.domains.end(), d) ==
                config.domains.end()) {
                config.domains.push_back(d);
            }
        }
        return {};
    }
    if (flag == "--tls-cert") {
        config.tlsCert = path(value);
    } else if (flag == "--tls-key") {
        config.tlsKey = path(value);
    } else if (flag == "--tls-rsa-cert") {
        config.tlsRsaCert = path(value);
    } else if (flag == "--tls-rsa-key") {
        config.tlsRsaKey = path(value);
    } else if (flag == "--db") {
        std::string url = value;
        if (fromFile && url.starts_with("sqlite:") && !url.starts_with("sqlite:/")) {
            url = "sqlite:" + path(url.substr(7));
        }
        config.databaseUrl = url;
    } else if (flag == "--nonce-secret-file") {
        config.nonceSecretFile = path(value);
    } else if (flag == "--threads") {
        return number(config.threads, 1, 256);
    } else if (flag == "--max-connections") {
        return number(config.maxConnections, 0, 1000000);
    } else if (flag == "--max-connections-per-ip") {
        return number(config.maxConnectionsPerIp, 1, 1000000);
    } else if (flag == "--max-age") {
        return number(config.maxAge, 0, 365 * 86400);
    } else if (flag == "--max-devices") {
        return number(config.maxDevices, 1, 1000);
    } else if (flag == "--max-validity-days") {
        return number(config.maxValidityDays, 1, 3650);
    } else if (flag == "--nonce-lifetime") {
        return number(config.nonceLifetime, 10, 86400);
    }
    if (value.empty()) {
        return fail(ConfigError{where + " needs a value", usage});
    }
    return {};
}

} // namespace

std::string CertdConfig::listenAddress() const {
    bool v6 = listenHost.find(':') != std::string::npos;
    return (v6 ? "[" + listenHost + "]" : listenHost) + ":" + std::to_string(listenPort);
}

ConfigResult<void> parseListen(std::string_view text, CertdConfig &config) {
    std::string host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail(settingError("listen address \"" + std::string(text) +
                                     "\" must look like [::1]:8443"));
        }
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return fail(settingError("listen address \"" + std::string(text) +
                                     "\" must look like 127.0.0.2:8443 (or [::1]:8443)"));
        }
        host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (host.empty()) {
        return fail(settingError("listen address \"" + std::string(text) + "\" has no address"));
    }
    auto p = parseInt(port, "the listen port", 0, 65535, false);
    if (!p) {
        return fail(std::move(p).error());
    }
    config.listenHost = host;
    config.listenPort = static_cast<std::uint16_t>(*p);
    return {};
}

ConfigResult<std::vector<std::string>> parseDomainList(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto comma = text.find(',', pos);
        auto item = trim(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
        if (!item.empty()) {
            auto normalised = crypto::normaliseDomain(item);
            if (!normalised) {
                return fail(settingError("\"" + item + "\" is not a valid domain name"));
            }
            out.push_back(*normalised);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    if (out.empty()) {
        return fail(settingError("the domain list is empty"));
    }
    return out;
}

ConfigResult<void> loadConfigFile(const std::string &path, CertdConfig &config) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
        return fail(settingError("cannot read the configuration file " + path));
    }
    config.configFile = path;
    static const crypto::IniSchema schema = [] {
        crypto::IniSchema s;
        for (const auto &setting : kSettings) {
            s.keys.push_back({setting.section, setting.key});
        }
        return s;
    }();
    auto file = crypto::IniFile::parse(text.str(), path, schema);
    if (!file) {
        const auto &e = file.error();
        return fail(
            settingError(path + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ": " + e.what));
    }
    bool unusedFlag = false;
    for (const auto &section : file->sections()) {
        for (const auto &entry : section.entries) {
            const auto setter =
                std::find_if(std::begin(kSettings), std::end(kSettings), [&](const Setter &s) {
                    return s.section == section.name && s.key == entry.key;
                });
            assert(setter != std::end(kSettings)); // the schema admits only these keys
            const std::string where =
                path + ":" + std::to_string(entry.line) + " (" + entry.key + ")";
            if (auto r = apply(config, setter->flag, entry.value, where, true, unusedFlag); !r) {
                return r;
            }
        }
    }
    return {};
}

ConfigResult<CertdConfig> parseServerArguments(const std::vector<std::string> &args) {
    CertdConfig config;
    // The file first, wherever --config appears, so that every flag overrides it.
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::optional<std::string> file;
        if (args[i] == "--config") {
            if (i + 1 >= args.size()) {
                return fail(usageError("--config needs a file name"));
            }
            file = args[i + 1];
        } else if (args[i].starts_with("--config=")) {
            file = args[i].substr(9);
        }
        if (file) {
            if (auto r = loadConfigFile(*file, config); !r) {
                return fail(std::move(r).error());
            }
        }
    }
    bool domainsFromFlags = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (arg == "--help" || arg == "-h") {
            config.help = true;
            continue;
        }
        if (arg == "--version") {
            config.version = true;
            continue;
        }
        if (arg == "--check-config") {
            config.checkConfig = true;
            continue;
        }
        std::optional<std::string> inlineValue;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
            inlineValue = arg.substr(eq + 1);
            arg.erase(eq);
        }
        bool known = arg == "--config";
        for (const auto &s : kSettings) {
            known = known || s.flag == arg;
        }
        if (!known) {
            return fail(usageError("unknown option " + arg + " (see --help)"));
        }
        std::string value;
        if (inlineValue) {
            value = *inlineValue;
        } else {
            if (i + 1 >= args.size()) {
                return fail(usageError(arg + " needs a value"));
            }
            value = args[++i];
        }
        if (arg == "--config") {
            continue; // already read
        }
        if (auto r = apply(config, arg, value, arg, false, domainsFromFlags); !r) {
            return fail(std::move(r).error());
        }
    }
    return config;
}

ConfigResult<void> validateServerConfig(CertdConfig &config) {
    if (config.domains.empty()) {
        return fail(
            usageError("no SIP domain to serve: give --domain D (or domains = in [server])"));
    }
    if (config.tlsCert.empty()) {
        return fail(usageError("no TLS certificate: give --tls-cert FILE (or tls_cert = in "
                               "[server])"));
    }
    if (config.tlsKey.empty()) {
        return fail(usageError("no TLS key: give --tls-key FILE (or tls_key = in [server])"));
    }
    if (config.tlsRsaCert.empty() != config.tlsRsaKey.empty()) {
        return fail(usageError(config.tlsRsaCert.empty()
                                   ? "--tls-rsa-key needs --tls-rsa-cert FILE too (or tls_rsa_cert "
                                     "= in [server])"
                                   : "--tls-rsa-cert needs --tls-rsa-key FILE too (or tls_rsa_key "
                                     "= in [server])"));
    }
    if (config.databaseUrl.empty()) {
        return fail(usageError("no database: give --db sqlite:PATH or --db postgresql://..."));
    }
    if (config.threads == 0) {
        config.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    return {};
}

std::string helpText() {
    return R"(napkin-certd: the certificate service of draft-jennings-sipping-certs.
Devices publish their self-signed S/MIME certificates here (PUT, HTTP Digest
with the SIP password) and anyone fetches the set for an address (GET).

Usage:
  napkin-certd [--config FILE] [options]        serve HTTPS
  napkin-certd --check-config [--config FILE] [options]
  napkin-certd user add USER@DOMAIN (--password-file F | --password-stdin) [--db URL | --config FILE]
  napkin-certd user del USER@DOMAIN [--db URL | --config FILE]
  napkin-certd user list [--domain D] [--db URL | --config FILE]

Server options (each overrides the same setting of the --config file):
  --config FILE            INI file with [server], [database], [policy] and [auth]
                           sections; relative paths in it are relative to the file.
  --listen ADDR:PORT       address to listen on, numeric (127.0.0.2:8443, [::1]:8443;
                           port 0 picks a free one). INI: [server] listen.
                           Default 127.0.0.1:8443.
  --domain D               a SIP domain served; repeat (or comma-separate) for more.
                           The TLS certificate must name every one as a DNS
                           subjectAltName. It is also the Digest realm.
                           INI: [server] domains = a.example, b.example
  --tls-cert FILE          PEM certificate (chain) of this server. INI: tls_cert.
  --tls-key FILE           PEM private key matching it. INI: tls_key.
  --tls-rsa-cert FILE      optional second PEM certificate (chain) with an RSA key,
                           for a server whose --tls-cert key is EC: with it certd
                           also offers TLS_RSA_WITH_AES_128_CBC_SHA, the draft's
                           mandatory suite, which needs RSA. Must name the same
                           domains. INI: tls_rsa_cert.
  --tls-rsa-key FILE       PEM private key matching it. INI: tls_rsa_key.
  --threads N              worker threads (default: one per CPU). INI: threads.
  --max-connections N      simultaneous connections (default 0: as many as the
                           open-file limit allows, at most 10000). INI: max_connections.
  --max-connections-per-ip N  simultaneous connections from one address (default 32).
                           INI: max_connections_per_ip.
  --db URL                 sqlite:PATH (created with its tables on first start) or a
                           libpq URI postgresql://USER@HOST:PORT/DB (password through
                           PGPASSFILE or PGPASSWORD, never on the command line).
                           INI: [database] url. Default sqlite:/var/lib/napkin-certd/certd.db
  --max-age SECONDS        Cache-Control max-age of GET answers (0 allowed; default 60).
                           INI: [policy] max_age.
  --max-devices N          device certificates per address (default 10). INI: max_devices.
  --max-validity-days N    longest certificate validity accepted (default 90).
                           INI: max_validity_days.
  --nonce-secret-file F    secret that signs Digest nonces. Give every instance behind
                           one load balancer the same file. Created (random, mode 0600)
                           if missing; without it each process makes its own.
                           INI: [auth] nonce_secret_file.
  --nonce-lifetime SECONDS how long a Digest nonce is accepted (default 300); after
                           that clients get 401 with stale=true. INI: nonce_lifetime.
  --check-config           check the settings, files, TLS certificate and database,
                           print what would be served, and exit (0 if all is well).
  --help                   this text.
  --version                the version.

User commands manage the registrar's subscriber table (Kamailio schema), shared
with Kamailio so one password serves SIP registration and certificate enrolment:
  user add                 adds the user, or sets a new password if it exists.
                           Stores ha1 = MD5(user:domain:password), ha1b =
                           MD5(user@domain:domain:password) and a SHA-256 HA1; the
                           plaintext password column stays empty.
  user del                 deletes the user and its device certificates.
  user list                lists users, their device count and SHA-256 support.
  --password-file F        read the password from the first line of F.
  --password-stdin         read the password from the first line of standard input.

Endpoints:
  GET    /search-cgi?sip=USER@DOMAIN    the address's certificates (certs-only CMS, or
                                        PEM with Accept: application/pem-certificate-chain)
  PUT    /search-cgi?sip=USER@DOMAIN    enrol one certificate (DER or PEM, Digest)
  DELETE /search-cgi?sip=USER@DOMAIN&fingerprint=sha256:HEX   revoke one (Digest)
  GET    /devices                       the user's devices, with revoke buttons (Digest)
  GET    /healthz                       200 "ok" while the database answers

Signals: SIGTERM or SIGINT stop accepting, finish requests in progress, exit 0.
Exit status: 0 success, 1 a start-up or runtime problem, 2 a usage error.
)";
}

} // namespace napkin::certd
