// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/PostgresCertStore.h"
#include "certd/CertStoreDetail.h"
#include "certd/Schema.h"

#include <libpq-fe.h>

#include <charconv>

namespace napkin::certd {

namespace {

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
    kLockAor,
    kUpsertUser,
    kPutSha256,
    kDelSha256,
    kDelUserCerts,
    kDelUser,
    kListUsers,
    kPing,
    kStmtCount
};
static_assert(kStmtCount <= 24, "grow PostgresCertStore::m_prepared");

constexpr std::array<const char *, kStmtCount> kSql{{
    "SELECT fingerprint FROM device_cert WHERE username = $1 AND domain = $2 AND "
    "not_after > $3::bigint ORDER BY fingerprint",
    "SELECT fingerprint, instance_urn, der, not_before, not_after, enrolled_at FROM device_cert "
    "WHERE username = $1 AND domain = $2 AND not_after > $3::bigint ORDER BY fingerprint",
    "DELETE FROM device_cert WHERE username = $1 AND domain = $2 AND not_after <= $3::bigint",
    "SELECT id, fingerprint, instance_urn, der FROM device_cert WHERE username = $1 AND domain = "
    "$2",
    "UPDATE device_cert SET enrolled_at = $2::bigint WHERE id = $1::bigint",
    "DELETE FROM device_cert WHERE id = $1::bigint",
    "INSERT INTO device_cert (username, domain, fingerprint, instance_urn, der, not_before, "
    "not_after, enrolled_at) VALUES ($1, $2, $3, $4, $5::bytea, $6::bigint, $7::bigint, "
    "$8::bigint)",
    "DELETE FROM device_cert WHERE username = $1 AND domain = $2 AND fingerprint = $3",
    "SELECT s.ha1, s.ha1b, h.ha1 FROM subscriber s LEFT JOIN napkin_ha1_sha256 h "
    "ON h.username = s.username AND h.domain = s.domain WHERE s.username = $1 AND s.domain = $2",
    "INSERT INTO digest_nonce_use (nonce, nc, expires) VALUES ($1, $2::bigint, $3::bigint) "
    "ON CONFLICT DO NOTHING",
    "DELETE FROM digest_nonce_use WHERE expires < $1::bigint",
    // Serialises writers of one AOR across every instance sharing the database.
    "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '@' || $2::text, 7141))",
    "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ($1, $2, '', $3, $4) "
    "ON CONFLICT (username, domain) DO UPDATE SET ha1 = EXCLUDED.ha1, ha1b = EXCLUDED.ha1b, "
    "password = '' RETURNING (xmax = 0)",
    "INSERT INTO napkin_ha1_sha256 (username, domain, ha1) VALUES ($1, $2, $3) "
    "ON CONFLICT (username, domain) DO UPDATE SET ha1 = EXCLUDED.ha1",
    "DELETE FROM napkin_ha1_sha256 WHERE username = $1 AND domain = $2",
    "DELETE FROM device_cert WHERE username = $1 AND domain = $2",
    "DELETE FROM subscriber WHERE username = $1 AND domain = $2",
    "SELECT s.username, s.domain, h.ha1 IS NOT NULL, (SELECT count(*) FROM device_cert d "
    "WHERE d.username = s.username AND d.domain = s.domain AND d.not_after > $2::bigint) "
    "FROM subscriber s LEFT JOIN napkin_ha1_sha256 h ON h.username = s.username AND "
    "h.domain = s.domain WHERE $1::text IS NULL OR s.domain = $1 ORDER BY s.domain, s.username",
    "SELECT 1",
}};

struct ResultDeleter {
    void operator()(PGresult *r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::int64_t toInt64(const char *text) {
    std::int64_t value = 0;
    std::string_view s(text);
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
}

/// libpq's message on one line (it spreads hints over several).
std::string trimmed(const char *message) {
    std::string out;
    for (const char *p = message != nullptr ? message : ""; *p != '\0'; ++p) {
        if (*p == '\n') {
            out += "; ";
        } else if (*p != '\t') {
            out += *p;
        }
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';')) {
        out.pop_back();
    }
    return out;
}

void silenceNotices(void *, const char *) {
    // "relation already exists, skipping" and friends: not for the operator's log.
}

} // namespace

class PostgresCertStore::Rows {
public:
    explicit Rows(ResultPtr result) : m_result(std::move(result)) {}
    [[nodiscard]] int count() const { return PQntuples(m_result.get()); }
    [[nodiscard]] bool isNull(int row, int col) const {
        return PQgetisnull(m_result.get(), row, col) != 0;
    }
    [[nodiscard]] std::string text(int row, int col) const {
        return std::string(PQgetvalue(m_result.get(), row, col),
                           static_cast<std::size_t>(PQgetlength(m_result.get(), row, col)));
    }
    [[nodiscard]] std::optional<std::string> optionalText(int row, int col) const {
        return isNull(row, col) ? std::nullopt : std::optional<std::string>(text(row, col));
    }
    [[nodiscard]] std::int64_t integer(int row, int col) const {
        return toInt64(PQgetvalue(m_result.get(), row, col));
    }
    [[nodiscard]] bool boolean(int row, int col) const {
        return PQgetvalue(m_result.get(), row, col)[0] == 't';
    }
    [[nodiscard]] crypto::Bytes bytea(int row, int col) const {
        std::size_t size = 0;
        unsigned char *raw = PQunescapeBytea(
            reinterpret_cast<const unsigned char *>(PQgetvalue(m_result.get(), row, col)), &size);
        if (raw == nullptr) {
            return {};
        }
        crypto::Bytes out(raw, raw + size);
        PQfreemem(raw);
        return out;
    }
    [[nodiscard]] int affected() const {
        return static_cast<int>(toInt64(PQcmdTuples(m_result.get())));
    }

private:
    ResultPtr m_result;
};

PostgresCertStore::PostgresCertStore(pg_conn *conn, std::string description)
    : m_conn(conn), m_description(std::move(description)) {}

PostgresCertStore::~PostgresCertStore() {
    PQfinish(m_conn);
}

StoreResult<std::unique_ptr<PostgresCertStore>> PostgresCertStore::open(const std::string &url) {
    PGconn *conn = PQconnectdb(url.c_str());
    std::unique_ptr<PostgresCertStore> store(
        new PostgresCertStore(conn, "PostgreSQL database " + describeDatabaseUrl(url)));
    if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
        return fail(StoreError{
            StoreErrc::Unavailable,
            "cannot connect to the " + store->m_description + ": " +
                (conn != nullptr ? trimmed(PQerrorMessage(conn)) : std::string("out of memory"))});
    }
    PQsetNoticeProcessor(conn, silenceNotices, nullptr);
    return store;
}

