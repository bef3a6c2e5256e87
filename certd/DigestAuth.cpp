// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/DigestAuth.h"

#include "crypto/Encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

namespace napkin::certd {

namespace {

constexpr std::size_t kRandomBytes = 16;
constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kNonceBytes = 8 + kRandomBytes + kMacBytes;
constexpr std::size_t kMaxParameters = 32;
constexpr std::size_t kMaxValueLength = 1024;
/// A nonce issued by an instance whose clock is this far ahead is still honoured.
constexpr std::int64_t kClockSkew = 60;

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

bool isTchar(char c) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
}

bool isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isAllHex(std::string_view s) {
    for (char c : s) {
        if (!isHex(c)) {
            return false;
        }
    }
    return true;
}

std::string lowerString(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        c = lower(c);
    }
    return out;
}

/// A cursor over the header with the RFC 7230 building blocks.
class Lexer {
public:
    explicit Lexer(std::string_view text) : m_text(text) {}

    [[nodiscard]] bool atEnd() const { return m_pos >= m_text.size(); }
    [[nodiscard]] char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }
    void skipSpace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            ++m_pos;
        }
    }
    bool consume(char c) {
        if (peek() == c && !atEnd()) {
            ++m_pos;
            return true;
        }
        return false;
    }
    std::string_view token() {
        std::size_t start = m_pos;
        while (!atEnd() && isTchar(peek())) {
            ++m_pos;
        }
        return m_text.substr(start, m_pos - start);
    }
    /// A quoted-string without its quotes, escapes resolved; nullopt if broken.
    std::optional<std::string> quoted() {
        if (!consume('"')) {
            return std::nullopt;
        }
        std::string out;
        while (!atEnd()) {
            auto c = static_cast<unsigned char>(m_text[m_pos++]);
            if (c == '"') {
                return out;
            }
            if (c == '\\') {
                if (atEnd()) {
                    return std::nullopt;
                }
                c = static_cast<unsigned char>(m_text[m_pos++]);
            }
            // qdtext / quoted-pair: HTAB, SP, VCHAR, obs-text; no other controls.
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return std::nullopt;
            }
            out += static_cast<char>(c);
            if (out.size() > kMaxValueLength) {
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
};

DigestError error(DigestErrc code, std::string message) {
    return DigestError{code, std::move(message)};
}

/// Decodes exactly kNonceBytes from a kNonceLength-character string.
bool decodeNonce(std::string_view text, std::array<std::uint8_t, kNonceBytes> &out) {
    if (text.size() != kNonceLength) {
        return false;
    }
    auto bytes = crypto::decodeBase64(text, crypto::kUrlBase64);
    if (!bytes || bytes->size() != out.size()) {
        return false;
    }
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return true;
}

} // namespace

std::string_view algorithmName(DigestAlgorithm algorithm) {
    return algorithm == DigestAlgorithm::Sha256 ? "SHA-256" : "MD5";
}

std::uint32_t DigestCredentials::nonceCount() const {
    return static_cast<std::uint32_t>(std::stoul(nc, nullptr, 16));
}

