// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// certd's database schema as numbered migrations, one text per dialect. The
// tables are the same in SQLite and PostgreSQL; `subscriber` and `version` are
// Kamailio 5.6's own (auth_db schema version 7), created only if absent, so
// the registrar and certd share one user record.
//
// A migration, once released, never changes: add a new one instead.

#include <array>
#include <string_view>

namespace napkin::certd::schema {

struct Migration {
    int version;
    std::string_view sqlite;
    std::string_view postgres;
};

/// Tracks what has been applied. Created before anything else.
constexpr std::string_view kSchemaTableSqlite = "CREATE TABLE IF NOT EXISTS napkin_schema ("
                                                " version INTEGER PRIMARY KEY NOT NULL,"
                                                " applied_at BIGINT NOT NULL)";
constexpr std::string_view kSchemaTablePostgres = "CREATE TABLE IF NOT EXISTS napkin_schema ("
                                                  " version INTEGER PRIMARY KEY NOT NULL,"
                                                  " applied_at BIGINT NOT NULL)";

constexpr std::array<Migration, 2> kMigrations{{
    {1,
     // SQLite (Kamailio's db_sqlite schema for version and subscriber)
     R"SQL(
CREATE TABLE IF NOT EXISTS version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('version', 1);
CREATE TABLE IF NOT EXISTS subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX IF NOT EXISTS subscriber_username_idx ON subscriber (username);
INSERT OR IGNORE INTO version (table_name, table_version) VALUES ('subscriber', 7);
CREATE TABLE IF NOT EXISTS napkin_ha1_sha256 (
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    ha1 VARCHAR(64) NOT NULL,
    PRIMARY KEY (username, domain)
);
CREATE TABLE IF NOT EXISTS device_cert (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    fingerprint VARCHAR(71) NOT NULL UNIQUE,
    instance_urn VARCHAR(255),
    der BLOB NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    enrolled_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS device_cert_aor_idx ON device_cert (username, domain);
CREATE UNIQUE INDEX IF NOT EXISTS device_cert_instance_idx
    ON device_cert (username, domain, instance_urn);
CREATE TABLE IF NOT EXISTS digest_nonce_use (
    nonce VARCHAR(128) NOT NULL,
    nc BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (nonce, nc)
);
CREATE INDEX IF NOT EXISTS digest_nonce_use_expires_idx ON digest_nonce_use (expires);
)SQL",
     // PostgreSQL (Kamailio's postgres schema for version and subscriber)
     R"SQL(
CREATE TABLE IF NOT EXISTS version (
    id SERIAL PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) VALUES ('version', 1)
    ON CONFLICT (table_name) DO NOTHING;
CREATE TABLE IF NOT EXISTS subscriber (
    id SERIAL PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX IF NOT EXISTS subscriber_username_idx ON subscriber (username);
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7)
    ON CONFLICT (table_name) DO NOTHING;
CREATE TABLE IF NOT EXISTS napkin_ha1_sha256 (
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    ha1 VARCHAR(64) NOT NULL,
    PRIMARY KEY (username, domain)
);
CREATE TABLE IF NOT EXISTS device_cert (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    fingerprint VARCHAR(71) NOT NULL UNIQUE,
    instance_urn VARCHAR(255),
    der BYTEA NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    enrolled_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS device_cert_aor_idx ON device_cert (username, domain);
CREATE UNIQUE INDEX IF NOT EXISTS device_cert_instance_idx
    ON device_cert (username, domain, instance_urn);
CREATE TABLE IF NOT EXISTS digest_nonce_use (
    nonce VARCHAR(128) NOT NULL,
    nc BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (nonce, nc)
);
CREATE INDEX IF NOT EXISTS digest_nonce_use_expires_idx ON digest_nonce_use (expires);
)SQL"},
    // 2: review M2. Two certificates may share an instance URN: one that
    // copies the URN without the enrolled key's continuity proof is kept
    // beside it, never replacing it.
    {2,
     R"SQL(
DROP INDEX IF EXISTS device_cert_instance_idx;
CREATE INDEX IF NOT EXISTS device_cert_instance_urn_idx
    ON device_cert (username, domain, instance_urn);
)SQL",
     R"SQL(
DROP INDEX IF EXISTS device_cert_instance_idx;
CREATE INDEX IF NOT EXISTS device_cert_instance_urn_idx
    ON device_cert (username, domain, instance_urn);
)SQL"},
}};

/// The schema version this build writes and understands.
constexpr int kCurrentVersion = kMigrations.back().version;

} // namespace napkin::certd::schema
