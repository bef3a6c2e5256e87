// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The desktop app end to end, with real parts: scripts/world (Kamailio,
// napkin-certd, dnsmasq on loopback), alice in the real MainWindow driven by
// the real PhoneController (wired by PhoneBinding, as DesktopApp does), and
// napkin-cli agents for bob's devices and a second alice device. The test
// types and clicks like a person: it dials, answers, hangs up, reads the
// badges and banners, and revokes a device after confirming. A screenshot of
// every main screen goes to ${NAPKIN_BINARY_DIR}/screenshots/.

#include "app/controllers/AccountController.h"
#include "app/controllers/AppSettings.h"
#include "app/controllers/CallController.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/controllers/PhoneController.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/WorldRun.h"
#include "ui/AccountSetupDialog.h"
#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IdentityBadge.h"
#include "ui/IncomingCallDialog.h"
#include "ui/MainWindow.h"
#include "ui/PasswordDialog.h"
#include "ui/PhoneBinding.h"
#include "ui/SettingsDialog.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using namespace napkin;
using napkin::testing::ManagedProcess;
using napkin::testing::ProcessSpec;
using napkin::testing::runProgram;
using napkin::testing::WorldRun;

namespace {

constexpr int kCallTimeoutMs = 30000;

QString binaryDir() {
    return napkin::testing::napkinBuildDir();
}
QString cliBinary() {
    return binaryDir() + QStringLiteral("/app/cli/napkin-cli");
}

/// Saves a picture of `widget` for people to look at.
void screenshot(QWidget *widget, const QString &name) {
    const QString dir = binaryDir() + QStringLiteral("/screenshots");
    QDir().mkpath(dir);
    const QString path = dir + u'/' + name + QStringLiteral(".png");
    if (!widget->grab().save(path)) {
        qWarning("cannot save the screenshot %s", qPrintable(path));
    }
}

template <typename T> T *topLevel() {
    for (QWidget *w : QApplication::topLevelWidgets()) {
        if (auto *found = qobject_cast<T *>(w); found != nullptr && found->isVisible()) {
            return found;
        }
    }
    return nullptr;
}

} // namespace

class TestDesktopApp : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void mainWindowShowsTheAccount();
    void outgoingCallIsVerifiedAndEndToEnd();
    void incomingCallFromANewDeviceIsAnswered();
    void historyListsTheCalls();
    void devicesPageRevokesAnotherDevice();
    void dialogs();

private:
    std::unique_ptr<ManagedProcess> startAgent(const QString &name, const QString &profile,
                                               const QStringList &extra);
    [[nodiscard]] QString worldFile(const QString &name) const {
        return m_world->file(QStringLiteral("world/") + name);
    }
    [[nodiscard]] ui::CallPanel *callPanel() const { return m_window->callPanel(); }
    [[nodiscard]] ui::DevicesPage *devicesPage() const { return m_window->devicesPage(); }
    void hangUpFromThePanel();

    QTemporaryDir m_tmp;
    std::unique_ptr<WorldRun> m_world; ///< stopped even when the test fails half-way
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::PhoneController> m_phone;
    std::unique_ptr<ui::MainWindow> m_window;
    std::unique_ptr<ui::PhoneBinding> m_binding;
    std::unique_ptr<ManagedProcess> m_bob;
};

std::unique_ptr<ManagedProcess>
TestDesktopApp::startAgent(const QString &name, const QString &profile, const QStringList &extra) {
    ProcessSpec spec;
    spec.name = name;
    spec.program = cliBinary();
    spec.arguments = QStringList{QStringLiteral("agent"), QStringLiteral("--config"), profile,
                                 QStringLiteral("--no-audio")} +
                     extra;
    spec.logDirectory = m_tmp.path();
    spec.stopSignal = 15;
    return std::make_unique<ManagedProcess>(spec);
}

