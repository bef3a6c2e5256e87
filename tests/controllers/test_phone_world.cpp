// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The app's controllers against real parts: scripts/world starts Kamailio,
// napkin-certd and dnsmasq for a.example and b.example; alice is a
// PhoneController (from the world's alice.ini through AppSettings and the
// Engine), bob a napkin-cli agent that answers. alice calls, sees bob's
// device verified and the call end-to-end, sends a DTMF digit that bob's
// agent reports, hangs up and finds the call in her history; her device list
// shows this device.

#include "app/controllers/AccountController.h"
#include "app/controllers/AccountTest.h"
#include "app/controllers/AppSettings.h"
#include "app/controllers/CallController.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/controllers/PhoneController.h"
#include "app/engine/Engine.h"
#include "tests/support/WorldRun.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace napkin::app;
using napkin::testing::WorldRun;

class TestPhoneWorld : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void accountTestRegistersAndPublishes();
    void aliceCallsBobVerifiedEndToEnd();

private:
    [[nodiscard]] std::optional<QJsonObject> bobEvent(const QString &event, const QString &key = {},
                                                      const QString &value = {});

    QTemporaryDir m_tmp;
    std::unique_ptr<WorldRun> m_world;
    QProcess m_bob;
    QByteArray m_bobOut;
};

void TestPhoneWorld::initTestCase() {
    QVERIFY(m_tmp.isValid());
    QVERIFY2(!qEnvironmentVariableIsEmpty("NAPKIN_SOURCE_DIR"), "run through ctest");
    // The app's own files (history, contacts, settings) go to the temporary directory.
    qputenv("XDG_CONFIG_HOME", m_tmp.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", m_tmp.filePath(QStringLiteral("data")).toUtf8());
    auto world = WorldRun::up();
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
}

void TestPhoneWorld::cleanupTestCase() {
    if (m_bob.state() != QProcess::NotRunning) {
        m_bob.terminate();
        if (!m_bob.waitForFinished(40000)) {
            m_bob.kill();
            m_bob.waitForFinished(5000);
        }
    }
    if (m_world) {
        if (auto down = m_world->down(); !down) {
            qWarning("%s", qPrintable(down.error()));
        }
    }
}

std::optional<QJsonObject> TestPhoneWorld::bobEvent(const QString &event, const QString &key,
                                                    const QString &value) {
    m_bobOut += m_bob.readAllStandardOutput();
    for (const QByteArray &line : m_bobOut.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(QStringLiteral("event")).toString() == event &&
            (key.isEmpty() || o.value(key).toVariant().toString() == value)) {
            return o;
        }
    }
    return std::nullopt;
}

void TestPhoneWorld::accountTestRegistersAndPublishes() {
    // The first-run "test connection" with alice's values from the world.
    AppSettings settings(QStringLiteral("alice-test"));
    QCOMPARE(settings.loadAccountFile(m_world->file(QStringLiteral("world/alice.ini"))), QString());
    auto profile = settings.accountProfile();
    QVERIFY(profile);
    auto password = profile->readPassword();
    QVERIFY(password);
    AccountSetup setup;
    setup.address = QStringLiteral("alice@a.example");
    setup.password = QString::fromUtf8(password.value());
    setup.registrar = settings.registrar();
    setup.outboundProxy = settings.outboundProxy();
    setup.transport = settings.transport();
    setup.dnsServer = settings.dnsServer();
    setup.caFile = settings.caFile();
    setup.allowPrivateServices = settings.allowPrivateServices(); // the world is on loopback

    AccountTest test;
    QSignalSpy progress(&test, &AccountTest::progress);
    QSignalSpy finished(&test, &AccountTest::finished);
    test.run(setup);
    QVERIFY(test.running());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 90000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(finished.at(0).at(1).toString(),
             QStringLiteral("The account works: registered, and certificates can be published."));
    QVERIFY(progress.count() >= 3);
    QVERIFY(!test.running());

    // A wrong password is reported in words.
    setup.password = QStringLiteral("wrong");
    test.run(setup);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 90000);
    QCOMPARE(finished.at(1).at(0).toBool(), false);
    QVERIFY2(finished.at(1).at(1).toString().contains(QStringLiteral("password")),
             qPrintable(finished.at(1).at(1).toString()));
}

