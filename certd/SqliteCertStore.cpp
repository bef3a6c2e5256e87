// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/SqliteCertStore.h"
#include "certd/CertStoreDetail.h"
#include "certd/Schema.h"

#include <sqlite3.h>

namespace napkin::certd {

namespace {

constexpr int kBusyTimeoutMs = 15000;

enum StmtId : std::size_t {
    kFingerprints,
    kDevices,
    kDeleteExpired,
    kExisting,
    kRefresh,
    kDeleteById,
    kInsert,
    kRevoke,
    kCredentials,
    kNonceUse,
    kNoncePurge,
    kFindUser,
    kUpdateUser,
    kInsertUser,
    kPutSha256,
    kDelSha256,
    kDelUserCerts,
    kDelUser,
    kListUsers,
    kPing,
    kStmtCount
};
static_assert(kStmtCount <= 24, "grow SqliteCertStore::m_stmts");

constexpr std::array<const char *, kStmtCount> kSql{{
    "SELECT fingerprint FROM device_cert WHERE username = ?1 AND domain = ?2 AND "
    "not_after > ?3 ORDER BY fingerprint",
    "SELECT fingerprint, instance_urn, der, not_before, not_after, enrolled_at FROM device_cert "
    "WHERE username = ?1 AND domain = ?2 AND not_after > ?3 ORDER BY fingerprint",
    "DELETE FROM device_cert WHERE username = ?1 AND domain = ?2 AND not_after <= ?3",
    "SELECT id, fingerprint, instance_urn, der FROM device_cert WHERE username = ?1 AND domain = "
    "?2",
    "UPDATE device_cert SET enrolled_at = ?2 WHERE id = ?1",
    "DELETE FROM device_cert WHERE id = ?1",
    "INSERT INTO device_cert (username, domain, fingerprint, instance_urn, der, not_before, "
    "not_after, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "DELETE FROM device_cert WHERE username = ?1 AND domain = ?2 AND fingerprint = ?3",
    "SELECT s.ha1, s.ha1b, h.ha1 FROM subscriber s LEFT JOIN napkin_ha1_sha256 h "
    "ON h.username = s.username AND h.domain = s.domain WHERE s.username = ?1 AND s.domain = ?2",
    "INSERT OR IGNORE INTO digest_nonce_use (nonce, nc, expires) VALUES (?1, ?2, ?3)",
    "DELETE FROM digest_nonce_use WHERE expires < ?1",
    "SELECT id FROM subscriber WHERE username = ?1 AND domain = ?2",
    "UPDATE subscriber SET ha1 = ?3, ha1b = ?4, password = '' WHERE username = ?1 AND domain = ?2",
    "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?1, ?2, '', ?3, ?4)",
    "INSERT OR REPLACE INTO napkin_ha1_sha256 (username, domain, ha1) VALUES (?1, ?2, ?3)",
    "DELETE FROM napkin_ha1_sha256 WHERE username = ?1 AND domain = ?2",
    "DELETE FROM device_cert WHERE username = ?1 AND domain = ?2",
    "DELETE FROM subscriber WHERE username = ?1 AND domain = ?2",
    "SELECT s.username, s.domain, h.ha1 IS NOT NULL, (SELECT count(*) FROM device_cert d "
    "WHERE d.username = s.username AND d.domain = s.domain AND d.not_after > ?2) "
    "FROM subscriber s LEFT JOIN napkin_ha1_sha256 h ON h.username = s.username AND "
    "h.domain = s.domain WHERE ?1 IS NULL OR s.domain = ?1 ORDER BY s.domain, s.username",
    "SELECT 1",
}};

/// Binds, steps and resets one prepared statement.
class Query {
public:
    explicit Query(sqlite3_stmt *stmt) : m_stmt(stmt) {}
    ~Query() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;

