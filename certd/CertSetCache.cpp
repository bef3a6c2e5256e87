// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/CertSetCache.h"
#include "crypto/CertsOnly.h"

#include <openssl/evp.h>

namespace napkin::certd {

std::string certSetEtag(const std::vector<std::string> &sortedFingerprints) {
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    for (const auto &fp : sortedFingerprints) {
        EVP_DigestUpdate(ctx.get(), fp.data(), fp.size());
        EVP_DigestUpdate(ctx.get(), "\n", 1);
    }
    std::array<std::uint8_t, 32> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
    // Appended piecewise: GCC 12 -O3 misreports "\"" + string as overlapping.
    std::string etag;
    etag.reserve(md.size() * 2 + 2);
    etag += '"';
    etag += crypto::toHex(md);
    etag += '"';
    return etag;
}

std::string pemEtag(std::string_view etag) {
    if (etag.size() < 2 || etag.back() != '"') {
        return std::string(etag);
    }
    std::string out;
    out.reserve(etag.size() + 4);
    out.append(etag.substr(0, etag.size() - 1));
    out.append("-pem\"");
    return out;
}

crypto::CryptoResult<std::shared_ptr<const EncodedSet>>
encodeCertSet(const std::vector<DeviceRecord> &devices) {
    std::vector<crypto::Certificate> certs;
    std::vector<std::string> fingerprints;
    certs.reserve(devices.size());
    std::string pem;
    for (const auto &device : devices) {
        auto cert = crypto::Certificate::fromDer(device.der);
        if (!cert) {
            return fail(std::move(cert).error());
        }
        pem += cert->toPem();
        fingerprints.push_back(device.fingerprint);
        certs.push_back(std::move(cert).value());
    }
    auto der = crypto::encodeCertsOnly(certs);
    if (!der) {
        return fail(std::move(der).error());
    }
    auto set = std::make_shared<EncodedSet>();
    set->etag = certSetEtag(fingerprints);
    set->der = std::make_shared<const std::string>(der->begin(), der->end());
    set->pem = std::make_shared<const std::string>(std::move(pem));
    return std::shared_ptr<const EncodedSet>(std::move(set));
}

std::shared_ptr<const EncodedSet> CertSetCache::find(const std::string &etag) const {
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(etag);
    return it == m_entries.end() ? nullptr : it->second;
}

void CertSetCache::insert(std::shared_ptr<const EncodedSet> set) {
    std::lock_guard lock(m_mutex);
    if (m_entries.size() >= m_maxEntries) {
        // Crude but bounded: sets are cheap to re-encode, memory is not free.
        m_entries.clear();
    }
    m_entries.emplace(set->etag, std::move(set));
}

std::size_t CertSetCache::size() const {
    std::lock_guard lock(m_mutex);
    return m_entries.size();
}

} // namespace napkin::certd
