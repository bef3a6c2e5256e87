// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli smime: sign, verify, encrypt and decrypt whole MIME entities
// with the same engine calls the app makes for SIP bodies.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include "crypto/Smime.h"

#include <chrono>
#include <iostream>
#include <string_view>

namespace napkin::cli {

namespace {

using namespace napkin::crypto;

/// Entities a little larger than the body limit are fine: headers and base64.
constexpr std::size_t kMaxInput = kMaxSmimeBody * 2;

struct Identity {
    Certificate certificate;
    PrivateKey key;
};

class SmimeRun {
public:
    explicit SmimeRun(std::string sub) : m_sub(std::move(sub)) {}

    int error(int code, const std::string &message) const {
        std::cerr << "napkin-cli smime " << m_sub << ": " << message << "\n";
        return code;
    }

    /// Input-shaped failures exit with ExitInput, the rest with ExitFailure.
    int cryptoError(const CryptoError &e) const {
        switch (e.code) {
        case CryptoErrc::MalformedMime:
        case CryptoErrc::MalformedDer:
        case CryptoErrc::MalformedPem:
        case CryptoErrc::Io:
            return error(ExitInput, e.message);
        default:
            return error(ExitFailure, e.message);
        }
    }

    std::optional<std::string> readEntity(const CliArgs &args) const {
        std::string data;
        std::string err;
        if (!readInput(args.value("in").value_or("-"), data, err, kMaxInput)) {
            error(ExitInput, err);
            return std::nullopt;
        }
        return data;
    }

    int write(const CliArgs &args, ByteView bytes) const {
        std::string err;
        if (!writeOutput(args.value("out").value_or("-"), std::string(asText(bytes)), err)) {
            return error(ExitFailure, err);
        }
        return ExitOk;
    }

    std::optional<std::vector<Certificate>> certificates(const std::string &path) const {
        auto certs = Certificate::loadFile(path);
        if (!certs) {
            error(ExitInput, certs.error().message);
            return std::nullopt;
        }
        return std::move(certs).value();
    }

    /// --cert and --key, checked to belong together. On failure the reason
    /// has been printed and `exitCode` says how to exit.
    std::optional<Identity> identity(const CliArgs &args, int &exitCode) const {
        auto certPath = args.value("cert");
        auto keyPath = args.value("key");
        exitCode = ExitInput;
        if (!certPath || !keyPath) {
            exitCode = error(ExitUsage, "--cert and --key are required");
            return std::nullopt;
        }
        auto certs = certificates(*certPath);
        if (!certs) {
            return std::nullopt;
        }
        auto key = PrivateKey::loadFile(*keyPath);
        if (!key) {
            error(ExitInput, key.error().message);
            return std::nullopt;
        }
        if (!key->matches(certs->front())) {
            error(ExitInput, *keyPath + " is not the key of " + *certPath);
            return std::nullopt;
        }
        return Identity{certs->front(), std::move(key).value()};
    }

private:
    std::string m_sub;
};

int sign(const SmimeRun &run, const CliArgs &args) {
    int exitCode = ExitOk;
    auto id = run.identity(args, exitCode);
    if (!id) {
        return exitCode;
    }
    auto input = run.readEntity(args);
    if (!input) {
        return ExitInput;
    }
    auto signedBody = smimeSign(asBytes(*input), id->certificate, id->key);
    if (!signedBody) {
        return signedBody.error().code == CryptoErrc::InvalidArgument
                   ? run.error(ExitInput, signedBody.error().message)
                   : run.cryptoError(signedBody.error());
    }
    return run.write(args, mimeBodyToEntity(*signedBody));
}

int verify(const SmimeRun &run, const CliArgs &args) {
    auto setPath = args.value("signers");
    if (!setPath) {
        return run.error(ExitUsage, "--signers SET.pem is required");
    }
    auto set = run.certificates(*setPath);
    if (!set) {
        return ExitInput;
    }
    auto input = run.readEntity(args);
    if (!input) {
        return ExitInput;
    }
    auto body = mimeBodyFromEntity(asBytes(*input));
    if (!body) {
        return run.cryptoError(body.error());
    }
    auto verified = smimeVerify(*body, *set, std::chrono::system_clock::now());
    if (!verified) {
        return run.cryptoError(verified.error());
    }
    const auto aor = verified->signer.sipUri();
    std::cerr << "verified: " << verified->signer.fingerprint() << " "
              << (aor ? *aor : std::string("(no SIP address)")) << "\n";
    return run.write(args, verified->entity);
}

int encrypt(const SmimeRun &run, const CliArgs &args) {
    const auto paths = args.values("to");
    if (paths.empty()) {
        return run.error(ExitUsage, "at least one --to CERT.pem is required");
    }
    std::vector<Certificate> recipients;
    for (const auto &path : paths) {
        auto certs = run.certificates(path);
        if (!certs) {
            return ExitInput;
        }
        recipients.insert(recipients.end(), certs->begin(), certs->end());
    }
    auto input = run.readEntity(args);
    if (!input) {
        return ExitInput;
    }
    auto encrypted = smimeEncrypt(asBytes(*input), recipients,
                                  args.has("cbc") ? Cipher::Aes128Cbc : Cipher::Aes128Gcm);
    if (!encrypted) {
        return encrypted.error().code == CryptoErrc::InvalidArgument
                   ? run.error(ExitInput, encrypted.error().message)
                   : run.cryptoError(encrypted.error());
    }
    return run.write(args, mimeBodyToEntity(*encrypted));
}

int decrypt(const SmimeRun &run, const CliArgs &args) {
    int exitCode = ExitOk;
    auto id = run.identity(args, exitCode);
    if (!id) {
        return exitCode;
    }
    auto input = run.readEntity(args);
    if (!input) {
        return ExitInput;
    }
    auto body = mimeBodyFromEntity(asBytes(*input));
    if (!body) {
        return run.cryptoError(body.error());
    }
    auto plain = smimeDecrypt(*body, id->certificate, id->key);
    if (!plain) {
        return run.cryptoError(plain.error());
    }
    return run.write(args, *plain);
}

} // namespace

int runSmimeCommand(int argc, char **argv) {
    if (argc < 3) {
        std::cerr << "napkin-cli smime: a sub-command is needed: sign, verify, encrypt or decrypt "
                     "(try napkin-cli --help)\n";
        return ExitUsage;
    }
    const std::string sub = argv[2];
    CliArgs::Spec spec;
    int (*handler)(const SmimeRun &, const CliArgs &) = nullptr;
    if (sub == "sign") {
        spec.valued = {"cert", "key", "in", "out"};
        handler = sign;
    } else if (sub == "verify") {
        spec.valued = {"signers", "in", "out"};
        handler = verify;
    } else if (sub == "encrypt") {
        spec.valued = {"to", "in", "out"};
        spec.flags = {"cbc"};
        handler = encrypt;
    } else if (sub == "decrypt") {
        spec.valued = {"cert", "key", "in", "out"};
        handler = decrypt;
    } else {
        std::cerr << "napkin-cli smime: unknown sub-command '" << sub
                  << "' (try napkin-cli --help)\n";
        return ExitUsage;
    }
    SmimeRun run(sub);
    std::string err;
    auto args = CliArgs::parse(argc, argv, 3, spec, err);
    if (!args) {
        return run.error(ExitUsage, err);
    }
    if (!args->positionals().empty()) {
        return run.error(ExitUsage, "unexpected argument '" + args->positionals().front() + "'");
    }
    return handler(run, *args);
}

} // namespace napkin::cli