    // Bound buffers are not copied (nullptr = SQLITE_STATIC): they outlive the Query.
    void bind(int i, std::string_view text) {
        sqlite3_bind_text(m_stmt, i, text.data(), static_cast<int>(text.size()), nullptr);
    }
    void bind(int i, std::int64_t value) { sqlite3_bind_int64(m_stmt, i, value); }
    void bind(int i, const std::optional<std::string> &text) {
        if (text) {
            bind(i, std::string_view(*text));
        } else {
            sqlite3_bind_null(m_stmt, i);
        }
    }
    void bindBlob(int i, const crypto::Bytes &bytes) {
        sqlite3_bind_blob(m_stmt, i, bytes.data(), static_cast<int>(bytes.size()), nullptr);
    }
    int step() { return sqlite3_step(m_stmt); }

    [[nodiscard]] std::string text(int col) const {
        const unsigned char *p = sqlite3_column_text(m_stmt, col);
        return p == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char *>(p),
                                 static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
    }
    [[nodiscard]] std::optional<std::string> optionalText(int col) const {
        if (sqlite3_column_type(m_stmt, col) == SQLITE_NULL) {
            return std::nullopt;
        }
        return text(col);
    }
    [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    [[nodiscard]] crypto::Bytes blob(int col) const {
        const auto *p = static_cast<const std::uint8_t *>(sqlite3_column_blob(m_stmt, col));
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col));
        return p == nullptr ? crypto::Bytes() : crypto::Bytes(p, p + n);
    }

private:
    sqlite3_stmt *m_stmt;
};

StoreErrc classify(int code) {
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return StoreErrc::Busy;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_AUTH:
        return StoreErrc::Unavailable;
    case SQLITE_CONSTRAINT:
        return StoreErrc::Constraint;
    default:
        return StoreErrc::Internal;
    }
}

} // namespace

/// Rolls back unless committed.
class SqliteTransaction {
public:
    explicit SqliteTransaction(sqlite3 *db) : m_db(db) {}
    ~SqliteTransaction() {
        if (m_open) {
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    SqliteTransaction(const SqliteTransaction &) = delete;
    SqliteTransaction &operator=(const SqliteTransaction &) = delete;

    int begin() {
        int rc = sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        m_open = rc == SQLITE_OK;
        return rc;
    }
    int commit() {
        int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) {
            m_open = false;
        }
        return rc;
    }

private:
    sqlite3 *m_db;
    bool m_open = false;
};

SqliteCertStore::SqliteCertStore(sqlite3 *db, std::string path)
    : m_db(db), m_path(std::move(path)) {}

SqliteCertStore::~SqliteCertStore() {
    for (auto *stmt : m_stmts) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(m_db);
}

StoreError SqliteCertStore::error(std::string_view what) const {
    int code = sqlite3_extended_errcode(m_db);
    return StoreError{classify(code), "SQLite database " + m_path + ": " + std::string(what) +
                                          ": " + sqlite3_errmsg(m_db)};
}

StoreResult<std::unique_ptr<SqliteCertStore>> SqliteCertStore::open(const std::string &path) {
    sqlite3 *raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteCertStore> store(new SqliteCertStore(raw, path));
    if (rc != SQLITE_OK) {
        return fail(StoreError{StoreErrc::Unavailable,
                               "cannot open the SQLite database " + path + ": " +
                                   (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))});
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    // Reading the journal mode touches the file header: a file that is not a
    // database, or cannot be read, fails here rather than on the first request.
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(raw, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) != SQLITE_OK) {
        return fail(StoreError{StoreErrc::Unavailable, "cannot open the SQLite database " + path +
                                                           ": " + sqlite3_errmsg(raw)});
    }
    rc = sqlite3_step(stmt);
    std::string mode = rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr
                           ? reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0))
                           : std::string();
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) {
        return fail(StoreError{StoreErrc::Unavailable, "cannot open the SQLite database " + path +
                                                           ": " + sqlite3_errmsg(raw)});
    }
    if (mode != "wal") {
        return fail(StoreError{StoreErrc::Unavailable,
                               "SQLite database " + path +
                                   " cannot use write-ahead logging (journal mode " + mode + ")"});
    }
    if (auto r = store->exec("PRAGMA synchronous=FULL"); !r) {
        return fail(std::move(r).error());
    }
    return store;
}

