// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "certd/CertStore.h"

#include <array>

struct pg_conn;

namespace napkin::certd {

/// CertStore on a PostgreSQL server through libpq, so that any number of
/// certd instances can share one database. Writes to one AOR are serialised
/// with a transaction-scoped advisory lock on the AOR. A lost connection is
/// re-established once per call.
class PostgresCertStore final : public CertStore {
public:
    ~PostgresCertStore() override;
    PostgresCertStore(const PostgresCertStore &) = delete;
    PostgresCertStore &operator=(const PostgresCertStore &) = delete;

    /// Connects with a libpq URI (passwords via PGPASSFILE / PGPASSWORD).
    [[nodiscard]] static StoreResult<std::unique_ptr<PostgresCertStore>>
    open(const std::string &url);

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

    class Rows; ///< a query result (defined in the .cpp)

private:
    PostgresCertStore(pg_conn *conn, std::string description);

    /// Runs a prepared statement (text parameters; an empty optional is NULL,
    /// `binaryParam` marks one parameter index sent as binary).
    [[nodiscard]] StoreResult<Rows>
    run(std::size_t which, std::initializer_list<std::optional<std::string_view>> params,
        int binaryParam = -1);
    [[nodiscard]] StoreResult<void> command(const char *sql);
    [[nodiscard]] StoreError connectionError(std::string_view what) const;
    /// Runs `fn` and, if the connection was lost, reconnects and runs it once more.
    template <typename Fn> auto withReconnect(Fn &&fn) -> decltype(fn());
    template <typename Fn> auto inTransaction(Fn &&fn) -> decltype(fn());
    [[nodiscard]] StoreResult<std::vector<std::string>>
    fingerprintsNow(std::string_view user, std::string_view domain, std::int64_t now);

    pg_conn *m_conn;
    std::string m_description;
    std::array<bool, 24> m_prepared{};
};

} // namespace napkin::certd
