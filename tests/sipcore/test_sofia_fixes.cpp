// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The late-provisional guard (sipcore/SofiaFixes.h) only works when the
// process resolves Sofia-SIP's nua_client_response to it. This checks that
// for this test executable and that the shipped executables export the
// symbol, which is what makes the library's own calls reach the guard.
// test_late_provisional checks the guard's effect on a real call.

#include "sipcore/SofiaFixes.h"

#include <QFileInfo>
#include <QProcess>
#include <QTest>

class TestSofiaFixes : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void guardResolvesInThisProcess();
    void executablesExportTheGuard_data();
    void executablesExportTheGuard();
};

void TestSofiaFixes::guardResolvesInThisProcess() {
    QVERIFY(napkin::sip::lateProvisionalGuardActive());
}

void TestSofiaFixes::executablesExportTheGuard_data() {
    QTest::addColumn<QString>("path");
    QTest::newRow("napkin-cli") << QStringLiteral(NAPKIN_CLI_PATH);
#ifdef NAPKIN_DESKTOP_PATH
    QTest::newRow("napkin") << QStringLiteral(NAPKIN_DESKTOP_PATH);
#endif
}

void TestSofiaFixes::executablesExportTheGuard() {
    QFETCH(QString, path);
    QVERIFY2(QFileInfo(path).isExecutable(), qPrintable(path));
    QProcess readelf;
    readelf.start(QStringLiteral("readelf"),
                  {QStringLiteral("--dyn-syms"), QStringLiteral("--wide"), path});
    QVERIFY(readelf.waitForFinished(30000));
    QCOMPARE(readelf.exitCode(), 0);
    bool exported = false;
    for (const QByteArray &line : readelf.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        // Num: Value Size Type Bind Vis Ndx Name -- defined (Ndx not UND) FUNC.
        if (fields.size() >= 8 && fields.at(7) == "nua_client_response" && fields.at(3) == "FUNC" &&
            fields.at(6) != "UND") {
            exported = true;
        }
    }
    QVERIFY2(exported, "the executable does not define and export nua_client_response");
}

QTEST_GUILESS_MAIN(TestSofiaFixes)
#include "test_sofia_fixes.moc"
