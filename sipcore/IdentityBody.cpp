// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/IdentityBody.h"

#include "crypto/Mime.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace napkin::sip {

namespace {

using crypto::asBytes;
using crypto::asText;

constexpr std::size_t kMaxAibSize = 16 * 1024;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

AibError error(AibErrc code, std::string message) {
    return AibError{code, std::move(message)};
}

/// Splits ";a=b;c" header or URI parameters into lower-case names and values.
std::vector<std::pair<std::string, std::string>> splitParams(std::string_view params) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!params.empty()) {
        std::size_t semi = params.find(';');
        std::string_view p = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
        if (p.empty()) {
            continue;
        }
        std::size_t eq = p.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(lower(p), std::string());
        } else {
            out.emplace_back(lower(trim(p.substr(0, eq))), std::string(trim(p.substr(eq + 1))));
        }
    }
    return out;
}

struct UriParts {
    std::string scheme;
    std::string user;
    std::string hostPort;
    std::vector<std::pair<std::string, std::string>> params;
};

std::optional<UriParts> splitUri(std::string_view uri) {
    std::size_t colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return std::nullopt;
    }
    UriParts parts;
    parts.scheme = lower(uri.substr(0, colon));
    std::string_view rest = uri.substr(colon + 1);
    std::size_t headers = rest.find('?');
    rest = rest.substr(0, headers);
    std::size_t at = rest.rfind('@');
    std::string_view hostAndParams = rest;
    if (at != std::string_view::npos) {
        parts.user = std::string(rest.substr(0, at));
        hostAndParams = rest.substr(at + 1);
    }
    std::size_t semi = hostAndParams.find(';');
    parts.hostPort = lower(hostAndParams.substr(0, semi));
    if (semi != std::string_view::npos) {
        parts.params = splitParams(hostAndParams.substr(semi + 1));
    }
    if (parts.hostPort.empty()) {
        return std::nullopt;
    }
    // A parameter named twice has no one value to compare: such a URI is
    // malformed, and matching its first or last occurrence would make the
    // comparison depend on the order of its arguments.
    for (std::size_t i = 0; i < parts.params.size(); ++i) {
        for (std::size_t j = i + 1; j < parts.params.size(); ++j) {
            if (parts.params[i].first == parts.params[j].first) {
                return std::nullopt;
            }
        }
    }
    return parts;
}

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> parseInt(std::string_view s, std::size_t digits) {
    if (s.size() != digits) {
        return std::nullopt;
    }
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    return v;
}

/// The canonical name of a header this module cares about, or empty.
std::string_view canonicalHeader(std::string_view name) {
    std::string n = lower(name);
    if (n == "from" || n == "f") {
        return "From";
    }
    if (n == "to" || n == "t") {
        return "To";
    }
    if (n == "call-id" || n == "i") {
        return "Call-ID";
    }
    if (n == "cseq") {
        return "CSeq";
    }
    if (n == "date") {
        return "Date";
    }
    if (n == "contact" || n == "m") {
        return "Contact";
    }
    return {};
}

Result<void, AibError> compareNameAddr(std::string_view header, std::string_view signedValue,
                                       std::string_view actualValue, bool compareTag) {
    auto s = parseNameAddr(signedValue);
    auto a = parseNameAddr(actualValue);
    if (!s) {
        return fail(error(AibErrc::Malformed,
                          "the signed " + std::string(header) + " header does not parse"));
    }
    if (!a) {
        return fail(error(AibErrc::Malformed,
                          "the message's " + std::string(header) + " header does not parse"));
    }
    if (!sipUrisEqual(s->uri, a->uri)) {
        return fail(error(AibErrc::Mismatch, "the signed " + std::string(header) + " is " + s->uri +
                                                 " but the message's is " + a->uri));
    }
    if (compareTag && s->tag != a->tag) {
        return fail(error(AibErrc::Mismatch,
                          "the " + std::string(header) + " tag differs from the signed one"));
    }
    return {};
}

} // namespace

