// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// HTTP/1.1 requests and responses as tests see them: every byte under the
// test's control on the way out, a strict but simple parser on the way in.

#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace napkin::testing {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest {
    QByteArray method = "GET";
    QByteArray target = "/"; ///< path and query exactly as sent
    HttpHeaders headers;
    QByteArray body;
    /// Add "Host: <client's host header>" unless a Host header is present.
    bool addHost = true;
    /// Add Content-Length for a non-empty body (or a PUT/POST) unless present.
    bool addContentLength = true;

    HttpRequest &header(const QByteArray &name, const QByteArray &value) {
        headers.append({name, value});
        return *this;
    }
    [[nodiscard]] bool hasHeader(const QByteArray &name) const;
    /// The bytes on the wire.
    [[nodiscard]] QByteArray serialize(const QByteArray &hostHeader) const;
};

struct HttpResponse {
    int status = 0;
    QByteArray reason;
    HttpHeaders headers;
    QByteArray body;
    /// True when the server said "Connection: close" or closed after it.
    bool closeAfter = false;

    /// The first header of that name (case-insensitive), or empty.
    [[nodiscard]] QByteArray header(const QByteArray &name) const;
    [[nodiscard]] QList<QByteArray> headerValues(const QByteArray &name) const;
    [[nodiscard]] bool hasHeader(const QByteArray &name) const;
    /// The body as a JSON object (empty when it is not one).
    [[nodiscard]] QJsonObject json() const;
    /// For an RFC 9457 body whose "type" ends in "/problems/<slug>": the slug.
    [[nodiscard]] QString problemSlug() const;
    /// "401 Unauthorized [unauthorized]" plus the start of the body, for messages.
    [[nodiscard]] QString describe() const;
};

/// Incremental parser of one response. Feed bytes until done() or error.
class HttpResponseParser {
public:
    /// `headRequest`: the response has no body whatever its headers say.
    explicit HttpResponseParser(bool headRequest = false) : m_head(headRequest) {}

    /// Consumes bytes; returns an error for a malformed response. Bytes past
    /// the end of this response are kept in leftover().
    [[nodiscard]] TestResult<void> feed(const QByteArray &data);
    /// The peer closed the connection: completes a read-until-close body.
    [[nodiscard]] TestResult<void> finishOnClose();
    [[nodiscard]] bool done() const { return m_state == State::Done; }
    [[nodiscard]] bool startedReceiving() const { return m_started; }
    [[nodiscard]] const HttpResponse &response() const { return m_response; }
    [[nodiscard]] QByteArray leftover() const { return m_buffer; }

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkTrailer, UntilClose, Done };
    TestResult<void> parseHead(const QByteArray &head);
    TestResult<void> step(bool &progressed);

    bool m_head = false;
    bool m_started = false;
    State m_state = State::Head;
    QByteArray m_buffer;
    qint64 m_remaining = 0;
    HttpResponse m_response;
};

/// Percent-encodes everything but RFC 3986 unreserved characters.
[[nodiscard]] QByteArray percentEncode(const QString &text);

} // namespace napkin::testing
