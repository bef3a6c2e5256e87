// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// PhoneBinding's conversions from the real controllers (fed through their apply*/setRows
// entry points, no engine) into what the widgets show, and the settings round trip.

#include "app/controllers/AppSettings.h"
#include "app/controllers/CallController.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "app/controllers/IceServerTest.h"
#include "app/controllers/PhoneController.h"
#include "app/controllers/SecretStore.h"
#include "app/controllers/TurnPassword.h"
#include "tests/ui/BoundPhone.h"
#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IncomingCallDialog.h"
#include "ui/MainWindow.h"
#include "ui/PhoneBinding.h"
#include "ui/SettingsDialog.h"

#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace napkin;
using ui::BadgeState;
using ui::PhoneBinding;

namespace {

/// A keychain in memory: what the binding stored, where a test can see it.
class MemorySecretStore final : public app::SecretStore {
public:
    QMap<QString, QByteArray> entries;

    bool available() const override { return true; }
    QString unavailableReason() const override { return {}; }
    void readPassword(const QString &aor, ReadCallback done) override {
        read(QStringLiteral("password ") + aor, std::move(done));
    }
    void writePassword(const QString &aor, const QByteArray &password, DoneCallback done) override {
        write(QStringLiteral("password ") + aor, password, std::move(done));
    }
    void deletePassword(const QString &aor, DoneCallback done) override {
        remove(QStringLiteral("password ") + aor, std::move(done));
    }
    void readTurnPassword(const QString &aor, ReadCallback done) override {
        read(QStringLiteral("turn-password ") + aor, std::move(done));
    }
    void writeTurnPassword(const QString &aor, const QByteArray &password,
                           DoneCallback done) override {
        write(QStringLiteral("turn-password ") + aor, password, std::move(done));
    }
    void deleteTurnPassword(const QString &aor, DoneCallback done) override {
        remove(QStringLiteral("turn-password ") + aor, std::move(done));
    }

private:
    void read(const QString &key, ReadCallback done) {
        const std::optional<QByteArray> value =
            entries.contains(key) ? std::optional(entries.value(key)) : std::nullopt;
        QTimer::singleShot(0, [done = std::move(done), value] { done(value); });
    }
    void write(const QString &key, const QByteArray &value, DoneCallback done) {
        entries.insert(key, value);
        QTimer::singleShot(0, [done = std::move(done)] { done({}); });
    }
    void remove(const QString &key, DoneCallback done) {
        entries.remove(key);
        QTimer::singleShot(0, [done = std::move(done)] { done({}); });
    }
};

QByteArray fileText(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString errorText(const ui::SettingsDialog &dialog) {
    const auto *label = dialog.findChild<QLabel *>(QStringLiteral("errorLabel"));
    return label != nullptr && !label->isHidden() ? label->text() : QString();
}

} // namespace

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

    void networkSettingsRoundTripAndRejection() {
        app::AppSettings settings(QStringLiteral("ice-settings-test"));
        QVERIFY(settings.load().isEmpty());
        settings.setAddress(QStringLiteral("alice@a.example"));
        ui::SettingsValues values = PhoneBinding::settingsValues(settings);
        QVERIFY(values.stunServer.isEmpty() && values.turnServer.isEmpty());
        values.stunServer = QStringLiteral("stun.a.example:3479");
        values.turnServer = QStringLiteral("turns:turn.a.example");
        values.turnUser = QStringLiteral("alice");
        values.turnPassword = QStringLiteral("never-in-the-file");
        QCOMPARE(PhoneBinding::applySettings(settings, values), QString());
        QVERIFY(!fileText(settings.profilePath()).contains("never-in-the-file"));

        app::AppSettings reread(QStringLiteral("ice-settings-test"));
        QVERIFY(reread.load().isEmpty());
        const ui::SettingsValues back = PhoneBinding::settingsValues(reread);
        QCOMPARE(back.stunServer, QStringLiteral("stun.a.example:3479"));
        QCOMPARE(back.turnServer, QStringLiteral("turns:turn.a.example:5349"));
        QCOMPARE(back.turnUser, QStringLiteral("alice"));
        QVERIFY(back.turnPassword.isEmpty());
        QVERIFY(!back.turnPasswordKnown); // no file: the keychain (TurnPassword) knows it

        // Only a TURN server change restarts the account; a password typed is handled apart.
        ui::SettingsValues changed = back;
        changed.turnPassword = QStringLiteral("typed");
        QVERIFY(!PhoneBinding::needsRestart(back, changed));
        changed.stunServer = QStringLiteral("192.0.2.1");
        QVERIFY(PhoneBinding::needsRestart(back, changed));

        // A TURN server needs a password, typed now or known already.
        changed = back;
        QVERIFY(PhoneBinding::turnPasswordProblem(changed).contains(QStringLiteral("password")));
        changed.turnPasswordKnown = true;
        QVERIFY(PhoneBinding::turnPasswordProblem(changed).isEmpty());
        changed.turnPasswordKnown = false;
        changed.turnPassword = QStringLiteral("x");
        QVERIFY(PhoneBinding::turnPasswordProblem(changed).isEmpty());

        // Bad entries are refused in words and leave the file as it was.
        const QByteArray before = fileText(settings.profilePath());
        for (const auto &[stun, turn, user, words] :
             {std::tuple{"stun.a.example:0", "", "", "The STUN server"},
              std::tuple{"stun a.example", "", "", "The STUN server"},
              std::tuple{"", "http://turn.a.example", "alice", "must start with turn: or turns:"},
              std::tuple{"", "turn:turn.a.example?proto=udp", "alice", "the only parameter"},
              std::tuple{"", "turn:turn.a.example", "", "user name"}}) {
            ui::SettingsValues bad = back;
            bad.stunServer = QString::fromUtf8(stun);
            bad.turnServer = QString::fromUtf8(turn);
            bad.turnUser = QString::fromUtf8(user);
            const QString error = PhoneBinding::applySettings(settings, bad);
            QVERIFY2(error.contains(QString::fromUtf8(words)), qPrintable(error));
            QCOMPARE(fileText(settings.profilePath()), before);
        }
    }

