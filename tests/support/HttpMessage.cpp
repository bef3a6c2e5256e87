// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/HttpMessage.h"

#include <QJsonDocument>

namespace napkin::testing {

namespace {

constexpr qint64 kMaxHead = 256 * 1024;
constexpr qint64 kMaxBody = 64 * 1024 * 1024;

QByteArray findHeader(const HttpHeaders &headers, const QByteArray &name) {
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0) {
            return v;
        }
    }
    return {};
}

bool containsHeader(const HttpHeaders &headers, const QByteArray &name) {
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace

bool HttpRequest::hasHeader(const QByteArray &name) const {
    return containsHeader(headers, name);
}

QByteArray HttpRequest::serialize(const QByteArray &hostHeader) const {
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\n";
    if (addHost && !hasHeader("Host")) {
        out += "Host: " + hostHeader + "\r\n";
    }
    for (const auto &[k, v] : headers) {
        out += k + ": " + v + "\r\n";
    }
    const bool wantsLength = !body.isEmpty() || method == "PUT" || method == "POST";
    if (addContentLength && wantsLength && !hasHeader("Content-Length") &&
        !hasHeader("Transfer-Encoding")) {
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

QByteArray HttpResponse::header(const QByteArray &name) const {
    return findHeader(headers, name);
}

bool HttpResponse::hasHeader(const QByteArray &name) const {
    return containsHeader(headers, name);
}

QList<QByteArray> HttpResponse::headerValues(const QByteArray &name) const {
    QList<QByteArray> out;
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0) {
            out.append(v);
        }
    }
    return out;
}

QJsonObject HttpResponse::json() const {
    const auto doc = QJsonDocument::fromJson(body);
    return doc.isObject() ? doc.object() : QJsonObject{};
}

QString HttpResponse::problemSlug() const {
    const QString type = json().value(QStringLiteral("type")).toString();
    const qsizetype at = type.lastIndexOf(QStringLiteral("/problems/"));
    return at < 0 ? QString() : type.mid(at + 10);
}

QString HttpResponse::describe() const {
    QString text = QStringLiteral("%1 %2").arg(status).arg(QString::fromLatin1(reason));
    const QString slug = problemSlug();
    if (!slug.isEmpty()) {
        text += QStringLiteral(" [%1]").arg(slug);
    }
    const QByteArray type = header("Content-Type");
    if (type.startsWith("application/") && !type.contains("json")) {
        text += QStringLiteral(" (%1 bytes of %2)").arg(body.size()).arg(QString::fromLatin1(type));
    } else if (!body.isEmpty()) {
        text += QStringLiteral(": ") + QString::fromUtf8(body.left(300));
    }
    return text;
}

TestResult<void> HttpResponseParser::parseHead(const QByteArray &head) {
    const QList<QByteArray> lines = head.split('\n');
    if (lines.isEmpty()) {
        return fail(QStringLiteral("empty response head"));
    }
    QByteArray statusLine = lines.first();
    if (statusLine.endsWith('\r')) {
        statusLine.chop(1);
    }
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12 || statusLine.at(8) != ' ') {
        return fail(
            QStringLiteral("bad status line: %1").arg(QString::fromLatin1(statusLine.left(80))));
    }
    bool ok = false;
    m_response.status = statusLine.mid(9, 3).toInt(&ok);
    if (!ok || m_response.status < 100) {
        return fail(QStringLiteral("bad status code: %1").arg(QString::fromLatin1(statusLine)));
    }
    m_response.reason = statusLine.mid(13);
    const bool http10 = statusLine.startsWith("HTTP/1.0");
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.isEmpty()) {
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            return fail(
                QStringLiteral("bad header line: %1").arg(QString::fromLatin1(line.left(80))));
        }
        m_response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    const QByteArray connection = m_response.header("Connection").toLower();
    m_response.closeAfter =
        connection.contains("close") || (http10 && !connection.contains("keep-alive"));

    const int s = m_response.status;
    if (m_head || s == 204 || s == 304 || (s >= 100 && s < 200)) {
        m_state = State::Done;
        return {};
    }
    if (m_response.header("Transfer-Encoding").toLower().contains("chunked")) {
        m_state = State::ChunkSize;
        return {};
    }
    if (m_response.hasHeader("Content-Length")) {
        m_remaining = m_response.header("Content-Length").toLongLong(&ok);
        if (!ok || m_remaining < 0 || m_remaining > kMaxBody) {
            return fail(QStringLiteral("bad Content-Length"));
        }
        m_state = m_remaining == 0 ? State::Done : State::Body;
        return {};
    }
    m_state = State::UntilClose;
    m_response.closeAfter = true;
    return {};
}

