// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli cert new | show: make a device identity, or describe a certificate.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"

#include <charconv>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>

namespace napkin::cli {

namespace {

using namespace napkin::crypto;

constexpr std::size_t kMaxCertificateInput = 1024 * 1024;

int usage(std::string_view command, const std::string &message) {
    std::cerr << "napkin-cli " << command << ": " << message << '\n';
    return ExitUsage;
}

/// A positive decimal count, nothing else ("7", not "7d", "-1" or "0x7").
std::optional<long long> parseCount(const std::string &text) {
    long long value = 0;
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value <= 0) {
        return std::nullopt;
    }
    return value;
}

std::string isoUtc(SystemTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    if (gmtime_r(&tt, &tm) == nullptr) {
        return "?";
    }
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

/// Which option an InvalidArgument from createDeviceIdentity is about.
std::string optionFor(const std::string &message) {
    if (message.rfind("the instance", 0) == 0) {
        return "--instance";
    }
    if (message.rfind("the display name", 0) == 0) {
        return "--name";
    }
    return "options";
}

struct NewRequest {
    IdentityOptions identity;
    std::filesystem::path dir = ".";
    bool force = false;
};

/// Turns the parsed options into a request, or prints why not and returns nullopt.
std::optional<NewRequest> readNewOptions(const CliArgs &args, int &exitCode) {
    constexpr std::string_view cmd = "cert new";
    exitCode = ExitUsage;
    NewRequest req;
    if (!args.positionals().empty()) {
        usage(cmd, "unexpected argument '" + args.positionals().front() + "'");
        return std::nullopt;
    }
    auto aorText = args.value("aor");
    if (!aorText) {
        usage(cmd, "--aor is required, e.g. --aor sip:alice@a.example");
        return std::nullopt;
    }
    auto aor = parseAor(*aorText);
    if (!aor) {
        usage(cmd, "--aor: " + aor.error().message);
        return std::nullopt;
    }
    req.identity.aor = aor->uri();

    std::string keyName = args.value("key").value_or("ec");
    if (keyName == "ec") {
        req.identity.keyType = KeyType::Ec;
    } else if (keyName == "rsa") {
        req.identity.keyType = KeyType::Rsa;
    } else {
        usage(cmd, "--key must be ec or rsa, not '" + keyName + "'");
        return std::nullopt;
    }
    if (auto bits = args.value("rsa-bits")) {
        if (req.identity.keyType != KeyType::Rsa) {
            usage(cmd, "--rsa-bits only applies with --key rsa");
            return std::nullopt;
        }
        if (*bits != "2048" && *bits != "3072") {
            usage(cmd, "--rsa-bits must be 2048 or 3072, not '" + *bits + "'");
            return std::nullopt;
        }
        req.identity.rsaBits = std::stoi(*bits);
    }

    auto days = args.value("days");
    auto hours = args.value("hours");
    if (days && hours) {
        usage(cmd, "give --days or --hours, not both");
        return std::nullopt;
    }
    if (days || hours) {
        const std::string option = days ? "--days" : "--hours";
        const std::string &text = days ? *days : *hours;
        auto count = parseCount(text);
        // Bounds first so that the multiplication below cannot overflow.
        const long long limit = days ? 90 : 90 * 24;
        if (!count || *count > limit) {
            usage(cmd, option + " '" + text +
                           "' is not allowed: a certificate lives from 1 hour to 90 days");
            return std::nullopt;
        }
        req.identity.lifetime = days ? std::chrono::seconds(std::chrono::hours(24 * *count))
                                     : std::chrono::seconds(std::chrono::hours(*count));
    }
    if (auto name = args.value("name")) {
        if (name->empty()) {
            usage(cmd, "--name is empty");
            return std::nullopt;
        }
        req.identity.displayName = *name;
    }
    if (auto instance = args.value("instance")) {
        req.identity.instanceUrn = *instance;
    }
    if (auto out = args.value("out")) {
        if (out->empty()) {
            usage(cmd, "--out is empty");
            return std::nullopt;
        }
        req.dir = *out;
    }
    req.force = args.has("force");
    exitCode = ExitOk;
    return req;
}

int runNew(int argc, char **argv) {
    constexpr std::string_view cmd = "cert new";
    std::string error;
    CliArgs::Spec spec{{"aor", "key", "rsa-bits", "days", "hours", "name", "instance", "out"},
                       {"force"}};
    auto args = CliArgs::parse(argc, argv, 3, spec, error);
    if (!args) {
        return usage(cmd, error);
    }
    int exitCode = ExitOk;
    auto req = readNewOptions(*args, exitCode);
    if (!req) {
        return exitCode;
    }

    std::error_code ec;
    const auto keyPath = req->dir / "key.pem";
    const auto certPath = req->dir / "cert.pem";
    if (std::filesystem::exists(keyPath, ec) && !req->force) {
        std::cerr << "napkin-cli cert new: " << keyPath.string()
                  << " already exists; not replacing a key (use --force to replace it)\n";
        return ExitFailure;
    }
    std::filesystem::create_directories(req->dir, ec);
    if (ec || !std::filesystem::is_directory(req->dir)) {
        std::cerr << "napkin-cli cert new: cannot create the directory " << req->dir.string()
                  << (ec ? ": " + ec.message() : std::string(": it is not a directory")) << '\n';
        return ExitFailure;
    }

    auto id = createDeviceIdentity(req->identity);
    if (!id) {
        const auto &err = id.error();
        if (err.code == CryptoErrc::InvalidArgument) {
            return usage(cmd, optionFor(err.message) + ": " + err.message);
        }
        std::cerr << "napkin-cli cert new: " << err.message << '\n';
        return ExitFailure;
    }
    if (auto saved = id->key.saveFile(keyPath.string()); !saved) {
        std::cerr << "napkin-cli cert new: " << saved.error().message << '\n';
        return ExitFailure;
    }
    if (auto saved = writeFileAtomically(certPath.string(), id->certificate.toPem(), 0644);
        !saved) {
        std::cerr << "napkin-cli cert new: " << saved.error().message << '\n';
        return ExitFailure;
    }
    std::cerr << "napkin-cli: wrote " << certPath.string() << " and " << keyPath.string() << " for "
              << req->identity.aor << '\n';
    std::cout << id->certificate.fingerprint() << '\n'
              << id->certificate.fingerprintForPeople() << '\n';
    return ExitOk;
}

void describe(const Certificate &cert, std::ostream &out) {
    auto line = [&](std::string_view label, const std::string &value) {
        out << label << std::string(14 - label.size(), ' ') << value << '\n';
    };
    line("AOR:", cert.sipUri().value_or("(none)"));
    line("Instance:", cert.instanceUrn().value_or("(none)"));
    line("Common name:", cert.commonName().empty() ? "(none)" : cert.commonName());
    line("Key:", cert.keyInfo().algorithm);
    line("Not before:", isoUtc(cert.notBefore()));
    line("Not after:", isoUtc(cert.notAfter()));
    auto valid = cert.checkValidAt(std::chrono::system_clock::now());
    line("Valid now:", valid ? "yes"
                       : valid.error().code == CryptoErrc::CertificateExpired
                           ? "no, expired"
                           : "no, not yet valid");
    auto self = cert.checkSelfSigned();
    line("Self-signed:", self ? "yes" : "no (" + self.error().message + ")");
    line("Fingerprint:", cert.fingerprint());
    line("", cert.fingerprintForPeople());
}

int runShow(int argc, char **argv) {
    constexpr std::string_view cmd = "cert show";
    std::string error;
    auto args = CliArgs::parse(argc, argv, 3, CliArgs::Spec{}, error);
    if (!args) {
        return usage(cmd, error);
    }
    if (args->positionals().size() != 1) {
        return usage(cmd, args->positionals().empty()
                              ? std::string("give the certificate FILE to show")
                              : "give one FILE, not " + std::to_string(args->positionals().size()));
    }
    const std::string &path = args->positionals().front();
    std::string data;
    if (!readInput(path, data, error, kMaxCertificateInput)) {
        std::cerr << "napkin-cli cert show: " << error << '\n';
        return ExitInput;
    }
    const std::string shownName = path == "-" ? std::string("standard input") : path;
    std::vector<Certificate> certs;
    if (data.find("-----BEGIN ") != std::string::npos) {
        auto list = Certificate::listFromPem(data);
        if (!list) {
            std::cerr << "napkin-cli cert show: " << shownName << ": " << list.error().message
                      << '\n';
            return ExitInput;
        }
        certs = std::move(list).value();
    } else {
        ByteView bytes(reinterpret_cast<const std::uint8_t *>(data.data()), data.size());
        auto one = Certificate::fromDer(bytes);
        if (!one) {
            std::cerr << "napkin-cli cert show: " << shownName
                      << " is neither a PEM nor a DER certificate: " << one.error().message << '\n';
            return ExitInput;
        }
        certs.push_back(std::move(one).value());
    }
    for (std::size_t i = 0; i < certs.size(); ++i) {
        if (i > 0) {
            std::cout << '\n';
        }
        describe(certs[i], std::cout);
    }
    return ExitOk;
}

} // namespace

int runCertCommand(int argc, char **argv) {
    if (argc < 3) {
        return usage("cert", "missing sub-command: new or show (try napkin-cli --help)");
    }
    std::string_view sub = argv[2];
    if (sub == "new") {
        return runNew(argc, argv);
    }
    if (sub == "show") {
        return runShow(argc, argv);
    }
    return usage("cert", "unknown sub-command '" + std::string(sub) +
                             "'; use new or show (try napkin-cli --help)");
}

} // namespace napkin::cli
