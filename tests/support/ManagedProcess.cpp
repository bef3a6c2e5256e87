// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/ManagedProcess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>
#include <QThread>

#include <csignal>
#include <cstdio>
#include <sys/prctl.h>

namespace napkin::testing {

namespace {

QString readFrom(const QString &path, qint64 offset) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    if (offset > 0 && !f.seek(offset)) {
        return {};
    }
    return QString::fromUtf8(f.readAll());
}

qint64 fileSize(const QString &path) {
    const QFileInfo info(path);
    return info.exists() ? info.size() : 0;
}

QString tail(const QString &text, int maxLines) {
    QStringList lines = text.split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty()) {
        lines.removeLast();
    }
    if (lines.size() > maxLines) {
        lines = lines.mid(lines.size() - maxLines);
    }
    return lines.join(QLatin1Char('\n'));
}

// Runs in the forked child before exec: if the test process dies without its
// destructors (a crash, an abort from a sanitizer), the child dies with it.
void dieWithParent() {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}

} // namespace

QString RunResult::describe() const {
    QString what = exit.normal ? QStringLiteral("exit %1").arg(exit.code)
                               : QStringLiteral("killed by a signal");
    return QStringLiteral("%1: %2%3")
        .arg(what, stderrText.trimmed(),
             stdoutText.isEmpty() ? QString()
                                  : QStringLiteral(" | stdout: ") + stdoutText.trimmed());
}

ManagedProcess::ManagedProcess(ProcessSpec spec) : m_spec(std::move(spec)) {
    Q_ASSERT(!m_spec.logDirectory.isEmpty());
}

ManagedProcess::~ManagedProcess() {
    if (isRunning()) {
        stop();
    }
    if (m_dumpOnFailure && QTest::currentTestFailed()) {
        std::fprintf(stderr, "---- log of %s (pid %lld) ----\n%s\n---- end of log of %s ----\n",
                     qPrintable(m_spec.name), static_cast<long long>(pid()), qPrintable(logTail()),
                     qPrintable(m_spec.name));
    }
}

QString ManagedProcess::stderrLogPath() const {
    return QDir(m_spec.logDirectory).filePath(m_spec.name + QStringLiteral(".stderr.log"));
}

static QString stdoutLogPath(const ProcessSpec &spec) {
    return QDir(spec.logDirectory).filePath(spec.name + QStringLiteral(".stdout.log"));
}

TestResult<void> ManagedProcess::start() {
    if (isRunning()) {
        return fail(QStringLiteral("%1 is already running").arg(m_spec.name));
    }
    QDir().mkpath(m_spec.logDirectory);
    // Logs are appended across restarts; the offsets make stdoutText() and
    // waitForOutput() look only at this run.
    m_stdoutOffset = fileSize(stdoutLogPath(m_spec));
    m_stderrOffset = fileSize(stderrLogPath());
    m_exit.reset();
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(m_spec.program);
    m_process->setArguments(m_spec.arguments);
    if (!m_spec.workingDirectory.isEmpty()) {
        m_process->setWorkingDirectory(m_spec.workingDirectory);
    }
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(m_spec.extraEnvironment);
    m_process->setProcessEnvironment(env);
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setStandardOutputFile(stdoutLogPath(m_spec), QIODevice::Append);
    m_process->setStandardErrorFile(stderrLogPath(), QIODevice::Append);
    m_process->setChildProcessModifier(dieWithParent);
    m_process->start();
    if (!m_process->waitForStarted(10000)) {
        const QString why = m_process->errorString();
        m_process.reset();
        return fail(
            QStringLiteral("cannot start %1 (%2): %3").arg(m_spec.name, m_spec.program, why));
    }
    return {};
}

bool ManagedProcess::isRunning() const {
    if (!m_process || m_process->state() == QProcess::NotRunning) {
        return false;
    }
    // Without an event loop QProcess learns of the child's death only inside
    // a waitFor call; a zero wait polls it.
    return !m_process->waitForFinished(0);
}

qint64 ManagedProcess::pid() const {
    return m_process ? m_process->processId() : 0;
}

std::optional<ProcessExit> ManagedProcess::exit() const {
    if (m_exit) {
        return m_exit;
    }
    if (m_process && !isRunning()) {
        ProcessExit e;
        e.normal = m_process->exitStatus() == QProcess::NormalExit;
        e.code = e.normal ? m_process->exitCode() : -1;
        return e;
    }
    return std::nullopt;
}

ProcessExit ManagedProcess::collectExit() {
    if (auto e = exit()) {
        m_exit = e;
        return *e;
    }
    return {};
}

