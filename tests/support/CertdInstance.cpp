// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/CertdInstance.h"

#include "crypto/PrivateKey.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>

namespace napkin::testing {

namespace {

TestResult<void> writeFile(const QString &path, const QByteArray &data, unsigned mode) {
    auto r = crypto::writeFileAtomically(path.toStdString(), data.toStdString(), mode);
    if (!r) {
        return fail(QStringLiteral("cannot write %1: %2")
                        .arg(path, QString::fromStdString(r.error().message)));
    }
    return {};
}

QByteArray randomHex(int bytes) {
    QByteArray raw(bytes, '\0');
    for (auto &c : raw) {
        c = static_cast<char>(QRandomGenerator::global()->bounded(256));
    }
    return raw.toHex();
}

} // namespace

CertdInstance::CertdInstance(QString workDir, CertdConfig config, QString name)
    : m_workDir(std::move(workDir)), m_config(std::move(config)), m_name(std::move(name)) {
    QDir().mkpath(m_workDir);
    ProcessSpec spec;
    spec.name = m_name;
    spec.program = m_config.binary;
    spec.logDirectory = m_workDir;
    spec.stopGraceMs = 10000;
    m_process = std::make_unique<ManagedProcess>(spec);
}

CertdInstance::~CertdInstance() = default;

QString CertdInstance::configFilePath() const {
    return QDir(m_workDir).filePath(m_name + QStringLiteral(".ini"));
}

TestResult<void> CertdInstance::prepare() {
    if (m_config.binary.isEmpty() || !QFile::exists(m_config.binary)) {
        return fail(QStringLiteral("napkin-certd binary not found: '%1'").arg(m_config.binary));
    }
    if (m_config.listen.port == 0) {
        m_config.listen = FreePort::uniqueEndpoint();
    }
    if (m_config.db.isEmpty()) {
        m_config.db =
            QStringLiteral("sqlite:") + QDir(m_workDir).filePath(m_name + QStringLiteral(".db"));
    }
    if (m_config.nonceSecretFile.isEmpty()) {
        m_config.nonceSecretFile = QDir(m_workDir).filePath(m_name + QStringLiteral("-nonce.key"));
        if (auto w = writeFile(m_config.nonceSecretFile, randomHex(32) + '\n', 0600); !w) {
            return w;
        }
    }
    if (m_config.useConfigFile) {
        return writeIni(configFilePath(), m_config);
    }
    return {};
}

TestResult<void> CertdInstance::writeIni(const QString &path, const CertdConfig &c) {
    QByteArray ini = "[server]\n";
    ini += "listen = " + c.listen.hostPort().toUtf8() + '\n';
    ini += "domains = " + c.domains.join(QStringLiteral(", ")).toUtf8() + '\n';
    ini += "tls_cert = " + c.tlsCert.toUtf8() + '\n';
    ini += "tls_key = " + c.tlsKey.toUtf8() + '\n';
    if (!c.tlsRsaCert.isEmpty()) {
        ini += "tls_rsa_cert = " + c.tlsRsaCert.toUtf8() + '\n';
    }
    if (!c.tlsRsaKey.isEmpty()) {
        ini += "tls_rsa_key = " + c.tlsRsaKey.toUtf8() + '\n';
    }
    if (c.threads) {
        ini += "threads = " + QByteArray::number(*c.threads) + '\n';
    }
    ini += "\n[database]\nurl = " + c.db.toUtf8() + '\n';
    ini += "\n[policy]\n";
    if (c.maxAge) {
        ini += "max_age = " + QByteArray::number(*c.maxAge) + '\n';
    }
    if (c.maxDevices) {
        ini += "max_devices = " + QByteArray::number(*c.maxDevices) + '\n';
    }
    if (c.maxValidityDays) {
        ini += "max_validity_days = " + QByteArray::number(*c.maxValidityDays) + '\n';
    }
    ini += "\n[auth]\nnonce_secret_file = " + c.nonceSecretFile.toUtf8() + '\n';
    if (c.nonceLifetime) {
        ini += "nonce_lifetime = " + QByteArray::number(*c.nonceLifetime) + '\n';
    }
    return writeFile(path, ini, 0644);
}

TestResult<QStringList> CertdInstance::serverArguments() {
    if (auto p = prepare(); !p) {
        return fail(p.error());
    }
    const CertdConfig &c = m_config;
    if (c.useConfigFile) {
        return QStringList{QStringLiteral("--config"), configFilePath()} + c.extraArguments;
    }
    QStringList a = {QStringLiteral("--listen"), c.listen.hostPort()};
    for (const auto &d : c.domains) {
        a << QStringLiteral("--domain") << d;
    }
    a << QStringLiteral("--tls-cert") << c.tlsCert << QStringLiteral("--tls-key") << c.tlsKey
      << QStringLiteral("--db") << c.db << QStringLiteral("--nonce-secret-file")
      << c.nonceSecretFile;
    if (!c.tlsRsaCert.isEmpty()) {
        a << QStringLiteral("--tls-rsa-cert") << c.tlsRsaCert;
    }
    if (!c.tlsRsaKey.isEmpty()) {
        a << QStringLiteral("--tls-rsa-key") << c.tlsRsaKey;
    }
    auto opt = [&a](const char *flag, const std::optional<int> &v) {
        if (v) {
            a << QLatin1String(flag) << QString::number(*v);
        }
    };
    opt("--max-age", c.maxAge);
    opt("--max-devices", c.maxDevices);
    opt("--max-validity-days", c.maxValidityDays);
    opt("--nonce-lifetime", c.nonceLifetime);
    opt("--threads", c.threads);
    return a + c.extraArguments;
}

TestResult<void> CertdInstance::launch() {
    auto args = serverArguments();
    if (!args) {
        return fail(args.error());
    }
    ProcessSpec spec = m_process->spec();
    spec.arguments = *args;
    spec.program = m_config.binary;
    // A new ManagedProcess per launch keeps restarts simple; the log files
    // are appended, so the whole history stays in one place.
    m_process = std::make_unique<ManagedProcess>(spec);
    return m_process->start();
}

TestResult<void> CertdInstance::start(int timeoutMs) {
    if (auto l = launch(); !l) {
        return l;
    }
    HttpsClient probe(target());
    return m_process->waitUntil(
        [&] {
            HttpRequest req;
            req.target = "/healthz";
            auto r = probe.request(req, 1000);
            return r && r->status == 200;
        },
        timeoutMs, QStringLiteral("GET /healthz → 200"));
}

ProcessExit CertdInstance::stop() {
    return m_process->stop();
}

HttpsTarget CertdInstance::target(const QString &domain) const {
    return HttpsTarget{m_config.listen, domain.isEmpty() ? m_config.domains.value(0) : domain,
                       m_config.caFile};
}

HttpsClient CertdInstance::client(const QString &domain) const {
    return HttpsClient(target(domain));
}

TestResult<RunResult> CertdInstance::run(const QStringList &arguments, const QByteArray &stdinData,
                                         int timeoutMs) const {
    return runProgram(m_config.binary, arguments, timeoutMs, stdinData);
}

TestResult<RunResult> CertdInstance::addUser(const QString &address, const QString &password) {
    if (auto p = prepare(); !p) {
        return fail(p.error());
    }
    const QString file = QDir(m_workDir).filePath(
        QStringLiteral("password-%1").arg(QString::fromLatin1(randomHex(4))));
    if (auto w = writeFile(file, password.toUtf8(), 0600); !w) {
        return fail(w.error());
    }
    auto r = run({QStringLiteral("user"), QStringLiteral("add"), address,
                  QStringLiteral("--password-file"), file, QStringLiteral("--db"), m_config.db});
    QFile::remove(file);
    return r;
}

TestResult<RunResult> CertdInstance::deleteUser(const QString &address) {
    if (auto p = prepare(); !p) {
        return fail(p.error());
    }
    return run({QStringLiteral("user"), QStringLiteral("del"), address, QStringLiteral("--db"),
                m_config.db});
}

TestResult<RunResult> CertdInstance::listUsers(const QString &domain) {
    if (auto p = prepare(); !p) {
        return fail(p.error());
    }
    QStringList args = {QStringLiteral("user"), QStringLiteral("list")};
    if (!domain.isEmpty()) {
        args << QStringLiteral("--domain") << domain;
    }
    return run(args + QStringList{QStringLiteral("--db"), m_config.db});
}

} // namespace napkin::testing
