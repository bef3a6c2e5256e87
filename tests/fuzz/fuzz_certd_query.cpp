// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for certd's query-string and form parsing: strict
// percent-decoding, the /search-cgi parameters and fingerprints.

#include "certd/QueryString.h"
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    for (bool plusIsSpace : {false, true}) {
        auto decoded = percentDecode(text, plusIsSpace);
        if (decoded) {
            check(decoded->size() <= text.size());
            for (char c : *decoded) {
                auto u = static_cast<unsigned char>(c);
                check(u >= 0x20 && u != 0x7f); // no control characters get through
            }
            // Encoding and decoding again gives the same bytes.
            auto again = percentDecode(percentEncode(*decoded), false);
            check(again.ok() && *again == *decoded);
        }
        auto fields = parseQuery(text, plusIsSpace);
        if (fields) {
            check(fields->size() <= kMaxQueryFields);
        }
    }
    for (bool fingerprintAllowed : {false, true}) {
        auto query = parseSearchQuery(text, fingerprintAllowed);
        if (query) {
            check(!query->aor.user.empty() && !query->aor.host.empty());
            if (query->fingerprint) {
                check(fingerprintAllowed);
                check(normaliseFingerprint(*query->fingerprint) == query->fingerprint);
            }
        } else {
            check(!query.error().message.empty());
        }
    }
    return 0;
}
