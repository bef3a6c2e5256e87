// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Renders each main screen to ${NAPKIN_BINARY_DIR}/screenshots/*.png so people can look at
// them, and checks that each rendered and is not blank.

#include "UiSamples.h"
#include "ui/AccountSetupDialog.h"
#include "ui/PasswordDialog.h"
#include "ui/SettingsDialog.h"

#include <QAbstractButton>
#include <QDir>
#include <QImage>
#include <QtTest>

using namespace napkin::ui;

class TestUiScreenshots : public QObject {
    Q_OBJECT
private:
    QString m_dir;

    void shoot(QWidget *w, const QString &name) {
        w->show();
        QVERIFY(QTest::qWaitForWindowExposed(w));
        QCoreApplication::processEvents();
        const QPixmap pm = w->grab();
        QVERIFY(!pm.isNull());
        const QImage img = pm.toImage();
        // Not blank: the screen has more than a handful of distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 3) {
            for (int x = 0; x < img.width(); x += 3) {
                colours.insert(img.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 8, qPrintable(name));
        const QString path = m_dir + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY2(pm.save(path), qPrintable(path));
    }

private Q_SLOTS:
    void initTestCase() {
        const QString bin = qEnvironmentVariable("NAPKIN_BINARY_DIR", QDir::currentPath());
        m_dir = bin + QStringLiteral("/screenshots");
        QVERIFY(QDir().mkpath(m_dir));
    }

    void mainWindow() {
        MainWindow w;
        w.resize(760, 520);
        w.setContacts(samples::contacts());
        w.setHistory(samples::history());
        w.setStatus(samples::status());
        w.showTab(1);
        shoot(&w, QStringLiteral("main-window-history"));
        w.showTab(0);
        shoot(&w, QStringLiteral("main-window-contacts"));
    }

    void incomingCalls() {
        const QList<QPair<BadgeState, QString>> states = {
            {BadgeState::Verified, QStringLiteral("verified")},
            {BadgeState::NewDevice, QStringLiteral("new-device")},
            {BadgeState::Unverified, QStringLiteral("unverified")},
            {BadgeState::Failed, QStringLiteral("failed")},
            {BadgeState::Unverifiable, QStringLiteral("unverifiable")},
        };
        for (const auto &[state, name] : states) {
            IncomingCallDialog d;
            d.setView(samples::incoming(state));
            d.resize(440, d.sizeHint().height());
            shoot(&d, QStringLiteral("incoming-call-") + name);
        }
    }

    void callPanels() {
        for (bool e2e : {true, false}) {
            MainWindow w;
            w.resize(560, 720);
            w.setStatus(samples::status());
            w.callPanel()->setView(samples::activeCall(e2e));
            w.showCallPanel(true);
            if (e2e) {
                // Show the keypad too, as it looks while sending tones.
                auto *keypad =
                    w.callPanel()->findChild<QAbstractButton *>(QStringLiteral("keypadButton"));
                QVERIFY(keypad != nullptr);
                keypad->click();
            }
            shoot(&w, e2e ? QStringLiteral("call-panel-end-to-end")
                          : QStringLiteral("call-panel-not-end-to-end"));
        }
    }

    void devicesWithBanner() {
        MainWindow w;
        w.resize(820, 480);
        w.setStatus(samples::status());
        w.devicesPage()->setDevices(samples::devices());
        w.devicesPage()->showUnknownDevice(QStringLiteral("sha256:d00d"),
                                           QStringLiteral("urn:uuid:ffee0011"));
        w.showTab(2);
        shoot(&w, QStringLiteral("devices-page-unknown-device"));
    }

    void settings() {
        SettingsDialog d;
        SettingsValues v;
        v.certificateLifetimeDays = 7;
        v.cacheTtlSeconds = 0;
        v.dnsServer = QStringLiteral("192.0.2.53:53");
        v.stunServer = QStringLiteral("stun.a.example:3478");
        v.turnServer = QStringLiteral("turns:turn.a.example:5349");
        v.turnUser = QStringLiteral("alice");
        v.turnPasswordKnown = true;
        v.requireEndToEnd = true;
        d.setValues(v);
        d.setIceTestAvailable(true);
        d.iceTestFinished(true, QStringLiteral("Got host, server-reflexive, relayed candidates."));
        for (int tab = 0; tab < 3; ++tab) {
            d.showSection(tab);
            shoot(&d, QStringLiteral("settings-%1").arg(tab));
        }
    }

    void passwordPrompt() {
        PasswordDialog d(QStringLiteral("alice@a.example"),
                         QStringLiteral("Napkin cannot keep it between starts because no system "
                                        "keychain is available: no Secret Service on the "
                                        "session bus.\nIt is not written to any file, so you "
                                        "will be asked again next time."));
        shoot(&d, QStringLiteral("password-prompt"));
    }

    void accountSetup() {
        AccountSetupDialog d;
        AccountSetupValues v;
        v.address = QStringLiteral("alice@a.example");
        v.password = QStringLiteral("not-a-real-password");
        v.transport = QStringLiteral("tls");
        d.setValues(v);
        d.testFinished(true, QStringLiteral("registered at a.example and certificate published"));
        shoot(&d, QStringLiteral("account-setup"));
        // The server is down: saving is still possible, with the warning in words.
        d.testFinished(false, QStringLiteral("a.example did not answer within 30 s"));
        shoot(&d, QStringLiteral("account-setup-test-failed"));
    }

    void settingsDuringACall() {
        SettingsDialog d;
        d.setNotice(QStringLiteral("A call is in progress. Audio devices apply from the next "
                                   "call; the other settings apply once the call has ended, "
                                   "so it is not cut off."));
        d.showSection(1);
        shoot(&d, QStringLiteral("settings-during-call"));
    }
};

QTEST_MAIN(TestUiScreenshots)
#include "test_ui_screenshots.moc"
