// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where certd keeps users, device certificates and used nonces. One interface
// over SQLite (embedded default) and PostgreSQL (shared by many instances);
// both use the same schema and migrations (Schema.h).
//
// A CertStore object is one database connection: use it from one thread at a
// time. CertStorePool hands one to each worker thread.

#include "crypto/Certificate.h"
#include "crypto/Result.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::certd {

enum class StoreErrc {
    Unavailable, ///< cannot open or reach the database (path, permissions, server down)
    Busy,        ///< locked by another writer for longer than the busy timeout
    BadUrl,      ///< the database URL is not sqlite:PATH or postgresql://...
    Schema,      ///< the schema is newer than this certd or a migration failed
    Constraint,  ///< the write breaks a constraint (e.g. a fingerprint owned by another AOR)
    Internal,    ///< an unexpected database error
};

struct StoreError {
    StoreErrc code;
    std::string message;
};

template <typename T> using StoreResult = Result<T, StoreError>;

/// One enrolled device certificate.
struct DeviceRecord {
    std::string fingerprint; ///< "sha256:" + 64 lower-case hex digits
    std::optional<std::string> instanceUrn;
    crypto::Bytes der;
    std::int64_t notBefore = 0; ///< unix seconds
    std::int64_t notAfter = 0;
    std::int64_t enrolledAt = 0;
};

/// What the registrar's subscriber table (and our SHA-256 table) holds.
struct UserCredentials {
    std::string ha1;  ///< MD5(user:domain:password), lower-case hex
    std::string ha1b; ///< MD5(user@domain:domain:password)
    std::optional<std::string> ha1Sha256;
};

struct UserSummary {
    std::string username;
    std::string domain;
    bool hasSha256 = false;
    int devices = 0; ///< unexpired device certificates
};

enum class EnrolOutcome {
    Created,      ///< a new device
    Replaced,     ///< the same certificate again, or it replaced the device with the same instance
                  ///< URN whose key vouched for it (key continuity proof)
    LimitReached, ///< nothing written: the AOR already has maxDevices devices
};

struct EnrolResult {
    EnrolOutcome outcome;
    std::vector<std::string> fingerprints; ///< the AOR's unexpired set afterwards, sorted
    /// An enrolled certificate with the same instance URN that did not vouch
    /// for the new one (kept, not replaced): worth an audit line.
    std::optional<std::string> urnConflictWith;
};

class CertStore {
public:
    virtual ~CertStore() = default;

    /// Creates or upgrades the schema; safe to run concurrently from several
    /// processes and to repeat.
    [[nodiscard]] virtual StoreResult<void> migrate() = 0;
    /// The highest applied migration (0 for an empty database).
    [[nodiscard]] virtual StoreResult<int> schemaVersion() = 0;
    /// A trivial query: is the database answering?
    [[nodiscard]] virtual StoreResult<void> ping() = 0;

    /// Fingerprints of the AOR's certificates with notAfter > now, sorted.
    [[nodiscard]] virtual StoreResult<std::vector<std::string>>
    fingerprints(std::string_view user, std::string_view domain, std::int64_t now) = 0;
    /// The AOR's certificates with notAfter > now, sorted by fingerprint.
    [[nodiscard]] virtual StoreResult<std::vector<DeviceRecord>>
    devices(std::string_view user, std::string_view domain, std::int64_t now) = 0;

    /// In one serialised transaction: drops the AOR's expired certificates,
    /// refreshes the same certificate, replaces the one with the same
    /// instance URN when the new certificate carries its key continuity
    /// proof, or adds a new one if fewer than maxDevices remain.
    [[nodiscard]] virtual StoreResult<EnrolResult> enrol(std::string_view user,
                                                         std::string_view domain,
                                                         const DeviceRecord &device, int maxDevices,
                                                         std::int64_t now) = 0;
    /// Removes one certificate of the AOR. Returns the remaining unexpired
    /// fingerprints (sorted), or nullopt when the AOR has no such certificate.
    [[nodiscard]] virtual StoreResult<std::optional<std::vector<std::string>>>
    revoke(std::string_view user, std::string_view domain, std::string_view fingerprint,
           std::int64_t now) = 0;

    /// The user's Digest secrets, or nullopt if there is no such subscriber.
    [[nodiscard]] virtual StoreResult<std::optional<UserCredentials>>
    credentials(std::string_view user, std::string_view domain) = 0;

    /// Records the use of (nonce, nc). False when it was used before: a replay.
    [[nodiscard]] virtual StoreResult<bool> recordNonceUse(std::string_view nonce, std::uint32_t nc,
                                                           std::int64_t expires) = 0;
    /// Deletes nonce records that expired before `now`.
    [[nodiscard]] virtual StoreResult<void> purgeNonces(std::int64_t now) = 0;

    /// Adds the subscriber or updates its secrets. True when it was created.
    [[nodiscard]] virtual StoreResult<bool> putUser(std::string_view user, std::string_view domain,
                                                    const UserCredentials &credentials) = 0;
    /// Deletes the subscriber, its SHA-256 secret and its device certificates.
    /// Returns the number of certificates removed, nullopt when no such user.
    [[nodiscard]] virtual StoreResult<std::optional<int>> deleteUser(std::string_view user,
                                                                     std::string_view domain) = 0;
    [[nodiscard]] virtual StoreResult<std::vector<UserSummary>>
    listUsers(std::optional<std::string_view> domain, std::int64_t now) = 0;
};

/// Opens a connection for "sqlite:PATH" (the file is created if absent) or a
/// libpq URI "postgresql://..." / "postgres://...". Does not migrate.
[[nodiscard]] StoreResult<std::unique_ptr<CertStore>> openCertStore(const std::string &url);

/// Describes a database URL for messages, without any password it may carry.
[[nodiscard]] std::string describeDatabaseUrl(std::string_view url);

/// A fixed set of connections shared by worker threads. lease() blocks while
/// all are in use; the lease gives its connection back when destroyed.
class CertStorePool {
public:
    using Factory = std::function<StoreResult<std::unique_ptr<CertStore>>()>;

    /// Opens `size` connections now; fails if any cannot be opened.
    [[nodiscard]] static StoreResult<std::unique_ptr<CertStorePool>> create(const Factory &factory,
                                                                            int size);

    class Lease {
    public:
        Lease(CertStorePool *pool, std::unique_ptr<CertStore> store)
            : m_pool(pool), m_store(std::move(store)) {}
        Lease(Lease &&) = default;
        Lease &operator=(Lease &&) = delete;
        Lease(const Lease &) = delete;
        ~Lease();
        CertStore &operator*() const { return *m_store; }
        CertStore *operator->() const { return m_store.get(); }

    private:
        CertStorePool *m_pool;
        std::unique_ptr<CertStore> m_store;
    };

    [[nodiscard]] Lease lease();

private:
    void giveBack(std::unique_ptr<CertStore> store);

    std::mutex m_mutex;
    std::condition_variable m_available;
    std::vector<std::unique_ptr<CertStore>> m_free;
};

} // namespace napkin::certd
