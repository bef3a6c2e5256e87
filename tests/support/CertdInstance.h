// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One napkin-certd process for a test: writes its settings (as flags or as an
// INI file), its nonce secret and password files into the test's directory,
// starts it and waits until GET /healthz answers, and manages its users with
// `napkin-certd user ...`.

#include "tests/support/HttpsClient.h"
#include "tests/support/ManagedProcess.h"

#include <QStringList>

#include <memory>
#include <optional>

namespace napkin::testing {

struct CertdConfig {
    QString binary;  ///< path of napkin-certd (tests pass NAPKIN_CERTD_PATH)
    Endpoint listen; ///< picked with FreePort::uniqueEndpoint() when empty
    QStringList domains = {QStringLiteral("b.example")};
    QString tlsCert;
    QString tlsKey;
    QString tlsRsaCert; ///< the optional RSA pair (--tls-rsa-cert), when set
    QString tlsRsaKey;
    QString caFile;          ///< the root that clients of this instance trust
    QString db;              ///< "sqlite:PATH" or a postgresql:// URL; sqlite in workDir when empty
    QString nonceSecretFile; ///< created with a random secret when empty
    std::optional<int> maxAge;
    std::optional<int> maxDevices;
    std::optional<int> maxValidityDays;
    std::optional<int> nonceLifetime;
    std::optional<int> threads;
    /// Write an INI file and pass only --config (flags are the default).
    bool useConfigFile = false;
    QStringList extraArguments;
};

class CertdInstance {
public:
    /// `workDir` holds the database, secrets and logs; `name` tells instances apart.
    CertdInstance(QString workDir, CertdConfig config, QString name = QStringLiteral("certd"));
    ~CertdInstance();
    CertdInstance(const CertdInstance &) = delete;
    CertdInstance &operator=(const CertdInstance &) = delete;

    /// Starts the server and waits for GET /healthz → 200.
    [[nodiscard]] TestResult<void> start(int timeoutMs = 20000);
    /// Starts without waiting (for start-up error tests: then waitForExit()).
    [[nodiscard]] TestResult<void> launch();
    /// SIGTERM, wait, SIGKILL after the grace period.
    ProcessExit stop();

    /// The command-line arguments start() uses (after writing files).
    [[nodiscard]] TestResult<QStringList> serverArguments();

    /// `napkin-certd user add USER@DOMAIN --password-file F --db URL`.
    [[nodiscard]] TestResult<RunResult> addUser(const QString &address, const QString &password);
    [[nodiscard]] TestResult<RunResult> deleteUser(const QString &address);
    [[nodiscard]] TestResult<RunResult> listUsers(const QString &domain = {});
    /// Runs `napkin-certd` with these arguments to completion.
    [[nodiscard]] TestResult<RunResult> run(const QStringList &arguments,
                                            const QByteArray &stdinData = {},
                                            int timeoutMs = 30000) const;

    /// The server as a client reaches it under one of its domains (first by default).
    [[nodiscard]] HttpsTarget target(const QString &domain = {}) const;
    [[nodiscard]] HttpsClient client(const QString &domain = {}) const;

    [[nodiscard]] CertdConfig &config() { return m_config; }
    [[nodiscard]] const CertdConfig &config() const { return m_config; }
    [[nodiscard]] ManagedProcess &process() { return *m_process; }
    [[nodiscard]] QString workDir() const { return m_workDir; }
    [[nodiscard]] QString dbUrl() const { return m_config.db; }
    [[nodiscard]] QString configFilePath() const;

    /// Writes an INI file for `config` (used by useConfigFile and --check-config tests).
    [[nodiscard]] static TestResult<void> writeIni(const QString &path, const CertdConfig &config);

private:
    [[nodiscard]] TestResult<void> prepare();

    QString m_workDir;
    CertdConfig m_config;
    QString m_name;
    std::unique_ptr<ManagedProcess> m_process;
};

} // namespace napkin::testing
