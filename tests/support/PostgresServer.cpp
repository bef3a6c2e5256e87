// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/PostgresServer.h"

#include <QDir>
#include <QFile>
#include <QVersionNumber>

#include <csignal>
#include <pwd.h>
#include <unistd.h>

namespace napkin::testing {

namespace {

struct UnixUser {
    uid_t uid = 0;
    gid_t gid = 0;
    QString name;
};

std::optional<UnixUser> lookUpUser(const char *name) {
    const passwd *pw = ::getpwnam(name);
    if (pw == nullptr) {
        return std::nullopt;
    }
    return UnixUser{pw->pw_uid, pw->pw_gid, QString::fromLocal8Bit(name)};
}

/// The unprivileged user PostgreSQL runs as when the test is root.
TestResult<UnixUser> serverUser() {
    if (auto u = lookUpUser("postgres")) {
        return *u;
    }
    if (auto u = lookUpUser("napkin-test")) {
        return *u;
    }
    auto r = runProgram(QStringLiteral("useradd"),
                        {QStringLiteral("--system"), QStringLiteral("--no-create-home"),
                         QStringLiteral("--shell"), QStringLiteral("/usr/sbin/nologin"),
                         QStringLiteral("napkin-test")});
    if (!r) {
        return fail(r.error());
    }
    if (auto u = lookUpUser("napkin-test")) {
        return *u;
    }
    return fail(QStringLiteral("cannot create the napkin-test user to run PostgreSQL: %1")
                    .arg(r->describe()));
}

bool chownTree(const QString &path, const UnixUser &user) {
    return ::chown(QFile::encodeName(path).constData(), user.uid, user.gid) == 0;
}

} // namespace

QString PostgresServer::findBinDir() {
    const QDir root(QStringLiteral("/usr/lib/postgresql"));
    QString best;
    QVersionNumber bestVersion;
    for (const QString &entry : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString bin = root.filePath(entry + QStringLiteral("/bin"));
        if (!QFile::exists(bin + QStringLiteral("/initdb")) ||
            !QFile::exists(bin + QStringLiteral("/postgres"))) {
            continue;
        }
        const auto version = QVersionNumber::fromString(entry);
        if (best.isEmpty() || version > bestVersion) {
            best = bin;
            bestVersion = version;
        }
    }
    return best;
}

TestResult<std::unique_ptr<PostgresServer>> PostgresServer::start(const PostgresOptions &options) {
    std::unique_ptr<PostgresServer> pg(new PostgresServer);
    pg->m_options = options;
    pg->m_binDir = findBinDir();
    if (pg->m_binDir.isEmpty()) {
        return fail(
            QStringLiteral("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"));
    }
    pg->m_dir =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/napkin-pg-XXXXXX"));
    if (!pg->m_dir->isValid()) {
        return fail(QStringLiteral("cannot create a temporary directory for PostgreSQL"));
    }
    const QString base = pg->m_dir->path();
    const QString data = base + QStringLiteral("/data");
    const QString sockets = base + QStringLiteral("/sockets");
    const QString logs =
        options.logDirectory.isEmpty() ? base + QStringLiteral("/logs") : options.logDirectory;
    QDir().mkpath(sockets);
    QDir().mkpath(logs);

    if (::geteuid() == 0) {
        auto user = serverUser();
        if (!user) {
            return fail(user.error());
        }
        // The cluster lives in a directory owned by the server's user; root
        // still removes it at the end.
        if (!chownTree(base, *user) || !chownTree(sockets, *user)) {
            return fail(QStringLiteral("cannot chown %1 to %2").arg(base, user->name));
        }
        pg->m_runAs = {QStringLiteral("--reuid=%1").arg(user->uid),
                       QStringLiteral("--regid=%1").arg(user->gid),
                       QStringLiteral("--clear-groups"),
                       QStringLiteral("--pdeathsig"),
                       QStringLiteral("SIGKILL"),
                       QStringLiteral("--")};
    }
    auto command = [&](const QString &tool, const QStringList &args) {
        const QString program = pg->m_binDir + QLatin1Char('/') + tool;
        if (pg->m_runAs.isEmpty()) {
            return std::make_pair(program, args);
        }
        return std::make_pair(QStringLiteral("setpriv"), pg->m_runAs + QStringList{program} + args);
    };

    QProcessEnvironment env;
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    const auto [initdb, initArgs] =
        command(QStringLiteral("initdb"),
                {QStringLiteral("-D"), data, QStringLiteral("-U"), options.role,
                 QStringLiteral("--auth=trust"), QStringLiteral("--encoding=UTF8"),
                 QStringLiteral("--locale=C"), QStringLiteral("--no-sync")});
    auto init = runProgram(initdb, initArgs, 60000, {}, env);
    if (!init) {
        return fail(init.error());
    }
    if (!init->succeeded()) {
        return fail(QStringLiteral("initdb failed: %1").arg(init->describe()));
    }

    pg->m_endpoint = FreePort::uniqueEndpoint();
    QStringList serverArgs = {
        QStringLiteral("-D"), data,
        QStringLiteral("-k"), sockets,
        QStringLiteral("-h"), pg->m_endpoint.address.toString(),
        QStringLiteral("-p"), QString::number(pg->m_endpoint.port),
        QStringLiteral("-c"), QStringLiteral("max_connections=%1").arg(options.maxConnections),
        QStringLiteral("-c"), QStringLiteral("shared_buffers=16MB"),
        QStringLiteral("-c"), QStringLiteral("logging_collector=off"),
        QStringLiteral("-c"), QStringLiteral("log_min_messages=warning"),
    };
    if (!options.durable) {
        serverArgs << QStringLiteral("-c") << QStringLiteral("fsync=off") << QStringLiteral("-c")
                   << QStringLiteral("synchronous_commit=off") << QStringLiteral("-c")
                   << QStringLiteral("full_page_writes=off");
    }
    const auto [program, args] = command(QStringLiteral("postgres"), serverArgs);
    ProcessSpec spec;
    spec.name = QStringLiteral("postgres");
    spec.program = program;
    spec.arguments = args;
    spec.extraEnvironment = env;
    spec.workingDirectory = base;
    spec.logDirectory = logs;
    spec.stopSignal = SIGINT; // "fast" shutdown: does not wait for clients
    spec.stopGraceMs = 10000;
    pg->m_process = std::make_unique<ManagedProcess>(spec);
    if (auto s = pg->m_process->start(); !s) {
        return fail(s.error());
    }
    if (auto w = pg->m_process->waitForOutput(
            QStringLiteral("database system is ready to accept connections"), 30000);
        !w) {
        return fail(w.error());
    }
    if (auto w = pg->m_process->waitForTcp(pg->m_endpoint, 10000); !w) {
        return fail(w.error());
    }
    auto created = pg->psql(QStringLiteral("CREATE DATABASE \"%1\"").arg(options.database));
    if (!created) {
        return fail(created.error());
    }
    return pg;
}

PostgresServer::~PostgresServer() {
    stop();
}

void PostgresServer::stop() {
    if (m_process) {
        m_process->stop();
    }
}

QString PostgresServer::url() const {
    return QStringLiteral("postgresql://%1@%2/%3")
        .arg(m_options.role, m_endpoint.hostPort(), m_options.database);
}

TestResult<QString> PostgresServer::psql(const QString &sql) const {
    // The client needs no privilege drop: it connects over TCP as the role.
    const bool maintenance = sql.startsWith(QStringLiteral("CREATE DATABASE"));
    auto r = runProgram(
        m_binDir + QStringLiteral("/psql"),
        {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-At"), QStringLiteral("-v"),
         QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), m_endpoint.address.toString(),
         QStringLiteral("-p"), QString::number(m_endpoint.port), QStringLiteral("-U"),
         m_options.role, QStringLiteral("-d"),
         maintenance ? QStringLiteral("postgres") : m_options.database, QStringLiteral("-c"), sql},
        30000);
    if (!r) {
        return fail(r.error());
    }
    if (!r->succeeded()) {
        return fail(QStringLiteral("psql failed: %1").arg(r->describe()));
    }
    return r->stdoutText.trimmed();
}

} // namespace napkin::testing
