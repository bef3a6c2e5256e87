// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The encoded answer to GET /search-cgi for one set of certificates, cached
// by its ETag. The ETag is a hash of the set's fingerprints, and the handler
// reads the fingerprints from the database on every request, so a cached
// entry can never be stale: a revoked or expired certificate changes the
// fingerprints, hence the key. Several instances on one database therefore
// need no invalidation protocol.

#include "certd/CertStore.h"
#include "crypto/CryptoError.h"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace napkin::certd {

/// Both representations of one certificate set.
struct EncodedSet {
    std::string etag;                       ///< quoted, e.g. "\"3f2a...\""
    std::shared_ptr<const std::string> der; ///< application/pkcs7-mime; smime-type=certs-only
    std::shared_ptr<const std::string> pem; ///< application/pem-certificate-chain
};

/// The set's ETag: quoted lower-case hex of SHA-256 over the fingerprints in
/// sorted order, each followed by "\n".
[[nodiscard]] std::string certSetEtag(const std::vector<std::string> &sortedFingerprints);
/// The PEM representation's ETag: the set's ETag with "-pem" inside the quotes.
[[nodiscard]] std::string pemEtag(std::string_view etag);

/// Encodes the devices (sorted by fingerprint) as certs-only DER and as PEM.
[[nodiscard]] crypto::CryptoResult<std::shared_ptr<const EncodedSet>>
encodeCertSet(const std::vector<DeviceRecord> &devices);

/// A bounded, thread-safe map from ETag to encoded set.
class CertSetCache {
public:
    explicit CertSetCache(std::size_t maxEntries = 4096) : m_maxEntries(maxEntries) {}

    [[nodiscard]] std::shared_ptr<const EncodedSet> find(const std::string &etag) const;
    void insert(std::shared_ptr<const EncodedSet> set);
    [[nodiscard]] std::size_t size() const;

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::shared_ptr<const EncodedSet>> m_entries;
    std::size_t m_maxEntries;
};

} // namespace napkin::certd