StoreError PostgresCertStore::connectionError(std::string_view what) const {
    return StoreError{StoreErrc::Unavailable, m_description + ": " + std::string(what) + ": " +
                                                  trimmed(PQerrorMessage(m_conn))};
}

StoreResult<PostgresCertStore::Rows>
PostgresCertStore::run(std::size_t which,
                       std::initializer_list<std::optional<std::string_view>> params,
                       int binaryParam) {
    if (!m_prepared[which]) {
        std::string name = "napkin_" + std::to_string(which);
        ResultPtr prep(PQprepare(m_conn, name.c_str(), kSql[which], 0, nullptr));
        if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
            return fail(StoreError{
                PQstatus(m_conn) == CONNECTION_OK ? StoreErrc::Internal : StoreErrc::Unavailable,
                m_description + ": cannot prepare a query: " + trimmed(PQerrorMessage(m_conn))});
        }
        m_prepared[which] = true;
    }
    std::array<const char *, 8> values{};
    std::array<int, 8> lengths{};
    std::array<int, 8> formats{};
    int n = 0;
    for (const auto &p : params) {
        if (n == static_cast<int>(values.size())) {
            break;
        }
        auto i = static_cast<std::size_t>(n);
        values[i] = p ? p->data() : nullptr;
        lengths[i] = p ? static_cast<int>(p->size()) : 0;
        formats[i] = n == binaryParam ? 1 : 0;
        ++n;
    }
    // Text parameters must be NUL-terminated for libpq: copy them.
    std::array<std::string, 8> copies;
    for (int i = 0; i < n; ++i) {
        auto k = static_cast<std::size_t>(i);
        if (values[k] != nullptr && formats[k] == 0) {
            copies[k].assign(values[k], static_cast<std::size_t>(lengths[k]));
            values[k] = copies[k].c_str();
        }
    }
    std::string name = "napkin_" + std::to_string(which);
    ResultPtr result(
        PQexecPrepared(m_conn, name.c_str(), n, values.data(), lengths.data(), formats.data(), 0));
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        if (PQstatus(m_conn) != CONNECTION_OK) {
            return fail(connectionError("the connection was lost"));
        }
        const char *state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
        std::string_view sqlstate = state != nullptr ? state : "";
        StoreErrc code = StoreErrc::Internal;
        if (sqlstate.starts_with("23")) {
            code = StoreErrc::Constraint;
        } else if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
            code = StoreErrc::Busy;
        }
        return fail(StoreError{code, m_description + ": " +
                                         trimmed(result ? PQresultErrorMessage(result.get())
                                                        : PQerrorMessage(m_conn))});
    }
    return Rows(std::move(result));
}

