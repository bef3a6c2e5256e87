// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/CertdStartup.h"
#include "certd/CertdService.h"
#include "certd/HttpServer.h"
#include "certd/LineLog.h"
#include "crypto/NameMatch.h"
#include "crypto/PrivateKey.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>

namespace napkin::certd {

namespace {

constexpr std::size_t kMinSecret = 16;
constexpr std::size_t kMaxSecretFile = 4096;
constexpr std::chrono::seconds kPurgeInterval{60};
constexpr std::chrono::milliseconds kDrainTimeout{10000};

void logLine(std::string_view line) {
    std::string text(line);
    text += '\n';
    // One write per line, so that lines from worker threads never interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
}

std::string formatDate(crypto::SystemTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

Result<std::vector<std::uint8_t>, std::string> loadNonceSecret(const std::string &path,
                                                               std::string &note, bool dryRun) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT && dryRun) {
        auto dir = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
        if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
            return fail("the nonce secret file " + path +
                        " does not exist and its directory is not writable");
        }
        note = "a new nonce secret will be created in " + path;
        return std::vector<std::uint8_t>(32, 0);
    }
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        std::array<std::uint8_t, 32> random{};
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
            return fail(std::string("cannot generate a nonce secret"));
        }
        std::string hex = crypto::toHex(random) + "\n";
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) &&
                      ::fsync(fd) == 0;
            ::close(fd);
            OPENSSL_cleanse(hex.data(), hex.size());
            if (!ok) {
                return fail("cannot write the nonce secret file " + path + ": " +
                            std::string(strerror(errno)));
            }
            note = "created a new nonce secret in " + path;
        } else if (errno != EEXIST) { // EEXIST: another instance just made it
            return fail("cannot create the nonce secret file " + path + ": " +
                        std::string(strerror(errno)));
        }
    }
    // Review L7: a secret others can read lets them forge nonces and CSRF tokens.
    struct stat mode {};
    if (::stat(path.c_str(), &mode) == 0 && (mode.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode.st_mode & 07777));
        return fail("the nonce secret file " + path + " can be read or written by other users " +
                    "(mode " + octal + "); run chmod 600 " + path +
                    " (and give it to certd's user only)");
    }
    auto bytes = crypto::readFileBytes(path, kMaxSecretFile);
    if (!bytes) {
        return fail("cannot read the nonce secret file " + path + ": " + bytes.error().message);
    }
    std::vector<std::uint8_t> secret = std::move(bytes).value();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
        secret.pop_back();
    }
    if (secret.size() < kMinSecret) {
        return fail("the nonce secret file " + path + " holds fewer than " +
                    std::to_string(kMinSecret) + " bytes; delete it to have a new one made");
    }
    if (note.empty()) {
        note = "nonce secret from " + path;
    }
    return secret;
}

/// Every connection is a descriptor: take the hard open-file limit (the
/// soft one is often 1024), so that the connection limit can be set by
/// max_connections rather than by accident.
void raiseOpenFileLimit() {
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
}

void printSummary(const CertdConfig &config, const PreparedServer &prepared,
                  const std::string &databaseState) {
    std::cout << "configuration OK\n"
              << "  listen:        https://" << config.listenAddress() << "\n"
              << "  domains:       ";
    for (std::size_t i = 0; i < config.domains.size(); ++i) {
        std::cout << (i > 0 ? ", " : "") << config.domains[i];
    }
    std::cout << "\n  TLS:           " << config.tlsCert << " (" << prepared.keyAlgorithm << ")\n";
    if (!prepared.rsaCertPem.empty()) {
        std::cout << "  TLS (RSA):     " << config.tlsRsaCert << " (" << prepared.rsaKeyAlgorithm
                  << ")\n";
    }
    if (!prepared.tlsWarning.empty()) {
        std::cout << "  warning:       " << prepared.tlsWarning << "\n";
    }
    std::cout << "  database:      " << describeDatabaseUrl(config.databaseUrl) << " ("
              << databaseState << ")\n"
              << "  threads:       " << config.threads << "\n"
              << "  connections:   "
              << (config.maxConnections == 0 ? std::string("as many as the file limit allows")
                                             : std::to_string(config.maxConnections))
              << ", " << config.maxConnectionsPerIp << " per address\n"
              << "  policy:        max-age " << config.maxAge << " s, " << config.maxDevices
              << " devices, validity <= " << config.maxValidityDays << " days\n"
              << "  digest nonces: " << prepared.nonceNote << ", lifetime " << config.nonceLifetime
              << " s\n";
}

/// A certificate chain and its key, checked and re-encoded.
struct TlsPair {
    std::string certPem;
    std::string keyPem; ///< wiped on destruction
    crypto::KeyInfo keyInfo;

    TlsPair() = default;
    TlsPair(TlsPair &&) = default;
    TlsPair &operator=(TlsPair &&) = default;
    ~TlsPair() { OPENSSL_cleanse(keyPem.data(), keyPem.size()); }
};

