// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The strict MIME parser and builder: good entities, folding, quoted
// parameters, multipart splitting, and every malformed input it must refuse.

#include "crypto/Encoding.h"
#include "crypto/Mime.h"
#include "tests/crypto/CryptoTestSupport.h"

#include <QTest>

using namespace napkin::crypto;

namespace {

ByteView bytesOf(const QByteArray &a) {
    return {reinterpret_cast<const std::uint8_t *>(a.constData()),
            static_cast<std::size_t>(a.size())};
}

QByteArray qbytes(ByteView v) {
    return QByteArray(reinterpret_cast<const char *>(v.data()), static_cast<qsizetype>(v.size()));
}

/// A literal with embedded NULs, without its terminator.
template <std::size_t N> QByteArray raw(const char (&s)[N]) {
    return QByteArray(s, static_cast<qsizetype>(N - 1));
}

QString qstr(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace

class TestMime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void entityWithCrlf() {
        const QByteArray in = "Content-Type: text/plain\r\nX-Other:  two words  \r\n\r\nhello\r\n";
        auto e = parseMimeEntity(bytesOf(in));
        QVERIFY2(e.ok(), e ? "" : e.error().message.c_str());
        QCOMPARE(e->headers.size(), std::size_t{2});
        QCOMPARE(qstr(e->headers[0].name), QStringLiteral("Content-Type"));
        QCOMPARE(qstr(*e->header("content-type")), QStringLiteral("text/plain"));
        QCOMPARE(qstr(*e->header("X-OTHER")), QStringLiteral("two words"));
        QVERIFY(!e->header("Missing"));
        QCOMPARE(qbytes(e->body), QByteArray("hello\r\n"));
        // The body is a view into the input, not a copy.
        QCOMPARE(static_cast<const void *>(e->body.data()),
                 static_cast<const void *>(in.constData() + in.indexOf("hello")));
    }
    void entityWithLf() {
        auto e = parseMimeEntity(asBytes("A: 1\nB: 2\n\nbody\nmore"));
        QVERIFY(e.ok());
        QCOMPARE(e->headers.size(), std::size_t{2});
        QCOMPARE(qstr(*e->header("b")), QStringLiteral("2"));
        QCOMPARE(qbytes(e->body), QByteArray("body\nmore"));
    }
    void foldedHeaderIsUnfolded() {
        auto e = parseMimeEntity(asBytes("Content-Type: multipart/signed;\r\n"
                                         "\tprotocol=\"application/pkcs7-signature\";\r\n"
                                         "  boundary=abc\r\n\r\n"));
        QVERIFY(e.ok());
        QCOMPARE(qstr(*e->header("Content-Type")),
                 QStringLiteral("multipart/signed;\tprotocol=\"application/pkcs7-signature\";  "
                                "boundary=abc"));
        QVERIFY(e->body.empty());
    }
    void entityWithoutHeaders() {
        auto e = parseMimeEntity(asBytes("\r\njust a body"));
        QVERIFY(e.ok());
        QVERIFY(e->headers.empty());
        QCOMPARE(qbytes(e->body), QByteArray("just a body"));
    }

    void malformedEntity_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << QByteArray() << "is empty";
        QTest::newRow("no blank line")
            << QByteArray("Content-Type: text/plain\r\n") << "not followed by the blank line";
        QTest::newRow("no line end")
            << QByteArray("Content-Type: text/plain") << "not followed by the blank line";
        QTest::newRow("NUL in header") << raw("Content-Type: text/pl\0ain\r\n\r\nx") << "NUL byte";
        QTest::newRow("NUL without line end") << raw("Content-Type: te\0xt") << "NUL byte";
        QTest::newRow("control char") << QByteArray("A: b\x01\r\n\r\n") << "control character 0x01";
        QTest::newRow("bare CR") << QByteArray("A: b\rc\r\n\r\n") << "bare CR";
        QTest::newRow("continuation first")
            << QByteArray(" folded: x\r\n\r\n") << "no header to continue";
        QTest::newRow("no colon") << QByteArray("this is not a header\r\n\r\n") << "has no ':'";
        QTest::newRow("empty name") << QByteArray(": value\r\n\r\n") << "empty field name";
        QTest::newRow("space in name")
            << QByteArray("Content Type: x\r\n\r\n") << "contains a space";
        QTest::newRow("space before colon")
            << QByteArray("Content-Type : x\r\n\r\n") << "contains a space";
        QByteArray many;
        for (int i = 0; i < 101; ++i) {
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        }
        QTest::newRow("101 headers") << (many + "\r\n") << "more than 100 header fields";
        QTest::newRow("long line")
            << ("X: " + QByteArray(9000, 'a') + "\r\n\r\n") << "longer than 8192 bytes";
        QTest::newRow("long line without end")
            << ("X: " + QByteArray(9000, 'a')) << "longer than 8192 bytes";
        QByteArray folded = "X: start\r\n";
        for (int i = 0; i < 10; ++i) {
            folded += " " + QByteArray(1000, 'b') + "\r\n";
        }
        QTest::newRow("long unfolded") << (folded + "\r\n") << "after unfolding";
    }
    void malformedEntity() {
        QFETCH(QByteArray, input);
        QFETCH(QString, fragment);
        auto e = parseMimeEntity(bytesOf(input));
        QVERIFY(!e);
        QCOMPARE(e.error().code, CryptoErrc::MalformedMime);
        QVERIFY2(qstr(e.error().message).contains(fragment), e.error().message.c_str());
    }

