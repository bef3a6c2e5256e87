// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A real PostgreSQL server for one test: its own cluster in a temporary
// directory, listening on one loopback address only (and on a Unix socket in
// that directory), trust authentication for a single role. Stopped and
// removed when the object goes away.
//
// PostgreSQL refuses to run as root. When the test runs as root (as on the
// project's machines), initdb and postgres run as the `postgres` system user
// that Debian's postgresql package creates (or, if that is missing, a
// `napkin-test` system user created on first use) through `setpriv`, which
// needs no PAM session and keeps the parent-death signal; the cluster
// directory is chowned to that user. As a non-root user everything runs as
// that user directly.

#include "tests/support/FreePort.h"
#include "tests/support/ManagedProcess.h"

#include <QTemporaryDir>

#include <memory>
#include <optional>

namespace napkin::testing {

struct PostgresOptions {
    QString database = QStringLiteral("napkin");
    QString role = QStringLiteral("napkin"); ///< superuser, trust auth
    /// Durability off makes tests fast; the server is never crashed by tests.
    bool durable = false;
    int maxConnections = 100;
    /// Where logs go; the cluster's own temporary directory when empty.
    QString logDirectory;
};

class PostgresServer {
public:
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    /// The bin directory of the newest /usr/lib/postgresql/<N>/bin that has
    /// initdb and postgres; empty when PostgreSQL is not installed.
    [[nodiscard]] static QString findBinDir();

    /// initdb, start, wait until it accepts connections, create the database.
    [[nodiscard]] static TestResult<std::unique_ptr<PostgresServer>>
    start(const PostgresOptions &options = {});

    /// libpq connection URI, e.g. "postgresql://napkin@127.3.4.5:54321/napkin".
    [[nodiscard]] QString url() const;
    [[nodiscard]] const Endpoint &endpoint() const { return m_endpoint; }

    /// Runs SQL through psql (-At, ON_ERROR_STOP) and returns its output.
    [[nodiscard]] TestResult<QString> psql(const QString &sql) const;

    /// Fast shutdown (SIGINT). The destructor does it too.
    void stop();
    [[nodiscard]] ManagedProcess &process() { return *m_process; }

private:
    PostgresServer() = default;

    PostgresOptions m_options;
    QString m_binDir;
    std::unique_ptr<QTemporaryDir> m_dir;
    Endpoint m_endpoint;
    QStringList m_runAs; ///< setpriv prefix, empty when not root
    std::unique_ptr<ManagedProcess> m_process;
};

} // namespace napkin::testing