std::string formatSipDate(std::chrono::system_clock::time_point when) {
    std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                  kDays[static_cast<std::size_t>(tm.tm_wday)].data(), tm.tm_mday,
                  kMonths[static_cast<std::size_t>(tm.tm_mon)].data(), tm.tm_year + 1900,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<std::chrono::system_clock::time_point> parseSipDate(std::string_view text) {
    // "Mon, 23 Nov 2026 17:52:06 GMT": fixed layout per RFC 3261 §20.17 (rfc1123-date).
    text = trim(text);
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
        return std::nullopt;
    }
    if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) {
        return std::nullopt;
    }
    auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
    auto day = parseInt(text.substr(5, 2), 2);
    auto year = parseInt(text.substr(12, 4), 4);
    auto hour = parseInt(text.substr(17, 2), 2);
    auto minute = parseInt(text.substr(20, 2), 2);
    auto second = parseInt(text.substr(23, 2), 2);
    if (month == kMonths.end() || !day || !year || !hour || !minute || !second || *day < 1 ||
        *day > 31 || *hour > 23 || *minute > 59 || *second > 60 || *year < 1970) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = *year - 1900;
    tm.tm_mon = static_cast<int>(month - kMonths.begin());
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    std::time_t t = timegm(&tm);
    if (t == static_cast<std::time_t>(-1)) {
        return std::nullopt;
    }
    // system_clock holds nanoseconds up to 2262; a later Date would overflow.
    if (t >
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max())
            .count()) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(t);
}

std::optional<NameAddr> parseNameAddr(std::string_view value) {
    value = trim(value);
    if (value.empty() || value.size() > 4096) {
        return std::nullopt;
    }
    std::size_t pos = 0;
    if (value.front() == '"') {
        pos = 1;
        while (pos < value.size() && value[pos] != '"') {
            pos += value[pos] == '\\' ? 2 : 1;
        }
        if (pos >= value.size()) {
            return std::nullopt;
        }
        ++pos;
    }
    NameAddr out;
    std::string_view params;
    std::size_t open = value.find('<', pos);
    if (open != std::string_view::npos) {
        std::size_t close = value.find('>', open);
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        out.uri = std::string(trim(value.substr(open + 1, close - open - 1)));
        params = value.substr(close + 1);
        params = trim(params);
        if (!params.empty() && params.front() != ';') {
            return std::nullopt;
        }
    } else {
        if (pos != 0) {
            return std::nullopt; // a quoted display name needs <...>
        }
        std::size_t semi = value.find(';');
        out.uri = std::string(trim(value.substr(0, semi)));
        params = semi == std::string_view::npos ? std::string_view() : value.substr(semi);
    }
    if (out.uri.empty() || out.uri.find(':') == std::string::npos) {
        return std::nullopt;
    }
    for (auto &[name, v] : splitParams(params)) {
        if (name == "tag") {
            out.tag = v;
        }
    }
    return out;
}

bool sipUrisEqual(std::string_view a, std::string_view b) {
    auto pa = splitUri(a);
    auto pb = splitUri(b);
    if (!pa || !pb) {
        return false;
    }
    if (pa->scheme != pb->scheme || pa->user != pb->user || pa->hostPort != pb->hostPort) {
        return false;
    }
    // Parameters present in both must agree; these matter even when only one side has them.
    static constexpr std::array<std::string_view, 5> kMustMatch = {"user", "ttl", "method", "maddr",
                                                                   "transport"};
    auto mustMatch = [](const std::string &name) {
        return std::find(kMustMatch.begin(), kMustMatch.end(), name) != kMustMatch.end();
    };
    for (const auto &param : pa->params) {
        auto it = std::find_if(pb->params.begin(), pb->params.end(),
                               [&](const auto &p) { return p.first == param.first; });
        if (it == pb->params.end()) {
            if (mustMatch(param.first)) {
                return false;
            }
            continue;
        }
        if (!equalsNoCase(it->second, param.second)) {
            return false;
        }
    }
    for (const auto &param : pb->params) {
        bool inA = std::any_of(pa->params.begin(), pa->params.end(),
                               [&](const auto &p) { return p.first == param.first; });
        if (!inA && mustMatch(param.first)) {
            return false;
        }
    }
    return true;
}

std::string buildIdentityBody(const IdentityHeaders &h) {
    std::string out;
    out += "Content-Type: message/sipfrag\r\n";
    out += "Content-Disposition: aib; handling=optional\r\n\r\n";
    out += "From: " + h.from + "\r\n";
    out += "To: " + h.to + "\r\n";
    out += "Contact: " + h.contact + "\r\n";
    out += "Date: " + h.date + "\r\n";
    out += "Call-ID: " + h.callId + "\r\n";
    out += "CSeq: " + h.cseq + "\r\n";
    return out;
}

