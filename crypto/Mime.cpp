// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/Mime.h"

#include <algorithm>
#include <array>
#include <random>

namespace napkin::crypto {

namespace {

CryptoError mimeError(std::string message) {
    return CryptoError{CryptoErrc::MalformedMime, std::move(message)};
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}

bool isControl(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
}

/// RFC 2045 token characters: printable ASCII except SPACE and tspecials.
bool isTokenChar(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
        return false;
    }
    static constexpr std::string_view tspecials = "()<>@,;:\\\"/[]?=";
    return tspecials.find(c) == std::string_view::npos;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && isWsp(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && isWsp(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lineRef(std::size_t lineNo) {
    return "header line " + std::to_string(lineNo);
}

/// Checks one physical header line (without its line break).
Result<void, CryptoError> checkHeaderLine(std::string_view line, std::size_t lineNo) {
    if (line.size() > kMaxMimeHeaderLine) {
        return fail(mimeError(lineRef(lineNo) + " is longer than " +
                              std::to_string(kMaxMimeHeaderLine) + " bytes"));
    }
    for (char c : line) {
        if (c == '\0') {
            return fail(mimeError("a NUL byte in " + lineRef(lineNo)));
        }
        if (c == '\r') {
            return fail(mimeError("a bare CR in " + lineRef(lineNo)));
        }
        if (isControl(c)) {
            return fail(
                mimeError("control character " + describeChar(c) + " in " + lineRef(lineNo)));
        }
    }
    return {};
}

} // namespace

std::optional<std::string_view> MimeEntity::header(std::string_view name) const {
    for (const auto &h : headers) {
        if (equalsNoCase(h.name, name)) {
            return std::string_view(h.value);
        }
    }
    return std::nullopt;
}

CryptoResult<MimeEntity> parseMimeEntity(ByteView entity) {
    if (entity.empty()) {
        return fail(mimeError("the MIME entity is empty"));
    }
    const std::string_view text = asText(entity);
    MimeEntity out;
    std::size_t pos = 0;
    std::size_t lineNo = 0;
    for (;;) {
        ++lineNo;
        // Look no further than one maximal line (+ CRLF) for its end.
        const std::string_view window = text.substr(pos, kMaxMimeHeaderLine + 2);
        const std::size_t nl = window.find('\n');
        if (nl == std::string_view::npos) {
            if (window.size() > kMaxMimeHeaderLine) {
                return fail(mimeError(lineRef(lineNo) + " is longer than " +
                                      std::to_string(kMaxMimeHeaderLine) + " bytes"));
            }
            if (window.find('\0') != std::string_view::npos) {
                return fail(mimeError("a NUL byte in " + lineRef(lineNo)));
            }
            return fail(mimeError("the headers are not followed by the blank line that separates "
                                  "them from the body"));
        }
        std::string_view line = window.substr(0, nl);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        pos += nl + 1;
        if (line.empty()) {
            break;
        }
        if (auto ok = checkHeaderLine(line, lineNo); !ok) {
            return fail(std::move(ok).error());
        }
        if (isWsp(line.front())) {
            if (out.headers.empty()) {
                return fail(
                    mimeError(lineRef(lineNo) +
                              " starts with whitespace but there is no header to continue"));
            }
            auto &value = out.headers.back().value;
            if (value.size() + line.size() > kMaxMimeHeaderLine) {
                return fail(mimeError("header '" + out.headers.back().name + "' is longer than " +
                                      std::to_string(kMaxMimeHeaderLine) +
                                      " bytes after unfolding"));
            }
            value.append(line); // unfolding removes only the line break
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return fail(mimeError(lineRef(lineNo) +
                                  " has no ':' (or the blank line after the headers is missing)"));
        }
        const std::string_view name = line.substr(0, colon);
        if (name.empty()) {
            return fail(mimeError(lineRef(lineNo) + " has an empty field name"));
        }
        for (char c : name) {
            auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u >= 0x7f) {
                return fail(mimeError("header field name '" + std::string(trimmed(name)) + "' in " +
                                      lineRef(lineNo) + " contains " +
                                      (u == 0x20 ? std::string("a space") : describeChar(c))));
            }
        }
        if (out.headers.size() == kMaxMimeHeaders) {
            return fail(mimeError("the entity has more than " + std::to_string(kMaxMimeHeaders) +
                                  " header fields"));
        }
        out.headers.push_back(MimeHeader{std::string(name), std::string(line.substr(colon + 1))});
    }
    for (auto &h : out.headers) {
        h.value = std::string(trimmed(h.value));
    }
    out.body = entity.subspan(pos);
    return out;
}

std::optional<std::string_view> ContentType::parameter(std::string_view name) const {
    for (const auto &[key, value] : parameters) {
        if (equalsNoCase(key, name)) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

bool ContentType::is(std::string_view t, std::string_view s) const {
    return equalsNoCase(type, t) && equalsNoCase(subtype, s);
}

std::string ContentType::mediaType() const {
    return type + "/" + subtype;
}

CryptoResult<ContentType> parseContentType(std::string_view value) {
    const std::size_t n = value.size();
    std::size_t i = 0;
    auto skipWsp = [&] {
        while (i < n && isWsp(value[i])) {
            ++i;
        }
    };
    auto readToken = [&] {
        const std::size_t start = i;
        while (i < n && isTokenChar(value[i])) {
            ++i;
        }
        return value.substr(start, i - start);
    };

    ContentType ct;
    skipWsp();
    if (i == n) {
        return fail(mimeError("the Content-Type is empty"));
    }
    ct.type = lowered(readToken());
    if (ct.type.empty()) {
        return fail(mimeError("the Content-Type starts with " + describeChar(value[i]) +
                              ", which cannot begin a media type"));
    }
    if (i == n || value[i] != '/') {
        return fail(mimeError("expected '/' after the media type '" + ct.type + "'"));
    }
    ++i;
    ct.subtype = lowered(readToken());
    if (ct.subtype.empty()) {
        return fail(mimeError("the media subtype is missing after '" + ct.type + "/'"));
    }
    for (;;) {
        skipWsp();
        if (i == n) {
            break;
        }
        if (value[i] == '(') {
            return fail(mimeError("comments in Content-Type are not supported"));
        }
        if (value[i] != ';') {
            return fail(mimeError("unexpected " + describeChar(value[i]) + " after '" +
                                  ct.mediaType() + "'; parameters start with ';'"));
        }
        ++i;
        skipWsp();
        if (i == n) {
            return fail(mimeError("a parameter is missing after the last ';'"));
        }
        const std::string name = lowered(readToken());
        if (name.empty()) {
            return fail(mimeError("a parameter name is missing where " + describeChar(value[i]) +
                                  " was found"));
        }
        skipWsp();
        if (i == n || value[i] != '=') {
            return fail(mimeError("parameter '" + name + "' has no '=' and value"));
        }
        ++i;
        skipWsp();
        std::string param;
        if (i < n && value[i] == '"') {
            ++i;
            bool closed = false;
            while (i < n) {
                char c = value[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (i == n) {
                        break;
                    }
                    c = value[i++];
                }
                if (isControl(c) || c == '\0') {
                    return fail(mimeError("a control character in the quoted value of parameter '" +
                                          name + "'"));
                }
                param += c;
            }
            if (!closed) {
                return fail(
                    mimeError("the quoted value of parameter '" + name + "' is not closed"));
            }
        } else {
            param = std::string(readToken());
            if (param.empty()) {
                return fail(mimeError(i == n
                                          ? "parameter '" + name + "' has an empty value"
                                          : "the value of parameter '" + name + "' starts with " +
                                                describeChar(value[i]) + " and so must be quoted"));
            }
        }
        if (ct.parameter(name)) {
            return fail(mimeError("parameter '" + name + "' appears twice"));
        }
        if (ct.parameters.size() == kMaxContentTypeParameters) {
            return fail(mimeError("the Content-Type has more than " +
                                  std::to_string(kMaxContentTypeParameters) + " parameters"));
        }
        ct.parameters.emplace_back(name, std::move(param));
    }
    return ct;
}

std::string formatContentType(const ContentType &contentType) {
    std::string out = contentType.mediaType();
    for (const auto &[name, value] : contentType.parameters) {
        out += "; ";
        out += name;
        out += '=';
        const bool plain = !value.empty() && std::all_of(value.begin(), value.end(),
                                                         [](char c) { return isTokenChar(c); });
        if (plain) {
            out += value;
            continue;
        }
        out += '"';
        for (char c : value) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    return out;
}

bool hasCanonicalLineEnds(ByteView data) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
            return false;
        }
    }
    return true;
}

Bytes canonicalizeLineEnds(ByteView data) {
    Bytes out;
    out.reserve(data.size() + data.size() / 32 + 2);
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
            out.push_back('\r');
        }
        out.push_back(data[i]);
    }
    return out;
}