    void turnPasswordGoesToTheKeychainNotTheFile() {
        app::AppSettings settings(QStringLiteral("turn-keychain-test"));
        QVERIFY(settings.load().isEmpty());
        settings.setAddress(QStringLiteral("alice@a.example"));
        QVERIFY(settings.save().isEmpty());
        app::PhoneController phone(settings);
        ui::MainWindow window;
        PhoneBinding binding(phone, settings, window);
        MemorySecretStore keychain;
        app::TurnPassword turn(&keychain);
        binding.setTurnPassword(&turn);
        const QString entry = QStringLiteral("turn-password sip:alice@a.example");

        // A TURN server without its password is refused, nothing saved.
        binding.openSettings();
        auto *dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        ui::SettingsValues values = dialog->values();
        values.turnServer = QStringLiteral("turn:turn.a.example?transport=tcp");
        values.turnUser = QStringLiteral("alice");
        dialog->setValues(values);
        dialog->accept();
        QVERIFY2(errorText(*dialog).contains(QStringLiteral("Enter the password for the TURN "
                                                            "server")),
                 qPrintable(errorText(*dialog)));
        QVERIFY(dialog->isVisible());
        QVERIFY(settings.turnServer().isEmpty());

        // A bad server with a password: refused too, the password not kept anywhere.
        values.turnServer = QStringLiteral("turn:turn.a.example:70000");
        values.turnPassword = QStringLiteral("tp-s3cret");
        dialog->setValues(values);
        dialog->accept();
        QVERIFY2(errorText(*dialog).contains(QStringLiteral("port must be 1 to 65535")),
                 qPrintable(errorText(*dialog)));
        QTest::qWait(20);
        QVERIFY(keychain.entries.isEmpty());
        QVERIFY(!turn.known());

        // Good values: the server in the profile, the password in the keychain.
        values.turnServer = QStringLiteral("turn:turn.a.example?transport=tcp");
        dialog->setValues(values);
        dialog->accept();
        QTRY_COMPARE(keychain.entries.value(entry), QByteArray("tp-s3cret"));
        QVERIFY(turn.known());
        QCOMPARE(turn.value(), QByteArray("tp-s3cret"));
        QCOMPARE(settings.turnServer(), QStringLiteral("turn:turn.a.example:3478?transport=tcp"));
        const QByteArray profile = fileText(settings.profilePath());
        QVERIFY2(profile.contains("turn_user = \"alice\""), profile.constData());
        QVERIFY(!profile.contains("tp-s3cret"));
        QVERIFY(!fileText(settings.settingsPath()).contains("tp-s3cret"));

        // Opened again: the password is never shown, only that one is stored; saving
        // without typing keeps it.
        QTRY_VERIFY(window.findChild<ui::SettingsDialog *>() == nullptr);
        binding.openSettings();
        dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        values = dialog->values();
        QVERIFY(values.turnPassword.isEmpty());
        QVERIFY(values.turnPasswordKnown);
        auto *passwordEdit = dialog->findChild<QLineEdit *>(QStringLiteral("turnPasswordEdit"));
        QVERIFY(passwordEdit != nullptr);
        QCOMPARE(passwordEdit->echoMode(), QLineEdit::Password);
        QVERIFY(passwordEdit->text().isEmpty());
        QVERIFY(passwordEdit->placeholderText().contains(QStringLiteral("Stored")));
        values.stunServer = QStringLiteral("stun.a.example");
        dialog->setValues(values);
        dialog->accept();
        QTRY_VERIFY(window.findChild<ui::SettingsDialog *>() == nullptr);
        QCOMPARE(keychain.entries.value(entry), QByteArray("tp-s3cret"));

        // Removing the TURN server forgets its password.
        binding.openSettings();
        dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        values = dialog->values();
        values.turnServer.clear();
        values.turnUser.clear();
        dialog->setValues(values);
        dialog->accept();
        QTRY_VERIFY(!keychain.entries.contains(entry));
        QVERIFY(!turn.known());
        QVERIFY(!fileText(settings.profilePath()).contains("turn_"));
    }

