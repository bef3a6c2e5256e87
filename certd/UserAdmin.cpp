// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/UserAdmin.h"
#include "certd/CertdConfig.h"
#include "certd/DigestAuth.h"
#include "crypto/NameMatch.h"
#include "crypto/PrivateKey.h"

#include <openssl/crypto.h>

#include <ctime>
#include <iomanip>
#include <istream>
#include <ostream>

namespace napkin::certd {

namespace {

constexpr std::size_t kMaxPassword = 1024;
constexpr std::size_t kMaxColumn = 64; // Kamailio's varchar(64)

/// Wipes a password string when it goes out of scope.
struct Wiped {
    std::string value;
    ~Wiped() { OPENSSL_cleanse(value.data(), value.size()); }
};

struct UserArgs {
    std::string command;
    std::optional<std::string> address;
    std::optional<std::string> passwordFile;
    bool passwordStdin = false;
    std::optional<std::string> db;
    std::optional<std::string> config;
    std::optional<std::string> domain;
};

int usage(std::ostream &err, const std::string &message) {
    err << "napkin-certd: " << message << "\n"
        << "usage: napkin-certd user add USER@DOMAIN (--password-file F | --password-stdin) "
           "[--db URL | --config FILE]\n"
           "       napkin-certd user del USER@DOMAIN [--db URL | --config FILE]\n"
           "       napkin-certd user list [--domain D] [--db URL | --config FILE]\n";
    return 2;
}

std::string firstLine(std::string text) {
    auto nl = text.find('\n');
    if (nl != std::string::npos) {
        std::string line = text.substr(0, nl);
        OPENSSL_cleanse(text.data(), text.size());
        text = std::move(line);
    }
    if (!text.empty() && text.back() == '\r') {
        text.pop_back();
    }
    return text;
}

} // namespace

UserCredentials credentialsForPassword(std::string_view user, std::string_view domain,
                                       std::string_view password) {
    UserCredentials c;
    c.ha1 = computeHa1(DigestAlgorithm::Md5, user, domain, password);
    std::string atForm = std::string(user) + "@" + std::string(domain);
    c.ha1b = computeHa1(DigestAlgorithm::Md5, atForm, domain, password);
    c.ha1Sha256 = computeHa1(DigestAlgorithm::Sha256, user, domain, password);
    return c;
}

int runUserCommand(const std::vector<std::string> &args, std::istream &in, std::ostream &out,
                   std::ostream &err) {
    UserArgs a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        auto value = [&](std::optional<std::string> &slot) -> bool {
            if (i + 1 >= args.size()) {
                return false;
            }
            slot = args[++i];
            return true;
        };
        if (arg == "--password-file") {
            if (!value(a.passwordFile)) {
                return usage(err, "--password-file needs a file name");
            }
        } else if (arg == "--password-stdin") {
            a.passwordStdin = true;
        } else if (arg == "--db") {
            if (!value(a.db)) {
                return usage(err, "--db needs a URL");
            }
        } else if (arg == "--config") {
            if (!value(a.config)) {
                return usage(err, "--config needs a file name");
            }
        } else if (arg == "--domain") {
            if (!value(a.domain)) {
                return usage(err, "--domain needs a domain");
            }
        } else if (arg == "--help" || arg == "-h") {
            return usage(err, "user commands");
        } else if (arg.starts_with("-")) {
            return usage(err, "unknown option " + arg);
        } else if (a.command.empty()) {
            a.command = arg;
        } else if (!a.address) {
            a.address = arg;
        } else {
            return usage(err, "unexpected argument " + arg);
        }
    }
    if (a.command != "add" && a.command != "del" && a.command != "list") {
        return usage(err, a.command.empty() ? "which user command? add, del or list"
                                            : "unknown user command " + a.command);
    }
    if ((a.command == "add" || a.command == "del") && !a.address) {
        return usage(err, "user " + a.command + " needs USER@DOMAIN");
    }
    if (a.command == "list" && a.address) {
        return usage(err, "user list takes no address (use --domain D)");
    }
    if (a.command == "add" && (a.passwordFile.has_value() == a.passwordStdin)) {
        return usage(err, "user add needs exactly one of --password-file F or --password-stdin");
    }
    if (a.command != "add" && (a.passwordFile || a.passwordStdin)) {
        return usage(err, "only user add takes a password");
    }