Result<void, CryptoError> checkBoundary(std::string_view boundary) {
    if (boundary.empty()) {
        return fail(mimeError("the multipart boundary is empty"));
    }
    if (boundary.size() > kMaxBoundaryLength) {
        return fail(mimeError("the multipart boundary is longer than " +
                              std::to_string(kMaxBoundaryLength) + " characters"));
    }
    static constexpr std::string_view extra = "'()+_,-./:=? ";
    for (char c : boundary) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && extra.find(c) == std::string_view::npos) {
            return fail(mimeError("the multipart boundary contains " + describeChar(c) +
                                  ", which RFC 2046 does not allow"));
        }
    }
    if (boundary.back() == ' ') {
        return fail(mimeError("the multipart boundary ends with a space"));
    }
    return {};
}

CryptoResult<std::vector<ByteView>> splitMultipart(ByteView body, std::string_view boundary,
                                                   std::size_t maxParts) {
    if (auto ok = checkBoundary(boundary); !ok) {
        return fail(std::move(ok).error());
    }
    const std::string_view text = asText(body);
    const std::string delimiter = "--" + std::string(boundary);
    std::vector<ByteView> parts;
    std::optional<std::size_t> partStart;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t hit = text.find(delimiter, pos);
        if (hit == std::string_view::npos) {
            break;
        }
        pos = hit + 1;
        if (hit != 0 && text[hit - 1] != '\n') {
            continue; // not at the start of a line: content
        }
        const std::size_t after = hit + delimiter.size();
        const bool close = text.substr(after, 2) == "--";
        std::size_t rest = close ? after + 2 : after;
        while (rest < text.size() && isWsp(text[rest])) {
            ++rest; // transport padding
        }
        std::size_t next = 0;
        if (rest == text.size()) {
            next = rest;
        } else if (text[rest] == '\n') {
            next = rest + 1;
        } else if (text[rest] == '\r' && rest + 1 < text.size() && text[rest + 1] == '\n') {
            next = rest + 2;
        } else {
            continue; // the line goes on: not a delimiter line
        }
        if (partStart) {
            std::size_t end = hit;
            if (end > *partStart && text[end - 1] == '\n') {
                --end;
                if (end > *partStart && text[end - 1] == '\r') {
                    --end;
                }
            }
            if (parts.size() == maxParts) {
                return fail(mimeError("the multipart body has more than " +
                                      std::to_string(maxParts) + " parts"));
            }
            parts.push_back(body.subspan(*partStart, end - *partStart));
        }
        if (close) {
            if (parts.empty()) {
                return fail(mimeError("the multipart body has no parts: its first delimiter is "
                                      "the closing one"));
            }
            return parts;
        }
        partStart = next;
        pos = next;
    }
    if (!partStart) {
        return fail(mimeError("the multipart body has no '" + delimiter + "' delimiter line"));
    }
    return fail(mimeError("the multipart body ends without the closing '" + delimiter +
                          "--' delimiter (is it truncated?)"));
}

