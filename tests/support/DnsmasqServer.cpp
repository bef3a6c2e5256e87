// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/DnsmasqServer.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>

#include <csignal>

namespace napkin::testing {

namespace {

QString ownersDirectory() {
    return QDir::temp().filePath(QStringLiteral("napkin-test-dnsmasq"));
}

bool isRunningDnsmasq(qint64 pid) {
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    return cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains("dnsmasq");
}

/// "_certificates._tcp.a.example" -> "a.example"; "certs.a.example" -> "a.example".
QString parentDomain(const QString &name) {
    const QStringList labels = name.split(QLatin1Char('.'), Qt::SkipEmptyParts);
    if (labels.size() <= 2) {
        return labels.join(QLatin1Char('.'));
    }
    return labels.mid(labels.size() - 2).join(QLatin1Char('.'));
}

} // namespace

DnsmasqServer::DnsmasqServer(QString workDir, QString name)
    : m_workDir(std::move(workDir)), m_name(std::move(name)) {}

DnsmasqServer::~DnsmasqServer() {
    stop();
}

void DnsmasqServer::addLocalDomain(const QString &domain) {
    if (!m_localDomains.contains(domain)) {
        m_localDomains << domain;
    }
}

void DnsmasqServer::addSrv(const SrvRecord &record) {
    m_srv.push_back(record);
    addLocalDomain(parentDomain(record.name));
}

void DnsmasqServer::addHost(const QString &name, const QString &address, bool localDomain) {
    m_hosts.push_back({name, address});
    if (localDomain) {
        addLocalDomain(parentDomain(name));
    }
}

void DnsmasqServer::clearRecords() {
    m_srv.clear();
    m_hosts.clear();
    m_localDomains.clear();
}

QStringList DnsmasqServer::arguments() const {
    QStringList args{
        QStringLiteral("--keep-in-foreground"),
        QStringLiteral("--conf-file=/dev/null"),
        QStringLiteral("--no-resolv"),
        QStringLiteral("--no-hosts"),
        QStringLiteral("--no-poll"),
        QStringLiteral("--bind-interfaces"),
        QStringLiteral("--listen-address=") + m_address.toString(),
        QStringLiteral("--port=53"),
        // Stay root: the test runs as root and only binds loopback.
        QStringLiteral("--user=root"),
        QStringLiteral("--pid-file="),
        QStringLiteral("--log-facility=-"),
        QStringLiteral("--log-queries"),
        QStringLiteral("--cache-size=0"),
    };
    for (const auto &d : m_localDomains) {
        args << QStringLiteral("--local=/%1/").arg(d);
    }
    for (const auto &s : m_srv) {
        if (s.target.isEmpty()) {
            // No target: dnsmasq answers with target "." ("no such service here").
            args << QStringLiteral("--srv-host=%1").arg(s.name);
            continue;
        }
        args << QStringLiteral("--srv-host=%1,%2,%3,%4,%5")
                    .arg(s.name, s.target)
                    .arg(s.port)
                    .arg(s.priority)
                    .arg(s.weight);
    }
    for (const auto &h : m_hosts) {
        args << QStringLiteral("--host-record=%1,%2").arg(h.name, h.address);
    }
    return args;
}

void DnsmasqServer::reapOrphans() {
    QDir owners(ownersDirectory());
    const QStringList entries = owners.entryList(QDir::Files);
    for (const QString &entry : entries) {
        const qint64 dnsmasqPid = entry.toLongLong();
        QFile file(owners.filePath(entry));
        qint64 ownerPid = 0;
        if (file.open(QIODevice::ReadOnly)) {
            ownerPid = file.readAll().trimmed().toLongLong();
            file.close();
        }
        if (ownerPid > 0 && QFile::exists(QStringLiteral("/proc/%1").arg(ownerPid))) {
            continue; // its test is still running
        }
        if (dnsmasqPid > 0 && isRunningDnsmasq(dnsmasqPid)) {
            ::kill(static_cast<pid_t>(dnsmasqPid), SIGTERM);
        }
        owners.remove(entry);
    }
}

TestResult<void> DnsmasqServer::launch(int timeoutMs) {
    const QString program = QStandardPaths::findExecutable(
        QStringLiteral("dnsmasq"),
        {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"), QStringLiteral("/usr/bin")});
    if (program.isEmpty()) {
        return fail(QStringLiteral("dnsmasq is not installed (Debian package dnsmasq-base)"));
    }
    ProcessSpec spec;
    spec.name = QStringLiteral("%1-%2").arg(m_name).arg(++m_generation);
    spec.program = program;
    spec.arguments = arguments();
    spec.logDirectory = m_workDir;
    spec.stopGraceMs = 3000;
    m_process = std::make_unique<ManagedProcess>(spec);
    if (auto r = m_process->start(); !r.ok()) {
        return r;
    }
    QDir().mkpath(ownersDirectory());
    QFile owner(QDir(ownersDirectory()).filePath(QString::number(m_process->pid())));
    if (owner.open(QIODevice::WriteOnly)) {
        owner.write(QByteArray::number(QCoreApplication::applicationPid()) + '\n');
    }
    // dnsmasq binds its sockets before it logs "started".
    return m_process->waitForOutput(QStringLiteral("started, version"), timeoutMs);
}

TestResult<void> DnsmasqServer::start(int timeoutMs) {
    reapOrphans();
    QString lastError;
    for (int attempt = 0; attempt < 3; ++attempt) {
        m_address = FreePort::uniqueLoopbackAddress();
        auto r = launch(timeoutMs);
        if (r.ok()) {
            return r;
        }
        lastError = r.error();
        if (m_process) {
            m_process->stop();
        }
        if (!lastError.contains(QLatin1String("in use"))) {
            break;
        }
    }
    return fail(QStringLiteral("dnsmasq did not start: %1").arg(lastError));
}

TestResult<void> DnsmasqServer::restart(int timeoutMs) {
    if (m_address.isNull()) {
        return start(timeoutMs);
    }
    stop();
    return launch(timeoutMs);
}

ProcessExit DnsmasqServer::stop() {
    if (!m_process) {
        return {};
    }
    const qint64 pid = m_process->pid();
    ProcessExit e = m_process->stop();
    m_process.reset();
    QFile::remove(QDir(ownersDirectory()).filePath(QString::number(pid)));
    return e;
}

int DnsmasqServer::queriesFor(const QString &name) const {
    if (!m_process) {
        return 0;
    }
    const QString log = m_process->stderrText() + m_process->stdoutText();
    const QRegularExpression re(
        QStringLiteral("query\\[[A-Z0-9]+\\] %1 from").arg(QRegularExpression::escape(name)));
    int n = 0;
    auto it = re.globalMatch(log);
    while (it.hasNext()) {
        it.next();
        ++n;
    }
    return n;
}

} // namespace napkin::testing