void TestDesktopApp::initTestCase() {
    QVERIFY(m_tmp.isValid());
    QVERIFY2(QFileInfo(cliBinary()).isExecutable(), qPrintable(cliBinary()));

    auto world = WorldRun::up();
    QVERIFY2(world.ok(), world.ok() ? "" : qPrintable(world.error()));
    m_world = std::move(world).value();

    // Bob's first device answers every call.
    m_bob = startAgent(QStringLiteral("bob"), worldFile(QStringLiteral("bob.ini")),
                       {QStringLiteral("--auto-answer")});
    auto started = m_bob->start();
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error()));

    // Alice: the app's own objects, wired the way DesktopApp wires them.
    m_settings = std::make_unique<app::AppSettings>(QStringLiteral("e2e"));
    const QString loadError = m_settings->loadAccountFile(worldFile(QStringLiteral("alice.ini")));
    QVERIFY2(loadError.isEmpty(), qPrintable(loadError));
    auto profile = m_settings->accountProfile();
    QVERIFY2(profile.ok(), profile.ok() ? "" : qPrintable(profile.error()));
    auto password = profile->readPassword();
    QVERIFY(password.ok());
    m_phone = std::make_unique<app::PhoneController>(*m_settings);
    m_phone->setPassword(password.value());
    m_phone->setNoAudio(true); // no sound card on a test machine
    m_window = std::make_unique<ui::MainWindow>();
    m_binding = std::make_unique<ui::PhoneBinding>(*m_phone, *m_settings, *m_window);
    m_window->resize(900, 640);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    auto phoneStarted = m_phone->start();
    QVERIFY2(phoneStarted, phoneStarted ? "" : qPrintable(phoneStarted.error()));

    app::AccountController *account = m_phone->account();
    QTRY_VERIFY2_WITH_TIMEOUT(account->registrationState() ==
                                  app::AccountController::RegistrationState::Registered,
                              qPrintable(account->registrationText()), kCallTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(account->enrolmentState() ==
                                  app::AccountController::EnrolmentState::Enrolled,
                              qPrintable(account->enrolmentText()), kCallTimeoutMs);

    auto bobReady =
        m_bob->waitForOutput(QStringLiteral("\"event\":\"registered\""), kCallTimeoutMs);
    QVERIFY2(bobReady.ok(), bobReady.ok() ? "" : qPrintable(bobReady.error()));
    auto bobEnrolled =
        m_bob->waitForOutput(QStringLiteral("\"event\":\"enrolled\""), kCallTimeoutMs);
    QVERIFY2(bobEnrolled.ok(), bobEnrolled.ok() ? "" : qPrintable(bobEnrolled.error()));
}

void TestDesktopApp::cleanupTestCase() {
    if (m_phone && m_phone->running()) {
        bool stopped = false;
        connect(m_phone->account(), &app::AccountController::stopped, this,
                [&stopped] { stopped = true; });
        m_phone->stop();
        QTRY_VERIFY_WITH_TIMEOUT(stopped, 10000);
    }
    m_binding.reset();
    m_window.reset();
    m_phone.reset();
    if (m_bob) {
        m_bob->stop();
    }
    if (m_world) {
        if (auto down = m_world->down(); !down) {
            qWarning("%s", qPrintable(down.error()));
        }
    }
}

void TestDesktopApp::mainWindowShowsTheAccount() {
    // The status line says, in words, where alice is registered and enrolled.
    const QString status = m_window->statusText();
    QVERIFY2(status.contains(QStringLiteral("a.example")), qPrintable(status));
    m_window->showTab(0);
    screenshot(m_window.get(), QStringLiteral("main-window"));
}

void TestDesktopApp::hangUpFromThePanel() {
    auto *hangUp = callPanel()->findChild<QPushButton *>(QStringLiteral("hangUpButton"));
    QVERIFY(hangUp != nullptr);
    QVERIFY(hangUp->isVisible() && hangUp->isEnabled());
    QTest::mouseClick(hangUp, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_phone->activeCall() == nullptr, kCallTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!callPanel()->isVisible(), 5000);
}

