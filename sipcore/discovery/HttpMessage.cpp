// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/HttpMessage.h"

#include <algorithm>
#include <limits>

namespace napkin::discovery {

namespace {

bool isTchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text) {
    if (text.isEmpty()) {
        return false;
    }
    for (char c : text) {
        if (!isTchar(c)) {
            return false;
        }
    }
    return true;
}

/// Field values may hold visible ASCII, obs-text and inner spaces or tabs.
bool isFieldValue(QByteArrayView text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            return false;
        }
    }
    return true;
}

QByteArray trimOws(QByteArrayView text) {
    qsizetype begin = 0;
    qsizetype end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) {
        ++begin;
    }
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) {
        --end;
    }
    return text.sliced(begin, end - begin).toByteArray();
}

/// Whether a comma-separated header list (Connection) contains a token.
bool listContains(const QList<QByteArray> &values, QByteArrayView token) {
    for (const auto &value : values) {
        for (const auto &item : value.split(',')) {
            if (trimOws(item).compare(token, Qt::CaseInsensitive) == 0) {
                return true;
            }
        }
    }
    return false;
}

bool parseDecimal(QByteArrayView text, qsizetype max, qsizetype &out) {
    if (text.isEmpty() || text.size() > 12) {
        return false;
    }
    qsizetype v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    if (v > max) {
        return false;
    }
    out = v;
    return true;
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView name) const {
    for (const auto &h : headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0) {
            return h.value;
        }
    }
    return {};
}

void HttpRequest::setHeader(const QByteArray &name, const QByteArray &value) {
    std::erase_if(headers, [&](const HttpHeader &h) {
        return h.name.compare(name, Qt::CaseInsensitive) == 0;
    });
    headers.push_back({name, value});
}

QByteArray HttpResponse::header(QByteArrayView name) const {
    for (const auto &h : headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0) {
            return h.value;
        }
    }
    return {};
}

QList<QByteArray> HttpResponse::headerValues(QByteArrayView name) const {
    QList<QByteArray> out;
    for (const auto &h : headers) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0) {
            out.append(h.value);
        }
    }
    return out;
}

QByteArray serialiseRequest(const HttpRequest &request, const QByteArray &host) {
    QByteArray out;
    out.reserve(256 + request.body.size());
    out += request.method + ' ' + request.target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto &h : request.headers) {
        out += h.name + ": " + h.value + "\r\n";
    }
    if (!request.body.isEmpty() || request.method == "PUT" || request.method == "POST") {
        out += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\n";
    }
    out += "\r\n";
    out += request.body;
    return out;
}

HttpResponseParser::HttpResponseParser(Limits limits) : m_limits(limits) {}

void HttpResponseParser::reset(bool noBody) {
    m_state = State::NeedMore;
    m_phase = Phase::StatusLine;
    m_error.clear();
    m_response = HttpResponse{};
    m_noBody = noBody;
    m_started = !m_buffer.isEmpty();
    m_headerBytes = 0;
    m_remaining = 0;
}

bool HttpResponseParser::fail(QString message) {
    m_state = State::Failed;
    m_error = std::move(message);
    return false;
}

bool HttpResponseParser::takeLine(QByteArray &line) {
    const qsizetype lf = m_buffer.indexOf('\n');
    if (lf < 0) {
        if (m_buffer.size() > m_limits.maxLineBytes) {
            fail(QStringLiteral("a line of the response is longer than %1 bytes")
                     .arg(m_limits.maxLineBytes));
        }
        return false;
    }
    if (lf > m_limits.maxLineBytes) {
        fail(QStringLiteral("a line of the response is longer than %1 bytes")
                 .arg(m_limits.maxLineBytes));
        return false;
    }
    if (lf == 0 || m_buffer[lf - 1] != '\r') {
        fail(QStringLiteral("a line of the response does not end in CR LF"));
        return false;
    }
    line = m_buffer.left(lf - 1);
    m_buffer.remove(0, lf + 1);
    if (line.contains('\r')) {
        fail(QStringLiteral("a line of the response holds a bare CR"));
        return false;
    }
    if (m_phase == Phase::StatusLine || m_phase == Phase::Headers || m_phase == Phase::Trailers) {
        m_headerBytes += lf + 1;
        if (m_headerBytes > m_limits.maxHeaderBytes) {
            fail(QStringLiteral("the response headers exceed %1 bytes")
                     .arg(m_limits.maxHeaderBytes));
            return false;
        }
    }
    return true;
}