Result<DigestCredentials, DigestError> parseDigestAuthorization(std::string_view header) {
    if (header.size() > kMaxAuthorizationLength) {
        return fail(error(DigestErrc::Malformed, "the Authorization header is too long"));
    }
    Lexer lex(header);
    lex.skipSpace();
    auto scheme = lex.token();
    if (!equalsNoCase(scheme, "Digest")) {
        return fail(error(DigestErrc::NotDigest,
                          scheme.empty() ? "the Authorization header is empty"
                                         : "the Authorization header uses the " +
                                               std::string(scheme) + " scheme, not Digest"));
    }
    if (lex.peek() != ' ') {
        return fail(error(DigestErrc::Malformed, "Digest must be followed by a space"));
    }

    struct Field {
        std::string_view name;
        std::optional<std::string> value;
        bool quotedOnly; // RFC 7616 says these are quoted-strings
    };
    std::array<Field, 11> fields{{{"username", {}, true},
                                  {"realm", {}, true},
                                  {"nonce", {}, true},
                                  {"uri", {}, true},
                                  {"response", {}, true},
                                  {"cnonce", {}, true},
                                  {"opaque", {}, true},
                                  {"algorithm", {}, false},
                                  {"qop", {}, false},
                                  {"nc", {}, false},
                                  {"userhash", {}, false}}};
    std::size_t count = 0;
    bool first = true;
    for (;;) {
        lex.skipSpace();
        if (!first) {
            if (lex.atEnd()) {
                break;
            }
            if (!lex.consume(',')) {
                return fail(
                    error(DigestErrc::Malformed, "Digest parameters must be separated by commas"));
            }
            lex.skipSpace();
            if (lex.atEnd()) {
                break; // a trailing comma is an empty list element
            }
            if (lex.peek() == ',') {
                continue;
            }
        }
        first = false;
        auto name = lex.token();
        if (name.empty()) {
            return fail(error(DigestErrc::Malformed, "a Digest parameter name is missing"));
        }
        if (++count > kMaxParameters) {
            return fail(error(DigestErrc::Malformed, "the Digest header has too many parameters"));
        }
        lex.skipSpace();
        if (!lex.consume('=')) {
            return fail(error(DigestErrc::Malformed,
                              "Digest parameter " + std::string(name) + " has no '='"));
        }
        lex.skipSpace();
        std::optional<std::string> value;
        bool wasQuoted = lex.peek() == '"';
        if (wasQuoted) {
            value = lex.quoted();
            if (!value) {
                return fail(error(DigestErrc::Malformed, "Digest parameter " + std::string(name) +
                                                             " has a broken quoted string"));
            }
        } else {
            auto tok = lex.token();
            if (tok.empty()) {
                return fail(error(DigestErrc::Malformed,
                                  "Digest parameter " + std::string(name) + " has no value"));
            }
            if (tok.size() > kMaxValueLength) {
                return fail(error(DigestErrc::Malformed, "a Digest parameter is too long"));
            }
            value = std::string(tok);
        }
        if (equalsNoCase(name, "username*")) {
            return fail(error(DigestErrc::Unsupported,
                              "username* (RFC 8187 encoding) is not supported; use username"));
        }
        for (auto &field : fields) {
            if (!equalsNoCase(name, field.name)) {
                continue;
            }
            if (field.value) {
                return fail(error(DigestErrc::Malformed,
                                  "Digest parameter " + std::string(field.name) + " is repeated"));
            }
            if (field.quotedOnly && !wasQuoted) {
                return fail(error(DigestErrc::Malformed, "Digest parameter " +
                                                             std::string(field.name) +
                                                             " must be a quoted string"));
            }
            field.value = std::move(value);
            break;
        }
    }

    auto get = [&](std::string_view name) -> std::optional<std::string> & {
        for (auto &field : fields) {
            if (field.name == name) {
                return field.value;
            }
        }
        assert(false);
        return fields[0].value;
    };
    DigestCredentials creds;
    for (std::string_view required :
         {"username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"}) {
        if (!get(required)) {
            return fail(error(DigestErrc::MissingParameter,
                              "the Digest header has no " + std::string(required) + " parameter"));
        }
    }
    if (auto &alg = get("algorithm"); alg) {
        if (equalsNoCase(*alg, "SHA-256")) {
            creds.algorithm = DigestAlgorithm::Sha256;
        } else if (equalsNoCase(*alg, "MD5")) {
            creds.algorithm = DigestAlgorithm::Md5;
        } else {
            return fail(error(DigestErrc::UnsupportedAlgorithm,
                              "Digest algorithm " + *alg + " is not supported (SHA-256 or MD5)"));
        }
    }
    if (auto &userhash = get("userhash"); userhash && !equalsNoCase(*userhash, "false")) {
        return fail(error(DigestErrc::Unsupported, "userhash is not supported"));
    }
    if (!equalsNoCase(*get("qop"), "auth")) {
        return fail(error(DigestErrc::UnsupportedQop,
                          "Digest qop " + *get("qop") + " is not supported (only auth)"));
    }
    const std::string &nc = *get("nc");
    if (nc.size() != 8 || !isAllHex(nc)) {
        return fail(error(DigestErrc::Malformed, "Digest nc must be exactly 8 hex digits"));
    }
    const std::string &response = *get("response");
    std::size_t expected = creds.algorithm == DigestAlgorithm::Sha256 ? 64 : 32;
    if (response.size() != expected || !isAllHex(response)) {
        return fail(error(DigestErrc::Malformed,
                          "Digest response must be " + std::to_string(expected) + " hex digits"));
    }
    creds.username = std::move(*get("username"));
    creds.realm = std::move(*get("realm"));
    creds.nonce = std::move(*get("nonce"));
    creds.uri = std::move(*get("uri"));
    creds.response = lowerString(response);
    creds.cnonce = std::move(*get("cnonce"));
    creds.nc = lowerString(nc);
    creds.qop = "auth";
    creds.opaque = std::move(get("opaque"));
    if (creds.username.empty() || creds.nonce.empty() || creds.cnonce.empty() ||
        creds.uri.empty()) {
        return fail(error(DigestErrc::Malformed,
                          "Digest username, nonce, cnonce and uri must not be empty"));
    }
    return creds;
}

