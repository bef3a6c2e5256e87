// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "crypto/CryptoError.h"
#include "crypto/Encoding.h"
#include "crypto/OpenSslPtr.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::crypto {

using SystemTime = std::chrono::system_clock::time_point;

enum class KeyType { Ec, Rsa, Other };

/// What kind of public key a certificate carries.
struct KeyInfo {
    KeyType type = KeyType::Other;
    int bits = 0;          ///< modulus size for RSA, field size for EC
    std::string curve;     ///< OpenSSL short name for EC keys, e.g. "prime256v1"
    std::string algorithm; ///< for people: "EC P-256", "RSA 3072"
};

/// An immutable X.509 certificate. Cheap to copy (reference counted).
class Certificate {
public:
    /// Takes ownership of a certificate.
    explicit Certificate(X509Ptr cert);

    [[nodiscard]] static CryptoResult<Certificate> fromDer(ByteView der);
    /// The first CERTIFICATE block of a PEM text.
    [[nodiscard]] static CryptoResult<Certificate> fromPem(std::string_view pem);
    /// Every CERTIFICATE block of a PEM text; an error if there is none.
    [[nodiscard]] static CryptoResult<std::vector<Certificate>> listFromPem(std::string_view pem);
    /// DER or PEM, whichever the bytes are.
    [[nodiscard]] static CryptoResult<Certificate> fromBytes(ByteView data);
    [[nodiscard]] static CryptoResult<std::vector<Certificate>> loadFile(const std::string &path);

    [[nodiscard]] Bytes toDer() const;
    [[nodiscard]] std::string toPem() const;

    /// SHA-256 over the DER encoding.
    [[nodiscard]] std::array<std::uint8_t, 32> sha256() const;
    /// Machine form: "sha256:" and 64 lower-case hex digits.
    [[nodiscard]] std::string fingerprint() const;
    /// Human form: upper-case hex in groups of four, e.g. "3F2A 91C0 ...".
    [[nodiscard]] std::string fingerprintForPeople() const;

    [[nodiscard]] std::vector<std::string> sanUris() const;
    [[nodiscard]] std::vector<std::string> sanDnsNames() const;
    /// IP address SANs in text form.
    [[nodiscard]] std::vector<std::string> sanIpAddresses() const;
    /// The first SIP/SIPS SAN URI, if any.
    [[nodiscard]] std::optional<std::string> sipUri() const;
    /// The device's instance URN (the first "urn:uuid:" SAN URI), normalised to lower case;
    /// none when that URI is not "urn:uuid:" and a canonical UUID (normaliseInstanceUrn), so
    /// that text a peer chose is never shown or used as a device key.
    [[nodiscard]] std::optional<std::string> instanceUrn() const;
    [[nodiscard]] std::string commonName() const;
    [[nodiscard]] std::string serialHex() const;

    /// The validity period, clamped to 1824..2116 (a far-off "no expiry"
    /// notAfter such as 9999 reads as 2116): SystemTime cannot hold more.
    [[nodiscard]] SystemTime notBefore() const;
    [[nodiscard]] SystemTime notAfter() const;
    /// CertificateExpired / CertificateNotYetValid, or success.
    [[nodiscard]] Result<void, CryptoError> checkValidAt(SystemTime when) const;

    /// Subject equals issuer and the signature verifies with its own key.
    [[nodiscard]] Result<void, CryptoError> checkSelfSigned() const;

    [[nodiscard]] KeyInfo keyInfo() const;

    [[nodiscard]] bool operator==(const Certificate &other) const;

    /// The underlying handle; owned by this object.
    [[nodiscard]] X509 *native() const { return m_cert.get(); }

private:
    std::shared_ptr<X509> m_cert;
};

/// Formats bytes as upper-case hex in groups of four for reading aloud.
[[nodiscard]] std::string groupHexForPeople(ByteView bytes);

/// "urn:uuid:" and a canonical 8-4-4-4-12 UUID (either case), returned lower-cased;
/// InvalidArgument saying what is wrong otherwise.
[[nodiscard]] CryptoResult<std::string> normaliseInstanceUrn(std::string_view urn);

} // namespace napkin::crypto