void ManagedProcess::signal(int sig) {
    if (isRunning()) {
        ::kill(static_cast<pid_t>(m_process->processId()), sig);
    }
}

ProcessExit ManagedProcess::stop() {
    if (!m_process) {
        return {};
    }
    if (isRunning()) {
        ::kill(static_cast<pid_t>(m_process->processId()), m_spec.stopSignal);
        if (!m_process->waitForFinished(m_spec.stopGraceMs)) {
            std::fprintf(stderr, "%s did not stop within %d ms of signal %d: SIGKILL\n",
                         qPrintable(m_spec.name), m_spec.stopGraceMs, m_spec.stopSignal);
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    return collectExit();
}

ProcessExit ManagedProcess::kill() {
    if (!m_process) {
        return {};
    }
    if (isRunning()) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    return collectExit();
}

QString ManagedProcess::stdoutText() const {
    return readFrom(stdoutLogPath(m_spec), m_stdoutOffset);
}

QString ManagedProcess::stderrText() const {
    return readFrom(stderrLogPath(), m_stderrOffset);
}

QString ManagedProcess::logTail(int maxLines) const {
    QString out;
    const QString err = tail(readFrom(stderrLogPath(), 0), maxLines);
    const QString std = tail(readFrom(stdoutLogPath(m_spec), 0), maxLines);
    if (!err.isEmpty()) {
        out += QStringLiteral("[%1 stderr]\n%2\n").arg(m_spec.name, err);
    }
    if (!std.isEmpty()) {
        out += QStringLiteral("[%1 stdout]\n%2\n").arg(m_spec.name, std);
    }
    if (auto e = exit()) {
        out += e->normal
                   ? QStringLiteral("[%1 exited with status %2]").arg(m_spec.name).arg(e->code)
                   : QStringLiteral("[%1 was killed by a signal]").arg(m_spec.name);
    }
    return out;
}

TestResult<void> ManagedProcess::waitUntil(const std::function<bool()> &probe, int timeoutMs,
                                           const QString &what) {
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        if (probe()) {
            return {};
        }
        if (!isRunning()) {
            return fail(QStringLiteral("%1 ended while waiting for %2\n%3")
                            .arg(m_spec.name, what, logTail()));
        }
        if (deadline.hasExpired()) {
            return fail(QStringLiteral("%1: no %2 within %3 ms\n%4")
                            .arg(m_spec.name, what)
                            .arg(timeoutMs)
                            .arg(logTail()));
        }
        QThread::msleep(50);
    }
}

TestResult<void> ManagedProcess::waitForOutput(const QString &text, int timeoutMs) {
    return waitUntil([&] { return stderrText().contains(text) || stdoutText().contains(text); },
                     timeoutMs, QStringLiteral("output \"%1\"").arg(text));
}

TestResult<void> ManagedProcess::waitForTcp(const Endpoint &endpoint, int timeoutMs) {
    return waitUntil([&] { return FreePort::accepts(endpoint, 200); }, timeoutMs,
                     QStringLiteral("TCP listener on %1").arg(endpoint.hostPort()));
}

TestResult<ProcessExit> ManagedProcess::waitForExit(int timeoutMs) {
    if (!m_process) {
        return fail(QStringLiteral("%1 was never started").arg(m_spec.name));
    }
    if (isRunning() && !m_process->waitForFinished(timeoutMs)) {
        return fail(QStringLiteral("%1 still runs after %2 ms\n%3")
                        .arg(m_spec.name)
                        .arg(timeoutMs)
                        .arg(logTail()));
    }
    return collectExit();
}

TestResult<RunResult> runProgram(const QString &program, const QStringList &arguments,
                                 int timeoutMs, const QByteArray &stdinData,
                                 const QProcessEnvironment &extraEnv) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(extraEnv);
    p.setProcessEnvironment(env);
    p.setChildProcessModifier(dieWithParent);
    p.start(program, arguments);
    if (!p.waitForStarted(10000)) {
        return fail(QStringLiteral("cannot start %1: %2").arg(program, p.errorString()));
    }
    if (!stdinData.isEmpty()) {
        p.write(stdinData);
        p.waitForBytesWritten(timeoutMs);
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return fail(QStringLiteral("%1 %2 did not finish within %3 ms")
                        .arg(program, arguments.join(QLatin1Char(' ')))
                        .arg(timeoutMs));
    }
    RunResult r;
    r.exit.normal = p.exitStatus() == QProcess::NormalExit;
    r.exit.code = r.exit.normal ? p.exitCode() : -1;
    r.stdoutText = QString::fromUtf8(p.readAllStandardOutput());
    r.stderrText = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace napkin::testing