StoreResult<void> PostgresCertStore::command(const char *sql) {
    ResultPtr result(PQexec(m_conn, sql));
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        if (PQstatus(m_conn) != CONNECTION_OK) {
            return fail(connectionError("the connection was lost"));
        }
        return fail(StoreError{StoreErrc::Internal,
                               m_description + ": " + trimmed(PQerrorMessage(m_conn))});
    }
    return {};
}

template <typename Fn> auto PostgresCertStore::withReconnect(Fn &&fn) -> decltype(fn()) {
    if (PQstatus(m_conn) == CONNECTION_OK) {
        auto first = fn();
        if (first.ok() || PQstatus(m_conn) == CONNECTION_OK) {
            return first;
        }
    }
    // The server restarted or the network blipped: one fresh connection, one retry.
    PQreset(m_conn);
    m_prepared.fill(false);
    if (PQstatus(m_conn) != CONNECTION_OK) {
        return fail(connectionError("cannot reconnect"));
    }
    return fn();
}

template <typename Fn> auto PostgresCertStore::inTransaction(Fn &&fn) -> decltype(fn()) {
    return withReconnect([&]() -> decltype(fn()) {
        if (auto r = command("BEGIN"); !r) {
            return fail(std::move(r).error());
        }
        auto result = fn();
        if (!result.ok()) {
            (void)command("ROLLBACK");
            return result;
        }
        if (auto r = command("COMMIT"); !r) {
            return fail(std::move(r).error());
        }
        return result;
    });
}

StoreResult<void> PostgresCertStore::migrate() {
    return inTransaction([&]() -> StoreResult<void> {
        // Instances starting together take turns.
        if (auto r = command("SELECT pg_advisory_xact_lock(7141, 1)"); !r) {
            return r;
        }
        if (auto r = command(std::string(schema::kSchemaTablePostgres).c_str()); !r) {
            return r;
        }
        ResultPtr res(PQexec(m_conn, "SELECT coalesce(max(version), 0) FROM napkin_schema"));
        if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
            return fail(connectionError("cannot read the schema version"));
        }
        int version = static_cast<int>(toInt64(PQgetvalue(res.get(), 0, 0)));
        if (version > schema::kCurrentVersion) {
            return fail(StoreError{StoreErrc::Schema, m_description + " has schema version " +
                                                          std::to_string(version) +
                                                          ", newer than this napkin-certd (" +
                                                          std::to_string(schema::kCurrentVersion) +
                                                          "); upgrade certd"});
        }
        for (const auto &migration : schema::kMigrations) {
            if (migration.version <= version) {
                continue;
            }
            if (auto r = command(std::string(migration.postgres).c_str()); !r) {
                auto err = std::move(r).error();
                err.code = StoreErrc::Schema;
                err.message =
                    "migration " + std::to_string(migration.version) + " failed: " + err.message;
                return fail(std::move(err));
            }
            std::string mark = "INSERT INTO napkin_schema (version, applied_at) VALUES (" +
                               std::to_string(migration.version) +
                               ", extract(epoch from now())::bigint)";
            if (auto r = command(mark.c_str()); !r) {
                return r;
            }
        }
        return {};
    });
}