StoreResult<void> SqliteCertStore::exec(const char *sql) {
    char *message = nullptr;
    int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return fail(StoreError{classify(rc), "SQLite database " + m_path + ": " + text});
    }
    return {};
}

StoreResult<sqlite3_stmt *> SqliteCertStore::statement(std::size_t which) {
    if (m_stmts[which] == nullptr) {
        if (sqlite3_prepare_v3(m_db, kSql[which], -1, SQLITE_PREPARE_PERSISTENT, &m_stmts[which],
                               nullptr) != SQLITE_OK) {
            return fail(error("cannot prepare a query (is the schema migrated?)"));
        }
    }
    return m_stmts[which];
}

#define NAPKIN_STMT(var, id)                                                                       \
    auto var##Stmt = statement(id);                                                                \
    if (!var##Stmt) {                                                                              \
        return fail(std::move(var##Stmt).error());                                                 \
    }                                                                                              \
    Query var(*var##Stmt)

StoreResult<void> SqliteCertStore::migrate() {
    SqliteTransaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return fail(error("cannot start the migration"));
    }
    if (auto r = exec(std::string(schema::kSchemaTableSqlite).c_str()); !r) {
        return r;
    }
    auto version = schemaVersion();
    if (!version) {
        return fail(std::move(version).error());
    }
    if (*version > schema::kCurrentVersion) {
        return fail(StoreError{StoreErrc::Schema,
                               "SQLite database " + m_path + " has schema version " +
                                   std::to_string(*version) + ", newer than this napkin-certd (" +
                                   std::to_string(schema::kCurrentVersion) + "); upgrade certd"});
    }
    for (const auto &migration : schema::kMigrations) {
        if (migration.version <= *version) {
            continue;
        }
        if (auto r = exec(std::string(migration.sqlite).c_str()); !r) {
            auto err = std::move(r).error();
            err.code = StoreErrc::Schema;
            err.message =
                "migration " + std::to_string(migration.version) + " failed: " + err.message;
            return fail(std::move(err));
        }
        std::string mark = "INSERT INTO napkin_schema (version, applied_at) VALUES (" +
                           std::to_string(migration.version) + ", strftime('%s','now'))";
        if (auto r = exec(mark.c_str()); !r) {
            return r;
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return fail(error("cannot commit the migration"));
    }
    return {};
}

StoreResult<int> SqliteCertStore::schemaVersion() {
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'napkin_schema'",
                           -1, &stmt, nullptr) != SQLITE_OK) {
        return fail(error("cannot read the schema version"));
    }
    bool exists = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) > 0;
    sqlite3_finalize(stmt);
    if (!exists) {
        return 0;
    }
    if (sqlite3_prepare_v2(m_db, "SELECT coalesce(max(version), 0) FROM napkin_schema", -1, &stmt,
                           nullptr) != SQLITE_OK) {
        return fail(error("cannot read the schema version"));
    }
    int version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return version;
}

StoreResult<void> SqliteCertStore::ping() {
    NAPKIN_STMT(q, kPing);
    if (q.step() != SQLITE_ROW) {
        return fail(error("ping failed"));
    }
    return {};
}

StoreResult<std::vector<std::string>> SqliteCertStore::fingerprintsLocked(std::string_view user,
                                                                          std::string_view domain,
                                                                          std::int64_t now) {
    NAPKIN_STMT(q, kFingerprints);
    q.bind(1, user);
    q.bind(2, domain);
    q.bind(3, now);
    std::vector<std::string> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.push_back(q.text(0));
    }
    if (rc != SQLITE_DONE) {
        return fail(error("cannot list certificates"));
    }
    return out;
}

StoreResult<std::vector<std::string>>
SqliteCertStore::fingerprints(std::string_view user, std::string_view domain, std::int64_t now) {
    return fingerprintsLocked(user, domain, now);
}

