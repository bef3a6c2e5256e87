// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Hex and base64 (crypto/Encoding.h): RFC 4648 known-answer vectors, the
// three rule sets Napkin decodes with, and malformed input rejected with an
// error in words.

#include "crypto/Encoding.h"

#include <QTest>

using namespace napkin::crypto;

Q_DECLARE_METATYPE(napkin::crypto::Base64Rules)

namespace {

Bytes bytesOf(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

std::string textOf(const Bytes &b) {
    return std::string(b.begin(), b.end());
}

} // namespace

class TestEncoding : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hexKnownAnswers() {
        const Bytes b{0x3f, 0x2a, 0x91, 0xc0, 0x01};
        QCOMPARE(toHex(b), std::string("3f2a91c001"));
        QCOMPARE(toHex(b, HexCase::Upper), std::string("3F2A91C001"));
        QCOMPARE(toHex(Bytes{}), std::string());
        const Bytes all{0x00, 0x0f, 0xf0, 0xff};
        QCOMPARE(toHex(all), std::string("000ff0ff"));
    }

    void describeChar() {
        QCOMPARE(napkin::crypto::describeChar('*'), std::string("'*'"));
        QCOMPARE(napkin::crypto::describeChar('\n'), std::string("0x0a"));
        QCOMPARE(napkin::crypto::describeChar(' '), std::string("0x20"));
        QCOMPARE(napkin::crypto::describeChar('\xff'), std::string("0xff"));
    }

    // RFC 4648 section 10.
    void base64KnownAnswers_data() {
        QTest::addColumn<QByteArray>("plain");
        QTest::addColumn<QByteArray>("padded");
        QTest::addColumn<QByteArray>("unpadded");
        QTest::newRow("empty") << QByteArray("") << QByteArray("") << QByteArray("");
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg==") << QByteArray("Zg");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8=") << QByteArray("Zm8");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg==")
                              << QByteArray("Zm9vYg");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE=")
                               << QByteArray("Zm9vYmE");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy")
                                << QByteArray("Zm9vYmFy");
    }
    void base64KnownAnswers() {
        QFETCH(QByteArray, plain);
        QFETCH(QByteArray, padded);
        QFETCH(QByteArray, unpadded);
        const Bytes data = bytesOf(plain.toStdString());
        QCOMPARE(encodeBase64(data), padded.toStdString());
        QCOMPARE(encodeBase64(data, kMimeBase64), padded.toStdString());
        QCOMPARE(encodeBase64(data, kUrlBase64), unpadded.toStdString());
        for (const auto &rules : {kMimeBase64, kTokenBase64}) {
            auto back = decodeBase64(padded.toStdString(), rules);
            QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
            QCOMPARE(*back, data);
        }
        for (const auto &rules : {kTokenBase64, kUrlBase64}) {
            auto back = decodeBase64(unpadded.toStdString(), rules);
            QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
            QCOMPARE(*back, data);
        }
    }

    void alphabets() {
        const Bytes b{0xfb, 0xff, 0xbf};
        QCOMPARE(encodeBase64(b), std::string("+/+/"));
        QCOMPARE(encodeBase64(b, kUrlBase64), std::string("-_-_"));
        QCOMPARE(*decodeBase64("-_-_", kUrlBase64), b);
        QVERIFY(!decodeBase64("+/+/", kUrlBase64));
        QVERIFY(!decodeBase64("-_-_", kTokenBase64));
    }

    void mimeSkipsLineBreaks() {
        auto r = decodeBase64("Zm9v\r\nYmFy\r\n Zg= =\t", kMimeBase64);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(textOf(*r), std::string("foobarf"));
        QVERIFY(!decodeBase64("Zm9v\r\nYmFy", kTokenBase64));
    }

    void everyByteRoundTrips() {
        Bytes all(256);
        for (std::size_t i = 0; i < all.size(); ++i) {
            all[i] = static_cast<std::uint8_t>(i);
        }
        for (std::size_t n : {0, 1, 2, 3, 29, 30, 31, 255, 256}) {
            const Bytes data(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
            for (const auto &rules : {kMimeBase64, kTokenBase64, kUrlBase64}) {
                auto back = decodeBase64(encodeBase64(data, rules), rules);
                QVERIFY(back.ok());
                QCOMPARE(*back, data);
            }
        }
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Base64Rules>("rules");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("bad char") << QByteArray("QUJD*REVG") << kMimeBase64
                                  << "invalid character '*'";
        QTest::newRow("control char") << QByteArray("QUJD\x01REVG") << kMimeBase64 << "0x01";
        QTest::newRow("NUL") << QByteArray("QUJD\0REVG", 9) << kTokenBase64 << "0x00";
        QTest::newRow("high byte") << QByteArray("QUJD\xc3\xa9") << kTokenBase64 << "0xc3";
        QTest::newRow("partial group")
            << QByteArray("QUJDR") << kMimeBase64 << "middle of a 4-character group";
        QTest::newRow("one char left")
            << QByteArray("QUJDR") << kTokenBase64 << "middle of a 4-character group";
        QTest::newRow("unpadded in MIME")
            << QByteArray("QUI") << kMimeBase64 << "middle of a 4-character group";
        QTest::newRow("early padding") << QByteArray("Q===") << kMimeBase64 << "misplaced '='";
        QTest::newRow("padding at group start")
            << QByteArray("QUJD=") << kTokenBase64 << "misplaced '='";
        QTest::newRow("too much padding")
            << QByteArray("QQ===") << kTokenBase64 << "middle of a 4-character group";
        QTest::newRow("short padding")
            << QByteArray("QQ=") << kTokenBase64 << "middle of a 4-character group";
        QTest::newRow("data after padding")
            << QByteArray("QQ==QUJD") << kMimeBase64 << "after its '=' padding";
        QTest::newRow("padding in url") << QByteArray("QQ==") << kUrlBase64 << "'=' padding";
        QTest::newRow("stray bits") << QByteArray("QR==") << kTokenBase64 << "stray bits";
        QTest::newRow("stray bits url") << QByteArray("QR") << kUrlBase64 << "stray bits";
        QTest::newRow("whitespace in token")
            << QByteArray("QU JD") << kTokenBase64 << "invalid character 0x20";
    }
    void malformed() {
        QFETCH(QByteArray, input);
        QFETCH(Base64Rules, rules);
        QFETCH(QString, fragment);
        auto r = decodeBase64(std::string_view(input.constData(), input.size()), rules);
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::MalformedEncoding);
        QVERIFY2(QString::fromStdString(r.error().message).contains(fragment),
                 r.error().message.c_str());
    }

    void mimeAcceptsStrayBits() {
        // Mail encoders are not always canonical; MIME bodies are read as before.
        auto r = decodeBase64("QR==", kMimeBase64);
        QVERIFY(r.ok());
        QCOMPARE(textOf(*r), std::string("A"));
    }
};

QTEST_GUILESS_MAIN(TestEncoding)
#include "test_encoding.moc"
