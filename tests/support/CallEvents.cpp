// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/CallEvents.h"

#include <QFile>
#include <QJsonDocument>

namespace napkin::testing {

QString compactJson(const QJsonObject &o) {
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString readTextFile(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

TestResult<QJsonObject> startRegistered(AgentProcess &agent, int timeoutMs) {
    if (auto started = agent.start(); !started) {
        return fail(started.error());
    }
    return agent.waitFor(QStringLiteral("registered"),
                         {{QStringLiteral("state"), QStringLiteral("registered")}}, timeoutMs);
}

TestResult<QJsonObject> waitForFlowing(AgentProcess &agent, int timeoutMs) {
    return agent.waitWhere(
        QStringLiteral("media"),
        [](const QJsonObject &e) { return e.value(QStringLiteral("flowing")).toBool(); },
        QStringLiteral("media flowing"), timeoutMs);
}

TestResult<QJsonObject> waitForCallState(AgentProcess &agent, const QString &state) {
    return agent.waitFor(QStringLiteral("call_state"), {{QStringLiteral("state"), state}});
}

TestResult<QJsonObject> waitForIce(AgentProcess &agent) {
    auto found = agent.waitWhere(
        QStringLiteral("media"),
        [](const QJsonObject &e) { return e.value(QStringLiteral("ice")).isObject(); },
        QStringLiteral("media event with \"ice\""));
    if (!found) {
        return fail(found.error());
    }
    return found->value(QStringLiteral("ice")).toObject();
}

QJsonObject lastIce(const AgentProcess &agent) {
    QJsonObject last;
    for (const QJsonObject &e : agent.events()) {
        if (e.value(QStringLiteral("event")) == QStringLiteral("media") &&
            e.value(QStringLiteral("ice")).isObject()) {
            last = e.value(QStringLiteral("ice")).toObject();
        }
    }
    return last;
}

std::optional<QJsonObject> callError(const AgentProcess &agent) {
    return agent.findWhere(QStringLiteral("error"), [](const QJsonObject &e) {
        const QString where = e.value(QStringLiteral("where")).toString();
        return e.value(QStringLiteral("code")) == QStringLiteral("no-media-path") ||
               where == QStringLiteral("call") || where == QStringLiteral("audio");
    });
}

} // namespace napkin::testing