StoreResult<int> PostgresCertStore::schemaVersion() {
    return withReconnect([&]() -> StoreResult<int> {
        ResultPtr res(PQexec(m_conn, "SELECT CASE WHEN to_regclass('napkin_schema') IS NULL THEN 0 "
                                     "ELSE 1 END"));
        if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
            return fail(connectionError("cannot read the schema version"));
        }
        if (toInt64(PQgetvalue(res.get(), 0, 0)) == 0) {
            return 0;
        }
        res.reset(PQexec(m_conn, "SELECT coalesce(max(version), 0) FROM napkin_schema"));
        if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
            return fail(connectionError("cannot read the schema version"));
        }
        return static_cast<int>(toInt64(PQgetvalue(res.get(), 0, 0)));
    });
}

StoreResult<void> PostgresCertStore::ping() {
    return withReconnect([&]() -> StoreResult<void> {
        auto r = run(kPing, {});
        if (!r) {
            return fail(std::move(r).error());
        }
        return {};
    });
}

StoreResult<std::vector<std::string>> PostgresCertStore::fingerprintsNow(std::string_view user,
                                                                         std::string_view domain,
                                                                         std::int64_t now) {
    auto nowText = std::to_string(now);
    auto rows = run(kFingerprints, {user, domain, nowText});
    if (!rows) {
        return fail(std::move(rows).error());
    }
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(rows->count()));
    for (int i = 0; i < rows->count(); ++i) {
        out.push_back(rows->text(i, 0));
    }
    return out;
}

StoreResult<std::vector<std::string>>
PostgresCertStore::fingerprints(std::string_view user, std::string_view domain, std::int64_t now) {
    return withReconnect([&] { return fingerprintsNow(user, domain, now); });
}

StoreResult<std::vector<DeviceRecord>>
PostgresCertStore::devices(std::string_view user, std::string_view domain, std::int64_t now) {
    return withReconnect([&]() -> StoreResult<std::vector<DeviceRecord>> {
        auto nowText = std::to_string(now);
        auto rows = run(kDevices, {user, domain, nowText});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        std::vector<DeviceRecord> out;
        for (int i = 0; i < rows->count(); ++i) {
            out.push_back(DeviceRecord{rows->text(i, 0), rows->optionalText(i, 1),
                                       rows->bytea(i, 2), rows->integer(i, 3), rows->integer(i, 4),
                                       rows->integer(i, 5)});
        }
        return out;
    });
}

StoreResult<EnrolResult> PostgresCertStore::enrol(std::string_view user, std::string_view domain,
                                                  const DeviceRecord &device, int maxDevices,
                                                  std::int64_t now) {
    return inTransaction([&]() -> StoreResult<EnrolResult> {
        auto nowText = std::to_string(now);
        if (auto r = run(kLockAor, {user, domain}); !r) {
            return fail(std::move(r).error());
        }
        if (auto r = run(kDeleteExpired, {user, domain, nowText}); !r) {
            return fail(std::move(r).error());
        }
        auto rows = run(kExisting, {user, domain});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        std::vector<detail::ExistingDevice> existing;
        for (int i = 0; i < rows->count(); ++i) {
            existing.push_back(detail::ExistingDevice{rows->integer(i, 0), rows->text(i, 1),
                                                      rows->optionalText(i, 2), rows->bytea(i, 3)});
        }
        auto plan = detail::planEnrol(existing, device, maxDevices);
        if (plan.outcome == EnrolOutcome::LimitReached) {
            return EnrolResult{plan.outcome, {}, plan.urnConflict};
        }
        auto enrolled = std::to_string(device.enrolledAt);
        if (plan.refreshId) {
            auto id = std::to_string(*plan.refreshId);
            if (auto r = run(kRefresh, {id, enrolled}); !r) {
                return fail(std::move(r).error());
            }
        } else {
            if (plan.replaceId) {
                auto id = std::to_string(*plan.replaceId);
                if (auto r = run(kDeleteById, {id}); !r) {
                    return fail(std::move(r).error());
                }
            }
            auto notBefore = std::to_string(device.notBefore);
            auto notAfter = std::to_string(device.notAfter);
            std::optional<std::string_view> urn;
            if (device.instanceUrn) {
                urn = *device.instanceUrn;
            }
            std::string_view der(reinterpret_cast<const char *>(device.der.data()),
                                 device.der.size());
            if (auto r = run(
                    kInsert,
                    {user, domain, device.fingerprint, urn, der, notBefore, notAfter, enrolled}, 4);
                !r) {
                return fail(std::move(r).error());
            }
        }
        auto set = fingerprintsNow(user, domain, now);
        if (!set) {
            return fail(std::move(set).error());
        }
        return EnrolResult{plan.outcome, std::move(set).value(), plan.urnConflict};
    });
}

