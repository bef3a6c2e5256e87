// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/CertStore.h"
#include "certd/CertStoreDetail.h"
#include "certd/PostgresCertStore.h"
#include "certd/SqliteCertStore.h"
#include "crypto/KeyContinuity.h"

namespace napkin::certd {

StoreResult<std::unique_ptr<CertStore>> openCertStore(const std::string &url) {
    static constexpr std::string_view sqlitePrefix = "sqlite:";
    if (url.starts_with(sqlitePrefix)) {
        std::string path = url.substr(sqlitePrefix.size());
        // Accept sqlite:///abs/path as well as sqlite:/abs/path.
        if (path.starts_with("//")) {
            path.erase(0, 2);
        }
        if (path.empty()) {
            return fail(StoreError{StoreErrc::BadUrl, "the database URL sqlite: names no file"});
        }
        auto store = SqliteCertStore::open(path);
        if (!store) {
            return fail(std::move(store).error());
        }
        return std::unique_ptr<CertStore>(std::move(store).value());
    }
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        auto store = PostgresCertStore::open(url);
        if (!store) {
            return fail(std::move(store).error());
        }
        return std::unique_ptr<CertStore>(std::move(store).value());
    }
    return fail(StoreError{StoreErrc::BadUrl,
                           "the database URL " + describeDatabaseUrl(url) +
                               " is neither sqlite:PATH nor postgresql://USER@HOST:PORT/DB"});
}

std::string describeDatabaseUrl(std::string_view url) {
    // postgresql://user:secret@host/db → postgresql://user:***@host/db
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return std::string(url);
    }
    auto authorityStart = scheme + 3;
    auto at = url.find('@', authorityStart);
    auto slash = url.find('/', authorityStart);
    std::string out(url);
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
        auto colon = url.find(':', authorityStart);
        if (colon != std::string_view::npos && colon < at) {
            out = std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
        }
    }
    // A password can also hide in the query (?password=...): drop the query.
    auto query = out.find('?');
    if (query != std::string::npos && out.find("password", query) != std::string::npos) {
        out.erase(query);
        out += "?...";
    }
    return out;
}

namespace detail {

namespace {

/// `next` carries a valid key continuity proof by the key of `previous`.
bool vouchedFor(const crypto::Bytes &next, const crypto::Bytes &previous) {
    auto nextCert = crypto::Certificate::fromDer(next);
    auto previousCert = crypto::Certificate::fromDer(previous);
    return nextCert && previousCert && crypto::verifyKeyContinuity(*nextCert, *previousCert).ok();
}

} // namespace

EnrolPlan planEnrol(const std::vector<ExistingDevice> &existing, const DeviceRecord &device,
                    int maxDevices) {
    for (const auto &e : existing) {
        if (e.fingerprint == device.fingerprint) {
            return EnrolPlan{EnrolOutcome::Replaced, e.id, std::nullopt, std::nullopt};
        }
    }
    std::optional<std::string> conflict;
    if (device.instanceUrn) {
        for (const auto &e : existing) {
            if (!e.instanceUrn || *e.instanceUrn != *device.instanceUrn) {
                continue;
            }
            if (vouchedFor(device.der, e.der)) {
                return EnrolPlan{EnrolOutcome::Replaced, std::nullopt, e.id, std::nullopt};
            }
            if (!conflict) {
                conflict = e.fingerprint;
            }
        }
    }
    if (static_cast<int>(existing.size()) >= maxDevices) {
        return EnrolPlan{EnrolOutcome::LimitReached, std::nullopt, std::nullopt, conflict};
    }
    return EnrolPlan{EnrolOutcome::Created, std::nullopt, std::nullopt, conflict};
}

} // namespace detail

StoreResult<std::unique_ptr<CertStorePool>> CertStorePool::create(const Factory &factory,
                                                                  int size) {
    std::unique_ptr<CertStorePool> pool(new CertStorePool());
    for (int i = 0; i < size; ++i) {
        auto store = factory();
        if (!store) {
            return fail(std::move(store).error());
        }
        pool->m_free.push_back(std::move(store).value());
    }
    return pool;
}

CertStorePool::Lease CertStorePool::lease() {
    std::unique_lock lock(m_mutex);
    m_available.wait(lock, [this] { return !m_free.empty(); });
    auto store = std::move(m_free.back());
    m_free.pop_back();
    return Lease(this, std::move(store));
}

void CertStorePool::giveBack(std::unique_ptr<CertStore> store) {
    {
        std::lock_guard lock(m_mutex);
        m_free.push_back(std::move(store));
    }
    m_available.notify_one();
}

CertStorePool::Lease::~Lease() {
    if (m_store) {
        m_pool->giveBack(std::move(m_store));
    }
}

} // namespace napkin::certd
