// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the key continuity proof (review M2): the extension value
// on its own, and a whole certificate whose proof is parsed and checked
// against a previous certificate the input cannot know the key of.

#include "crypto/DeviceIdentity.h"
#include "crypto/KeyContinuity.h"
#include "tests/fuzz/FuzzTarget.h"

using namespace napkin;
using namespace napkin::crypto;
using napkin::fuzz::check;

namespace {

const DeviceIdentity &previous() {
    static const DeviceIdentity identity = [] {
        IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        return createDeviceIdentity(options).value();
    }();
    return identity;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const ByteView bytes(data, size);
    auto proof = parseKeyContinuity(bytes);
    if (proof) {
        check(!proof->signature.empty());
    } else {
        check(proof.error().code == CryptoErrc::MalformedDer);
        check(!proof.error().message.empty());
    }

    auto cert = Certificate::fromDer(bytes);
    if (!cert) {
        return 0;
    }
    auto carried = keyContinuityOf(*cert);
    check(carried.ok() || carried.error().code == CryptoErrc::MalformedDer);
    auto verified = verifyKeyContinuity(*cert, previous().certificate);
    // Only the previous key can make a proof, and it signed nothing here.
    check(!verified.ok());
    check(!verified.error().message.empty());
    return 0;
}
