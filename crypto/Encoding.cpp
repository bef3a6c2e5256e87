// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/Encoding.h"

#include <openssl/crypto.h>

#include <array>

namespace napkin::crypto {

namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view alphabetOf(Base64Alphabet alphabet) {
    return alphabet == Base64Alphabet::Url ? kUrl : kStandard;
}

int valueOf(char c, Base64Alphabet alphabet) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    const std::string_view a = alphabetOf(alphabet);
    if (c == a[62]) {
        return 62;
    }
    if (c == a[63]) {
        return 63;
    }
    return -1;
}

bool isWhitespace(char c) {
    return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

/// Wipes what was decoded so far and gives the error.
Unexpected<CryptoError> malformed(Bytes &partial, std::string message) {
    OPENSSL_cleanse(partial.data(), partial.size());
    partial.clear();
    return fail(CryptoError{CryptoErrc::MalformedEncoding, std::move(message)});
}

} // namespace

std::string toHex(ByteView bytes, HexCase letters) {
    const char *digits = letters == HexCase::Upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
    return out;
}

std::string describeChar(char c) {
    const auto u = static_cast<std::uint8_t>(c);
    if (u > 0x20 && u < 0x7f) {
        return std::string("'") + c + "'";
    }
    return "0x" + toHex(ByteView(&u, 1));
}

std::string encodeBase64(ByteView bytes, const Base64Rules &rules) {
    const std::string_view a = alphabetOf(rules.alphabet);
    const bool pad = rules.padding != Base64Padding::Omitted;
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t v = std::uint32_t{bytes[i]} << 16;
        if (n > 1) {
            v |= std::uint32_t{bytes[i + 1]} << 8;
        }
        if (n > 2) {
            v |= bytes[i + 2];
        }
        out += a[(v >> 18) & 63];
        out += a[(v >> 12) & 63];
        if (n > 1) {
            out += a[(v >> 6) & 63];
        } else if (pad) {
            out += '=';
        }
        if (n > 2) {
            out += a[v & 63];
        } else if (pad) {
            out += '=';
        }
    }
    return out;
}

CryptoResult<Bytes> decodeBase64(std::string_view text, const Base64Rules &rules) {
    Bytes out;
    out.reserve(text.size() / 4 * 3 + 3); // never reallocated: no copies left behind
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = 0; // alphabet characters and '=' so far
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (rules.skipWhitespace && isWhitespace(c)) {
            continue;
        }
        if (c == '=') {
            if (rules.padding == Base64Padding::Omitted) {
                return malformed(out, "'=' padding in base64 text that must not have it");
            }
            if (symbols % 4 < 2 && padding == 0) {
                return malformed(out, "misplaced '=' padding in base64 data");
            }
            ++padding;
            ++symbols;
            continue;
        }
        if (padding > 0) {
            return malformed(out, "base64 data continues after its '=' padding");
        }
        const int v = valueOf(c, rules.alphabet);
        if (v < 0) {
            return malformed(out, "invalid character " + describeChar(c) +
                                      " in base64 data at offset " + std::to_string(i));
        }
        ++symbols;
        acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    const std::size_t dataSymbols = symbols - padding;
    if (dataSymbols % 4 == 1) {
        return malformed(out, "base64 data ends in the middle of a 4-character group");
    }
    if (padding > 0 && symbols % 4 != 0) {
        return malformed(out, "base64 data ends in the middle of a 4-character group");
    }
    if (padding > 0 && padding != (4 - dataSymbols % 4) % 4) {
        return malformed(out, "misplaced '=' padding in base64 data");
    }
    if (rules.padding == Base64Padding::Required && symbols % 4 != 0) {
        return malformed(out, "base64 data ends in the middle of a 4-character group");
    }
    if (rules.canonical && (acc & ((1u << bits) - 1)) != 0) {
        return malformed(out, "base64 data has stray bits in its last character");
    }
    acc = 0;
    return out;
}

} // namespace napkin::crypto
