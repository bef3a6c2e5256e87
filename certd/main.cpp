// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-certd: the certificate service. See --help and docs/certd.md.

#include "certd/CertdConfig.h"
#include "certd/CertdStartup.h"
#include "certd/UserAdmin.h"

#include <iostream>
#include <string>
#include <vector>

#ifndef NAPKIN_VERSION
#define NAPKIN_VERSION "unknown"
#endif

int main(int argc, char **argv) {
    using namespace napkin::certd;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args.front() == "user") {
        return runUserCommand(std::vector<std::string>(args.begin() + 1, args.end()), std::cin,
                              std::cout, std::cerr);
    }
    auto parsed = parseServerArguments(args);
    if (!parsed) {
        std::cerr << "napkin-certd: " << parsed.error().message << "\n";
        return parsed.error().usage ? 2 : 1;
    }
    CertdConfig config = std::move(parsed).value();
    if (config.help) {
        std::cout << helpText();
        return 0;
    }
    if (config.version) {
        std::cout << "napkin-certd " << NAPKIN_VERSION << "\n";
        return 0;
    }
    if (auto r = validateServerConfig(config); !r) {
        std::cerr << "napkin-certd: " << r.error().message << "\n";
        return r.error().usage ? 2 : 1;
    }
    if (config.checkConfig) {
        return checkConfiguration(config);
    }
    return runServer(config);
}
