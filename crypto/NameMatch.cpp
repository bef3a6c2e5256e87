// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/NameMatch.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace napkin::crypto {

namespace {

// RFC 1035 limits, after the optional trailing dot is removed.
constexpr std::size_t kMaxDomainLength = 253;
constexpr std::size_t kMaxLabelLength = 63;
// Far above any real address; keeps a hostile input from costing anything.
constexpr std::size_t kMaxAorLength = 1024;

char lowerAscii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lowerAscii(c); });
    return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lowerAscii(x) == lowerAscii(y);
           });
}

bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isHexDigit(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// RFC 3261 user part: unreserved / escaped / user-unreserved.
bool isUserChar(char c) {
    static constexpr std::string_view extra = "-_.!~*'()&=+$,;?/";
    return isAlpha(c) || isDigit(c) || extra.find(c) != std::string_view::npos;
}

std::optional<std::string> checkUser(std::string_view user, std::string &why) {
    if (user.empty()) {
        why = "the user part before '@' is empty";
        return std::nullopt;
    }
    for (std::size_t i = 0; i < user.size(); ++i) {
        char c = user[i];
        if (c == '%') {
            if (i + 2 >= user.size()) {
                why = "the user part has an incomplete %-escape";
                return std::nullopt;
            }
            if (!isHexDigit(user[i + 1]) || !isHexDigit(user[i + 2])) {
                why = "the user part has an invalid %-escape";
                return std::nullopt;
            }
            i += 2;
            continue;
        }
        if (!isUserChar(c)) {
            if (static_cast<unsigned char>(c) >= 0x80) {
                why = "the user part contains non-ASCII characters (they must be %-escaped)";
            } else if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
                why = "the user part contains a space or control character";
            } else {
                why = std::string("the user part contains '") + c +
                      "', which a SIP user part cannot hold unescaped";
            }
            return std::nullopt;
        }
    }
    return std::string(user);
}

