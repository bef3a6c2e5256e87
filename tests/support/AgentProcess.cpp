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

namespace {

/// An event whose fields include every field of `match`.
AgentProcess::EventTest matching(const QJsonObject &match) {
    return [match](const QJsonObject &e) {
        for (auto it = match.begin(); it != match.end(); ++it) {
            if (e.value(it.key()) != it.value()) {
                return false;
            }
        }
        return true;
    };
}

} // namespace

std::optional<QJsonObject> AgentProcess::find(const QString &event,
                                              const QJsonObject &match) const {
    return findWhere(event, matching(match));
}

TestResult<QJsonObject> AgentProcess::waitFor(const QString &event, const QJsonObject &match,
                                              int timeoutMs) {
    return waitWhere(event, matching(match),
                     event + QLatin1Char(' ') +
                         QString::fromUtf8(QJsonDocument(match).toJson(QJsonDocument::Compact)),
                     timeoutMs);
}

std::optional<QJsonObject> AgentProcess::findWhere(const QString &event,
                                                   const EventTest &test) const {
    for (const auto &e : events()) {
        if (e.value(QStringLiteral("event")).toString() == event && test(e)) {
            return e;
        }
    }
    return std::nullopt;
}

TestResult<QJsonObject> AgentProcess::waitWhere(const QString &event, const EventTest &test,
                                                const QString &what, int timeoutMs) {
    std::optional<QJsonObject> found;
    (void)m_process->waitUntil(
        [&] {
            found = findWhere(event, test);
            return found.has_value() || !m_process->isRunning();
        },
        timeoutMs, what);
    if (found) {
        return *found;
    }
    QStringList seen;
    for (const QJsonObject &e : events()) {
        seen << QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact));
    }
    return fail(QStringLiteral("%1: no %2 within %3 ms; its events:\n%4\n%5")
                    .arg(m_process->spec().name, what)
                    .arg(timeoutMs)
                    .arg(seen.join(QLatin1Char('\n')), m_process->logTail(80)));
}

} // namespace napkin::testing
