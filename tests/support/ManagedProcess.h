// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A program a test starts and must not leave behind: its output goes to log
// files (never to a pipe that nobody drains, which would block a busy server),
// readiness is awaited with a timeout, and it is stopped in the destructor.

#include "tests/support/FreePort.h"
#include "tests/support/TestResult.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace napkin::testing {

/// What to run.
struct ProcessSpec {
    QString name; ///< for log file names and messages, e.g. "certd-a"
    QString program;
    QStringList arguments;
    /// Variables set on top of the test's own environment.
    QProcessEnvironment extraEnvironment;
    QString workingDirectory;
    /// Directory for `<name>.stdout.log` and `<name>.stderr.log`; required.
    QString logDirectory;
    /// Signal for a graceful stop (SIGTERM; PostgreSQL wants SIGINT for a fast shutdown).
    int stopSignal = 15;
    /// How long stop() waits after stopSignal before SIGKILL.
    int stopGraceMs = 5000;
};

/// How a process ended.
struct ProcessExit {
    bool normal = false; ///< exited by itself (false: killed by a signal)
    int code = -1;       ///< exit status when normal
};

/// A running program owned by a test. Move-only.
class ManagedProcess {
public:
    explicit ManagedProcess(ProcessSpec spec);
    ~ManagedProcess();
    ManagedProcess(const ManagedProcess &) = delete;
    ManagedProcess &operator=(const ManagedProcess &) = delete;

    /// Starts the program. The child gets SIGKILL if the test process dies
    /// without running destructors (prctl PR_SET_PDEATHSIG).
    [[nodiscard]] TestResult<void> start();

    /// Waits until stderr (or stdout) contains `text`. Fails early when the
    /// process exits, and on timeout, with the log tail in the message.
    [[nodiscard]] TestResult<void> waitForOutput(const QString &text, int timeoutMs);
    /// Waits until a TCP connection to `endpoint` is accepted.
    [[nodiscard]] TestResult<void> waitForTcp(const Endpoint &endpoint, int timeoutMs);
    /// Polls `probe` (e.g. an HTTP request) every 50 ms until it returns true.
    [[nodiscard]] TestResult<void> waitUntil(const std::function<bool()> &probe, int timeoutMs,
                                             const QString &what);

    /// Waits for the process to exit by itself (e.g. a start-up error).
    [[nodiscard]] TestResult<ProcessExit> waitForExit(int timeoutMs);

    /// Sends the stop signal, waits the grace period, then SIGKILL. Returns how
    /// it ended. Does nothing (but report) when it is not running.
    ProcessExit stop();
    /// SIGKILL now, and reap it.
    ProcessExit kill();
    /// Sends a signal without waiting.
    void signal(int sig);

    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] qint64 pid() const;
    /// The last exit, if it has ended.
    [[nodiscard]] std::optional<ProcessExit> exit() const;

    [[nodiscard]] QString stdoutText() const;
    [[nodiscard]] QString stderrText() const;
    /// The last `maxLines` lines of both logs, labelled, for failure messages.
    [[nodiscard]] QString logTail(int maxLines = 60) const;
    [[nodiscard]] QString stderrLogPath() const;
    [[nodiscard]] const ProcessSpec &spec() const { return m_spec; }

    /// When set, the destructor prints the log tail to stderr when the current
    /// QtTest function has failed (default true).
    void setDumpLogOnFailure(bool on) { m_dumpOnFailure = on; }

private:
    ProcessExit collectExit();

    ProcessSpec m_spec;
    std::unique_ptr<QProcess> m_process;
    std::optional<ProcessExit> m_exit;
    qint64 m_stdoutOffset = 0;
    qint64 m_stderrOffset = 0;
    bool m_dumpOnFailure = true;
};

/// Runs a program to completion (for one-shot tools such as `initdb` or
/// `napkin-certd user add`). Output is captured in memory.
struct RunResult {
    ProcessExit exit;
    QString stdoutText;
    QString stderrText;
    /// "exit 1: <stderr>" for messages.
    [[nodiscard]] QString describe() const;
    [[nodiscard]] bool succeeded() const { return exit.normal && exit.code == 0; }
};

/// Runs `program` with `arguments`, feeding `stdinData`; kills it after
/// `timeoutMs`. An error only when the program cannot be started or times out.
[[nodiscard]] TestResult<RunResult> runProgram(const QString &program, const QStringList &arguments,
                                               int timeoutMs = 30000,
                                               const QByteArray &stdinData = {},
                                               const QProcessEnvironment &extraEnv = {});

} // namespace napkin::testing