TestResult<void> HttpResponseParser::step(bool &progressed) {
    progressed = false;
    switch (m_state) {
    case State::Head: {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_buffer.size() > kMaxHead) {
                return fail(QStringLiteral("response head too large"));
            }
            return {};
        }
        const QByteArray head = m_buffer.left(end);
        m_buffer.remove(0, end + 4);
        progressed = true;
        return parseHead(head);
    }
    case State::Body: {
        const qint64 take = std::min<qint64>(m_remaining, m_buffer.size());
        if (take == 0) {
            return {};
        }
        m_response.body += m_buffer.left(take);
        m_buffer.remove(0, take);
        m_remaining -= take;
        if (m_remaining == 0) {
            m_state = State::Done;
        }
        progressed = true;
        return {};
    }
    case State::ChunkSize: {
        const qsizetype end = m_buffer.indexOf("\r\n");
        if (end < 0) {
            return {};
        }
        bool ok = false;
        const QByteArray sizeText = m_buffer.left(end).split(';').first().trimmed();
        m_remaining = sizeText.toLongLong(&ok, 16);
        if (!ok || m_remaining < 0 || m_response.body.size() + m_remaining > kMaxBody) {
            return fail(QStringLiteral("bad chunk size"));
        }
        m_buffer.remove(0, end + 2);
        m_state = m_remaining == 0 ? State::ChunkTrailer : State::ChunkData;
        progressed = true;
        return {};
    }
    case State::ChunkData: {
        if (m_buffer.size() < m_remaining + 2) {
            return {};
        }
        m_response.body += m_buffer.left(m_remaining);
        m_buffer.remove(0, m_remaining + 2);
        m_state = State::ChunkSize;
        progressed = true;
        return {};
    }
    case State::ChunkTrailer: {
        const qsizetype end = m_buffer.indexOf("\r\n");
        if (end < 0) {
            return {};
        }
        m_buffer.remove(0, end + 2);
        if (end == 0) {
            m_state = State::Done;
        }
        progressed = true;
        return {};
    }
    case State::UntilClose:
        if (!m_buffer.isEmpty()) {
            m_response.body += m_buffer;
            m_buffer.clear();
            progressed = true;
        }
        return {};
    case State::Done:
        return {};
    }
    return {};
}

TestResult<void> HttpResponseParser::feed(const QByteArray &data) {
    if (!data.isEmpty()) {
        m_started = true;
    }
    m_buffer += data;
    bool progressed = true;
    while (progressed && m_state != State::Done) {
        if (auto r = step(progressed); !r) {
            return r;
        }
    }
    return {};
}

TestResult<void> HttpResponseParser::finishOnClose() {
    if (m_state == State::UntilClose) {
        m_state = State::Done;
        return {};
    }
    if (m_state == State::Done) {
        return {};
    }
    return fail(m_started ? QStringLiteral("the connection closed in the middle of a response")
                          : QStringLiteral("the connection closed without a response"));
}

QByteArray percentEncode(const QString &text) {
    return text.toUtf8().toPercentEncoding();
}

} // namespace napkin::testing
