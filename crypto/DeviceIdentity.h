// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "crypto/Certificate.h"
#include "crypto/PrivateKey.h"

#include <chrono>
#include <optional>
#include <string>

namespace napkin::crypto {

/// How to make a device identity. Defaults follow the product: EC P-256, 7 days.
struct IdentityOptions {
    std::string aor;         ///< "sip:alice@a.example" (a bare "alice@a.example" is accepted)
    std::string displayName; ///< becomes the CN; defaults to the AOR's user part
    std::optional<std::string>
        instanceUrn;               ///< "urn:uuid:..." of this device, added as a second SAN URI
    KeyType keyType = KeyType::Ec; ///< Ec (P-256) or Rsa
    int rsaBits = 2048;            ///< 2048 or 3072 (4096 accepted)
    std::chrono::seconds lifetime = std::chrono::hours(24 * 7); ///< 1 hour .. 90 days
    std::optional<SystemTime> now; ///< for tests; the system clock otherwise
};

constexpr auto kMinLifetime = std::chrono::hours(1);
constexpr auto kMaxLifetime = std::chrono::hours(24 * 90);
/// notBefore is set back this much so that peers with a slow clock accept it.
constexpr auto kClockSkewAllowance = std::chrono::minutes(5);

/// A device's key and its self-signed certificate.
struct DeviceIdentity {
    Certificate certificate;
    PrivateKey key;
};

/// Generates a key and a self-signed X.509 v3 certificate for an AOR:
/// SAN URI sip:user@host (+ instance URN), CN = display name, random 128-bit
/// serial, keyUsage digitalSignature (+keyEncipherment for RSA, +keyAgreement
/// for EC), extendedKeyUsage emailProtection, subjectKeyIdentifier.
///
/// With `previous` (a renewal: the identity this one replaces, same address
/// and instance URN), the new certificate carries previous's key continuity
/// proof (crypto/KeyContinuity.h). Pass it only while the previous
/// certificate is valid and still listed: a withdrawn key must not vouch.
[[nodiscard]] CryptoResult<DeviceIdentity>
createDeviceIdentity(const IdentityOptions &options, const DeviceIdentity *previous = nullptr);

} // namespace napkin::crypto
