#include "sipcore/SipProfile.h"

#include "crypto/Mime.h"
#include "crypto/PrivateKey.h"

#include <charconv>
#include <filesystem>
#include <set>

namespace napkin::sip {

namespace {

constexpr std::size_t kMaxProfileSize = 256 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

/// A quoted value taken literally, else the text before an inline comment.
std::optional<std::string> value(std::string_view raw) {
    raw = trim(raw);
    if (!raw.empty() && raw.front() == '"') {
        std::string out;
        std::size_t i = 1;
        for (; i < raw.size() && raw[i] != '"'; ++i) {
            if (raw[i] == '\\' && i + 1 < raw.size()) {
                ++i;
            }
            out += raw[i];
        }
        if (i >= raw.size()) {
            return std::nullopt;
        }
        const auto rest = trim(raw.substr(i + 1));
        if (!rest.empty() && rest.front() != ';' && rest.front() != '#') {
            return std::nullopt;
        }
        return out;
    }
    for (std::size_t i = 1; i < raw.size(); ++i) {
        if ((raw[i] == ';' || raw[i] == '#') && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
            return std::string(trim(raw.substr(0, i)));
        }
    }
    return std::string(raw);
}

std::optional<bool> boolean(const std::string &v) {
    const std::string l = lower(v);
    if (l == "true" || l == "yes" || l == "on" || l == "1") {
        return true;
    }
    if (l == "false" || l == "no" || l == "off" || l == "0") {
        return false;
    }
    return std::nullopt;
}

} // namespace

Result<SipProfile, std::string> SipProfile::load(const std::string &path) {
    auto bytes = crypto::readFileBytes(path, kMaxProfileSize);
    if (!bytes) {
        return fail(path + ": " + bytes.error().message);
    }
    return parse(crypto::asText(*bytes), path);
}

Result<SipProfile, std::string> SipProfile::parse(std::string_view text, const std::string &path) {
    const std::set<std::string> sipKeys = {"listen",  "listen_tls",          "transport",
                                           "tls_dir", "registration_expiry", "media_address"};
    const std::set<std::string> callKeys = {"require_end_to_end", "ring_on_failed"};
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
    SipProfile p;
    std::set<std::string> seen;
    std::string section;
    int lineNo = 0;
    auto err = [&](const std::string &what) {
        return path + " line " + std::to_string(lineNo) + ": " + what;
    };
    while (!text.empty()) {
        ++lineNo;
        const std::size_t nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == ';' || line.front() == '#') {
            continue;
        }
        if (line.front() == '[') {
            if (line.back() != ']' || line.size() < 3) {
                return fail(err("malformed section header"));
            }
            section = lower(trim(line.substr(1, line.size() - 2)));
            continue;
        }
        if (section != "sip" && section != "calls") {
            continue; // read by discovery::Profile, or by the app
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return fail(err("expected 'key = value'"));
        }
        const std::string key = lower(trim(line.substr(0, eq)));
        const auto v = value(line.substr(eq + 1));
        if (!v) {
            return fail(err("malformed quoted value"));
        }
        const auto &keys = section == "sip" ? sipKeys : callKeys;
        if (keys.count(key) == 0) {
            return fail(err("unknown key '" + key + "' in [" + section + "]"));
        }
        if (!seen.insert(section + "." + key).second) {
            return fail(err("'" + key + "' appears twice in [" + section + "]"));
        }
        if (key == "listen" || key == "listen_tls") {
            const bool tls = key == "listen_tls";
            if (v->rfind(tls ? "sips:" : "sip:", 0) != 0) {
                return fail(err(key + " must be a " + (tls ? "sips:" : "sip:") + " URI such as " +
                                (tls ? "sips:127.0.0.1:5061" : "sip:127.0.0.1:*")));
            }
            (tls ? p.listenTls : p.listen) = *v;
        } else if (key == "transport") {
            const std::string t = lower(*v);
            if (t != "udp" && t != "tcp" && t != "tls") {
                return fail(err("transport must be udp, tcp or tls"));
            }
            p.transport = t;
        } else if (key == "tls_dir") {
            std::filesystem::path dir(*v);
            p.tlsDirectory = (dir.is_absolute() ? dir : base / dir).lexically_normal().string();
        } else if (key == "registration_expiry") {
            int seconds = 0;
            auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
            if (ec != std::errc() || ptr != v->data() + v->size() || seconds < 30 ||
                seconds > 86400) {
                return fail(err("registration_expiry must be 30 to 86400 seconds"));
            }
            p.registrationExpiry = std::chrono::seconds(seconds);
        } else if (key == "media_address") {
            if (v->empty() || v->find_first_of(" \t\r\n") != std::string::npos) {
                return fail(err("media_address must be an IP address"));
            }
            p.mediaAddress = *v;
        } else {
            const auto b = boolean(*v);
            if (!b) {
                return fail(err(key + " must be true or false"));
            }
            (key == "require_end_to_end" ? p.requireEndToEnd : p.ringOnFailed) = *b;
        }
    }
    if (p.transport == "tls" && p.listenTls.empty()) {
        return fail(path + ": transport = tls needs listen_tls in [sip]");
    }
    return p;
}

} // namespace napkin::sip
