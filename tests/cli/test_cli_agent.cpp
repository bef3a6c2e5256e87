// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli agent's error events, run as a real process the way scripts use
// it: each carries "where" (the stage), a stable "code" and the "message" in
// words. Only failures that need no server: an unusable profile and SIP
// transports that cannot be bound.

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "tests/cli/CliRunner.h"

using namespace napkin::testcli;

namespace {

/// The first {"event":"error"} line of the agent's standard output.
QJsonObject firstError(const QString &out) {
    for (const auto &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        if (o.value(QStringLiteral("event")).toString() == QStringLiteral("error")) {
            return o;
        }
    }
    return {};
}

} // namespace

class TestCliAgent : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(QFileInfo(QStringLiteral(NAPKIN_CLI_PATH)).isExecutable(), NAPKIN_CLI_PATH);
    }

    void errorEventsCarryStageAndCode_data() {
        QTest::addColumn<QByteArray>("account");
        QTest::addColumn<QByteArray>("listen");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("words");
        QTest::newRow("no password") << QByteArray() << QByteArray("sip:127.0.0.1:*") << "profile"
                                     << "local-failure"
                                     << "neither password nor password_file";
        // 192.0.2.1 (TEST-NET-1) is never an address of this machine.
        QTest::newRow("cannot bind")
            << QByteArray("password = secret\n") << QByteArray("sip:192.0.2.1:5999") << "start"
            << "bind-failed"
            << "192.0.2.1";
    }

    void errorEventsCarryStageAndCode() {
        QFETCH(QByteArray, account);
        QFETCH(QByteArray, listen);
        QFETCH(QString, where);
        QFETCH(QString, code);
        QFETCH(QString, words);
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString profile = tmp.filePath(QStringLiteral("alice.ini"));
        // Port 9 on loopback: nothing answers DNS there.
        QVERIFY(writeFile(profile, "[account]\naor = sip:alice@a.example\n" + account +
                                       "[network]\ndns_server = 127.0.0.1:9\n"
                                       "[certificates]\nkey_storage = none\n"
                                       "[sip]\nlisten = " +
                                       listen + "\n"));

        Run r =
            cli({QStringLiteral("agent"), QStringLiteral("--config"), profile,
                 QStringLiteral("--no-audio"), QStringLiteral("--duration"), QStringLiteral("5")});
        QVERIFY2(r.exitCode == 1, qPrintable(r.out + r.err));
        const QJsonObject error = firstError(r.out);
        QVERIFY2(!error.isEmpty(), qPrintable(r.out));
        QCOMPARE(error.value(QStringLiteral("where")).toString(), where);
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        const QString message = error.value(QStringLiteral("message")).toString();
        QVERIFY2(message.contains(words), qPrintable(message));
        QVERIFY(!message.contains(QStringLiteral("secret")));
        QVERIFY(error.contains(QStringLiteral("t")));
    }

    void helpListsTheCodes() {
        Run r = cli({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *code : {"bind-failed", "registration-failed", "no-service",
                                 "own-device-missing", "dtmf-refused", "unusable-state-file"}) {
            QVERIFY2(r.out.contains(QLatin1String(code)), code);
        }
    }
};

QTEST_GUILESS_MAIN(TestCliAgent)
#include "test_cli_agent.moc"