    void contentTypeBasics() {
        auto ct = parseContentType("  Multipart/SIGNED ; Protocol=\"application/pkcs7-signature\";"
                                   "micalg=sha-256;\tboundary = \"a \\\"quoted\\\\ one\"  ");
        QVERIFY2(ct.ok(), ct ? "" : ct.error().message.c_str());
        QCOMPARE(qstr(ct->type), QStringLiteral("multipart"));
        QCOMPARE(qstr(ct->subtype), QStringLiteral("signed"));
        QVERIFY(ct->is("MULTIPART", "Signed"));
        QCOMPARE(ct->parameters.size(), std::size_t{3});
        QCOMPARE(qstr(ct->parameters[0].first), QStringLiteral("protocol"));
        QCOMPARE(qstr(*ct->parameter("PROTOCOL")), QStringLiteral("application/pkcs7-signature"));
        QCOMPARE(qstr(*ct->parameter("micalg")), QStringLiteral("sha-256"));
        QCOMPARE(qstr(*ct->parameter("boundary")), QStringLiteral("a \"quoted\\ one"));
        QVERIFY(!ct->parameter("charset"));
    }
    void contentTypeWithoutParameters() {
        auto ct = parseContentType("text/plain");
        QVERIFY(ct.ok());
        QCOMPARE(qstr(ct->mediaType()), QStringLiteral("text/plain"));
        QVERIFY(ct->parameters.empty());
    }
    void contentTypeEmptyQuotedValue() {
        auto ct = parseContentType("text/plain; name=\"\"");
        QVERIFY(ct.ok());
        QVERIFY(ct->parameter("name")->empty());
    }
    void contentTypeFormatRoundTrip() {
        ContentType ct{"application",
                       "pkcs7-mime",
                       {{"smime-type", "enveloped-data"}, {"name", "a \"b\"\\c"}, {"x", "a/b"}}};
        const std::string text = formatContentType(ct);
        QCOMPARE(qstr(text), QStringLiteral("application/pkcs7-mime; smime-type=enveloped-data; "
                                            "name=\"a \\\"b\\\"\\\\c\"; x=\"a/b\""));
        auto back = parseContentType(text);
        QVERIFY(back.ok());
        QCOMPARE(back->parameters, ct.parameters);
    }

