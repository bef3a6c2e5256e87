// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The small part of HTTP/1.1 (RFC 9112) that the certificate service needs:
// one request at a time on a keep-alive connection, bodies by Content-Length
// or chunked. The response parser takes bytes from the network and rejects
// anything malformed or oversized with a specific message.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <vector>

namespace napkin::discovery {

struct HttpHeader {
    QByteArray name;
    QByteArray value;
};

struct HttpRequest {
    QByteArray method = "GET";
    QByteArray target; ///< origin-form: "/search-cgi?sip=bob%40b.example"
    std::vector<HttpHeader> headers;
    QByteArray body;

    /// The first header of that name (case-insensitive), or an empty array.
    [[nodiscard]] QByteArray header(QByteArrayView name) const;
    /// Replaces every header of that name by one with this value.
    void setHeader(const QByteArray &name, const QByteArray &value);
};

struct HttpResponse {
    int status = 0;
    QByteArray reason;
    std::vector<HttpHeader> headers;
    QByteArray body;
    /// The server keeps the connection open for another request.
    bool keepAlive = true;

    [[nodiscard]] QByteArray header(QByteArrayView name) const;
    [[nodiscard]] QList<QByteArray> headerValues(QByteArrayView name) const;
};

/// The request as sent: request line, Host, the given headers,
/// Content-Length when there is a body or the method is PUT/POST, and the body.
[[nodiscard]] QByteArray serialiseRequest(const HttpRequest &request, const QByteArray &host);

/// An incremental parser of one HTTP/1.x response.
class HttpResponseParser {
public:
    struct Limits {
        qsizetype maxLineBytes = 8 * 1024;
        qsizetype maxHeaderBytes = 64 * 1024;
        int maxHeaders = 100;
        qsizetype maxBodyBytes = 1024 * 1024;
    };
    enum class State { NeedMore, Complete, Failed };

    explicit HttpResponseParser(Limits limits);
    HttpResponseParser() : HttpResponseParser(Limits{}) {}

    /// Starts a new response; `noBody` for the answer to HEAD.
    void reset(bool noBody = false);
    /// Takes more bytes. Bytes after a complete response are kept as leftover().
    State feed(QByteArrayView data);
    /// The peer closed the connection: completes a body delimited by the close,
    /// fails anything else that is incomplete.
    State finishAtClose();

    [[nodiscard]] State state() const { return m_state; }
    /// What is wrong, when Failed.
    [[nodiscard]] const QString &error() const { return m_error; }
    /// True once the status line and headers are in.
    [[nodiscard]] bool headersComplete() const { return m_phase > Phase::Headers; }
    /// True when some bytes of a response have arrived.
    [[nodiscard]] bool started() const { return m_started; }
    [[nodiscard]] HttpResponse takeResponse();
    [[nodiscard]] const QByteArray &leftover() const { return m_buffer; }

private:
    enum class Phase {
        StatusLine,
        Headers,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Done,
    };

    bool fail(QString message);
    /// Extracts one CRLF-terminated line from the buffer; false when incomplete.
    bool takeLine(QByteArray &line);
    bool parseStatusLine(const QByteArray &line);
    bool parseHeaderLine(const QByteArray &line);
    bool finishHeaders();
    bool parseChunkSize(const QByteArray &line);
    void complete();

    Limits m_limits;
    State m_state = State::NeedMore;
    Phase m_phase = Phase::StatusLine;
    QString m_error;
    QByteArray m_buffer;
    HttpResponse m_response;
    bool m_noBody = false;
    bool m_started = false;
    qsizetype m_headerBytes = 0;
    qsizetype m_remaining = 0;
};

/// Percent-encodes a query value: everything but unreserved characters.
[[nodiscard]] QByteArray percentEncodeQueryValue(QByteArrayView value);

} // namespace napkin::discovery