std::string digestHex(DigestAlgorithm algorithm, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    const EVP_MD *type = algorithm == DigestAlgorithm::Sha256 ? EVP_sha256() : EVP_md5();
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, type, nullptr) != 1) {
        return {};
    }
    return crypto::toHex(crypto::ByteView(md.data(), len));
}

std::string computeHa1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
    std::string a1;
    a1.reserve(username.size() + realm.size() + password.size() + 2);
    a1.append(username).append(":").append(realm).append(":").append(password);
    auto ha1 = digestHex(algorithm, a1);
    OPENSSL_cleanse(a1.data(), a1.size());
    return ha1;
}

std::string computeResponse(DigestAlgorithm algorithm, std::string_view ha1, std::string_view nonce,
                            std::string_view nc, std::string_view cnonce, std::string_view qop,
                            std::string_view method, std::string_view uri) {
    std::string a2;
    a2.append(method).append(":").append(uri);
    auto ha2 = digestHex(algorithm, a2);
    std::string kd;
    kd.reserve(ha1.size() + nonce.size() + nc.size() + cnonce.size() + qop.size() + ha2.size() + 5);
    kd.append(ha1).append(":").append(nonce).append(":").append(nc).append(":");
    kd.append(cnonce).append(":").append(qop).append(":").append(ha2);
    return digestHex(algorithm, kd);
}

bool hexEqualConstantTime(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(lower(a[i]) ^ lower(b[i]));
    }
    return diff == 0;
}

std::string digestChallenge(DigestAlgorithm algorithm, std::string_view realm,
                            std::string_view nonce, bool stale) {
    std::string out = "Digest realm=\"";
    out.append(realm);
    out += "\", qop=\"auth\", algorithm=";
    out += algorithmName(algorithm);
    out += ", nonce=\"";
    out.append(nonce);
    out += '"';
    if (stale) {
        out += ", stale=true";
    }
    return out;
}

NonceCodec::NonceCodec(std::vector<std::uint8_t> secret, std::int64_t lifetimeSeconds)
    : m_secret(std::move(secret)), m_lifetime(lifetimeSeconds) {
    assert(m_secret.size() >= 16);
    assert(m_lifetime > 0);
}

