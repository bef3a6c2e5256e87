// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// crypto::IniFile, the INI reader of the profile and certd's config: values
// and comments, one row per error (each naming its line), and the writer's
// text read back unchanged.

#include "crypto/IniFile.h"

#include <QTest>

using napkin::crypto::IniError;
using napkin::crypto::IniFile;
using napkin::crypto::IniSchema;
using napkin::crypto::IniWriter;

namespace {

const IniSchema kSchema{{{"a", "x"}, {"a", "y"}, {"b", "z"}}, false};

QString valueOf(const char *text, const char *key = "x") {
    auto file = IniFile::parse(text, "t.ini", kSchema);
    if (!file) {
        return QStringLiteral("error: ") + QString::fromStdString(file.error().message());
    }
    const auto *entry = file->find("a", key);
    return entry == nullptr ? QStringLiteral("missing") : QString::fromStdString(entry->value);
}

} // namespace

class TestIniFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void values_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << "[a]\nx = 1\n"
                               << "1";
        QTest::newRow("trimmed") << "[a]\n  x\t=  two words \r\n"
                                 << "two words";
        QTest::newRow("comment") << "[a]\nx = v ; note\n"
                                 << "v";
        QTest::newRow("hash comment") << "[a]\nx = v\t# note\n"
                                      << "v";
        QTest::newRow("no blank, no comment") << "[a]\nx = v;w\n"
                                              << "v;w";
        QTest::newRow("first char literal") << "[a]\nx = #secret\n"
                                            << "#secret";
        QTest::newRow("quoted") << "[a]\nx = \"a ; b \\\" \\\\ c\" ; note\n"
                                << "a ; b \" \\ c";
        QTest::newRow("empty") << "[a]\nx =\n"
                               << "";
        QTest::newRow("case") << "[A]\nX = V\n"
                              << "V";
        QTest::newRow("header comment") << "[a] ; main\nx = 1\n"
                                        << "1";
        QTest::newRow("split section") << "[a]\ny = 1\n[b]\nz = 2\n[a]\nx = 3\n"
                                       << "3";
        QTest::newRow("no final newline") << "; c\n[a]\nx = 4"
                                          << "4";
        QTest::newRow("absent") << "[a]\ny = 1\n"
                                << "missing";
    }
    void values() {
        QFETCH(QString, text);
        QFETCH(QString, value);
        QCOMPARE(valueOf(text.toUtf8().constData()), value);
    }

    void errorsNameTheLine_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("message");
        auto row = [](const char *name, QByteArray text, IniError::Kind kind, const char *message) {
            QTest::newRow(name) << text << static_cast<int>(kind) << QString::fromUtf8(message);
        };
        row("header", "[a]\n[b\n", IniError::Kind::MalformedHeader,
            "t.ini line 2: malformed section header");
        row("empty header", "[]\n", IniError::Kind::MalformedHeader, "line 1: malformed");
        row("no equals", "[a]\nx\n", IniError::Kind::MalformedLine,
            "line 2: expected 'key = value'");
        row("no key", "[a]\n= 1\n", IniError::Kind::MalformedLine, "line 2: expected");
        row("quote", "[a]\nx = \"open\n", IniError::Kind::MalformedQuote,
            "line 2: malformed quoted value");
        row("after quote", "[a]\nx = \"v\" w\n", IniError::Kind::MalformedQuote,
            "line 2: malformed quoted value");
        row("outside", "x = 1\n", IniError::Kind::OutsideSection,
            "line 1: 'x' is outside any [section]");
        row("section", "[a]\nx = 1\n[c]\n", IniError::Kind::UnknownSection,
            "line 3: unknown section [c] (expected a or b)");
        row("key", "[a]\nx = 1\nw = 2\n", IniError::Kind::UnknownKey,
            "line 3: unknown key 'w' in [a]");
        row("twice", "[a]\nx = 1\n[b]\n[a]\nX = 2\n", IniError::Kind::DuplicateKey,
            "line 5: 'x' appears twice in [a]");
        row("utf-8", "[a]\nx = \xc3\x28\n", IniError::Kind::NotUtf8,
            "t.ini: the file is not valid UTF-8");
        row("overlong", "[a]\nx = \xc0\xaf\n", IniError::Kind::NotUtf8, "UTF-8");
        row("surrogate", "[a]\nx = \xed\xa0\x80\n", IniError::Kind::NotUtf8, "UTF-8");
        row("truncated", "[a]\nx = \xe2\x82", IniError::Kind::NotUtf8, "UTF-8");
    }
    void errorsNameTheLine() {
        QFETCH(QByteArray, text);
        QFETCH(int, kind);
        QFETCH(QString, message);
        auto file =
            IniFile::parse(std::string_view(text.constData(), text.size()), "t.ini", kSchema);
        QVERIFY(!file);
        QCOMPARE(static_cast<int>(file.error().kind), kind);
        const QString got = QString::fromStdString(file.error().message());
        QVERIFY2(got.contains(message), qPrintable(got));
    }

    void otherSectionsAreSkippedButChecked() {
        IniSchema schema = kSchema;
        schema.otherSectionsAllowed = true;
        auto file = IniFile::parse("[c]\nanything = 1\nanything = 2\n[a]\nx = 1\n", "t", schema);
        QVERIFY(file);
        QVERIFY(file->find("c", "anything") == nullptr);
        QCOMPARE(file->sections().size(), std::size_t(1));
        QVERIFY(!IniFile::parse("[c]\nno equals\n", "t", schema));
    }

    void unicodeIsKept() { QCOMPARE(valueOf("[a]\nx = \"Zoë 📞\"\n"), QStringLiteral("Zoë 📞")); }

    void writerReadsBack() {
        const std::string tricky = "a \"quoted\" ; back\\slash # hash ";
        IniWriter w;
        w.comment("made by the test");
        w.section("a");
        w.quoted("x", tricky);
        w.bare("y", "42");
        auto text = w.finish();
        QVERIFY(text);
        auto file = IniFile::parse(*text, "w.ini", kSchema);
        QVERIFY2(file, file ? "" : file.error().message().c_str());
        QCOMPARE(file->find("a", "x")->value, tricky);
        QCOMPARE(file->find("a", "y")->value, std::string("42"));
        QCOMPARE(file->find("a", "y")->line, 5); // a blank line before [a]
    }

    void writerRefusesWhatALineCannotHold() {
        IniWriter w;
        w.section("a");
        w.quoted("x", "two\nlines");
        QVERIFY(!w.finish());
        QVERIFY(w.finish().error().find("x holds a line break") != std::string::npos);
        IniWriter bare;
        bare.section("a");
        bare.bare("y", "4 ; 2");
        QVERIFY(!bare.finish());
    }
};

QTEST_GUILESS_MAIN(TestIniFile)
#include "test_ini_file.moc"