void TestPhoneWorld::aliceCallsBobVerifiedEndToEnd() {
    // bob: napkin-cli agent, real media (silence), answers every call.
    const QString cli = m_world->env(QStringLiteral("WORLD_CLI_BIN"));
    m_bob.setProcessChannelMode(QProcess::SeparateChannels);
    m_bob.setStandardErrorFile(m_tmp.filePath(QStringLiteral("bob.log")));
    m_bob.start(cli,
                {QStringLiteral("agent"), QStringLiteral("--config"),
                 m_world->file(QStringLiteral("world/bob.ini")), QStringLiteral("--auto-answer"),
                 QStringLiteral("--dtmf"), QStringLiteral("7#")});
    QVERIFY(m_bob.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(bobEvent(QStringLiteral("registered"), QStringLiteral("state"),
                                      QStringLiteral("registered")),
                             60000);
    QTRY_VERIFY_WITH_TIMEOUT(bobEvent(QStringLiteral("enrolled")), 60000);

    // alice: the app's controllers on the world's profile.
    AppSettings settings(QStringLiteral("alice"));
    QCOMPARE(settings.loadAccountFile(m_world->file(QStringLiteral("world/alice.ini"))), QString());
    PhoneController phone(settings);
    QSignalSpy problems(&phone, &PhoneController::problem);
    auto started = phone.start();
    QVERIFY2(started, started ? "" : qPrintable(started.error()));
    AccountController *account = phone.account();
    QTRY_COMPARE_WITH_TIMEOUT(account->registrationState(),
                              AccountController::RegistrationState::Registered, 60000);
    QVERIFY2(account->registrationText().startsWith(QStringLiteral("Registered at")),
             qPrintable(account->registrationText()));
    QTRY_COMPARE_WITH_TIMEOUT(account->enrolmentState(),
                              AccountController::EnrolmentState::Enrolled, 60000);
    QVERIFY2(
        account->enrolmentText().startsWith(QStringLiteral("Certificate published at a.example")),
        qPrintable(account->enrolmentText()));
    QVERIFY(account->fingerprint().startsWith(QStringLiteral("sha256:")));
    QTRY_VERIFY_WITH_TIMEOUT(phone.engine()->readyForCalls(), 30000);

    // Her device list shows this device (DeviceWatch checks after enrolment).
    DevicesModel *devices = phone.devices();
    auto thisDeviceRow = [&]() -> int {
        for (int row = 0; row < devices->rowCount(); ++row) {
            if (devices->index(row).data(DevicesModel::ThisDeviceRole).toBool()) {
                return row;
            }
        }
        return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(thisDeviceRow() >= 0, 30000);
    const QModelIndex mine = devices->index(thisDeviceRow());
    QCOMPARE(mine.data(DevicesModel::FingerprintRole).toString(), account->fingerprint());
    QCOMPARE(mine.data(DevicesModel::KnownRole).toBool(), true);
    QCOMPARE(mine.data(DevicesModel::FingerprintGroupsRole).toString(),
             account->fingerprintGroups());

    // Bad input never becomes a call.
    QSignalSpy failed(&phone, &PhoneController::callFailed);
    QCOMPARE(phone.placeCall(QStringLiteral("not an address")), nullptr);
    QCOMPARE(failed.count(), 1);

    CallController *call = phone.placeCall(QStringLiteral("bob@b.example"));
    QVERIFY2(call != nullptr, failed.isEmpty() ? "" : qPrintable(failed.last().at(0).toString()));
    // bob's agent sends "7#" once the call is active (--dtmf).
    QSignalSpy digits(call, &CallController::dtmfReceived);
    QCOMPARE(phone.activeCall(), call);
    QCOMPARE(call->direction(), CallController::Direction::Outgoing);
    QTRY_COMPARE_WITH_TIMEOUT(call->state(), CallController::State::Active, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(call->verdict(), CallController::Verdict::Verified, 10000);
    QCOMPARE(call->verdictTitle(), QStringLiteral("Verified"));
    QVERIFY2(call->verdictDetail().startsWith(QStringLiteral("b.example vouches for this device")),
             qPrintable(call->verdictDetail()));
    QTRY_VERIFY_WITH_TIMEOUT(call->endToEnd(), 10000);
    QCOMPARE(call->securityText(), QStringLiteral("End-to-end encrypted"));
    QVERIFY(!call->srtpSuite().isEmpty());
    QVERIFY(!call->codec().isEmpty());
    QCOMPARE(call->vouchingDomain(), QStringLiteral("b.example"));

    // DTMF from the app reaches bob's agent (RFC 4733 over SRTP).
    QSignalSpy requestFailed(call, &CallController::requestFailed);
    call->sendDtmf(QStringLiteral("5"));
    QCOMPARE(requestFailed.count(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        bobEvent(QStringLiteral("dtmf"), QStringLiteral("digit"), QStringLiteral("5")), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(digits.count(), 2, 10000);
    QCOMPARE(digits.at(0).at(0).toString(), QStringLiteral("7"));
    QCOMPARE(digits.at(1).at(0).toString(), QStringLiteral("#"));
    QVERIFY(bobEvent(QStringLiteral("dtmf"), QStringLiteral("direction"), QStringLiteral("sent")));
    QTRY_VERIFY_WITH_TIMEOUT(call->durationSeconds() >= 1, 5000);

    call->hangUp();
    QTRY_COMPARE_WITH_TIMEOUT(call->state(), CallController::State::Ended, 30000);
    QCOMPARE(call->outcome(), QStringLiteral("answered"));
    QCOMPARE(phone.activeCall(), nullptr);
    HistoryModel *history = phone.history();
    QCOMPARE(history->rowCount(), 1);
    const QModelIndex entry = history->index(0);
    QCOMPARE(entry.data(HistoryModel::PeerRole).toString(), QStringLiteral("sip:bob@b.example"));
    QCOMPARE(entry.data(HistoryModel::OutcomeRole).toString(), QStringLiteral("answered"));
    QCOMPARE(entry.data(HistoryModel::VerdictRole).toInt(),
             static_cast<int>(CallController::Verdict::Verified));
    QCOMPARE(entry.data(HistoryModel::EndToEndRole).toBool(), true);
    QVERIFY(QFile::exists(settings.dataDir() + QStringLiteral("/history.json")));
    QVERIFY(phone.completions(QStringLiteral("bo")).contains(QStringLiteral("bob@b.example")));

    QSignalSpy stopped(account, &AccountController::stopped);
    phone.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 40000);
    QVERIFY(!phone.running());
    QCOMPARE(account->registrationState(), AccountController::RegistrationState::Offline);
    for (const auto &p : problems) {
        qWarning("problem: %s", qPrintable(p.at(0).toString()));
    }
}

QTEST_GUILESS_MAIN(TestPhoneWorld)
#include "test_phone_world.moc"