/// Loads a certificate and its key and checks that they match, are valid
/// now, and name every domain. `what` names the pair in messages ("TLS").
Result<TlsPair, std::string> loadTlsPair(const CertdConfig &config, const std::string &certPath,
                                         const std::string &keyPath, const std::string &what) {
    auto certs = crypto::Certificate::loadFile(certPath);
    if (!certs) {
        return fail("cannot read the " + what + " certificate " + certPath + ": " +
                    certs.error().message);
    }
    auto key = crypto::PrivateKey::loadFile(keyPath);
    if (!key) {
        return fail("cannot read the " + what + " key " + keyPath + ": " + key.error().message);
    }
    const crypto::Certificate &leaf = certs->front();
    if (!key->matches(leaf)) {
        return fail("the " + what + " key " + keyPath + " does not belong to the certificate " +
                    certPath);
    }
    auto now = std::chrono::system_clock::now();
    if (leaf.notAfter() <= now) {
        return fail("the " + what + " certificate " + certPath + " expired on " +
                    formatDate(leaf.notAfter()));
    }
    if (leaf.notBefore() > now) {
        return fail("the " + what + " certificate " + certPath + " is not valid until " +
                    formatDate(leaf.notBefore()));
    }
    for (const auto &domain : config.domains) {
        if (!crypto::serviceCertificateNamesDomain(leaf, domain)) {
            return fail("the " + what + " certificate " + certPath + " does not name " + domain +
                        " as a DNS subjectAltName");
        }
    }
    TlsPair pair;
    for (const auto &cert : *certs) {
        pair.certPem += cert.toPem();
    }
    pair.keyPem = key->toPem();
    pair.keyInfo = leaf.keyInfo();
    return pair;
}

} // namespace

PreparedServer::~PreparedServer() {
    OPENSSL_cleanse(keyPem.data(), keyPem.size());
    OPENSSL_cleanse(rsaKeyPem.data(), rsaKeyPem.size());
    OPENSSL_cleanse(nonceSecret.data(), nonceSecret.size());
}

Result<PreparedServer, std::string> prepareServer(const CertdConfig &config, bool dryRun) {
    in6_addr scratch{};
    if (inet_pton(AF_INET, config.listenHost.c_str(), &scratch) != 1 &&
        inet_pton(AF_INET6, config.listenHost.c_str(), &scratch) != 1) {
        return fail("cannot listen on " + config.listenAddress() +
                    ": not a numeric IPv4 or IPv6 address");
    }
    auto primary = loadTlsPair(config, config.tlsCert, config.tlsKey, "TLS");
    if (!primary) {
        return fail(std::move(primary).error());
    }
    PreparedServer prepared;
    prepared.certPem = std::move(primary->certPem);
    prepared.keyPem = std::move(primary->keyPem);
    prepared.keyAlgorithm = primary->keyInfo.algorithm;
    const bool mainIsRsa = primary->keyInfo.type == crypto::KeyType::Rsa;
    if (!config.tlsRsaCert.empty()) {
        auto rsa = loadTlsPair(config, config.tlsRsaCert, config.tlsRsaKey, "RSA TLS");
        if (!rsa) {
            return fail(std::move(rsa).error());
        }
        if (rsa->keyInfo.type != crypto::KeyType::Rsa) {
            return fail("the RSA TLS certificate " + config.tlsRsaCert + " has an " +
                        rsa->keyInfo.algorithm + " key; tls_rsa_cert must hold an RSA one");
        }
        prepared.rsaCertPem = std::move(rsa->certPem);
        prepared.rsaKeyPem = std::move(rsa->keyPem);
        prepared.rsaKeyAlgorithm = rsa->keyInfo.algorithm;
    } else if (!mainIsRsa) {
        prepared.tlsWarning =
            "TLS_RSA_WITH_AES_128_CBC_SHA, the draft's mandatory cipher suite, is not offered: "
            "it needs an RSA certificate and the TLS key " +
            config.tlsKey + " is " + primary->keyInfo.algorithm +
            "; to offer it, add an RSA certificate and key for the same domains with "
            "tls_rsa_cert and tls_rsa_key in [server] (--tls-rsa-cert, --tls-rsa-key)";
    }
    if (config.nonceSecretFile) {
        auto secret = loadNonceSecret(*config.nonceSecretFile, prepared.nonceNote, dryRun);
        if (!secret) {
            return fail(std::move(secret).error());
        }
        prepared.nonceSecret = std::move(secret).value();
    } else {
        prepared.nonceSecret.resize(32);
        if (RAND_bytes(prepared.nonceSecret.data(), 32) != 1) {
            return fail(std::string("cannot generate a nonce secret"));
        }
        prepared.nonceNote = "nonce secret is random for this process (set --nonce-secret-file "
                             "to share it between instances)";
    }
    return prepared;
}

Result<std::unique_ptr<CertStorePool>, std::string> openDatabase(const CertdConfig &config,
                                                                 int connections, bool migrate) {
    if (migrate) {
        auto first = openCertStore(config.databaseUrl);
        if (!first) {
            return fail(first.error().message);
        }
        if (auto r = (*first)->migrate(); !r) {
            return fail(r.error().message);
        }
    }
    auto pool =
        CertStorePool::create([&] { return openCertStore(config.databaseUrl); }, connections);
    if (!pool) {
        return fail(pool.error().message);
    }
    return std::move(pool).value();
}