    void malformedContentType_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("empty") << ""
                               << "Content-Type is empty";
        QTest::newRow("blank") << "   "
                               << "Content-Type is empty";
        QTest::newRow("no slash") << "text"
                                  << "expected '/'";
        QTest::newRow("no subtype") << "text/"
                                    << "subtype is missing";
        QTest::newRow("starts with tspecial") << "/plain"
                                              << "cannot begin a media type";
        QTest::newRow("junk after type") << "text/plain garbage"
                                         << "parameters start with ';'";
        QTest::newRow("trailing semicolon") << "text/plain;"
                                            << "missing after the last ';'";
        QTest::newRow("no equals") << "text/plain; charset"
                                   << "has no '='";
        QTest::newRow("empty value") << "text/plain; charset="
                                     << "empty value";
        QTest::newRow("needs quotes") << "text/plain; a=b/c"
                                      << "parameters start with ';'";
        QTest::newRow("value starts badly") << "text/plain; a=/c"
                                            << "must be quoted";
        QTest::newRow("unterminated quote") << "text/plain; a=\"abc"
                                            << "is not closed";
        QTest::newRow("escape at end") << "text/plain; a=\"abc\\"
                                       << "is not closed";
        QTest::newRow("duplicate") << "text/plain; A=1; a=2"
                                   << "'a' appears twice";
        QTest::newRow("comment") << "text/plain (comment)"
                                 << "comments";
        QTest::newRow("control in quote") << "text/plain; a=\"x\x01y\""
                                          << "control character";
        QTest::newRow("missing name") << "text/plain; =x"
                                      << "parameter name is missing";
        QString many = QStringLiteral("text/plain");
        for (int i = 0; i < 33; ++i) {
            many += QStringLiteral("; p%1=v").arg(i);
        }
        QTest::newRow("too many parameters") << many << "more than 32 parameters";
    }
    void malformedContentType() {
        QFETCH(QString, input);
        QFETCH(QString, fragment);
        const QByteArray utf8 = input.toUtf8();
        auto ct = parseContentType(std::string_view(utf8.constData(), utf8.size()));
        QVERIFY(!ct);
        QCOMPARE(ct.error().code, CryptoErrc::MalformedMime);
        QVERIFY2(qstr(ct.error().message).contains(fragment), ct.error().message.c_str());
    }

    void canonicalLineEnds() {
        QVERIFY(hasCanonicalLineEnds(asBytes("a\r\nb\r\n")));
        QVERIFY(hasCanonicalLineEnds(asBytes("no line end")));
        QVERIFY(!hasCanonicalLineEnds(asBytes("a\r\nb\n")));
        QVERIFY(!hasCanonicalLineEnds(asBytes("\n")));
        QCOMPARE(qbytes(canonicalizeLineEnds(asBytes("a\nb\r\nc\n\nd\re"))),
                 QByteArray("a\r\nb\r\nc\r\n\r\nd\re"));
        auto once = canonicalizeLineEnds(asBytes("x\ny\n"));
        QCOMPARE(canonicalizeLineEnds(once), once);
    }

    void splitWithPreambleAndEpilogue() {
        const QByteArray body = "This is the preamble.\r\n"
                                "--xyz\r\n"
                                "Content-Type: text/plain\r\n\r\nfirst\r\n"
                                "--xyz  \r\n" // transport padding
                                "\r\nsecond, no headers\r\n\r\n"
                                "--xyz--\r\n"
                                "epilogue --xyz\r\n";
        auto parts = splitMultipart(bytesOf(body), "xyz");
        QVERIFY2(parts.ok(), parts ? "" : parts.error().message.c_str());
        QCOMPARE(parts->size(), std::size_t{2});
        QCOMPARE(qbytes((*parts)[0]), QByteArray("Content-Type: text/plain\r\n\r\nfirst"));
        QCOMPARE(qbytes((*parts)[1]), QByteArray("\r\nsecond, no headers\r\n"));
    }
    void splitWithLfDelimiters() {
        // What `openssl cms -sign` writes: LF around delimiters, CRLF inside the content.
        const QByteArray body = "preamble\n\n--b\nA: 1\r\n\r\nx\r\n\n--b\nsig\n--b--\n";
        auto parts = splitMultipart(bytesOf(body), "b");
        QVERIFY(parts.ok());
        QCOMPARE(parts->size(), std::size_t{2});
        QCOMPARE(qbytes((*parts)[0]), QByteArray("A: 1\r\n\r\nx\r\n"));
        QCOMPARE(qbytes((*parts)[1]), QByteArray("sig"));
    }
    void boundaryInsideAPartIsContent() {
        const QByteArray body = "--b\r\n"
                                "text mentioning --b in the middle\r\n"
                                "--bogus line that starts with the delimiter\r\n"
                                "--b-- followed by words\r\n"
                                "--b\r\n"
                                "second\r\n"
                                "--b--";
        auto parts = splitMultipart(bytesOf(body), "b");
        QVERIFY2(parts.ok(), parts ? "" : parts.error().message.c_str());
        QCOMPARE(parts->size(), std::size_t{2});
        QCOMPARE(qbytes((*parts)[0]), QByteArray("text mentioning --b in the middle\r\n"
                                                 "--bogus line that starts with the delimiter\r\n"
                                                 "--b-- followed by words"));
        QCOMPARE(qbytes((*parts)[1]), QByteArray("second"));
    }
    void emptyPart() {
        auto parts = splitMultipart(asBytes("--b\r\n\r\n--b--\r\n"), "b");
        QVERIFY(parts.ok());
        QCOMPARE(parts->size(), std::size_t{1});
        QVERIFY((*parts)[0].empty());
    }

    void malformedMultipart_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("boundary");
        QTest::addColumn<int>("maxParts");
        QTest::addColumn<QString>("fragment");
        const QByteArray ok = "--b\r\nA\r\n--b--\r\n";
        QTest::newRow("empty boundary") << ok << "" << 16 << "boundary is empty";
        QTest::newRow("71-char boundary")
            << ok << QString(71, QLatin1Char('b')) << 16 << "longer than 70";
        QTest::newRow("bad boundary char") << ok << "a;b" << 16 << "does not allow";
        QTest::newRow("boundary ends in space") << ok << "ab " << 16 << "ends with a space";
        QTest::newRow("no delimiter")
            << QByteArray("just text\r\n") << "b" << 16 << "no '--b' delimiter";
        QTest::newRow("empty body") << QByteArray() << "b" << 16 << "no '--b' delimiter";
        QTest::newRow("truncated") << QByteArray("--b\r\npart one\r\n--b\r\npart tw") << "b" << 16
                                   << "without the closing '--b--'";
        QTest::newRow("truncated after delimiter")
            << QByteArray("--b") << "b" << 16 << "without the closing";
        QTest::newRow("too many parts") << QByteArray("--b\r\n1\r\n--b\r\n2\r\n--b\r\n3\r\n--b--")
                                        << "b" << 2 << "more than 2 parts";
        QTest::newRow("close first") << QByteArray("--b--\r\n") << "b" << 16 << "no parts";
    }
    void malformedMultipart() {
        QFETCH(QByteArray, body);
        QFETCH(QString, boundary);
        QFETCH(int, maxParts);
        QFETCH(QString, fragment);
        const QByteArray b = boundary.toUtf8();
        auto parts = splitMultipart(bytesOf(body), std::string_view(b.constData(), b.size()),
                                    static_cast<std::size_t>(maxParts));
        QVERIFY(!parts);
        QCOMPARE(parts.error().code, CryptoErrc::MalformedMime);
        QVERIFY2(qstr(parts.error().message).contains(fragment), parts.error().message.c_str());
    }

    void buildAndSplitRoundTrip() {
        const std::string a = "Content-Type: text/plain\r\n\r\nline one\r\nline two\r\n";
        const std::string b = "\r\nno headers";
        const ByteView parts[] = {asBytes(a), asBytes(b)};
        auto built = buildMultipart(parts);
        QVERIFY(built.ok());
        QVERIFY(checkBoundary(built->boundary).ok());
        auto other = buildMultipart(parts);
        QVERIFY(other.ok());
        QVERIFY(other->boundary != built->boundary);
        auto split = splitMultipart(built->body, built->boundary);
        QVERIFY(split.ok());
        QCOMPARE(split->size(), std::size_t{2});
        QCOMPARE(qbytes((*split)[0]), QByteArray::fromStdString(a));
        QCOMPARE(qbytes((*split)[1]), QByteArray::fromStdString(b));
    }
    void buildRefusesBoundaryInPart() {
        const std::string a = "has --sep inside";
        const ByteView parts[] = {asBytes(a)};
        auto built = buildMultipart(parts, "sep");
        QVERIFY(!built);
        QCOMPARE(built.error().code, CryptoErrc::InvalidArgument);
        auto bad = buildMultipart(parts, "");
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, CryptoErrc::MalformedMime);
    }

    void base64RoundTrip() {
        for (std::size_t n : {0, 1, 2, 3, 56, 57, 58, 200}) {
            Bytes data(n);
            for (std::size_t i = 0; i < n; ++i) {
                data[i] = static_cast<std::uint8_t>(i * 37 + 11);
            }
            const std::string text = encodeBase64Lines(data);
            for (std::size_t start = 0; start < text.size();) {
                const std::size_t end = text.find("\r\n", start);
                QVERIFY(end != std::string::npos);
                QVERIFY(end - start <= 76);
                start = end + 2;
            }
            auto back = decodeBase64(text, kMimeBase64);
            QVERIFY(back.ok());
            QCOMPARE(*back, data);
        }
    }
};

QTEST_GUILESS_MAIN(TestMime)
#include "test_mime.moc"
