// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for certs-only CMS certificate sets (RFC 5751 §3.6), as a
// certificate service serves them: decode, and re-encode what decodes.

#include "crypto/CertsOnly.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>

using namespace napkin::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    auto certs = decodeCertsOnly(ByteView(data, size));
    if (!certs) {
        return 0;
    }
    if (certs->empty() || certs->size() > kMaxCertsOnlyCertificates) {
        std::abort();
    }
    for (const auto &cert : *certs) {
        (void)cert.fingerprint();
        (void)cert.sanUris();
        (void)cert.keyInfo();
    }
    auto der = encodeCertsOnly(*certs);
    if (der) {
        auto again = decodeCertsOnly(*der);
        if (!again || again->size() > certs->size()) {
            std::abort(); // what we write must read back (duplicates collapse)
        }
    }
    return 0;
}
