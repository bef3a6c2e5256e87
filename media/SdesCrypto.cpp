// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/SdesCrypto.h"

#include "crypto/Encoding.h"

#include <openssl/crypto.h>

#include <array>
#include <charconv>
#include <vector>

namespace napkin::media {

namespace {

/// The inline key||salt (RFC 4568: base64, padding optional) into a wiped buffer.
std::optional<SecretBytes> decodeKey(std::string_view text) {
    auto bytes = crypto::decodeBase64(text, crypto::kTokenBase64);
    if (!bytes) {
        return std::nullopt;
    }
    SecretBytes key(*bytes);
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return key;
}

bool isWsp(char c) {
    return c == ' ' || c == '\t';
}

/// Splits on runs of SP/HTAB; empty fields cannot occur.
std::vector<std::string_view> splitWsp(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && isWsp(text[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && !isWsp(text[i])) {
            ++i;
        }
        if (i > start) {
            out.push_back(text.substr(start, i - start));
        }
    }
    return out;
}

bool allDigits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

template <typename T> std::optional<T> parseNumber(std::string_view s) {
    if (!allDigits(s)) {
        return std::nullopt;
    }
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

MediaResult<std::uint64_t> parseLifetime(std::string_view text) {
    if (text.starts_with("2^")) {
        auto exponent = parseNumber<unsigned>(text.substr(2));
        if (!exponent || *exponent > 48) {
            return mediaFail(MediaErrc::MalformedCrypto,
                             "a=crypto lifetime must be 2^0 to 2^48 packets");
        }
        return std::uint64_t{1} << *exponent;
    }
    auto value = parseNumber<std::uint64_t>(text);
    if (!value || *value == 0 || *value > kMaxSrtpLifetime) {
        return mediaFail(MediaErrc::MalformedCrypto,
                         "a=crypto lifetime must be a number of packets from 1 to 2^48");
    }
    return *value;
}

MediaResult<void> checkSessionParameter(std::string_view param) {
    if (param.starts_with("WSH=")) {
        auto size = parseNumber<unsigned>(param.substr(4));
        if (!size || *size < 64) {
            return mediaFail(MediaErrc::MalformedCrypto,
                             "a=crypto WSH must be a replay window of at least 64 packets");
        }
        return {}; // a hint; Napkin always uses a 128-packet window
    }
    const std::string_view name = param.substr(0, param.find('='));
    static constexpr std::array<std::string_view, 6> weakening = {
        "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP", "KDR", "FEC_ORDER",
        "FEC_KEY"};
    for (auto known : weakening) {
        if (name == known) {
            return mediaFail(MediaErrc::UnsupportedCrypto, "a=crypto session parameter " +
                                                               std::string(name) +
                                                               " is not supported");
        }
    }
    if (name.empty() || name.size() > 64) {
        return mediaFail(MediaErrc::MalformedCrypto, "a=crypto has an empty session parameter");
    }
    for (char c : name) {
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
            return mediaFail(MediaErrc::MalformedCrypto,
                             "a=crypto session parameter contains a control character");
        }
    }
    return mediaFail(MediaErrc::UnsupportedCrypto,
                     "a=crypto has the unknown session parameter " + std::string(name));
}

} // namespace

MediaResult<CryptoAttribute> parseCryptoAttribute(std::string_view value) {
    if (value.size() > 1024) {
        return mediaFail(MediaErrc::MalformedCrypto, "a=crypto attribute is too long");
    }
    const auto fields = splitWsp(value);
    if (fields.size() < 3) {
        return mediaFail(MediaErrc::MalformedCrypto,
                         "a=crypto needs a tag, a crypto suite and key parameters");
    }
    CryptoAttribute out;
    if (fields[0].size() > 9) {
        return mediaFail(MediaErrc::MalformedCrypto, "a=crypto tag has more than 9 digits");
    }
    auto tag = parseNumber<std::uint32_t>(fields[0]);
    if (!tag) {
        return mediaFail(MediaErrc::MalformedCrypto, "a=crypto tag must be a decimal number");
    }
    out.tag = *tag;

    auto suite = suiteFromName(fields[1]);
    if (!suite) {
        std::string name(fields[1].substr(0, 64));
        for (char &c : name) {
            if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
                c = '?';
            }
        }
        return mediaFail(MediaErrc::UnsupportedCrypto,
                         "a=crypto crypto suite " + name + " is not supported");
    }
    out.suite = *suite;