    CertdConfig config;
    if (a.config) {
        if (auto r = loadConfigFile(*a.config, config); !r) {
            err << "napkin-certd: " << r.error().message << "\n";
            return 1;
        }
    }
    if (a.db) {
        config.databaseUrl = *a.db;
    }
    if (!a.db && !a.config) {
        return usage(err, "give the database with --db URL or --config FILE");
    }

    std::string user;
    std::string domain;
    if (a.address) {
        auto aor = crypto::parseAor(*a.address);
        if (!aor) {
            err << "napkin-certd: " << *a.address << " is not USER@DOMAIN: " << aor.error().message
                << "\n";
            return 2;
        }
        user = aor->user;
        domain = aor->host;
        if (user.size() > kMaxColumn || domain.size() > kMaxColumn) {
            err << "napkin-certd: user and domain may have at most 64 characters each\n";
            return 1;
        }
    }

    Wiped password;
    if (a.command == "add") {
        if (a.passwordFile) {
            auto bytes = crypto::readFileBytes(*a.passwordFile, kMaxPassword + 2);
            if (!bytes) {
                err << "napkin-certd: cannot read the password file " << *a.passwordFile << ": "
                    << bytes.error().message << "\n";
                return 1;
            }
            password.value = firstLine(std::string(bytes->begin(), bytes->end()));
            OPENSSL_cleanse(bytes->data(), bytes->size());
        } else {
            std::getline(in, password.value);
            if (!password.value.empty() && password.value.back() == '\r') {
                password.value.pop_back();
            }
        }
        if (password.value.empty()) {
            err << "napkin-certd: the password is empty\n";
            return 1;
        }
        if (password.value.size() > kMaxPassword) {
            err << "napkin-certd: the password is longer than " << kMaxPassword << " bytes\n";
            return 1;
        }
    }

    auto store = openCertStore(config.databaseUrl);
    if (!store) {
        err << "napkin-certd: " << store.error().message << "\n";
        return 1;
    }
    if (auto r = (*store)->migrate(); !r) {
        err << "napkin-certd: " << r.error().message << "\n";
        return 1;
    }
    CertStore &db = **store;

    if (a.command == "add") {
        auto created =
            db.putUser(user, domain, credentialsForPassword(user, domain, password.value));
        if (!created) {
            err << "napkin-certd: " << created.error().message << "\n";
            return 1;
        }
        out << (*created ? "added " : "updated the password of ") << user << "@" << domain << "\n";
        return 0;
    }
    if (a.command == "del") {
        auto removed = db.deleteUser(user, domain);
        if (!removed) {
            err << "napkin-certd: " << removed.error().message << "\n";
            return 1;
        }
        if (!*removed) {
            err << "napkin-certd: there is no user " << user << "@" << domain << "\n";
            return 1;
        }
        out << "deleted " << user << "@" << domain << " and " << **removed
            << " device certificate(s)\n";
        return 0;
    }
    std::optional<std::string> domainFilter;
    if (a.domain) {
        auto normalised = crypto::normaliseDomain(*a.domain);
        if (!normalised) {
            err << "napkin-certd: " << *a.domain << " is not a valid domain\n";
            return 2;
        }
        domainFilter = *normalised;
    }
    std::optional<std::string_view> filterView;
    if (domainFilter) {
        filterView = *domainFilter;
    }
    auto users = db.listUsers(filterView, static_cast<std::int64_t>(std::time(nullptr)));
    if (!users) {
        err << "napkin-certd: " << users.error().message << "\n";
        return 1;
    }
    for (const auto &u : *users) {
        out << u.username << "@" << u.domain << "\tdevices=" << u.devices
            << "\tdigest=" << (u.hasSha256 ? "SHA-256,MD5" : "MD5") << "\n";
    }
    return 0;
}

} // namespace napkin::certd