    void iceServerTestShowsTheKinds() {
        app::AppSettings settings(QStringLiteral("ice-test-test"));
        QVERIFY(settings.load().isEmpty());
        settings.setAddress(QStringLiteral("alice@a.example"));
        QVERIFY(settings.save().isEmpty());
        app::PhoneController phone(settings);
        ui::MainWindow window;
        PhoneBinding binding(phone, settings, window);

        // The probe answers from its own thread, as libnice's does.
        std::vector<media::IceSessionConfig> asked;
        media::IceProbeResult answer;
        std::vector<std::jthread> threads; // joined however the test ends
        app::IceServerTest test(
            [&](media::IceSessionConfig config, std::function<void(media::IceProbeResult)> done) {
                asked.push_back(config);
                threads.emplace_back([done = std::move(done), answer] { done(answer); });
            });
        binding.setIceServerTest(&test);
        binding.openSettings();
        auto *dialog = window.findChild<ui::SettingsDialog *>();
        QVERIFY(dialog != nullptr);
        auto *button = dialog->findChild<QPushButton *>(QStringLiteral("iceTestButton"));
        QVERIFY(button != nullptr);
        QVERIFY(!button->isHidden());

        // Nothing to test, or a bad entry: words, and no probe.
        button->click();
        QVERIFY2(dialog->iceTestText().contains(QStringLiteral("Enter a STUN or TURN server")),
                 qPrintable(dialog->iceTestText()));
        ui::SettingsValues values = dialog->values();
        values.turnServer = QStringLiteral("turn:turn.a.example:0");
        values.turnUser = QStringLiteral("alice");
        dialog->setValues(values);
        button->click();
        QVERIFY2(dialog->iceTestText().contains(QStringLiteral("port must be")),
                 qPrintable(dialog->iceTestText()));
        QVERIFY(asked.empty());

        // Everything gathered: the kinds in words.
        values.stunServer = QStringLiteral("stun.a.example");
        values.turnServer = QStringLiteral("turns:turn.a.example");
        values.turnPassword = QStringLiteral("typed, not saved");
        values.dnsServer = QStringLiteral("127.0.0.53:5353");
        dialog->setValues(values);
        answer.kinds = {media::CandidateKind::Relayed, media::CandidateKind::Host,
                        media::CandidateKind::ServerReflexive};
        button->click();
        QVERIFY(!button->isEnabled());
        QTRY_VERIFY(button->isEnabled());
        QCOMPARE(dialog->iceTestText(),
                 QStringLiteral("Got host, server-reflexive, relayed candidates."));
        QCOMPARE(asked.size(), std::size_t(1));
        QVERIFY(asked[0].servers.stun.has_value());
        QCOMPARE(asked[0].servers.stun->host, std::string("stun.a.example"));
        QVERIFY(asked[0].servers.turn.has_value());
        QVERIFY(asked[0].servers.turn->transport == media::TurnTransport::Tls);
        QCOMPARE(asked[0].servers.turn->user, std::string("alice"));
        QCOMPARE(asked[0].servers.turn->password, std::string("typed, not saved"));
        QVERIFY(asked[0].resolve != nullptr);
        QCOMPARE(asked[0].resolve("192.0.2.5"), std::vector<std::string>{"192.0.2.5"});

        // The relay missing: the probe's problem, in words.
        answer.kinds = {media::CandidateKind::Host, media::CandidateKind::ServerReflexive};
        answer.problems = {"the TURN server did not answer"};
        button->click();
        QTRY_VERIFY(button->isEnabled());
        QVERIFY2(dialog->iceTestText().contains(QStringLiteral("Got host, server-reflexive "
                                                               "candidates. Problems: the TURN "
                                                               "server did not answer")),
                 qPrintable(dialog->iceTestText()));
        // Nothing was saved by testing.
        QVERIFY(settings.turnServer().isEmpty());
        dialog->reject();

        // What the words say when the probe names no problem but a kind is missing.
        media::IceServers servers;
        servers.stun = media::StunServer{"stun.a.example", 3478};
        media::IceProbeResult hostOnly;
        hostOnly.kinds = {media::CandidateKind::Host};
        QVERIFY(!app::IceServerTest::passed(hostOnly, servers));
        QVERIFY2(app::IceServerTest::describe(hostOnly, servers)
                     .contains(QStringLiteral("no server-reflexive address from the STUN server "
                                              "stun.a.example:3478")),
                 qPrintable(app::IceServerTest::describe(hostOnly, servers)));
        QVERIFY(app::IceServerTest::describe({}, {}).contains(QStringLiteral("No candidates")));
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
