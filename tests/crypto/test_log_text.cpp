// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// escapeControls: text from the network cannot forge a log line. One row per kind of
// character: C0 controls (\r, \n, \t, ESC, NUL), DEL, the C1 controls as UTF-8, and what
// must stay as it is (printable ASCII, other UTF-8, lone continuation bytes).

#include "crypto/LogText.h"

#include <QDebug>
#include <QTest>

using napkin::crypto::escapeControls;

class TestLogText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void escapesControls_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("plain ASCII") << QByteArray("sip:bob@b.example 486 Busy Here")
                                     << QByteArray("sip:bob@b.example 486 Busy Here");
        QTest::newRow("markup is not a control") << QByteArray("<b>bold</b> & \"quotes\" \\x0a")
                                                 << QByteArray("<b>bold</b> & \"quotes\" \\x0a");
        QTest::newRow("newline forging a line")
            << QByteArray("Busy\nnapkin.sip: call 7 identity of sip:ceo@bank.example Verified")
            << QByteArray("Busy\\x0anapkin.sip: call 7 identity of sip:ceo@bank.example Verified");
        QTest::newRow("CR LF") << QByteArray("a\r\nb") << QByteArray("a\\x0d\\x0ab");
        QTest::newRow("tab") << QByteArray("a\tb") << QByteArray("a\\x09b");
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << QByteArray("a\\x00b");
        QTest::newRow("ESC (terminal colours)")
            << QByteArray("\x1b[31mred") << QByteArray("\\x1b[31mred");
        QTest::newRow("unit separator") << QByteArray("\x1f") << QByteArray("\\x1f");
        QTest::newRow("DEL") << QByteArray("a\x7f") << QByteArray("a\\x7f");
        QTest::newRow("C1 NEL (U+0085)") << QByteArray("a\xc2\x85z") << QByteArray("a\\x85z");
        QTest::newRow("C1 CSI (U+009B)") << QByteArray("\xc2\x9b"
                                                       "2J")
                                         << QByteArray("\\x9b"
                                                       "2J");
        QTest::newRow("C1 first and last")
            << QByteArray("\xc2\x80\xc2\x9f") << QByteArray("\\x80\\x9f");
        QTest::newRow("U+00A0 is not a control") << QByteArray("a\xc2\xa0"
                                                               "b")
                                                 << QByteArray("a\xc2\xa0"
                                                               "b");
        QTest::newRow("other UTF-8 kept")
            << QByteArray("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x93\x9e")
            << QByteArray("M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x93\x9e");
        QTest::newRow("lone continuation byte kept")
            << QByteArray("a\x85z") << QByteArray("a\x85z");
        QTest::newRow("C2 at the end kept") << QByteArray("a\xc2") << QByteArray("a\xc2");
    }
    void escapesControls() {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        const std::string out = escapeControls(
            std::string_view(input.constData(), static_cast<std::size_t>(input.size())));
        QCOMPARE(QByteArray::fromStdString(out), expected);
        for (char c : out) {
            const auto u = static_cast<unsigned char>(c);
            QVERIFY2(u >= 0x20 && u != 0x7f, "a control character was left");
        }
    }

    // Discovery and controller logs stream QStrings in QDebug's default (quoting) mode and
    // rely on Qt escaping them; only noquote() and const char * need escapeControls.
    void quotedQDebugEscapesControlsItself() {
        QString line;
        QDebug(&line) << QStringLiteral("b.example\nnapkin.discovery: forged\x1b[0m");
        QVERIFY2(!line.contains(QLatin1Char('\n')), qPrintable(line));
        QVERIFY2(!line.contains(QChar(0x1b)), qPrintable(line));
    }
};

QTEST_GUILESS_MAIN(TestLogText)
#include "test_log_text.moc"