void TestDesktopApp::outgoingCallIsVerifiedAndEndToEnd() {
    auto *dial = m_window->findChild<QLineEdit *>(QStringLiteral("dialEdit"));
    auto *callButton = m_window->findChild<QPushButton *>(QStringLiteral("callButton"));
    QVERIFY(dial != nullptr && callButton != nullptr);
    dial->setFocus();
    QTest::keyClicks(dial, QStringLiteral("bob@b.example"));
    QCOMPARE(m_window->dialText(), QStringLiteral("bob@b.example"));
    QTest::mouseClick(callButton, Qt::LeftButton);

    QTRY_VERIFY_WITH_TIMEOUT(m_phone->activeCall() != nullptr, 5000);
    QPointer<app::CallController> call = m_phone->activeCall();
    QCOMPARE(call->direction(), app::CallController::Direction::Outgoing);
    QTRY_VERIFY2_WITH_TIMEOUT(call && call->state() == app::CallController::State::Active,
                              call ? qPrintable(call->stateText() + u' ' + call->endReason())
                                   : "the call ended",
                              kCallTimeoutMs);
    // bob@b.example is a first contact: b.example vouches for the device.
    QTRY_COMPARE_WITH_TIMEOUT(call->verdict(), app::CallController::Verdict::Verified, 5000);
    QVERIFY(call->endToEnd());

    // What the person sees: the call panel, its badge and its security banner.
    QTRY_VERIFY_WITH_TIMEOUT(callPanel()->isVisible(), 5000);
    auto *badge = callPanel()->findChild<ui::IdentityBadge *>(QStringLiteral("badge"));
    QVERIFY(badge != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(badge->state(), ui::BadgeState::Verified, 5000);
    QCOMPARE(badge->title(), QStringLiteral("Verified"));
    QVERIFY2(badge->detail().contains(QStringLiteral("b.example")), qPrintable(badge->detail()));
    QTRY_VERIFY2_WITH_TIMEOUT(
        callPanel()->securityBannerText().contains(QStringLiteral("End-to-end encrypted")),
        qPrintable(callPanel()->securityBannerText()), 5000);
    QCOMPARE(callPanel()->view().peer.contains(QStringLiteral("bob@b.example")), true);
    QVERIFY(!callPanel()->view().fingerprintGroups.isEmpty());
    // Bob's agent saw an end-to-end call too.
    auto media = m_bob->waitForOutput(QStringLiteral("\"e2e\":true"), 10000);
    QVERIFY2(media.ok(), media.ok() ? "" : qPrintable(media.error()));
    screenshot(m_window.get(), QStringLiteral("call-outgoing"));

    // Hold and resume through both proxies: re-INVITEs with sealed SDP; bob's
    // agent reports being held by the other side, then released.
    auto *hold = callPanel()->findChild<QPushButton *>(QStringLiteral("holdButton"));
    QVERIFY(hold != nullptr && hold->isEnabled());
    QTest::mouseClick(hold, Qt::LeftButton);
    auto held = m_bob->waitForOutput(QStringLiteral("\"local\":false,\"remote\":true"), 10000);
    QVERIFY2(held.ok(), held.ok() ? "" : qPrintable(held.error()));
    QTRY_VERIFY_WITH_TIMEOUT(call->onHold(), 5000);
    QCOMPARE(call->stateText(), QStringLiteral("On hold"));
    QVERIFY(call->endToEnd());
    QTest::mouseClick(hold, Qt::LeftButton);
    auto resumed = m_bob->waitForOutput(QStringLiteral("\"local\":false,\"remote\":false"), 10000);
    QVERIFY2(resumed.ok(), resumed.ok() ? "" : qPrintable(resumed.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!call->onHold(), 5000);
    QCOMPARE(call->stateText(), QStringLiteral("Connected"));
    QVERIFY(call->endToEnd());

    hangUpFromThePanel();
}

void TestDesktopApp::incomingCallFromANewDeviceIsAnswered() {
    // Bob's second device calls alice: signed by a certificate b.example
    // publishes, but alice has not seen this device of bob's before.
    auto bob2 = startAgent(QStringLiteral("bob2"), worldFile(QStringLiteral("bob2.ini")),
                           {QStringLiteral("--call"), QStringLiteral("sip:alice@a.example"),
                            QStringLiteral("--call-delay"), QStringLiteral("1"),
                            QStringLiteral("--hangup-after"), QStringLiteral("120")});
    auto started = bob2->start();
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error()));

    QTRY_VERIFY_WITH_TIMEOUT(topLevel<ui::IncomingCallDialog>() != nullptr, 60000);
    ui::IncomingCallDialog *dialog = topLevel<ui::IncomingCallDialog>();
    QVERIFY(dialog->view().peer.contains(QStringLiteral("bob@b.example")));
    auto *badge = dialog->findChild<ui::IdentityBadge *>(QStringLiteral("badge"));
    QVERIFY(badge != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(badge->state(), ui::BadgeState::NewDevice, 5000);
    QCOMPARE(badge->title(), QStringLiteral("New device"));
    QVERIFY(!dialog->view().fingerprintGroups.isEmpty());
    screenshot(dialog, QStringLiteral("incoming-call"));

    auto *answer = dialog->findChild<QPushButton *>(QStringLiteral("answerButton"));
    QVERIFY(answer != nullptr);
    QTest::mouseClick(answer, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(topLevel<ui::IncomingCallDialog>() == nullptr, 5000);

    QTRY_VERIFY_WITH_TIMEOUT(m_phone->activeCall() != nullptr, 5000);
    QPointer<app::CallController> call = m_phone->activeCall();
    QCOMPARE(call->direction(), app::CallController::Direction::Incoming);
    QTRY_VERIFY2_WITH_TIMEOUT(call && call->state() == app::CallController::State::Active,
                              call ? qPrintable(call->stateText() + u' ' + call->endReason())
                                   : "the call ended",
                              kCallTimeoutMs);
    QVERIFY(call->endToEnd());
    QTRY_VERIFY_WITH_TIMEOUT(callPanel()->isVisible(), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(
        callPanel()->securityBannerText().contains(QStringLiteral("End-to-end encrypted")),
        qPrintable(callPanel()->securityBannerText()), 5000);
    QCOMPARE(callPanel()->view().verdict, ui::BadgeState::NewDevice);
    screenshot(m_window.get(), QStringLiteral("call-incoming"));

    hangUpFromThePanel();
    auto ended = bob2->waitForOutput(QStringLiteral("\"event\":\"ended\""), 10000);
    QVERIFY2(ended.ok(), ended.ok() ? "" : qPrintable(ended.error()));
    bob2->stop();
}

void TestDesktopApp::historyListsTheCalls() {
    m_window->showTab(1);
    auto *list = m_window->findChild<QTreeWidget *>(QStringLiteral("historyList"));
    QVERIFY(list != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(list->topLevelItemCount(), 2, 5000);
    QCOMPARE(m_phone->history()->rowCount(), 2);
    for (int i = 0; i < list->topLevelItemCount(); ++i) {
        QStringList cells;
        for (int c = 0; c < list->columnCount(); ++c) {
            cells << list->topLevelItem(i)->text(c);
        }
        const QString row = cells.join(u' ');
        QVERIFY2(row.contains(QStringLiteral("bob@b.example")), qPrintable(row));
    }
    screenshot(m_window.get(), QStringLiteral("history"));
}

void TestDesktopApp::devicesPageRevokesAnotherDevice() {
    // A second device enrols on alice's address (a copy of her profile with
    // its own state), then goes away; its certificate stays published.
    QFile original(worldFile(QStringLiteral("alice.ini")));
    QVERIFY(original.open(QIODevice::ReadOnly));
    QString text = QString::fromUtf8(original.readAll());
    const QString otherState = m_tmp.filePath(QStringLiteral("alice-laptop"));
    text.replace(QRegularExpression(QStringLiteral("(?m)^state_dir *=.*$")),
                 QStringLiteral("state_dir = ") + otherState);
    const QString otherProfile = m_tmp.filePath(QStringLiteral("alice-laptop.ini"));
    QFile copy(otherProfile);
    QVERIFY(copy.open(QIODevice::WriteOnly));
    copy.write(text.toUtf8());
    copy.close();
    {
        auto laptop = startAgent(QStringLiteral("alice-laptop"), otherProfile, {});
        QVERIFY(laptop->start().ok());
        auto enrolled =
            laptop->waitForOutput(QStringLiteral("\"event\":\"enrolled\""), kCallTimeoutMs);
        QVERIFY2(enrolled.ok(), enrolled.ok() ? "" : qPrintable(enrolled.error()));
        laptop->stop();
    }

    m_window->showTab(2);
    ui::DevicesPage *page = devicesPage();
    auto *refresh = page->findChild<QPushButton *>(QStringLiteral("refreshButton"));
    QVERIFY(refresh != nullptr);
    QTest::mouseClick(refresh, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(page->devices().size(), 2, kCallTimeoutMs);

    QString mine;
    QString other;
    for (const ui::DeviceRow &row : page->devices()) {
        (row.thisDevice ? mine : other) = row.fingerprint;
    }
    QVERIFY2(!mine.isEmpty(), "this device is not marked");
    QVERIFY(!other.isEmpty());
    // Alice did not enrol it from here: the alert banner says so.
    QTRY_VERIFY_WITH_TIMEOUT(page->bannerVisible(), kCallTimeoutMs);
    QVERIFY2(page->bannerText().contains(QStringLiteral("not seen before")),
             qPrintable(page->bannerText()));
    screenshot(m_window.get(), QStringLiteral("devices-unknown-device"));

    // Revoke the other device: the button asks first.
    auto *table = page->findChild<QTableWidget *>(QStringLiteral("devicesTable"));
    QVERIFY(table != nullptr);
    int otherRow = -1;
    for (int r = 0; r < page->devices().size(); ++r) {
        if (page->devices().at(r).fingerprint == other) {
            otherRow = r;
        }
    }
    auto *revoke = table->findChild<QPushButton *>(QStringLiteral("revoke_%1").arg(otherRow));
    QVERIFY(revoke != nullptr);
    QTest::mouseClick(revoke, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(page->pendingConfirmation() != nullptr, 5000);
    QMessageBox *box = page->pendingConfirmation();
    screenshot(box, QStringLiteral("devices-revoke-confirmation"));
    QPushButton *yes = nullptr;
    for (QAbstractButton *b : box->buttons()) {
        if (box->buttonRole(b) == QMessageBox::DestructiveRole) {
            yes = qobject_cast<QPushButton *>(b);
        }
    }
    QVERIFY(yes != nullptr);
    QTest::mouseClick(yes, Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(page->devices().size(), 1, kCallTimeoutMs);
    QCOMPARE(page->devices().constFirst().fingerprint, mine);
    // The device is gone, and so is the alert about it.
    QVERIFY2(!page->bannerVisible(), qPrintable(page->bannerText()));
    screenshot(m_window.get(), QStringLiteral("devices"));

    // The service agrees: it no longer publishes that certificate.
    auto listed =
        runProgram(cliBinary(),
                   {QStringLiteral("certs"), QStringLiteral("list"), QStringLiteral("--config"),
                    worldFile(QStringLiteral("alice.ini")), QStringLiteral("--json")},
                   kCallTimeoutMs);
    QVERIFY(listed.ok());
    QVERIFY2(listed->succeeded(), qPrintable(listed->describe()));
    const QString hexOther = other.section(u':', -1).toLower();
    const QString hexMine = mine.section(u':', -1).toLower();
    QVERIFY2(!listed->stdoutText.toLower().contains(hexOther), qPrintable(listed->stdoutText));
    QVERIFY2(listed->stdoutText.toLower().contains(hexMine), qPrintable(listed->stdoutText));
}

void TestDesktopApp::dialogs() {
    // Settings, from the menu as a person opens it.
    auto *settingsAction = m_window->findChild<QAction *>(QStringLiteral("settingsAction"));
    QVERIFY(settingsAction != nullptr);
    settingsAction->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(topLevel<ui::SettingsDialog>() != nullptr, 5000);
    ui::SettingsDialog *settings = topLevel<ui::SettingsDialog>();
    screenshot(settings, QStringLiteral("settings"));
    settings->reject();

    // First-run setup and the password prompt, as DesktopApp shows them.
    ui::AccountSetupDialog setup(m_window.get());
    setup.show();
    QVERIFY(QTest::qWaitForWindowExposed(&setup));
    screenshot(&setup, QStringLiteral("account-setup"));
    setup.reject();
    ui::PasswordDialog prompt(QStringLiteral("sip:alice@a.example"),
                              QStringLiteral("No system keychain is available, so Napkin asks "
                                             "for the password at every start."),
                              m_window.get());
    prompt.show();
    QVERIFY(QTest::qWaitForWindowExposed(&prompt));
    screenshot(&prompt, QStringLiteral("password"));
    prompt.reject();
}

int main(int argc, char **argv) {
    // The app's profile, history and contacts go to a private place.
    QTemporaryDir home;
    if (!home.isValid()) {
        return 2;
    }
    qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());
    qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/data")).toUtf8());
    qputenv("XDG_CACHE_HOME", (home.path() + QStringLiteral("/cache")).toUtf8());
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    QApplication::setQuitOnLastWindowClosed(false);
    TestDesktopApp test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_desktop_app.moc"