bool isIpv4Literal(const std::string &host) {
    in_addr addr{};
    return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

/// "[v6]" in canonical lower-case form, or nullopt if it is not one.
std::optional<std::string> canonicalIpv6Reference(std::string_view host) {
    if (host.size() < 4 || host.front() != '[' || host.back() != ']') {
        return std::nullopt;
    }
    std::string inner(host.substr(1, host.size() - 2));
    in6_addr addr{};
    if (inet_pton(AF_INET6, inner.c_str(), &addr) != 1) {
        return std::nullopt;
    }
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (inet_ntop(AF_INET6, &addr, buf.data(), buf.size()) == nullptr) {
        return std::nullopt;
    }
    return "[" + std::string(buf.data()) + "]";
}

enum class DomainIssue { None, Empty, NonAscii, Wildcard, BadChar, BadLabel, TooLong, BadIp };

/// Validates and normalises a host: a DNS name (letters, digits, hyphens), a
/// dotted IPv4 address, or a bracketed IPv6 reference.
DomainIssue normaliseHost(std::string_view in, std::string &out, bool &isIp) {
    isIp = false;
    if (!in.empty() && in.back() == '.') {
        in.remove_suffix(1);
    }
    if (in.empty()) {
        return DomainIssue::Empty;
    }
    if (std::any_of(in.begin(), in.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        return DomainIssue::NonAscii;
    }
    if (in.find('*') != std::string_view::npos) {
        return DomainIssue::Wildcard;
    }
    if (in.front() == '[') {
        auto v6 = canonicalIpv6Reference(in);
        if (!v6) {
            return DomainIssue::BadIp;
        }
        out = *v6;
        isIp = true;
        return DomainIssue::None;
    }
    if (in.size() > kMaxDomainLength) {
        return DomainIssue::TooLong;
    }
    std::string lower = lowerAscii(in);
    std::size_t start = 0;
    std::string_view lastLabel;
    while (start <= lower.size()) {
        std::size_t dot = lower.find('.', start);
        std::size_t end = dot == std::string::npos ? lower.size() : dot;
        std::string_view label(lower.data() + start, end - start);
        if (label.empty() || label.size() > kMaxLabelLength || label.front() == '-' ||
            label.back() == '-') {
            return DomainIssue::BadLabel;
        }
        for (char c : label) {
            if (!isAlpha(c) && !isDigit(c) && c != '-') {
                return DomainIssue::BadChar;
            }
        }
        lastLabel = label;
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    // A name whose last label is all digits can only be an IPv4 address.
    if (std::all_of(lastLabel.begin(), lastLabel.end(), isDigit)) {
        if (!isIpv4Literal(lower)) {
            return DomainIssue::BadIp;
        }
        isIp = true;
    }
    out = std::move(lower);
    return DomainIssue::None;
}

std::string describe(DomainIssue issue) {
    switch (issue) {
    case DomainIssue::None:
        return {};
    case DomainIssue::Empty:
        return "the domain is empty";
    case DomainIssue::NonAscii:
        return "the domain contains non-ASCII characters; an international domain name must be "
               "written in its xn-- (punycode) form";
    case DomainIssue::Wildcard:
        return "the domain contains '*'; wildcards are not domain names";
    case DomainIssue::BadChar:
        return "the domain contains a character other than letters, digits, '-' and '.'";
    case DomainIssue::BadLabel:
        return "the domain has an empty, over-long or hyphen-edged label";
    case DomainIssue::TooLong:
        return "the domain is longer than 253 characters";
    case DomainIssue::BadIp:
        return "the domain looks like an IP address but is not a valid one";
    }
    return "the domain is invalid";
}

std::string joinNames(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &n : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += n;
    }
    return out;
}

} // namespace

std::string Aor::uri() const {
    return scheme + ":" + address();
}

std::string Aor::address() const {
    return user + "@" + host;
}

CryptoResult<Aor> parseAor(std::string_view text) {
    auto bad = [&](const std::string &why) {
        std::string shown =
            text.size() > 80 ? std::string(text.substr(0, 80)) + "..." : std::string(text);
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "'" + shown + "' is not a SIP address of record: " + why});
    };
    if (text.size() > kMaxAorLength) {
        return bad("it is longer than " + std::to_string(kMaxAorLength) + " characters");
    }
    // People paste addresses with stray spaces around them; inside they are invalid.
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return bad("it is empty");
    }

    Aor aor;
    std::string_view rest = text;
    std::size_t at = rest.find('@');
    std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos && (at == std::string_view::npos || colon < at)) {
        std::string_view scheme = rest.substr(0, colon);
        if (equalsNoCase(scheme, "sip")) {
            aor.scheme = "sip";
        } else if (equalsNoCase(scheme, "sips")) {
            aor.scheme = "sips";
        } else {
            bool schemeLike =
                !scheme.empty() && isAlpha(scheme.front()) &&
                std::all_of(scheme.begin(), scheme.end(), [](char c) {
                    return isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.';
                });
            return bad(schemeLike ? "the scheme '" + std::string(scheme) + "' is not sip or sips"
                                  : std::string("it has ':' before the host (a password?)"));
        }
        rest.remove_prefix(colon + 1);
        at = rest.find('@');
    }
    if (at == std::string_view::npos) {
        return bad("there is no '@' between user and host");
    }
    std::string why;
    std::string_view userPart = rest.substr(0, at);
    if (userPart.find(':') != std::string_view::npos) {
        return bad("the user part carries a password (':'), which an address of record never has");
    }
    auto user = checkUser(userPart, why);
    if (!user) {
        return bad(why);
    }
    aor.user = std::move(*user);

    std::string_view hostPort = rest.substr(at + 1);
    // URI parameters and headers are not part of the address.
    hostPort = hostPort.substr(0, std::min(hostPort.find(';'), hostPort.find('?')));
    std::string_view host = hostPort;
    if (!hostPort.empty() && hostPort.front() == '[') {
        std::size_t close = hostPort.find(']');
        if (close == std::string_view::npos) {
            return bad("the IPv6 host has no closing ']'");
        }
        if (close + 1 < hostPort.size()) {
            return bad(hostPort[close + 1] == ':'
                           ? std::string("it has a port; an address of record has none")
                           : "unexpected characters after the IPv6 host");
        }
    } else if (hostPort.find(':') != std::string_view::npos) {
        return bad("it has a port; an address of record has none");
    }
    if (host.find('@') != std::string_view::npos) {
        return bad("it has more than one '@'");
    }
    bool isIp = false;
    DomainIssue issue = normaliseHost(host, aor.host, isIp);
    if (issue != DomainIssue::None) {
        return bad(issue == DomainIssue::Empty ? "the host after '@' is empty" : describe(issue));
    }
    return aor;
}