StoreResult<std::vector<DeviceRecord>>
SqliteCertStore::devices(std::string_view user, std::string_view domain, std::int64_t now) {
    NAPKIN_STMT(q, kDevices);
    q.bind(1, user);
    q.bind(2, domain);
    q.bind(3, now);
    std::vector<DeviceRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.push_back(DeviceRecord{q.text(0), q.optionalText(1), q.blob(2), q.integer(3),
                                   q.integer(4), q.integer(5)});
    }
    if (rc != SQLITE_DONE) {
        return fail(error("cannot list certificates"));
    }
    return out;
}

StoreResult<EnrolResult> SqliteCertStore::enrol(std::string_view user, std::string_view domain,
                                                const DeviceRecord &device, int maxDevices,
                                                std::int64_t now) {
    SqliteTransaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return fail(error("cannot start the enrolment"));
    }
    {
        NAPKIN_STMT(q, kDeleteExpired);
        q.bind(1, user);
        q.bind(2, domain);
        q.bind(3, now);
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot remove expired certificates"));
        }
    }
    std::vector<detail::ExistingDevice> existing;
    {
        NAPKIN_STMT(q, kExisting);
        q.bind(1, user);
        q.bind(2, domain);
        int rc;
        while ((rc = q.step()) == SQLITE_ROW) {
            existing.push_back(
                detail::ExistingDevice{q.integer(0), q.text(1), q.optionalText(2), q.blob(3)});
        }
        if (rc != SQLITE_DONE) {
            return fail(error("cannot list certificates"));
        }
    }
    auto plan = detail::planEnrol(existing, device, maxDevices);
    if (plan.outcome == EnrolOutcome::LimitReached) {
        if (tx.commit() != SQLITE_OK) {
            return fail(error("cannot commit"));
        }
        return EnrolResult{plan.outcome, {}, plan.urnConflict};
    }
    if (plan.refreshId) {
        NAPKIN_STMT(q, kRefresh);
        q.bind(1, *plan.refreshId);
        q.bind(2, device.enrolledAt);
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot refresh the certificate"));
        }
    } else {
        if (plan.replaceId) {
            NAPKIN_STMT(q, kDeleteById);
            q.bind(1, *plan.replaceId);
            if (q.step() != SQLITE_DONE) {
                return fail(error("cannot replace the certificate"));
            }
        }
        NAPKIN_STMT(q, kInsert);
        q.bind(1, user);
        q.bind(2, domain);
        q.bind(3, std::string_view(device.fingerprint));
        q.bind(4, device.instanceUrn);
        q.bindBlob(5, device.der);
        q.bind(6, device.notBefore);
        q.bind(7, device.notAfter);
        q.bind(8, device.enrolledAt);
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot store the certificate"));
        }
    }
    auto set = fingerprintsLocked(user, domain, now);
    if (!set) {
        return fail(std::move(set).error());
    }
    if (tx.commit() != SQLITE_OK) {
        return fail(error("cannot commit the enrolment"));
    }
    return EnrolResult{plan.outcome, std::move(set).value(), plan.urnConflict};
}

StoreResult<std::optional<std::vector<std::string>>>
SqliteCertStore::revoke(std::string_view user, std::string_view domain,
                        std::string_view fingerprint, std::int64_t now) {
    SqliteTransaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return fail(error("cannot start the revocation"));
    }
    {
        NAPKIN_STMT(q, kRevoke);
        q.bind(1, user);
        q.bind(2, domain);
        q.bind(3, fingerprint);
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot revoke the certificate"));
        }
    }
    if (sqlite3_changes(m_db) == 0) {
        return std::optional<std::vector<std::string>>();
    }
    auto set = fingerprintsLocked(user, domain, now);
    if (!set) {
        return fail(std::move(set).error());
    }
    if (tx.commit() != SQLITE_OK) {
        return fail(error("cannot commit the revocation"));
    }
    return std::optional<std::vector<std::string>>(std::move(set).value());
}