int checkConfiguration(const CertdConfig &config) {
    auto prepared = prepareServer(config, true);
    if (!prepared) {
        std::cerr << "napkin-certd: " << prepared.error() << "\n";
        return 1;
    }
    // A check changes nothing: a missing SQLite file is only looked for.
    if (config.databaseUrl.starts_with("sqlite:")) {
        auto path = config.databaseUrl.substr(7);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
            auto slash = path.rfind('/');
            auto dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
            if (::access(dir.c_str(), W_OK) != 0) {
                std::cerr << "napkin-certd: cannot create the SQLite database " << path
                          << ": its directory " << dir << " is missing or not writable\n";
                return 1;
            }
            printSummary(config, *prepared, "does not exist yet; created on start");
            return 0;
        }
    }
    auto store = openCertStore(config.databaseUrl);
    if (!store) {
        std::cerr << "napkin-certd: " << store.error().message << "\n";
        return 1;
    }
    auto version = (*store)->schemaVersion();
    if (!version) {
        std::cerr << "napkin-certd: " << version.error().message << "\n";
        return 1;
    }
    printSummary(config, *prepared,
                 "schema version " + std::to_string(*version) +
                     (*version == 0 ? ", tables created on start" : ""));
    return 0;
}

int runServer(const CertdConfig &config) {
    auto prepared = prepareServer(config);
    if (!prepared) {
        logLine("napkin-certd: " + prepared.error());
        return 1;
    }
    // One connection per worker thread, plus one for the maintenance loop.
    auto pool = openDatabase(config, config.threads + 1, true);
    if (!pool) {
        logLine("napkin-certd: " + pool.error());
        return 1;
    }

    // Signals are taken synchronously by this thread only; worker threads
    // inherit the blocked mask.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    // Declared before the service and the server so that it outlives both
    // (lines are flushed last).
    LineLog requestLog(STDERR_FILENO);
    ServiceOptions options;
    options.audit = [&requestLog](std::string_view line) { requestLog.line(line); };
    options.domains = config.domains;
    options.maxAge = config.maxAge;
    options.maxDevices = config.maxDevices;
    options.policy.maxValidityDays = config.maxValidityDays;
    CertdService service(std::move(options), **pool,
                         NonceCodec(prepared->nonceSecret, config.nonceLifetime));

    HttpServerOptions http;
    http.host = config.listenHost;
    http.port = config.listenPort;
    http.certPem = prepared->certPem;
    http.keyPem = prepared->keyPem;
    http.altCertPem = prepared->rsaCertPem;
    http.altKeyPem = prepared->rsaKeyPem;
    http.threads = static_cast<unsigned>(config.threads);
    http.connectionLimit = static_cast<unsigned>(config.maxConnections);
    http.perIpConnectionLimit = static_cast<unsigned>(config.maxConnectionsPerIp);
    raiseOpenFileLimit();
    auto server =
        HttpServer::start(http, service, [&](std::string_view line) { requestLog.line(line); });
    OPENSSL_cleanse(http.keyPem.data(), http.keyPem.size());
    OPENSSL_cleanse(http.altKeyPem.data(), http.altKeyPem.size());
    if (!server) {
        logLine("napkin-certd: " + server.error().message);
        return 1;
    }
    // Start-up and shutdown messages go out at once, after any request lines.
    auto say = [&](const std::string &text) {
        requestLog.line(text);
        requestLog.flush();
    };
    std::string domains;
    for (const auto &d : config.domains) {
        domains += (domains.empty() ? "" : ", ") + d;
    }
    say("napkin-certd: " + prepared->nonceNote);
    if (!prepared->tlsWarning.empty()) {
        say("napkin-certd: warning: " + prepared->tlsWarning);
    }
    say("napkin-certd: listening on https://" + (*server)->address() + " for " + domains +
        " (database " + describeDatabaseUrl(config.databaseUrl) + ", " +
        std::to_string(config.threads) + " threads, at most " +
        std::to_string((*server)->connectionLimit()) + " connections, " +
        std::to_string(config.maxConnectionsPerIp) + " per address)");

    for (;;) {
        timespec timeout{static_cast<time_t>(kPurgeInterval.count()), 0};
        int sig = sigtimedwait(&stopSignals, nullptr, &timeout);
        if (sig == SIGTERM || sig == SIGINT) {
            say(std::string("napkin-certd: ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                ": finishing " + std::to_string((*server)->activeRequests()) +
                " request(s) in progress");
            break;
        }
        auto store = (*pool)->lease();
        if (auto r = store->purgeNonces(static_cast<std::int64_t>(std::time(nullptr))); !r) {
            say("napkin-certd: cannot purge used nonces: " + r.error().message);
        }
    }
    (*server)->drain(kDrainTimeout);
    say("napkin-certd: stopped");
    return 0;
}

} // namespace napkin::certd
