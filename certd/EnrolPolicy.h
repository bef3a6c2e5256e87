// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Every check a device certificate must pass before certd publishes it, each
// failure mapped to its own problem type (see Problem.h).

#include "certd/Problem.h"
#include "crypto/Certificate.h"
#include "crypto/NameMatch.h"

#include <chrono>
#include <string_view>

namespace napkin::certd {

struct EnrolPolicyOptions {
    int maxValidityDays = 90;
};

/// Slack for clocks: a certificate may start this far in the future, and its
/// validity period may exceed the maximum by this much (device identities set
/// notBefore a few minutes back).
constexpr std::chrono::seconds kPolicyClockSkew{std::chrono::minutes(5)};
constexpr std::chrono::seconds kValidityTolerance{std::chrono::hours(1)};
/// RSA keys above this size are refused: verifying them costs too much CPU.
constexpr int kMaxRsaBits = 8192;

/// Exactly one certificate, DER or PEM → malformed-certificate otherwise.
[[nodiscard]] Result<crypto::Certificate, Problem> parseDeviceCertificate(std::string_view body);

/// In order: key type and size (key-not-allowed), self-signed (not-self-signed),
/// its signature (bad-signature), "SAN URI is exactly the AOR" (aor-mismatch:
/// a sip/sips SAN naming the AOR and none naming anything else), the instance URN
/// (bad-instance-urn: each "urn:uuid:" SAN is a canonical UUID, one at most), validity at
/// `now` (certificate-not-yet-valid, certificate-expired) and its length
/// (validity-too-long).
[[nodiscard]] Result<void, Problem> checkDeviceCertificate(const crypto::Certificate &cert,
                                                           const crypto::Aor &aor,
                                                           const EnrolPolicyOptions &options,
                                                           crypto::SystemTime now);

} // namespace napkin::certd
