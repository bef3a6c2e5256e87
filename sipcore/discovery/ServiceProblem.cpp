// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/ServiceProblem.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace napkin::discovery {

namespace {

/// Problem texts are shown to people: keep them short and printable.
QString cleanText(const QString &text) {
    QString out;
    for (const QChar c : text.left(300)) {
        out += c.isPrint() ? c : QLatin1Char(' ');
    }
    return out.trimmed();
}

} // namespace

ServiceProblem parseServiceProblem(const HttpResponse &response) {
    ServiceProblem problem;
    const QByteArray type = response.header("Content-Type").toLower();
    if (!type.startsWith("application/problem+json") || response.body.size() > 64 * 1024) {
        return problem;
    }
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        return problem;
    }
    const QJsonObject obj = doc.object();
    const QString typeUri = obj.value(QStringLiteral("type")).toString();
    problem.slug = cleanText(typeUri.section(QLatin1Char('/'), -1));
    problem.title = cleanText(obj.value(QStringLiteral("title")).toString());
    problem.detail = cleanText(obj.value(QStringLiteral("detail")).toString());
    return problem;
}

std::optional<std::chrono::seconds> retryAfterOf(const HttpResponse &response) {
    const QByteArray value = response.header("Retry-After").trimmed();
    if (value.isEmpty() || value.size() > 12) {
        return std::nullopt;
    }
    for (const char c : value) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    return std::chrono::seconds(std::min<qint64>(value.toLongLong(), 24 * 3600));
}

DiscoveryError errorFromResponse(const HttpResponse &response, const QString &action) {
    const ServiceProblem problem = parseServiceProblem(response);
    DiscoveryError error;
    error.httpStatus = response.status;
    error.retryAfter = retryAfterOf(response).value_or(std::chrono::seconds(0));
    error.problemType = problem.slug;
    QString said = problem.detail.isEmpty() ? problem.title : problem.detail;
    if (said.isEmpty()) {
        said = QString::fromLatin1(response.reason).left(100);
    }
    const QString status =
        QStringLiteral("%1%2")
            .arg(response.status)
            .arg(said.isEmpty() ? QString() : QStringLiteral(" (") + said + QLatin1Char(')'));
    switch (response.status) {
    case 401:
        error.code = DiscoveryErrc::AuthFailed;
        error.message = QStringLiteral("The certificate service rejected the user name or "
                                       "password while %1: %2.")
                            .arg(action, status);
        break;
    case 403:
        error.code = DiscoveryErrc::Forbidden;
        error.message = QStringLiteral("The certificate service does not allow this account to act "
                                       "while %1: %2.")
                            .arg(action, status);
        break;
    case 400:
    case 409:
    case 413:
    case 415:
    case 422:
        error.code = DiscoveryErrc::Rejected;
        error.message = QStringLiteral("The certificate service refused the request while %1: %2.")
                            .arg(action, status);
        break;
    default:
        error.code = DiscoveryErrc::HttpError;
        error.message = QStringLiteral("The certificate service answered HTTP %1 while %2.")
                            .arg(status, action);
        break;
    }
    return error;
}

} // namespace napkin::discovery