Result<IdentityHeaders, AibError> parseIdentityBody(std::string_view entity) {
    if (entity.size() > kMaxAibSize) {
        return fail(error(AibErrc::Malformed, "the identity body is larger than 16 KiB"));
    }
    auto outer = crypto::parseMimeEntity(asBytes(entity));
    if (!outer) {
        return fail(error(AibErrc::Malformed,
                          "the identity body is not a MIME entity: " + outer.error().message));
    }
    auto ctValue = outer->header("Content-Type");
    if (!ctValue) {
        return fail(error(AibErrc::Malformed, "the identity body has no Content-Type"));
    }
    auto ct = crypto::parseContentType(*ctValue);
    if (!ct || !ct->is("message", "sipfrag")) {
        return fail(error(AibErrc::Malformed, "the signed content is " + std::string(*ctValue) +
                                                  ", not message/sipfrag"));
    }
    // A sipfrag may end right after its last header; give the parser its blank line.
    std::string frag(asText(outer->body));
    if (frag.find("\r\n\r\n") == std::string::npos && frag.find("\n\n") == std::string::npos) {
        frag += "\r\n";
    }
    auto inner = crypto::parseMimeEntity(asBytes(frag));
    if (!inner) {
        return fail(error(AibErrc::Malformed,
                          "the identity body's headers do not parse: " + inner.error().message));
    }
    IdentityHeaders out;
    std::vector<std::string_view> seen;
    for (const auto &field : inner->headers) {
        std::string_view name = canonicalHeader(field.name);
        if (name.empty()) {
            continue; // other headers may be covered too; they are not checked
        }
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            return fail(error(AibErrc::Malformed,
                              "the identity body has two " + std::string(name) + " headers"));
        }
        seen.push_back(name);
        if (name == "From") {
            out.from = field.value;
        } else if (name == "To") {
            out.to = field.value;
        } else if (name == "Call-ID") {
            out.callId = field.value;
        } else if (name == "CSeq") {
            out.cseq = field.value;
        } else if (name == "Date") {
            out.date = field.value;
        } else if (name == "Contact") {
            out.contact = field.value;
        }
    }
    for (std::string_view required : {"From", "To", "Call-ID", "CSeq", "Date"}) {
        if (std::find(seen.begin(), seen.end(), required) == seen.end()) {
            return fail(error(AibErrc::Missing,
                              "the identity body has no " + std::string(required) + " header"));
        }
    }
    return out;
}

Result<void, AibError> checkIdentityBody(const IdentityHeaders &signed_,
                                         const IdentityHeaders &actual,
                                         std::chrono::system_clock::time_point now,
                                         std::chrono::seconds window) {
    if (auto r = compareNameAddr("From", signed_.from, actual.from, true); !r) {
        return r;
    }
    // The To tag is added by the callee, so an INVITE's AIB has none to compare.
    if (auto r = compareNameAddr("To", signed_.to, actual.to, false); !r) {
        return r;
    }
    if (trim(signed_.callId) != trim(actual.callId)) {
        return fail(error(AibErrc::Mismatch, "the Call-ID differs from the signed one"));
    }
    auto splitCseq = [](std::string_view v) {
        v = trim(v);
        std::size_t sp = v.find_first_of(" \t");
        std::string number(v.substr(0, sp));
        std::string method(sp == std::string_view::npos ? std::string_view() : trim(v.substr(sp)));
        return std::make_pair(number, method);
    };
    if (splitCseq(signed_.cseq) != splitCseq(actual.cseq)) {
        return fail(error(AibErrc::Mismatch, "the signed CSeq is " + signed_.cseq +
                                                 " but the message's is " + actual.cseq));
    }
    if (!signed_.contact.empty() || !actual.contact.empty()) {
        if (auto r = compareNameAddr("Contact", signed_.contact, actual.contact, false); !r) {
            return r;
        }
    }
    auto signedDate = parseSipDate(signed_.date);
    if (!signedDate) {
        return fail(error(AibErrc::Malformed,
                          "the signed Date '" + signed_.date + "' is not an RFC 1123 date"));
    }
    if (!actual.date.empty()) {
        auto actualDate = parseSipDate(actual.date);
        if (!actualDate || *actualDate != *signedDate) {
            return fail(error(AibErrc::Mismatch, "the Date header differs from the signed one"));
        }
    }
    auto skew = *signedDate > now ? *signedDate - now : now - *signedDate;
    if (skew > window) {
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(skew).count();
        return fail(
            error(AibErrc::DateOutOfRange, "the signed Date is " + std::to_string(minutes) +
                                               " minutes away from this device's clock (at most " +
                                               std::to_string(window.count() / 60) + " allowed)"));
    }
    return {};
}

} // namespace napkin::sip