bool HttpResponseParser::parseStatusLine(const QByteArray &line) {
    // HTTP-version SP 3DIGIT SP reason-phrase
    if (line.size() < 12 || !(line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 "))) {
        return fail(QStringLiteral("the response does not start with an HTTP/1.x status line"));
    }
    const QByteArrayView code = QByteArrayView(line).sliced(9, 3);
    qsizetype status = 0;
    if (!parseDecimal(code, 599, status) || status < 100) {
        return fail(QStringLiteral("the response's status code is not a number from 100 to 599"));
    }
    if (line.size() > 12 && line[12] != ' ') {
        return fail(QStringLiteral("the response's status line is malformed"));
    }
    const QByteArray reason = line.size() > 13 ? line.mid(13) : QByteArray();
    if (!isFieldValue(reason)) {
        return fail(QStringLiteral("the response's reason phrase holds control characters"));
    }
    m_response.status = static_cast<int>(status);
    m_response.reason = reason;
    m_response.keepAlive = line.startsWith("HTTP/1.1");
    m_phase = Phase::Headers;
    return true;
}

bool HttpResponseParser::parseHeaderLine(const QByteArray &line) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
        return fail(QStringLiteral("the response uses obsolete header line folding"));
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        return fail(QStringLiteral("a response header line has no name"));
    }
    const QByteArrayView name = QByteArrayView(line).first(colon);
    if (!isToken(name)) {
        return fail(QStringLiteral("a response header name is not a token"));
    }
    const QByteArray value = trimOws(QByteArrayView(line).sliced(colon + 1));
    if (!isFieldValue(value)) {
        return fail(QStringLiteral("the response header %1 holds control characters")
                        .arg(QString::fromLatin1(name)));
    }
    if (m_phase == Phase::Trailers) {
        return true; // trailers are read and ignored
    }
    if (static_cast<int>(m_response.headers.size()) >= m_limits.maxHeaders) {
        return fail(
            QStringLiteral("the response has more than %1 headers").arg(m_limits.maxHeaders));
    }
    m_response.headers.push_back({name.toByteArray(), value});
    return true;
}

bool HttpResponseParser::finishHeaders() {
    const int status = m_response.status;
    if (status == 101) {
        return fail(QStringLiteral("the service tried to switch protocols"));
    }
    if (status >= 100 && status < 200) {
        // An interim response: forget it and read the final one.
        m_response = HttpResponse{};
        m_phase = Phase::StatusLine;
        return true;
    }
    const auto connection = m_response.headerValues("Connection");
    const bool http11 = m_response.keepAlive;
    if (listContains(connection, "close")) {
        m_response.keepAlive = false;
    } else if (!http11 && listContains(connection, "keep-alive")) {
        m_response.keepAlive = true;
    }

    const auto transferEncoding = m_response.headerValues("Transfer-Encoding");
    const auto contentLength = m_response.headerValues("Content-Length");
    if (!transferEncoding.isEmpty() && !contentLength.isEmpty()) {
        return fail(QStringLiteral("the response has both Transfer-Encoding and Content-Length"));
    }
    if (m_noBody || status == 204 || status == 304) {
        complete();
        return true;
    }
    if (!transferEncoding.isEmpty()) {
        if (transferEncoding.size() != 1 ||
            transferEncoding.front().compare("chunked", Qt::CaseInsensitive) != 0) {
            return fail(QStringLiteral("the response uses an unsupported transfer coding"));
        }
        m_phase = Phase::ChunkSize;
        return true;
    }
    if (!contentLength.isEmpty()) {
        qsizetype length = -1;
        for (const auto &value : contentLength) {
            qsizetype v = 0;
            if (!parseDecimal(value, std::numeric_limits<qsizetype>::max() / 16, v)) {
                return fail(QStringLiteral("the response's Content-Length is not a number"));
            }
            if (length >= 0 && v != length) {
                return fail(QStringLiteral("the response has conflicting Content-Length headers"));
            }
            length = v;
        }
        if (length > m_limits.maxBodyBytes) {
            return fail(QStringLiteral("the response body of %1 bytes exceeds the limit of %2")
                            .arg(length)
                            .arg(m_limits.maxBodyBytes));
        }
        m_remaining = length;
        m_phase = Phase::FixedBody;
        if (length == 0) {
            complete();
        }
        return true;
    }
    // No length: the body ends when the server closes the connection.
    m_response.keepAlive = false;
    m_phase = Phase::UntilClose;
    return true;
}

