// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SipProfile.h"

#include "crypto/IniKey.h"
#include "crypto/Mime.h"
#include "crypto/PrivateKey.h"

#include <arpa/inet.h>

#include <charconv>
#include <filesystem>

namespace napkin::sip {

namespace {

using crypto::IniKey;
using crypto::IniType;
using Problem = std::optional<std::string>; ///< what is wrong with a value read
using Value = std::optional<std::string>;   ///< a value to write, or none

constexpr std::size_t kMaxProfileSize = 256 * 1024;

bool isTransport(const std::string &t) {
    return t == "udp" || t == "tcp" || t == "tls";
}

/// listen (sip:) or listen_tls (sips:).
template <bool Tls> Problem readListen(SipProfile &p, const std::string &v, const std::string &) {
    if (v.rfind(Tls ? "sips:" : "sip:", 0) != 0) {
        return Tls ? "listen_tls must be a sips: URI such as sips:127.0.0.1:5061"
                   : "listen must be a sip: URI such as sip:127.0.0.1:*";
    }
    (Tls ? p.listenTls : p.listen) = v;
    return {};
}

Problem readFlag(bool &out, const std::string &v, std::string_view key) {
    const auto flag = crypto::parseIniFlag(v);
    if (!flag) {
        return std::string(key) + " must be true or false";
    }
    out = *flag;
    return {};
}

template <bool SipProfile::*Member> Value writeFlag(const SipProfile &p) {
    return p.*Member ? "true" : "false";
}

/// Every key of [sip] and [calls], in the order they are read and written.
const IniKey<SipProfile> kKeys[] = {
    {"sip", "listen", IniType::Text, "sip:*:*", "UDP and TCP listener (NUTAG_URL)",
     readListen<false>, [](const SipProfile &p) -> Value { return p.listen; }},
    {"sip", "listen_tls", IniType::Text, "none", "TLS listener, such as sips:127.0.0.1:5061",
     readListen<true>,
     [](const SipProfile &p) { return p.listenTls.empty() ? Value() : p.listenTls; }},
    {"sip", "transport", IniType::Choice, "udp",
     "udp, tcp or tls: the Contact's and the registrar's transport",
     [](SipProfile &p, const std::string &v, const std::string &) -> Problem {
         if (!isTransport(crypto::iniLower(v))) {
             return "transport must be udp, tcp or tls";
         }
         p.transport = crypto::iniLower(v);
         return {};
     },
     [](const SipProfile &p) -> Value { return p.transport; }},
    {"sip", "tls_dir", IniType::Path, "made at start-up ([network] ca_file as CA)",
     "agent.pem (certificate and key) and cafile.pem",
     [](SipProfile &p, const std::string &v, const std::string &directory) -> Problem {
         const std::filesystem::path dir(v);
         p.tlsDirectory = (dir.is_absolute() ? dir : directory / dir).lexically_normal().string();
         return {};
     },
     [](const SipProfile &p) { return p.tlsDirectory.empty() ? Value() : p.tlsDirectory; }},
    {"sip", "registration_expiry", IniType::Number, "600",
     "how long a registration lasts, 30 to 86400 seconds",
     [](SipProfile &p, const std::string &v, const std::string &) -> Problem {
         int seconds = 0;
         auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
         if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 30 || seconds > 86400) {
             return "registration_expiry must be 30 to 86400 seconds";
         }
         p.registrationExpiry = std::chrono::seconds(seconds);
         return {};
     },
     [](const SipProfile &p) -> Value { return std::to_string(p.registrationExpiry.count()); }},
    {"sip", "keepalive_interval", IniType::Number, "25",
     "seconds between keep-alive OPTIONS to the registrar (keeps a home router's NAT mapping "
     "open; a changed mapping re-registers), 0 to 3600; 0: off",
     [](SipProfile &p, const std::string &v, const std::string &) -> Problem {
         int seconds = 0;
         auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
         if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 0 || seconds > 3600) {
             return "keepalive_interval must be 0 (off) to 3600 seconds";
         }
         p.keepaliveInterval = std::chrono::seconds(seconds);
         return {};
     },
     [](const SipProfile &p) -> Value { return std::to_string(p.keepaliveInterval.count()); }},
    {"sip", "media_address", IniType::Text, "127.0.0.1",
     "the address for media (ICE host candidates, c=): an IP address, or auto for every "
     "interface (c= then names the one the default route leaves from)",
     [](SipProfile &p, const std::string &v, const std::string &) -> Problem {
         in6_addr scratch{};
         if (v != "auto" && inet_pton(AF_INET, v.c_str(), &scratch) != 1 &&
             inet_pton(AF_INET6, v.c_str(), &scratch) != 1) {
             return "media_address must be an IP address (such as 192.168.1.20) or auto";
         }
         p.mediaAddress = v;
         return {};
     },
     [](const SipProfile &p) -> Value { return p.mediaAddress; }},
    {"calls", "require_end_to_end", IniType::Flag, "false",
     "refuse every call that is not end-to-end",
     [](SipProfile &p, const std::string &v, const std::string &) {
         return readFlag(p.requireEndToEnd, v, "require_end_to_end");
     },
     writeFlag<&SipProfile::requireEndToEnd>},
    {"calls", "ring_on_failed", IniType::Flag, "false",
     "ring with a red verdict instead of rejecting",
     [](SipProfile &p, const std::string &v, const std::string &) {
         return readFlag(p.ringOnFailed, v, "ring_on_failed");
     },
     writeFlag<&SipProfile::ringOnFailed>},
    {"calls", "ring_on_unverifiable", IniType::Flag, "true",
     "ring (amber) when the caller's identity could not be checked; false: refuse with 480",
     [](SipProfile &p, const std::string &v, const std::string &) {
         return readFlag(p.ringOnUnverifiable, v, "ring_on_unverifiable");
     },
     writeFlag<&SipProfile::ringOnUnverifiable>},
};

} // namespace

Result<SipProfile, std::string> SipProfile::load(const std::string &path) {
    auto bytes = crypto::readFileBytes(path, kMaxProfileSize);
    if (!bytes) {
        return fail(path + ": " + bytes.error().message);
    }
    return parse(crypto::asText(*bytes), path);
}

Result<SipProfile, std::string> SipProfile::parse(std::string_view text, const std::string &path) {
    static const crypto::IniSchema schema = crypto::iniSchema<SipProfile>(kKeys, true);
    auto file = crypto::IniFile::parse(text, path, schema);
    if (!file) {
        return fail(file.error().message());
    }
    SipProfile p;
    const std::string directory = std::filesystem::absolute(path).parent_path().string();
    if (auto read = crypto::readIniKeys<SipProfile>(*file, kKeys, p, directory); !read) {
        return fail(read.error().message());
    }
    if (auto checked = p.check(); !checked) {
        return fail(path + ": " + checked.error());
    }
    return p;
}

Result<std::string, std::string> SipProfile::toIni() const {
    return crypto::writeIniKeys<SipProfile>(kKeys, *this);
}

Result<void, std::string> SipProfile::check() const {
    if (!isTransport(transport)) {
        return fail(std::string("transport must be udp, tcp or tls"));
    }
    if (transport == "tls" && listenTls.empty()) {
        return fail(std::string("transport = tls needs listen_tls in [sip]"));
    }
    return {};
}

} // namespace napkin::sip