bool sanUriMatchesAor(std::string_view sanUri, const Aor &aor) {
    // A SAN URI must name its scheme; a bare "user@host" is not a SIP URI.
    std::size_t colon = sanUri.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    std::string_view scheme = sanUri.substr(0, colon);
    if (!equalsNoCase(scheme, "sip") && !equalsNoCase(scheme, "sips")) {
        return false;
    }
    auto parsed = parseAor(sanUri);
    if (!parsed) {
        return false;
    }
    return parsed->user == aor.user && parsed->host == aor.host;
}

Result<void, CryptoError> checkCertificateForAor(const Certificate &cert, const Aor &aor) {
    auto uris = cert.sanUris();
    for (const auto &uri : uris) {
        if (sanUriMatchesAor(uri, aor)) {
            return {};
        }
    }
    if (uris.empty()) {
        return fail(CryptoError{CryptoErrc::NameMismatch,
                                "the certificate names no SIP address at all, so it cannot be " +
                                    aor.address() + "'s"});
    }
    return fail(CryptoError{CryptoErrc::NameMismatch, "the certificate is for " + joinNames(uris) +
                                                          ", not for " + aor.uri()});
}

std::optional<std::string> normaliseDomain(std::string_view domain) {
    std::string out;
    bool isIp = false;
    if (normaliseHost(domain, out, isIp) != DomainIssue::None) {
        return std::nullopt;
    }
    return out;
}

bool serviceCertificateNamesDomain(const Certificate &cert, std::string_view domain) {
    std::string wanted;
    bool isIp = false;
    if (normaliseHost(domain, wanted, isIp) != DomainIssue::None || isIp) {
        return false;
    }
    for (const auto &name : cert.sanDnsNames()) {
        std::string have;
        bool sanIsIp = false;
        // Wildcards, non-ASCII and malformed names are rejected by normaliseHost;
        // a DNS SAN that spells an IP address is not a host name either.
        if (normaliseHost(name, have, sanIsIp) == DomainIssue::None && !sanIsIp && have == wanted) {
            return true;
        }
    }
    return false;
}

Result<void, CryptoError> checkServiceCertificate(const Certificate &cert,
                                                  std::string_view domain) {
    std::string wanted;
    bool isIp = false;
    DomainIssue issue = normaliseHost(domain, wanted, isIp);
    if (issue != DomainIssue::None) {
        return fail(CryptoError{CryptoErrc::InvalidArgument,
                                "cannot check a certificate service for '" + std::string(domain) +
                                    "': " + describe(issue)});
    }
    if (isIp) {
        return fail(CryptoError{CryptoErrc::NameMismatch,
                                wanted + " is an IP address; a certificate service is only "
                                         "trusted for a domain name"});
    }
    if (serviceCertificateNamesDomain(cert, wanted)) {
        return {};
    }
    std::vector<std::string> names = cert.sanDnsNames();
    for (const auto &ip : cert.sanIpAddresses()) {
        names.push_back("IP " + ip);
    }
    if (names.empty()) {
        std::string cn = cert.commonName();
        return fail(CryptoError{
            CryptoErrc::NameMismatch,
            wanted + "'s certificate service presented a certificate with no DNS names" +
                (cn.empty() ? std::string()
                            : " (only the common name " + cn + ", which is not used)")});
    }
    return fail(CryptoError{CryptoErrc::NameMismatch,
                            wanted + "'s certificate service presented a certificate for " +
                                joinNames(names) +
                                " (sub-domains, wildcards and IP addresses do not count)"});
}

} // namespace napkin::crypto
