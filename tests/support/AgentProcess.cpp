// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/AgentProcess.h"

#include "tests/support/NatLab.h"

#include <QJsonDocument>

namespace napkin::testing {

AgentProcess::AgentProcess(const QString &cliPath, const QString &name, const QString &logDir,
                           const QStringList &arguments, const QString &netns) {
    ProcessSpec spec;
    spec.name = name;
    spec.program = cliPath;
    spec.arguments = QStringList{QStringLiteral("agent")} + arguments;
    spec.logDirectory = logDir;
    spec.stopGraceMs = 40000; // a clean shutdown may wait for the registrar
    spec.extraEnvironment.insert(QStringLiteral("QT_LOGGING_RULES"),
                                 QStringLiteral("napkin.*=true"));
    m_process =
        std::make_unique<ManagedProcess>(netns.isEmpty() ? spec : NatLab::inNamespace(netns, spec));
}

std::vector<QJsonObject> AgentProcess::events() const {
    std::vector<QJsonObject> out;
    for (const QString &line : m_process->stdoutText().split(QLatin1Char('\n'))) {
        if (line.trimmed().isEmpty()) {
            continue;
        }
        const auto doc = QJsonDocument::fromJson(line.toUtf8());
        if (doc.isObject()) {
            out.push_back(doc.object());
        }
    }
    return out;
}

std::optional<QJsonObject> AgentProcess::find(const QString &event,
                                              const QJsonObject &match) const {
    for (const auto &e : events()) {
        if (e.value(QStringLiteral("event")).toString() != event) {
            continue;
        }
        bool all = true;
        for (auto it = match.begin(); it != match.end(); ++it) {
            all = all && e.value(it.key()) == it.value();
        }
        if (all) {
            return e;
        }
    }
    return std::nullopt;
}

TestResult<QJsonObject> AgentProcess::waitFor(const QString &event, const QJsonObject &match,
                                              int timeoutMs) {
    std::optional<QJsonObject> found;
    auto waited = m_process->waitUntil(
        [&] {
            found = find(event, match);
            return found.has_value() || !m_process->isRunning();
        },
        timeoutMs, QStringLiteral("the event ") + event);
    if (!found) {
        return fail(QStringLiteral("%1 never reported %2 %3\n%4")
                        .arg(m_process->spec().name, event,
                             QString::fromUtf8(QJsonDocument(match).toJson(QJsonDocument::Compact)),
                             m_process->logTail(80)));
    }
    return *found;
}

} // namespace napkin::testing
