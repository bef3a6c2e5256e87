// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The install tree: `cmake --install` of this build into a temporary DESTDIR
// with prefix /usr, as the Debian package does, then checks what landed
// where and that the freedesktop files pass their validators.

#include "tests/support/ManagedProcess.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using napkin::testing::runProgram;

namespace {

QString sourceDir() {
    return qEnvironmentVariable("NAPKIN_SOURCE_DIR");
}
QString binaryDir() {
    return qEnvironmentVariable("NAPKIN_BINARY_DIR");
}

QString readText(const QString &path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(f.readAll());
}

/// The value of `key` in a desktop entry's [Desktop Entry] group.
QString desktopValue(const QString &text, const QString &key) {
    const QRegularExpression re(QStringLiteral("^%1=(.*)$").arg(QRegularExpression::escape(key)),
                                QRegularExpression::MultilineOption);
    return re.match(text).captured(1).trimmed();
}

} // namespace

class TestPackaging : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void programsInstalled();
    void desktopEntry();
    void metainfo();
    void icon();
    void certdUnitAndExamples();
    void nothingOutsideUsr();

private:
    [[nodiscard]] QString installed(const QString &relative) const {
        return m_destdir.filePath(QStringLiteral("usr/") + relative);
    }

    QTemporaryDir m_destdir;
    QStringList m_files; ///< every installed file, relative to DESTDIR
    bool m_desktopBuilt = false;
};

void TestPackaging::initTestCase() {
    QVERIFY(m_destdir.isValid());
    QVERIFY2(!binaryDir().isEmpty() && !sourceDir().isEmpty(), "run through ctest");
    m_desktopBuilt = QFileInfo(binaryDir() + QStringLiteral("/app/desktop/napkin")).isExecutable();

    QProcessEnvironment env;
    env.insert(QStringLiteral("DESTDIR"), m_destdir.path());
    auto run = runProgram(QStringLiteral("cmake"),
                          {QStringLiteral("--install"), binaryDir(), QStringLiteral("--prefix"),
                           QStringLiteral("/usr")},
                          120000, {}, env);
    QVERIFY2(run.ok(), run.ok() ? "" : qPrintable(run.error()));
    QVERIFY2(run->succeeded(), qPrintable(run->describe()));

    QDirIterator it(m_destdir.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        m_files << QDir(m_destdir.path()).relativeFilePath(it.next());
    }
    QVERIFY(!m_files.isEmpty());
}

void TestPackaging::programsInstalled() {
    for (const QString &program :
         {QStringLiteral("bin/napkin-cli"), QStringLiteral("sbin/napkin-certd")}) {
        QVERIFY2(QFileInfo(installed(program)).isExecutable(), qPrintable(program));
    }
    // The installed napkin-cli runs (no rpath into the build tree needed).
    auto version = runProgram(installed(QStringLiteral("bin/napkin-cli")),
                              {QStringLiteral("--version")}, 30000);
    QVERIFY(version.ok());
    QVERIFY2(version->succeeded(), qPrintable(version->describe()));
    QVERIFY2(version->stdoutText.contains(QStringLiteral("0.")), qPrintable(version->stdoutText));

    if (m_desktopBuilt) {
        QVERIFY2(QFileInfo(installed(QStringLiteral("bin/napkin"))).isExecutable(),
                 "app/desktop builds napkin but does not install it");
    }
    // Tests, benchmarks and static libraries stay out of the package.
    for (const QString &file : std::as_const(m_files)) {
        QVERIFY2(!file.contains(QStringLiteral("test_")), qPrintable(file));
        QVERIFY2(!file.endsWith(QStringLiteral(".a")), qPrintable(file));
        QVERIFY2(!file.contains(QStringLiteral("/include/")), qPrintable(file));
    }
}

