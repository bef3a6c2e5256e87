// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for certd's Authorization header parser and nonce checker: no
// crash, no hang, and properties that must hold for whatever parses.

#include "certd/DigestAuth.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>
#include <string_view>

using namespace napkin::certd;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

bool isHex(const std::string &s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto parsed = parseDigestAuthorization(text);
    if (parsed) {
        const DigestCredentials &c = *parsed;
        // What the parser promises to the authenticator.
        check(!c.username.empty() && !c.nonce.empty() && !c.cnonce.empty() && !c.uri.empty());
        check(c.qop == "auth");
        check(c.nc.size() == 8 && isHex(c.nc));
        check(c.response.size() == (c.algorithm == DigestAlgorithm::Sha256 ? 64u : 32u));
        check(isHex(c.response));
        check(text.size() <= kMaxAuthorizationLength);
        (void)c.nonceCount();
        // Computing a response over hostile values is safe and well-formed.
        auto expected =
            computeResponse(c.algorithm, c.response, c.nonce, c.nc, c.cnonce, c.qop, "PUT", c.uri);
        check(expected.size() == c.response.size());
    } else {
        check(!parsed.error().message.empty());
    }
    // The nonce checker sees attacker-chosen nonces too.
    static const NonceCodec codec(std::vector<std::uint8_t>(32, 0x42), 300);
    auto status = codec.check(text, "b.example", 1'800'000'000);
    check(status == NonceStatus::Invalid); // nobody forges a MAC by mutation
    return 0;
}
