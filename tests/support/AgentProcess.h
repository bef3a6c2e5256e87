// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One headless `napkin-cli agent` and the JSON events it prints on stdout,
// one object per line, for integration tests that drive calls between agents.

#include "tests/support/ManagedProcess.h"
#include "tests/support/TestResult.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace napkin::testing {

/// One napkin-cli agent process and the JSON events it printed.
class AgentProcess {
public:
    /// Prepares `cliPath agent <arguments>`, logging to `logDir`/`name`.*.log
    /// (napkin.* debug categories on). Nothing runs until start().
    /// With `netns`, the agent runs inside that network namespace
    /// (NatLab::inNamespace).
    AgentProcess(const QString &cliPath, const QString &name, const QString &logDir,
                 const QStringList &arguments, const QString &netns = {});

    [[nodiscard]] TestResult<void> start() { return m_process->start(); }

    /// Every JSON object printed so far, in order (other lines are skipped).
    [[nodiscard]] std::vector<QJsonObject> events() const;

    /// The first event of this kind whose fields include `match`.
    [[nodiscard]] std::optional<QJsonObject> find(const QString &event,
                                                  const QJsonObject &match = {}) const;

    /// Waits for find(event, match); fails with the agent's log tail on
    /// timeout or when the agent exits first.
    [[nodiscard]] TestResult<QJsonObject>
    waitFor(const QString &event, const QJsonObject &match = {}, int timeoutMs = 30000);

    using EventTest = std::function<bool(const QJsonObject &)>;
    /// The first event of this kind that passes `test`.
    [[nodiscard]] std::optional<QJsonObject> findWhere(const QString &event,
                                                       const EventTest &test) const;
    /// Waits for findWhere(); fails naming `what`, with every event so far
    /// and the log tail, on timeout or when the agent exits first.
    [[nodiscard]] TestResult<QJsonObject> waitWhere(const QString &event, const EventTest &test,
                                                    const QString &what, int timeoutMs = 30000);

    [[nodiscard]] ManagedProcess &process() { return *m_process; }

private:
    std::unique_ptr<ManagedProcess> m_process;
};

} // namespace napkin::testing

/// Waits for an agent's event and declares `var` (a QJsonObject) with it;
/// fails the current test function otherwise.
#define NAPKIN_WAIT_EVENT(var, agent, ...)                                                         \
    auto var##_r = (agent).waitFor(__VA_ARGS__);                                                   \
    NAPKIN_VERIFY_OK(var##_r);                                                                     \
    const QJsonObject var = var##_r.value()