void TestPackaging::desktopEntry() {
    const QString path = installed(QStringLiteral("share/applications/org.napkin.Napkin.desktop"));
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    const QString validator =
        QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
    if (!validator.isEmpty()) {
        auto check = runProgram(validator, {path}, 30000);
        QVERIFY(check.ok());
        QVERIFY2(check->succeeded() && check->stdoutText.trimmed().isEmpty(),
                 qPrintable(check->describe() + check->stdoutText));
    } else {
        qWarning("desktop-file-validate not installed (package desktop-file-utils): not validated");
    }
    const QString text = readText(path);
    QCOMPARE(desktopValue(text, QStringLiteral("Type")), QStringLiteral("Application"));
    // Exec names the installed program, Icon the installed icon.
    const QString exec = desktopValue(text, QStringLiteral("Exec")).section(u' ', 0, 0);
    QCOMPARE(exec, QStringLiteral("napkin"));
    QCOMPARE(desktopValue(text, QStringLiteral("Icon")), QStringLiteral("org.napkin.Napkin"));
    QVERIFY(desktopValue(text, QStringLiteral("Categories")).contains(QStringLiteral("Telephony")));
}

void TestPackaging::metainfo() {
    const QString path = installed(QStringLiteral("share/metainfo/org.napkin.Napkin.metainfo.xml"));
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));
    const QString validator = QStandardPaths::findExecutable(QStringLiteral("appstreamcli"));
    if (!validator.isEmpty()) {
        auto check = runProgram(
            validator, {QStringLiteral("validate"), QStringLiteral("--no-net"), path}, 60000);
        QVERIFY(check.ok());
        QVERIFY2(check->succeeded(), qPrintable(check->describe() + check->stdoutText));
    } else {
        qWarning("appstreamcli not installed (package appstream): not validated");
    }
    // The component id and launchable match the desktop entry's file name.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&f);
    QString id;
    QString launchable;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement) {
            if (xml.name() == u"id") {
                id = xml.readElementText();
            } else if (xml.name() == u"launchable") {
                launchable = xml.readElementText();
            }
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(id, QStringLiteral("org.napkin.Napkin"));
    QCOMPARE(launchable, QStringLiteral("org.napkin.Napkin.desktop"));
    // The licence a distribution ships it under, as AppStream and Debian want it.
    QVERIFY(readText(path).contains(
        QStringLiteral("<project_license>GPL-3.0-or-later</project_license>")));
    const QString copyright = readText(installed(QStringLiteral("share/doc/napkin/copyright")));
    QVERIFY2(copyright.startsWith(QStringLiteral(
                 "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")),
             qPrintable(copyright.left(200)));
    QVERIFY(copyright.contains(QStringLiteral("License: GPL-3.0-or-later")));
}

void TestPackaging::icon() {
    const QString path =
        installed(QStringLiteral("share/icons/hicolor/scalable/apps/org.napkin.Napkin.svg"));
    QFile f(path);
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
    QXmlStreamReader xml(&f);
    QString root;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && root.isEmpty()) {
            root = xml.name().toString();
            QCOMPARE(xml.namespaceUri().toString(), QStringLiteral("http://www.w3.org/2000/svg"));
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(root, QStringLiteral("svg"));
}

void TestPackaging::certdUnitAndExamples() {
    const QString unit =
        readText(installed(QStringLiteral("lib/systemd/system/napkin-certd.service")));
    QVERIFY(!unit.isEmpty());
    // The unit starts the binary where the package put it.
    QVERIFY(unit.contains(QStringLiteral("ExecStart=/usr/sbin/napkin-certd ")));
    for (const QString &doc :
         {QStringLiteral("share/doc/napkin/README.md"),
          QStringLiteral("share/doc/napkin/examples/certd/napkin-certd.ini.example"),
          QStringLiteral("share/doc/napkin/examples/kamailio/kamailio.cfg"),
          QStringLiteral("share/doc/napkin/examples/systemd/napkin-certd.service")}) {
        QVERIFY2(QFileInfo::exists(installed(doc)), qPrintable(doc));
    }
    QDir docs(sourceDir() + QStringLiteral("/docs"));
    for (const QString &md : docs.entryList({QStringLiteral("*.md")}, QDir::Files)) {
        QVERIFY2(QFileInfo::exists(installed(QStringLiteral("share/doc/napkin/") + md)),
                 qPrintable(md));
    }
}

void TestPackaging::nothingOutsideUsr() {
    // Configuration is the administrator's: nothing in /etc, /var or $HOME.
    for (const QString &file : std::as_const(m_files)) {
        QVERIFY2(file.startsWith(QStringLiteral("usr/")), qPrintable(file));
    }
}

QTEST_GUILESS_MAIN(TestPackaging)
#include "test_packaging.moc"