std::string randomBoundary() {
    // A boundary must only be unlikely to occur in the parts (and
    // buildMultipart() checks that it does not); it is no secret, so a
    // per-thread generator seeded once from the system saves a DRBG call
    // per message.
    thread_local std::mt19937_64 generator = [] {
        std::random_device rd;
        std::seed_seq seed{rd(), rd(), rd(), rd()};
        return std::mt19937_64(seed);
    }();
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        const std::uint64_t v = generator();
        for (std::size_t k = 0; k < 8; ++k) {
            bytes[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
        }
    }
    return "napkin-" + toHex(bytes);
}

CryptoResult<Multipart> buildMultipart(std::span<const ByteView> parts, std::string_view boundary) {
    if (auto ok = checkBoundary(boundary); !ok) {
        return fail(std::move(ok).error());
    }
    if (parts.empty()) {
        return fail(CryptoError{CryptoErrc::InvalidArgument, "a multipart body needs a part"});
    }
    const std::string delimiter = "--" + std::string(boundary);
    std::size_t total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (asText(parts[i]).find(delimiter) != std::string_view::npos) {
            return fail(CryptoError{CryptoErrc::InvalidArgument,
                                    "the boundary occurs inside part " + std::to_string(i + 1)});
        }
        total += parts[i].size() + delimiter.size() + 4;
    }
    Multipart out;
    out.boundary = std::string(boundary);
    out.body.reserve(total + delimiter.size() + 4);
    auto append = [&](std::string_view s) { out.body.insert(out.body.end(), s.begin(), s.end()); };
    for (const auto &part : parts) {
        append(delimiter);
        append("\r\n");
        out.body.insert(out.body.end(), part.begin(), part.end());
        append("\r\n");
    }
    append(delimiter);
    append("--\r\n");
    return out;
}

CryptoResult<Multipart> buildMultipart(std::span<const ByteView> parts) {
    for (int attempt = 0;; ++attempt) {
        auto built = buildMultipart(parts, randomBoundary());
        if (built || attempt == 3) {
            return built;
        }
    }
}

std::string encodeBase64Lines(ByteView data) {
    constexpr std::size_t kChunk = 57; // 57 bytes -> one 76-character line
    std::string out;
    out.reserve((data.size() + kChunk - 1) / kChunk * 78);
    for (std::size_t i = 0; i < data.size(); i += kChunk) {
        out += encodeBase64(data.subspan(i, std::min(kChunk, data.size() - i)));
        out += "\r\n";
    }
    return out;
}

} // namespace napkin::crypto
