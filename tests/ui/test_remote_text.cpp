// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Remote text is text (issue 12 §5, review M6): markup in anything a peer, a proxy or a
// certificate service chose (display name or AOR, end reason, not-end-to-end reason,
// verdict reason, device name, DNS names, error messages) reaches the screen literally.
// Fed through the real controllers and PhoneBinding, as the app does; no engine.

#include "app/controllers/CallController.h"
#include "app/controllers/DevicesModel.h"
#include "app/controllers/HistoryModel.h"
#include "tests/ui/BoundPhone.h"
#include "ui/AccountSetupDialog.h"
#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IdentityBadge.h"
#include "ui/IncomingCallDialog.h"
#include "ui/PlainText.h"

#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QTreeWidget>
#include <QtTest>

using namespace napkin;
using ui::PhoneBinding;
using ui::testing::BoundPhone;

namespace {

const std::string kFingerprint = "sha256:" + std::string(64, 'e');

/// What a tooltip shows: tooltips guess rich text like an AutoText label.
QString renderedToolTip(const QString &tip) {
    if (!Qt::mightBeRichText(tip)) {
        return tip;
    }
    QTextDocument document;
    document.setHtml(tip);
    return document.toPlainText();
}

} // namespace

class TestRemoteText : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_home;

    /// The label shows `expected` character for character and never as markup.
    static void expectLiteral(const QWidget *root, const char *name, const QString &expected) {
        auto *label = root->findChild<QLabel *>(QString::fromLatin1(name));
        QVERIFY2(label != nullptr, name);
        QCOMPARE(label->text(), expected);
        QCOMPARE(label->textFormat(), Qt::PlainText);
    }

    static void addHostileRows() {
        QTest::addColumn<QString>("hostile");
        QTest::newRow("bold") << QStringLiteral("<b>bold</b>");
        QTest::newRow("link") << QStringLiteral("<a href=\"http://x\">link</a>");
        QTest::newRow("image") << QStringLiteral("<img src=\"x\">");
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_home.isValid());
        ui::testing::useHome(m_home);
    }

    void callPanel_data() { addHostileRows(); }
    void callPanel() {
        QFETCH(QString, hostile);
        app::CallController call(app::CallController::Direction::Outgoing, hostile);
        sip::IdentityVerdict verdict;
        verdict.kind = sip::IdentityVerdict::Kind::Verified;
        verdict.aor = "sip:bob@b.example";
        verdict.signerFingerprint = kFingerprint;
        verdict.vouchingDomain = hostile.toStdString(); // a DNS name, as the service gave it
        verdict.instanceUrn = "urn:uuid:" + hostile.toStdString();
        call.applyIdentity(verdict);
        call.applyMedia(QStringLiteral("opus"), QString(), false, hostile, false);
        call.applyState(app::CallController::State::Active);

        ui::CallPanel panel;
        panel.setView(PhoneBinding::callView(call));
        expectLiteral(&panel, "peerLabel", hostile);
        expectLiteral(&panel, "securityLabel", QStringLiteral("Not end-to-end: ") + hostile);
        expectLiteral(&panel, "vouchValue", hostile);
        // A URN that is not a UUID is no name at all: the fingerprint stands in.
        const QString shortFingerprint =
            app::CallController::deviceNameFor({}, QString::fromStdString(kFingerprint));
        expectLiteral(&panel, "deviceValue", shortFingerprint);
        auto *badge = panel.findChild<ui::IdentityBadge *>();
        QVERIFY(badge != nullptr);
        const QString detail = hostile + QStringLiteral(" vouches for this device (") +
                               shortFingerprint + QStringLiteral(")");
        expectLiteral(badge, "badgeDetail", detail);
        QCOMPARE(renderedToolTip(badge->toolTip()), detail);

        // The end: the reason is the peer's or the proxy's words (reason phrase, Warning).
        call.applyEnd(hostile, QStringLiteral("failed"));
        const ui::CallView ended = PhoneBinding::callView(call);
        QVERIFY(ended.stateText.contains(hostile));
        panel.setView(ended);
        expectLiteral(&panel, "stateLabel", ended.stateText);
    }

    void verdictReason_data() { addHostileRows(); }
    void verdictReason() {
        QFETCH(QString, hostile);
        app::CallController call(app::CallController::Direction::Incoming,
                                 QStringLiteral("sip:mallory@m.example"));
        call.applyIdentity(sip::IdentityVerdict::failedBecause(
            "sip:mallory@m.example", sip::IdentityFailure::None, hostile.toStdString()));
        QCOMPARE(call.verdictDetail(), hostile);
        ui::IdentityBadge badge;
        badge.setState(ui::BadgeState::Failed, call.verdictDetail());
        expectLiteral(&badge, "badgeDetail", hostile);
        QCOMPARE(renderedToolTip(badge.toolTip()), hostile);
    }

    void incomingCall_data() { addHostileRows(); }
    void incomingCall() {
        QFETCH(QString, hostile);
        BoundPhone bound(QStringLiteral("remote-text-incoming"));
        QVERIFY(bound.loadProblem.isEmpty());
        app::PhoneController &phone = bound.phone;
        ui::MainWindow &window = bound.window;

        app::CallController call(app::CallController::Direction::Incoming, hostile);
        sip::IdentityVerdict verdict;
        verdict.kind = sip::IdentityVerdict::Kind::Verified;
        verdict.aor = "sip:carol@c.example";
        verdict.signerFingerprint = kFingerprint;
        verdict.vouchingDomain = "c.example";
        verdict.instanceUrn = "urn:uuid:" + hostile.toStdString();
        call.applyIdentity(verdict);
        call.applyState(app::CallController::State::Ringing);
        Q_EMIT phone.incomingCall(&call);

        auto *dialog = window.findChild<ui::IncomingCallDialog *>();
        QVERIFY(dialog != nullptr);
        expectLiteral(dialog, "peerLabel", hostile);
        const QString device = dialog->findChild<QLabel *>(QStringLiteral("deviceLabel"))->text();
        QVERIFY2(!device.contains(hostile), qPrintable(device));
        expectLiteral(dialog, "deviceLabel",
                      app::CallController::deviceNameFor({}, QString::fromStdString(kFingerprint)));
        QCOMPARE(dialog->windowTitle(), QStringLiteral("Incoming call from ") + hostile);
        call.applyEnd(QStringLiteral("The caller hung up"), QStringLiteral("missed"));
    }

    void callFailedBoxAndStatusBar_data() { addHostileRows(); }
    void callFailedBoxAndStatusBar() {
        QFETCH(QString, hostile);
        BoundPhone bound(QStringLiteral("remote-text-failed"));
        QVERIFY(bound.loadProblem.isEmpty());
        app::PhoneController &phone = bound.phone;
        ui::MainWindow &window = bound.window;

        Q_EMIT phone.callFailed(hostile);
        auto *box = window.findChild<QMessageBox *>();
        QVERIFY(box != nullptr);
        QCOMPARE(box->text(), hostile);
        QCOMPARE(box->textFormat(), Qt::PlainText);
        // The status bar paints its message as plain text; its tooltip guesses.
        QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Call failed: ") + hostile);
        QCOMPARE(renderedToolTip(window.statusBar()->toolTip()),
                 QStringLiteral("Call failed: ") + hostile);
        box->close();
    }

    void devicesAndUnknownDeviceAlert_data() { addHostileRows(); }
    void devicesAndUnknownDeviceAlert() {
        QFETCH(QString, hostile);
        BoundPhone bound(QStringLiteral("remote-text-devices"));
        QVERIFY(bound.loadProblem.isEmpty());
        app::PhoneController &phone = bound.phone;
        ui::MainWindow &window = bound.window;
        ui::DevicesPage *page = window.devicesPage();

        app::DeviceRow stranger;
        stranger.fingerprint = QString::fromStdString(kFingerprint);
        stranger.instanceUrn = QStringLiteral("urn:uuid:") + hostile; // from its certificate
        stranger.notBefore = QDateTime::currentDateTimeUtc();
        stranger.known = false;
        phone.devices()->setRows({stranger});
        auto *table = page->findChild<QTableWidget *>(QStringLiteral("devicesTable"));
        QVERIFY(table != nullptr);
        const QString name = table->item(0, 0)->text();
        QVERIFY2(!name.contains(hostile), qPrintable(name));
        QCOMPARE(phone.devices()
                     ->data(phone.devices()->index(0), app::DevicesModel::DeviceNameRole)
                     .toString()
                     .contains(hostile),
                 false);

        // Whatever name the alert carries is shown as written.
        Q_EMIT phone.devices()->unknownDeviceAppeared(stranger.fingerprint, hostile);
        QVERIFY(page->bannerVisible());
        expectLiteral(page, "bannerText",
                      QStringLiteral("Alert: a device you have not seen before enrolled on your "
                                     "address: %1. If you did not add it, revoke it now and "
                                     "change your password.")
                          .arg(hostile));
        // A service's error message.
        Q_EMIT phone.devices()->revokeFinished(stranger.fingerprint, false, hostile);
        expectLiteral(page, "statusLabel", QStringLiteral("Revoke failed: ") + hostile);
    }

    void revokeConfirmation_data() { addHostileRows(); }
    void revokeConfirmation() {
        QFETCH(QString, hostile);
        ui::DevicesPage page;
        ui::DeviceRow row;
        row.fingerprint = QString::fromStdString(kFingerprint);
        row.deviceName = hostile;
        page.setDevices({row});
        page.findChild<QPushButton *>(QStringLiteral("revoke_0"))->click();
        QMessageBox *box = page.pendingConfirmation();
        QVERIFY(box != nullptr);
        QCOMPARE(box->text(), QStringLiteral("Revoke the certificate of %1?").arg(hostile));
        QCOMPARE(box->textFormat(), Qt::PlainText);
        box->reject();
    }

    void historyContactsAndStatus_data() { addHostileRows(); }
    void historyContactsAndStatus() {
        QFETCH(QString, hostile);
        BoundPhone bound(QStringLiteral("remote-text-history"));
        QVERIFY(bound.loadProblem.isEmpty());
        app::PhoneController &phone = bound.phone;
        ui::MainWindow &window = bound.window;

        app::HistoryEntry entry;
        entry.peer = hostile;
        entry.direction = app::CallController::Direction::Incoming;
        entry.started = QDateTime::currentDateTimeUtc();
        entry.outcome = QStringLiteral("missed");
        phone.history()->add(entry);
        auto *history = window.findChild<QTreeWidget *>(QStringLiteral("historyList"));
        QVERIFY(history != nullptr);
        QVERIFY(history->topLevelItemCount() >= 1);
        bool found = false;
        for (int i = 0; i < history->topLevelItemCount(); ++i) {
            found = found || history->topLevelItem(i)->text(1) == hostile;
        }
        QVERIFY(found); // item views paint their text as plain text

        window.setContacts({{QStringLiteral("Eve"), hostile}});
        auto *contacts = window.findChild<QTreeWidget *>(QStringLiteral("contactsList"));
        QCOMPARE(renderedToolTip(contacts->topLevelItem(0)->toolTip(1)),
                 QStringLiteral("Call ") + hostile);

        // Registration and enrolment words quote the registrar and the certificate service.
        ui::StatusView status;
        status.registration = ui::StatusView::Registration::Failed;
        status.registrationText = hostile;
        status.enrolmentText = hostile;
        window.setStatus(status);
        QCOMPARE(window.statusText(), hostile + QStringLiteral(" | ") + hostile);
        const auto labels = window.statusBar()->findChildren<QLabel *>();
        for (const QLabel *label : labels) {
            QCOMPARE(label->textFormat(), Qt::PlainText);
        }
    }

    void accountTestResult_data() { addHostileRows(); }
    void accountTestResult() {
        QFETCH(QString, hostile);
        ui::AccountSetupDialog dialog;
        dialog.testFinished(false, hostile);
        expectLiteral(&dialog, "testStatus", QStringLiteral("Failed: ") + hostile);
    }

    void notificationsAndToolTipsReadLiterally_data() { addHostileRows(); }
    void notificationsAndToolTipsReadLiterally() {
        QFETCH(QString, hostile);
        QCOMPARE(renderedToolTip(ui::plainToolTip(hostile)), hostile);
        QCOMPARE(ui::plainToolTip(QStringLiteral("no markup here")),
                 QStringLiteral("no markup here"));
        // Notification servers that read markup see it escaped: no element survives.
        const QString body = ui::notificationBody(hostile);
        QVERIFY(!body.contains(QLatin1Char('<')) || body == hostile);
        QTextDocument document;
        document.setHtml(body);
        if (body != hostile) {
            QCOMPARE(document.toPlainText(), hostile);
        }
    }
};

QTEST_MAIN(TestRemoteText)
#include "test_remote_text.moc"