    const std::string_view keyParams = fields[2];
    if (keyParams.find(';') != std::string_view::npos) {
        return mediaFail(MediaErrc::UnsupportedCrypto,
                         "a=crypto with several master keys (which need an MKI) is not supported");
    }
    constexpr std::string_view kInline = "inline:";
    if (!keyParams.starts_with(kInline)) {
        return mediaFail(MediaErrc::UnsupportedCrypto, "a=crypto key method must be inline (SDES)");
    }
    std::string_view keyInfo = keyParams.substr(kInline.size());
    std::string_view keySalt = keyInfo.substr(0, keyInfo.find('|'));
    std::string_view rest =
        keySalt.size() < keyInfo.size() ? keyInfo.substr(keySalt.size() + 1) : std::string_view{};
    const bool hasRest = keySalt.size() < keyInfo.size();

    auto key = decodeKey(keySalt);
    if (!key) {
        return mediaFail(MediaErrc::MalformedCrypto, "a=crypto inline key is not valid base64");
    }
    if (key->size() != keySaltLength(out.suite)) {
        return mediaFail(MediaErrc::MalformedCrypto,
                         "a=crypto inline key is " + std::to_string(key->size()) + " bytes; " +
                             std::string(suiteName(out.suite)) + " needs " +
                             std::to_string(keySaltLength(out.suite)) + " (key and salt)");
    }
    out.keySalt = std::move(*key);

    if (hasRest) {
        std::string_view lifetime = rest.substr(0, rest.find('|'));
        const bool hasMki = lifetime.size() < rest.size();
        if (lifetime.find(':') != std::string_view::npos || hasMki) {
            // Either "|mki:len" alone or "|lifetime|mki:len".
            return mediaFail(MediaErrc::UnsupportedCrypto, "a=crypto with an MKI is not supported");
        }
        auto parsed = parseLifetime(lifetime);
        if (!parsed) {
            return fail(parsed.error());
        }
        out.lifetime = *parsed;
    }

    for (std::size_t i = 3; i < fields.size(); ++i) {
        if (auto checked = checkSessionParameter(fields[i]); !checked) {
            return fail(checked.error());
        }
    }
    return out;
}

std::string formatCryptoAttribute(const CryptoAttribute &crypto) {
    std::string out = std::to_string(crypto.tag);
    out += ' ';
    out += suiteName(crypto.suite);
    out += " inline:";
    out += crypto::encodeBase64(crypto.keySalt.view());
    if (crypto.lifetime) {
        out += '|';
        const std::uint64_t v = *crypto.lifetime;
        if ((v & (v - 1)) == 0) {
            int exponent = 0;
            while ((std::uint64_t{1} << exponent) != v) {
                ++exponent;
            }
            out += "2^" + std::to_string(exponent);
        } else {
            out += std::to_string(v);
        }
    }
    return out;
}

MediaResult<CryptoAttribute> makeCryptoAttribute(std::uint32_t tag, SrtpSuite suite) {
    CryptoAttribute out;
    out.tag = tag;
    out.suite = suite;
    out.keySalt = SecretBytes::random(keySaltLength(suite));
    if (out.keySalt.empty()) {
        return mediaFail(MediaErrc::RandomFailure,
                         "the random generator failed to make an SRTP master key");
    }
    return out;
}

} // namespace napkin::media