StoreResult<std::optional<UserCredentials>> SqliteCertStore::credentials(std::string_view user,
                                                                         std::string_view domain) {
    NAPKIN_STMT(q, kCredentials);
    q.bind(1, user);
    q.bind(2, domain);
    int rc = q.step();
    if (rc == SQLITE_DONE) {
        return std::optional<UserCredentials>();
    }
    if (rc != SQLITE_ROW) {
        return fail(error("cannot read the user"));
    }
    return std::optional<UserCredentials>(UserCredentials{q.text(0), q.text(1), q.optionalText(2)});
}

StoreResult<bool> SqliteCertStore::recordNonceUse(std::string_view nonce, std::uint32_t nc,
                                                  std::int64_t expires) {
    NAPKIN_STMT(q, kNonceUse);
    q.bind(1, nonce);
    q.bind(2, static_cast<std::int64_t>(nc));
    q.bind(3, expires);
    if (q.step() != SQLITE_DONE) {
        return fail(error("cannot record the nonce"));
    }
    return sqlite3_changes(m_db) == 1;
}

StoreResult<void> SqliteCertStore::purgeNonces(std::int64_t now) {
    NAPKIN_STMT(q, kNoncePurge);
    q.bind(1, now);
    if (q.step() != SQLITE_DONE) {
        return fail(error("cannot purge nonces"));
    }
    return {};
}

StoreResult<bool> SqliteCertStore::putUser(std::string_view user, std::string_view domain,
                                           const UserCredentials &credentials) {
    SqliteTransaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return fail(error("cannot start the update"));
    }
    bool exists = false;
    {
        NAPKIN_STMT(q, kFindUser);
        q.bind(1, user);
        q.bind(2, domain);
        int rc = q.step();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            return fail(error("cannot read the user"));
        }
        exists = rc == SQLITE_ROW;
    }
    {
        NAPKIN_STMT(q, exists ? kUpdateUser : kInsertUser);
        q.bind(1, user);
        q.bind(2, domain);
        q.bind(3, std::string_view(credentials.ha1));
        q.bind(4, std::string_view(credentials.ha1b));
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot write the user"));
        }
    }
    {
        NAPKIN_STMT(q, credentials.ha1Sha256 ? kPutSha256 : kDelSha256);
        q.bind(1, user);
        q.bind(2, domain);
        if (credentials.ha1Sha256) {
            q.bind(3, std::string_view(*credentials.ha1Sha256));
        }
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot write the user's SHA-256 secret"));
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return fail(error("cannot commit the user"));
    }
    return !exists;
}

StoreResult<std::optional<int>> SqliteCertStore::deleteUser(std::string_view user,
                                                            std::string_view domain) {
    SqliteTransaction tx(m_db);
    if (tx.begin() != SQLITE_OK) {
        return fail(error("cannot start the deletion"));
    }
    int removed = 0;
    for (auto id : {kDelUser, kDelSha256, kDelUserCerts}) {
        NAPKIN_STMT(q, id);
        q.bind(1, user);
        q.bind(2, domain);
        if (q.step() != SQLITE_DONE) {
            return fail(error("cannot delete the user"));
        }
        if (id == kDelUser && sqlite3_changes(m_db) == 0) {
            return std::optional<int>(); // rolls back
        }
        if (id == kDelUserCerts) {
            removed = sqlite3_changes(m_db);
        }
    }
    if (tx.commit() != SQLITE_OK) {
        return fail(error("cannot commit the deletion"));
    }
    return std::optional<int>(removed);
}

StoreResult<std::vector<UserSummary>>
SqliteCertStore::listUsers(std::optional<std::string_view> domain, std::int64_t now) {
    NAPKIN_STMT(q, kListUsers);
    if (domain) {
        q.bind(1, *domain);
    }
    q.bind(2, now);
    std::vector<UserSummary> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        out.push_back(
            UserSummary{q.text(0), q.text(1), q.integer(2) != 0, static_cast<int>(q.integer(3))});
    }
    if (rc != SQLITE_DONE) {
        return fail(error("cannot list users"));
    }
    return out;
}

#undef NAPKIN_STMT

} // namespace napkin::certd