namespace {

void macNonce(const std::vector<std::uint8_t> &secret, const std::uint8_t *prefix,
              std::size_t prefixSize, std::string_view realm, std::uint8_t *out) {
    std::vector<std::uint8_t> data(prefix, prefix + prefixSize);
    data.insert(data.end(), realm.begin(), realm.end());
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data.data(), data.size(),
         out, &len);
}

} // namespace

std::string NonceCodec::issue(std::string_view realm, std::int64_t now) const {
    std::array<std::uint8_t, kNonceBytes> raw{};
    auto issued = static_cast<std::uint64_t>(now);
    for (int i = 0; i < 8; ++i) {
        raw[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(issued >> (56 - 8 * i));
    }
    // Should the generator fail, the nonce stays unforgeable (it is MACed);
    // only its uniqueness within one second would suffer.
    (void)RAND_bytes(raw.data() + 8, static_cast<int>(kRandomBytes));
    macNonce(m_secret, raw.data(), 8 + kRandomBytes, realm, raw.data() + 8 + kRandomBytes);
    return crypto::encodeBase64(raw, crypto::kUrlBase64);
}

NonceStatus NonceCodec::check(std::string_view nonce, std::string_view realm, std::int64_t now,
                              std::int64_t *issuedAt) const {
    std::array<std::uint8_t, kNonceBytes> raw{};
    if (!decodeNonce(nonce, raw)) {
        return NonceStatus::Invalid;
    }
    std::array<std::uint8_t, kMacBytes> mac{};
    macNonce(m_secret, raw.data(), 8 + kRandomBytes, realm, mac.data());
    if (CRYPTO_memcmp(mac.data(), raw.data() + 8 + kRandomBytes, kMacBytes) != 0) {
        return NonceStatus::Invalid;
    }
    std::uint64_t issued = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        issued = (issued << 8) | raw[i];
    }
    auto issuedSigned = static_cast<std::int64_t>(issued);
    if (issuedSigned > now + kClockSkew) {
        return NonceStatus::Invalid;
    }
    if (issuedAt != nullptr) {
        *issuedAt = issuedSigned;
    }
    if (now - issuedSigned > m_lifetime) {
        return NonceStatus::Expired;
    }
    return NonceStatus::Valid;
}

namespace {

std::string csrfMac(const std::vector<std::uint8_t> &secret, std::string_view issued,
                    std::string_view username, std::string_view domain) {
    std::string data = "csrf|";
    data.append(issued).append("|").append(username).append("|").append(domain);
    std::array<std::uint8_t, kMacBytes> mac{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(data.data()), data.size(), mac.data(), &len);
    return crypto::toHex(mac);
}

} // namespace

std::string NonceCodec::csrfToken(std::string_view username, std::string_view domain,
                                  std::int64_t now) const {
    const std::string issued = std::to_string(now);
    return issued + "." + csrfMac(m_secret, issued, username, domain);
}

NonceStatus NonceCodec::checkCsrfToken(std::string_view token, std::string_view username,
                                       std::string_view domain, std::int64_t now) const {
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 19) {
        return NonceStatus::Invalid;
    }
    const std::string_view issued = token.substr(0, dot);
    std::int64_t issuedAt = 0;
    auto [end, ec] = std::from_chars(issued.data(), issued.data() + issued.size(), issuedAt);
    if (ec != std::errc() || end != issued.data() + issued.size() ||
        std::to_string(issuedAt) != issued) {
        return NonceStatus::Invalid;
    }
    const std::string expected = csrfMac(m_secret, issued, username, domain);
    const std::string_view mac = token.substr(dot + 1);
    if (mac.size() != expected.size() ||
        CRYPTO_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
        return NonceStatus::Invalid;
    }
    if (issuedAt > now + kClockSkew) {
        return NonceStatus::Invalid;
    }
    return now - issuedAt > kCsrfLifetime ? NonceStatus::Expired : NonceStatus::Valid;
}

} // namespace napkin::certd
