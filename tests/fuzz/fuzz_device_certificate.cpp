// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the body of an enrolling PUT (after authentication): one
// device certificate, DER or PEM, and every policy check certd applies to it
// before publishing, for the address it names and for another one.

#include "certd/EnrolPolicy.h"
#include "certd/Problem.h"
#include "tests/fuzz/FuzzTarget.h"

#include <chrono>
#include <string_view>
#include <vector>

using namespace napkin;
using namespace napkin::certd;
using napkin::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    auto cert = parseDeviceCertificate(body);
    if (!cert) {
        check(cert.error().type == ProblemType::MalformedCertificate);
        check(!cert.error().detail.empty());
        return 0;
    }

    std::vector<crypto::Aor> aors = {crypto::Aor{"sip", "alice", "a.example"}};
    if (auto uri = cert->sipUri()) {
        if (auto named = crypto::parseAor(*uri)) {
            aors.push_back(*named);
        }
    }
    const std::vector<crypto::SystemTime> times = {
        std::chrono::system_clock::from_time_t(1796083200), // 2026-12-01
        cert->notBefore() + std::chrono::minutes(1)};
    for (const auto &aor : aors) {
        for (const auto now : times) {
            for (const int maxDays : {90, 0}) {
                auto checked = checkDeviceCertificate(*cert, aor, {maxDays}, now);
                if (!checked) {
                    check(!checked.error().detail.empty());
                    (void)checked.error().toJson();
                    continue;
                }
                const auto key = cert->keyInfo();
                check(key.type == crypto::KeyType::Ec || key.type == crypto::KeyType::Rsa);
                check(cert->notAfter() > now);
            }
        }
    }
    return 0;
}