bool HttpResponseParser::parseChunkSize(const QByteArray &line) {
    qsizetype end = line.indexOf(';');
    const QByteArray digits = trimOws(QByteArrayView(line).first(end < 0 ? line.size() : end));
    if (digits.isEmpty() || digits.size() > 8) {
        return fail(QStringLiteral("a chunk size of the response is malformed"));
    }
    qsizetype size = 0;
    for (char c : digits) {
        int v = 0;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            return fail(QStringLiteral("a chunk size of the response is not hexadecimal"));
        }
        size = size * 16 + v;
    }
    if (m_response.body.size() + size > m_limits.maxBodyBytes) {
        return fail(QStringLiteral("the response body exceeds the limit of %1 bytes")
                        .arg(m_limits.maxBodyBytes));
    }
    if (size == 0) {
        m_phase = Phase::Trailers;
    } else {
        m_remaining = size;
        m_phase = Phase::ChunkData;
    }
    return true;
}

void HttpResponseParser::complete() {
    m_phase = Phase::Done;
    m_state = State::Complete;
}

HttpResponseParser::State HttpResponseParser::feed(QByteArrayView data) {
    if (m_state != State::NeedMore) {
        if (m_state == State::Complete) {
            m_buffer.append(data); // bytes after the response: kept as leftover
        }
        return m_state;
    }
    if (!data.isEmpty()) {
        m_started = true;
    }
    m_buffer.append(data);
    QByteArray line;
    while (m_state == State::NeedMore) {
        switch (m_phase) {
        case Phase::StatusLine:
            if (!takeLine(line) || !parseStatusLine(line)) {
                return m_state;
            }
            break;
        case Phase::Headers:
        case Phase::Trailers:
            if (!takeLine(line)) {
                return m_state;
            }
            if (line.isEmpty()) {
                if (m_phase == Phase::Trailers) {
                    complete();
                } else if (!finishHeaders()) {
                    return m_state;
                }
            } else if (!parseHeaderLine(line)) {
                return m_state;
            }
            break;
        case Phase::FixedBody:
        case Phase::ChunkData: {
            const qsizetype n = std::min(m_remaining, m_buffer.size());
            if (n == 0) {
                return m_state;
            }
            m_response.body.append(m_buffer.constData(), n);
            m_buffer.remove(0, n);
            m_remaining -= n;
            if (m_remaining == 0) {
                if (m_phase == Phase::FixedBody) {
                    complete();
                } else {
                    m_phase = Phase::ChunkDataEnd;
                }
            }
            break;
        }
        case Phase::ChunkDataEnd:
            if (!takeLine(line)) {
                return m_state;
            }
            if (!line.isEmpty()) {
                fail(QStringLiteral("a chunk of the response is longer than its size says"));
                return m_state;
            }
            m_phase = Phase::ChunkSize;
            break;
        case Phase::ChunkSize:
            if (!takeLine(line) || !parseChunkSize(line)) {
                return m_state;
            }
            break;
        case Phase::UntilClose:
            if (m_response.body.size() + m_buffer.size() > m_limits.maxBodyBytes) {
                fail(QStringLiteral("the response body exceeds the limit of %1 bytes")
                         .arg(m_limits.maxBodyBytes));
                return m_state;
            }
            m_response.body.append(m_buffer);
            m_buffer.clear();
            return m_state;
        case Phase::Done:
            complete();
            break;
        }
    }
    return m_state;
}

HttpResponseParser::State HttpResponseParser::finishAtClose() {
    if (m_state != State::NeedMore) {
        return m_state;
    }
    if (m_phase == Phase::UntilClose) {
        complete();
        return m_state;
    }
    if (!m_started) {
        fail(QStringLiteral("the service closed the connection without answering"));
    } else {
        fail(QStringLiteral("the service closed the connection in the middle of its answer"));
    }
    return m_state;
}

HttpResponse HttpResponseParser::takeResponse() {
    HttpResponse out = std::move(m_response);
    m_response = HttpResponse{};
    return out;
}

QByteArray percentEncodeQueryValue(QByteArrayView value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(value.size() * 3);
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        }
    }
    return out;
}

} // namespace napkin::discovery
