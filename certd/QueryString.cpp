// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/QueryString.h"

namespace napkin::certd {

namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool isControl(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

} // namespace

QueryResult<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (isControl(static_cast<unsigned char>(c))) {
            return fail(QueryError{"the query contains a control character"});
        }
        if (c == '%') {
            if (text.size() - i < 3) {
                return fail(QueryError{"a '%' escape at the end of the query is incomplete"});
            }
            int hi = hexValue(text[i + 1]);
            int lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return fail(
                    QueryError{"'%" + std::string(text.substr(i + 1, 2)) +
                               "' is not a valid percent-escape (two hex digits expected)"});
            }
            auto decoded = static_cast<unsigned char>(hi * 16 + lo);
            if (isControl(decoded)) {
                return fail(QueryError{"the query encodes a control character (%" +
                                       std::string(text.substr(i + 1, 2)) + ")"});
            }
            out += static_cast<char>(decoded);
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

QueryResult<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query,
                                                                         bool plusIsSpace) {
    if (query.size() > kMaxQueryLength) {
        return fail(
            QueryError{"the query is longer than " + std::to_string(kMaxQueryLength) + " bytes"});
    }
    std::vector<std::pair<std::string, std::string>> fields;
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        auto field = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
        if (!field.empty()) {
            if (fields.size() == kMaxQueryFields) {
                return fail(QueryError{"the query has more than " +
                                       std::to_string(kMaxQueryFields) + " fields"});
            }
            auto eq = field.find('=');
            auto name = percentDecode(field.substr(0, eq), plusIsSpace);
            if (!name) {
                return fail(std::move(name).error());
            }
            std::string value;
            if (eq != std::string_view::npos) {
                auto decoded = percentDecode(field.substr(eq + 1), plusIsSpace);
                if (!decoded) {
                    return fail(std::move(decoded).error());
                }
                value = std::move(decoded).value();
            }
            fields.emplace_back(std::move(name).value(), std::move(value));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        pos = amp + 1;
    }
    return fields;
}

std::optional<std::string> normaliseFingerprint(std::string_view text) {
    static constexpr std::string_view prefix = "sha256:";
    if (text.size() != prefix.size() + 64) {
        return std::nullopt;
    }
    std::string out(prefix);
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != prefix[i]) {
            return std::nullopt;
        }
    }
    for (char c : text.substr(prefix.size())) {
        int v = hexValue(c);
        if (v < 0) {
            return std::nullopt;
        }
        out += "0123456789abcdef"[v];
    }
    return out;
}

QueryResult<SearchQuery> parseSearchQuery(std::string_view query, bool fingerprintAllowed) {
    auto fields = parseQuery(query, false);
    if (!fields) {
        return fail(std::move(fields).error());
    }
    std::optional<std::string> address;
    std::optional<std::string> fingerprint;
    for (auto &[name, value] : *fields) {
        if (name == "sip" || name == "email") {
            if (address) {
                return fail(QueryError{"the address is given more than once (sip= and email= "
                                       "are aliases; use one)"});
            }
            address = value;
        } else if (name == "fingerprint" && fingerprintAllowed) {
            if (fingerprint) {
                return fail(QueryError{"fingerprint= is given more than once"});
            }
            fingerprint = value;
        }
    }
    if (!address) {
        return fail(QueryError{"the query needs sip=USER@DOMAIN (or email=USER@DOMAIN)"});
    }
    auto aor = crypto::parseAor(*address);
    if (!aor) {
        return fail(QueryError{"the address in the query is not valid: " + aor.error().message});
    }
    SearchQuery result{std::move(aor).value(), std::nullopt};
    if (fingerprint) {
        auto normalised = normaliseFingerprint(*fingerprint);
        if (!normalised) {
            return fail(QueryError{"fingerprint= must be \"sha256:\" followed by 64 hex digits"});
        }
        result.fingerprint = std::move(normalised);
    }
    return result;
}

std::string percentEncode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0x0f];
        }
    }
    return out;
}

} // namespace napkin::certd