StoreResult<std::optional<std::vector<std::string>>>
PostgresCertStore::revoke(std::string_view user, std::string_view domain,
                          std::string_view fingerprint, std::int64_t now) {
    using Out = std::optional<std::vector<std::string>>;
    return inTransaction([&]() -> StoreResult<Out> {
        if (auto r = run(kLockAor, {user, domain}); !r) {
            return fail(std::move(r).error());
        }
        auto deleted = run(kRevoke, {user, domain, fingerprint});
        if (!deleted) {
            return fail(std::move(deleted).error());
        }
        if (deleted->affected() == 0) {
            return Out();
        }
        auto set = fingerprintsNow(user, domain, now);
        if (!set) {
            return fail(std::move(set).error());
        }
        return Out(std::move(set).value());
    });
}

StoreResult<std::optional<UserCredentials>>
PostgresCertStore::credentials(std::string_view user, std::string_view domain) {
    using Out = std::optional<UserCredentials>;
    return withReconnect([&]() -> StoreResult<Out> {
        auto rows = run(kCredentials, {user, domain});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        if (rows->count() == 0) {
            return Out();
        }
        return Out(UserCredentials{rows->text(0, 0), rows->text(0, 1), rows->optionalText(0, 2)});
    });
}

StoreResult<bool> PostgresCertStore::recordNonceUse(std::string_view nonce, std::uint32_t nc,
                                                    std::int64_t expires) {
    return withReconnect([&]() -> StoreResult<bool> {
        auto ncText = std::to_string(nc);
        auto expiresText = std::to_string(expires);
        auto rows = run(kNonceUse, {nonce, ncText, expiresText});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        return rows->affected() == 1;
    });
}

StoreResult<void> PostgresCertStore::purgeNonces(std::int64_t now) {
    return withReconnect([&]() -> StoreResult<void> {
        auto nowText = std::to_string(now);
        if (auto r = run(kNoncePurge, {nowText}); !r) {
            return fail(std::move(r).error());
        }
        return {};
    });
}

StoreResult<bool> PostgresCertStore::putUser(std::string_view user, std::string_view domain,
                                             const UserCredentials &credentials) {
    return inTransaction([&]() -> StoreResult<bool> {
        auto rows = run(kUpsertUser, {user, domain, credentials.ha1, credentials.ha1b});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        bool created = rows->count() > 0 && rows->boolean(0, 0);
        auto sha = credentials.ha1Sha256 ? run(kPutSha256, {user, domain, *credentials.ha1Sha256})
                                         : run(kDelSha256, {user, domain});
        if (!sha) {
            return fail(std::move(sha).error());
        }
        return created;
    });
}

StoreResult<std::optional<int>> PostgresCertStore::deleteUser(std::string_view user,
                                                              std::string_view domain) {
    return inTransaction([&]() -> StoreResult<std::optional<int>> {
        auto del = run(kDelUser, {user, domain});
        if (!del) {
            return fail(std::move(del).error());
        }
        if (del->affected() == 0) {
            return std::optional<int>();
        }
        if (auto r = run(kDelSha256, {user, domain}); !r) {
            return fail(std::move(r).error());
        }
        auto certs = run(kDelUserCerts, {user, domain});
        if (!certs) {
            return fail(std::move(certs).error());
        }
        return std::optional<int>(certs->affected());
    });
}

StoreResult<std::vector<UserSummary>>
PostgresCertStore::listUsers(std::optional<std::string_view> domain, std::int64_t now) {
    return withReconnect([&]() -> StoreResult<std::vector<UserSummary>> {
        auto nowText = std::to_string(now);
        auto rows = run(kListUsers, {domain, nowText});
        if (!rows) {
            return fail(std::move(rows).error());
        }
        std::vector<UserSummary> out;
        for (int i = 0; i < rows->count(); ++i) {
            out.push_back(UserSummary{rows->text(i, 0), rows->text(i, 1), rows->boolean(i, 2),
                                      static_cast<int>(rows->integer(i, 3))});
        }
        return out;
    });
}

} // namespace napkin::certd
