// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "certd/CertStore.h"

#include <array>

struct sqlite3;
struct sqlite3_stmt;

namespace napkin::certd {

/// CertStore on one SQLite file: WAL journal, synchronous=FULL (a 2xx answer
/// means the write is on disk), a busy timeout, and BEGIN IMMEDIATE for every
/// write so that concurrent enrolments are serialised.
class SqliteCertStore final : public CertStore {
public:
    ~SqliteCertStore() override;
    SqliteCertStore(const SqliteCertStore &) = delete;
    SqliteCertStore &operator=(const SqliteCertStore &) = delete;

    /// Opens (creating if absent) the database file.
    [[nodiscard]] static StoreResult<std::unique_ptr<SqliteCertStore>>
    open(const std::string &path);

    [[nodiscard]] StoreResult<void> migrate() override;
    [[nodiscard]] StoreResult<int> schemaVersion() override;
    [[nodiscard]] StoreResult<void> ping() override;
    [[nodiscard]] StoreResult<std::vector<std::string>>
    fingerprints(std::string_view user, std::string_view domain, std::int64_t now) override;
    [[nodiscard]] StoreResult<std::vector<DeviceRecord>>
    devices(std::string_view user, std::string_view domain, std::int64_t now) override;
    [[nodiscard]] StoreResult<EnrolResult> enrol(std::string_view user, std::string_view domain,
                                                 const DeviceRecord &device, int maxDevices,
                                                 std::int64_t now) override;
    [[nodiscard]] StoreResult<std::optional<std::vector<std::string>>>
    revoke(std::string_view user, std::string_view domain, std::string_view fingerprint,
           std::int64_t now) override;
    [[nodiscard]] StoreResult<std::optional<UserCredentials>>
    credentials(std::string_view user, std::string_view domain) override;
    [[nodiscard]] StoreResult<bool> recordNonceUse(std::string_view nonce, std::uint32_t nc,
                                                   std::int64_t expires) override;
    [[nodiscard]] StoreResult<void> purgeNonces(std::int64_t now) override;
    [[nodiscard]] StoreResult<bool> putUser(std::string_view user, std::string_view domain,
                                            const UserCredentials &credentials) override;
    [[nodiscard]] StoreResult<std::optional<int>> deleteUser(std::string_view user,
                                                             std::string_view domain) override;
    [[nodiscard]] StoreResult<std::vector<UserSummary>>
    listUsers(std::optional<std::string_view> domain, std::int64_t now) override;

private:
    SqliteCertStore(sqlite3 *db, std::string path);

    [[nodiscard]] StoreResult<sqlite3_stmt *> statement(std::size_t which);
    [[nodiscard]] StoreResult<void> exec(const char *sql);
    [[nodiscard]] StoreError error(std::string_view what) const;
    [[nodiscard]] StoreResult<std::vector<std::string>>
    fingerprintsLocked(std::string_view user, std::string_view domain, std::int64_t now);

    sqlite3 *m_db;
    std::string m_path;
    std::array<sqlite3_stmt *, 24> m_stmts{}; ///< indexed by the statement ids in the .cpp
};

} // namespace napkin::certd
