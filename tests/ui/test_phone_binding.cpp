// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// PhoneBinding's conversions from the real controllers (fed through their apply*/setRows
// entry points, no engine) into what the widgets show, and the settings round trip.

#include "app/controllers/AppSettings.h"
#include "app/controllers/CallController.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/controllers/PhoneController.h"
#include "tests/ui/BoundPhone.h"
#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IncomingCallDialog.h"
#include "ui/MainWindow.h"
#include "ui/PhoneBinding.h"
#include "ui/SettingsDialog.h"

#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace napkin;
using ui::BadgeState;
using ui::PhoneBinding;

class TestPhoneBinding : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_home.isValid());
        ui::testing::useHome(m_home);
    }

    void verdictsMapOneToOne() {
        using V = app::CallController::Verdict;
        QCOMPARE(PhoneBinding::badgeOf(V::Verified), BadgeState::Verified);
        QCOMPARE(PhoneBinding::badgeOf(V::NewDevice), BadgeState::NewDevice);
        QCOMPARE(PhoneBinding::badgeOf(V::Unverified), BadgeState::Unverified);
        QCOMPARE(PhoneBinding::badgeOf(V::Failed), BadgeState::Failed);
        QCOMPARE(PhoneBinding::badgeOf(V::Pending), BadgeState::Pending);
    }

    void notEndToEndCallFromControllerWarnsInWords() {
        app::CallController call(app::CallController::Direction::Outgoing,
                                 QStringLiteral("sip:bob@b.example"));
        sip::IdentityVerdict verdict;
        verdict.kind = sip::IdentityVerdict::Kind::Verified;
        verdict.aor = "sip:bob@b.example";
        verdict.signerFingerprint = "sha256:" + std::string(64, 'a');
        verdict.vouchingDomain = "b.example";
        call.applyIdentity(verdict);
        call.applyMedia(QStringLiteral("opus"), QString(), false,
                        QStringLiteral("the answer was not encrypted"), false);
        call.applyState(app::CallController::State::Active);

        const ui::CallView view = PhoneBinding::callView(call);
        QVERIFY(view.active);
        QVERIFY(!view.endToEnd);
        QCOMPARE(view.verdict, BadgeState::Verified);
        QCOMPARE(view.vouchingDomain, QStringLiteral("b.example"));
        QVERIFY(view.fingerprintGroups.startsWith(QStringLiteral("AAAA AAAA")));

        ui::CallPanel panel;
        panel.setView(view);
        QVERIFY2(panel.securityBannerText().startsWith(QStringLiteral("Not end-to-end")),
                 qPrintable(panel.securityBannerText()));
        QVERIFY(panel.securityBannerText().contains(QStringLiteral("not encrypted")));
    }

    void plainCallConsentDefaultsToNoAndShowsPlainText() {
        // The question before any key of a protected peer's call goes out in
        // clear: "No" unless the person clicks "Yes"; Enter and Escape say No.
        QWidget parent;
        const QString question =
            QStringLiteral("<b>bob@b.example</b> can only be reached without end-to-end "
                           "encryption right now. Call without protection?");
        std::vector<bool> answers;
        QPointer<QMessageBox> box = PhoneBinding::plainCallConsent(
            &parent, question, [&](bool allow) { answers.push_back(allow); });
        QVERIFY(box);
        QCOMPARE(box->objectName(), QStringLiteral("plainCallConsent"));
        QCOMPARE(box->textFormat(), Qt::PlainText);
        QCOMPARE(box->text(), question); // shown as typed, tags and all
        QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
        QCOMPARE(box->escapeButton(), box->button(QMessageBox::No));
        QTest::keyClick(box, Qt::Key_Escape);
        QTRY_COMPARE(answers.size(), std::size_t(1));
        QCOMPARE(answers[0], false);
        QTRY_VERIFY(box.isNull()); // deletes itself

        box = PhoneBinding::plainCallConsent(&parent, question,
                                             [&](bool allow) { answers.push_back(allow); });
        QTest::keyClick(box, Qt::Key_Return); // the default: No
        QTRY_COMPARE(answers.size(), std::size_t(2));
        QCOMPARE(answers[1], false);

        box = PhoneBinding::plainCallConsent(&parent, question,
                                             [&](bool allow) { answers.push_back(allow); });
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
        QTRY_COMPARE(answers.size(), std::size_t(3));
        QCOMPARE(answers[2], true);
    }

    void incomingViewCarriesTheVerdictWords() {
        app::CallController call(app::CallController::Direction::Incoming,
                                 QStringLiteral("sip:mallory@a.example"));
        call.applyIdentity(sip::IdentityVerdict::failedBecause(
            "sip:mallory@a.example", sip::IdentityFailure::SignerNotListed,
            "signed by a certificate a.example does not publish"));
        const ui::IncomingCallView view = PhoneBinding::incomingView(call);
        QCOMPARE(view.verdict, BadgeState::Failed);
        QVERIFY(!view.verdictDetail.isEmpty());
        ui::IncomingCallDialog dialog;
        dialog.setView(view);
        QCOMPARE(dialog.view().verdictDetail, call.verdictDetail());
    }

    void devicesRowsFromModel() {
        app::DevicesModel model;
        app::DeviceRow mine;
        mine.fingerprint = QStringLiteral("sha256:") + QString(64, QLatin1Char('b'));
        mine.instanceUrn = QStringLiteral("urn:uuid:11111111-2222-3333-4444-555555555555");
        mine.notBefore = QDateTime::currentDateTimeUtc();
        mine.notAfter = mine.notBefore.addDays(7);
        mine.thisDevice = true;
        mine.known = true;
        app::DeviceRow stranger = mine;
        stranger.fingerprint = QStringLiteral("sha256:") + QString(64, QLatin1Char('c'));
        stranger.instanceUrn.clear();
        stranger.thisDevice = false;
        stranger.known = false;
        model.setRows({mine, stranger});
        const QList<ui::DeviceRow> rows = PhoneBinding::deviceRows(model);
        QCOMPARE(rows.size(), 2);
        QVERIFY(rows[0].thisDevice);
        QVERIFY(!rows[1].known);
        QCOMPARE(rows[1].fingerprint, stranger.fingerprint);
        QVERIFY(!rows[1].fingerprintGroups.isEmpty());
        // The bare name; the page adds "(this device)" once.
        QCOMPARE(rows[0].deviceName, mine.instanceUrn);
        ui::DevicesPage page;
        page.setDevices(rows);
        QCOMPARE(page.devices().size(), 2);
        auto *table = page.findChild<QTableWidget *>(QStringLiteral("devicesTable"));
        QVERIFY(table != nullptr);
        const QString shown = table->item(0, 0)->text();
        QCOMPARE(shown, mine.instanceUrn + QStringLiteral(" (this device)"));
        QCOMPARE(shown.count(QStringLiteral("this device"), Qt::CaseInsensitive), 1);
    }

    void unknownDeviceBannerGoesOnceDealtWith() {
        app::AppSettings settings(QStringLiteral("banner-test"));
        QVERIFY(settings.load().isEmpty());
        app::PhoneController phone(settings);
        ui::MainWindow window;
        PhoneBinding binding(phone, settings, window);
        ui::DevicesPage *page = window.devicesPage();
        app::DevicesModel &model = *phone.devices();

        app::DeviceRow mine;
        mine.fingerprint = QStringLiteral("sha256:") + QString(64, QLatin1Char('1'));
        mine.instanceUrn = QStringLiteral("urn:uuid:11111111-2222-3333-4444-555555555555");
        mine.notBefore = QDateTime::currentDateTimeUtc();
        mine.thisDevice = true;
        mine.known = true;
        app::DeviceRow laptop = mine;
        laptop.fingerprint = QStringLiteral("sha256:") + QString(64, QLatin1Char('2'));
        laptop.instanceUrn = QStringLiteral("urn:uuid:22222222-2222-3333-4444-555555555555");
        laptop.thisDevice = false;
        laptop.known = false;

        // The engine's order: the list first, then the alert.
        model.setRows({mine, laptop});
        Q_EMIT model.unknownDeviceAppeared(laptop.fingerprint, laptop.instanceUrn);
        QVERIFY(page->bannerVisible());
        QVERIFY(page->bannerText().contains(laptop.instanceUrn));

        // Acknowledge asks the model, but the alert stays until the list says "known".
        QSignalSpy asked(page, &ui::DevicesPage::acknowledgeRequested);
        auto *acknowledge = page->findChild<QPushButton *>(QStringLiteral("acknowledgeButton"));
        QVERIFY(acknowledge != nullptr);
        page->showUnknownDevice(laptop.fingerprint, laptop.instanceUrn);
        acknowledge->click();
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.constFirst().constFirst().toString(), laptop.fingerprint);
        QVERIFY2(page->bannerVisible(), "no engine: the acknowledgement failed, the alert stays");
        QVERIFY(window.devicesPage()
                    ->findChild<QLabel *>(QStringLiteral("statusLabel"))
                    ->text()
                    .contains(QStringLiteral("Could not acknowledge")));

        // The list shows it known (acknowledged): the alert is gone, and a later list
        // with the same device does not bring it back.
        laptop.known = true;
        model.setRows({mine, laptop});
        QVERIFY(!page->bannerVisible());
        model.setRows({mine, laptop});
        QVERIFY(!page->bannerVisible());

        // A new unknown device raises it again; revoking that one ends it at once.
        app::DeviceRow stranger = laptop;
        stranger.fingerprint = QStringLiteral("sha256:") + QString(64, QLatin1Char('3'));
        stranger.instanceUrn = QStringLiteral("urn:uuid:33333333-2222-3333-4444-555555555555");
        stranger.known = false;
        model.setRows({mine, laptop, stranger});
        Q_EMIT model.unknownDeviceAppeared(stranger.fingerprint, stranger.instanceUrn);
        QVERIFY(page->bannerVisible());
        QCOMPARE(page->bannerFingerprint(), stranger.fingerprint);
        Q_EMIT model.revokeFinished(stranger.fingerprint, true, QStringLiteral("Removed."));
        QVERIFY(!page->bannerVisible());
        model.setRows({mine, laptop});
        QVERIFY(!page->bannerVisible());

        // A failed revoke leaves the alert up; the next list without it takes it down.
        model.setRows({mine, laptop, stranger});
        Q_EMIT model.unknownDeviceAppeared(stranger.fingerprint, stranger.instanceUrn);
        QVERIFY(page->bannerVisible());
        Q_EMIT model.revokeFinished(stranger.fingerprint, false, QStringLiteral("timeout"));
        QVERIFY(page->bannerVisible());
        model.setRows({mine, laptop});
        QVERIFY(!page->bannerVisible());
    }

    void settingsDuringACallApplyAfterIt() {
        app::AppSettings settings(QStringLiteral("live-call-test"));
        QVERIFY(settings.load().isEmpty());
        settings.setAddress(QStringLiteral("alice@a.example"));
        QVERIFY(settings.save().isEmpty());
        app::PhoneController phone(settings);
        ui::MainWindow window;
        PhoneBinding binding(phone, settings, window);
        QSignalSpy saved(&binding, &PhoneBinding::settingsSaved);
        QSignalSpy restart(&binding, &PhoneBinding::restartWanted);

        // Without a call, an engine setting restarts the account at once.
        binding.openSettings();
        auto *dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        QVERIFY(dialog->notice().isEmpty());
        ui::SettingsValues values = dialog->values();
        values.cacheTtlSeconds = 120;
        dialog->setValues(values);
        dialog->accept();
        QTRY_COMPARE(restart.size(), 1);
        QCOMPARE(saved.size(), 1);

        // Audio devices alone never restart it.
        QTRY_VERIFY(window.findChild<ui::SettingsDialog *>() == nullptr);
        binding.openSettings();
        dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        values = dialog->values();
        values.audioOutput = QStringLiteral("some-headset");
        dialog->setValues(values);
        dialog->accept();
        QTRY_COMPARE(saved.size(), 2);
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("next call")));
        // The message has the whole bar; the certificate label is back after it.
        QCOMPARE(window.statusBar()->toolTip(), window.statusBar()->currentMessage());
        QLabel *certificateLabel = nullptr;
        for (QLabel *label : window.statusBar()->findChildren<QLabel *>()) {
            if (label->accessibleName() == QStringLiteral("Certificate")) {
                certificateLabel = label;
            }
        }
        QVERIFY(certificateLabel != nullptr);
        QVERIFY(certificateLabel->isHidden());
        window.statusBar()->clearMessage();
        QVERIFY(!certificateLabel->isHidden());
        QVERIFY(window.statusBar()->toolTip().isEmpty());
        QTest::qWait(20);
        QCOMPARE(restart.size(), 1);
        QCOMPARE(settings.audioOutput(), QByteArray("some-headset"));

        // During a call: saved now, applied once the call has ended, and said in words.
        app::CallController call(app::CallController::Direction::Incoming,
                                 QStringLiteral("sip:carol@c.example"));
        call.applyState(app::CallController::State::Ringing);
        Q_EMIT phone.incomingCall(&call);
        QVERIFY(binding.hasLiveCall());
        QTRY_VERIFY(window.findChild<ui::SettingsDialog *>() == nullptr);
        binding.openSettings();
        dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        QVERIFY2(dialog->notice().contains(QStringLiteral("once the call has ended")),
                 qPrintable(dialog->notice()));
        values = dialog->values();
        values.requireEndToEnd = !values.requireEndToEnd;
        dialog->setValues(values);
        dialog->accept();
        QTRY_COMPARE(saved.size(), 3);
        QVERIFY(binding.restartPending());
        QVERIFY2(window.statusBar()->currentMessage().contains(
                     QStringLiteral("apply after the current call ends")),
                 qPrintable(window.statusBar()->currentMessage()));
        call.applyState(app::CallController::State::Active);
        QTest::qWait(20);
        QCOMPARE(restart.size(), 1);
        QCOMPARE(call.state(), app::CallController::State::Active);

        call.applyEnd(QStringLiteral("Hung up"), QStringLiteral("answered"));
        QTRY_COMPARE(restart.size(), 2);
        QVERIFY(!binding.restartPending());
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("call has ended")));
    }

    void historyRowsFromModel() {
        app::HistoryModel model(m_home.path() + QStringLiteral("/history.json"));
        app::HistoryEntry entry;
        entry.peer = QStringLiteral("sip:carol@c.example");
        entry.direction = app::CallController::Direction::Incoming;
        entry.started = QDateTime::currentDateTimeUtc();
        entry.durationSeconds = 42;
        entry.verdict = app::CallController::Verdict::NewDevice;
        entry.endToEnd = true;
        entry.outcome = QStringLiteral("answered");
        model.add(entry);
        const QList<ui::HistoryRow> rows = PhoneBinding::historyRows(model);
        QCOMPARE(rows.size(), 1);
        QVERIFY(rows[0].incoming);
        QCOMPARE(rows[0].verdict, BadgeState::NewDevice);
        QCOMPARE(rows[0].durationSeconds, 42);
        QVERIFY(rows[0].endToEnd);
        QCOMPARE(rows[0].outcome, QStringLiteral("answered"));
    }

    void settingsRoundTripAndRejection() {
        app::AppSettings settings(QStringLiteral("binding-test"));
        QVERIFY(settings.load().isEmpty());
        settings.setAddress(QStringLiteral("alice@a.example"));
        ui::SettingsValues values = PhoneBinding::settingsValues(settings);
        values.certificateLifetimeDays = 3;
        values.cacheTtlSeconds = 0;
        values.requireEndToEnd = true;
        values.keyStorage = ui::SettingsValues::KeyStorage::RegenerateEachStart;
        QCOMPARE(PhoneBinding::applySettings(settings, values), QString());

        app::AppSettings reread(QStringLiteral("binding-test"));
        QVERIFY(reread.load().isEmpty());
        const ui::SettingsValues back = PhoneBinding::settingsValues(reread);
        QCOMPARE(back.certificateLifetimeDays, 3);
        QCOMPARE(back.cacheTtlSeconds, 0);
        QVERIFY(back.requireEndToEnd);
        QCOMPARE(back.keyStorage, ui::SettingsValues::KeyStorage::RegenerateEachStart);

        values.dnsServer = QStringLiteral("not an address");
        const QString error = PhoneBinding::applySettings(settings, values);
        QVERIFY2(!error.isEmpty(), "a bad DNS server is refused with words");
    }

    void incomingCallShowsNonModalDialogUntilCallerGivesUp() {
        app::AppSettings settings(QStringLiteral("incoming-test"));
        QVERIFY(settings.load().isEmpty());
        app::PhoneController phone(settings);
        ui::MainWindow window;
        PhoneBinding binding(phone, settings, window);
        window.show();

        app::CallController call(app::CallController::Direction::Incoming,
                                 QStringLiteral("sip:carol@c.example"));
        sip::IdentityVerdict verdict;
        verdict.kind = sip::IdentityVerdict::Kind::VerifiedNewDevice;
        verdict.aor = "sip:carol@c.example";
        verdict.signerFingerprint = "sha256:" + std::string(64, 'd');
        verdict.vouchingDomain = "c.example";
        call.applyIdentity(verdict);
        call.applyState(app::CallController::State::Ringing);
        // The engine's signal: the binding must return at once (no exec()).
        Q_EMIT phone.incomingCall(&call);

        auto *dialog = window.findChild<ui::IncomingCallDialog *>();
        QVERIFY(dialog != nullptr);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        QCOMPARE(dialog->view().verdict, BadgeState::NewDevice);
        QCOMPARE(dialog->view().peer, call.peer());

        // The caller gives up: the dialog goes away without a decision being sent.
        call.applyEnd(QStringLiteral("The caller hung up"), QStringLiteral("missed"));
        QTRY_VERIFY(window.findChild<ui::IncomingCallDialog *>() == nullptr);
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("Missed")));
    }

    void windowLayoutRememberedInAppSettings() {
        QByteArray geometry;
        {
            app::AppSettings settings(QStringLiteral("layout-test"));
            QVERIFY(settings.load().isEmpty());
            ui::MainWindow window;
            window.useLayoutStore(
                {[&settings](const QString &key) { return settings.appValue(key); },
                 [&settings](const QString &key, const QVariant &value) {
                     settings.setAppValue(key, value);
                 }});
            window.resize(811, 603);
            window.showTab(2);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.saveLayout();
            geometry = window.saveGeometry();
        }
        app::AppSettings settings(QStringLiteral("layout-test"));
        QVERIFY(settings.load().isEmpty());
        QCOMPARE(settings.appValue(QStringLiteral("window/geometry")).toByteArray(), geometry);
        ui::MainWindow again;
        again.useLayoutStore(
            {[&settings](const QString &key) { return settings.appValue(key); }, {}});
        QCOMPARE(again.size(), QSize(811, 603));
        QCOMPARE(settings.appValue(QStringLiteral("window/tab")).toInt(), 2);
    }
};

QTEST_MAIN(TestPhoneBinding)
#include "test_phone_binding.moc"
