// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// CallPanel: a call that is not end-to-end says so in words; the controls emit requests.

#include "UiSamples.h"

#include <QAbstractButton>
#include <QGroupBox>
#include <QLabel>
#include <QSignalSpy>
#include <QtTest>

using namespace napkin::ui;

class TestCallPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void notEndToEndSaysSoInWords() {
        CallPanel panel;
        panel.setView(samples::activeCall(false));
        QVERIFY2(panel.securityBannerText().startsWith(QStringLiteral("Not end-to-end")),
                 qPrintable(panel.securityBannerText()));
        auto *e2e = panel.findChild<QLabel *>(QStringLiteral("e2eValue"));
        QVERIFY(e2e != nullptr);
        QCOMPARE(e2e->text(), QStringLiteral("No"));
        auto *lock = panel.findChild<QLabel *>(QStringLiteral("lockIcon"));
        QCOMPARE(lock->accessibleName(), QStringLiteral("Not locked"));
    }

    void notEndToEndWithoutReasonStillWarns() {
        CallPanel panel;
        CallView v = samples::activeCall(false);
        v.securityText = QStringLiteral("the peer sent plain SDP");
        panel.setView(v);
        QCOMPARE(panel.securityBannerText(),
                 QStringLiteral("Not end-to-end: the peer sent plain SDP"));
        v.securityText.clear();
        panel.setView(v);
        QVERIFY(panel.securityBannerText().startsWith(QStringLiteral("Not end-to-end")));
    }

    void endToEndSaysSo() {
        CallPanel panel;
        panel.setView(samples::activeCall(true));
        QCOMPARE(panel.securityBannerText(), QStringLiteral("End-to-end encrypted"));
        auto *suite = panel.findChild<QLabel *>(QStringLiteral("srtpValue"));
        QCOMPARE(suite->text(), QStringLiteral("AES_CM_128_HMAC_SHA1_80"));
        auto *fp = panel.findChild<QLabel *>(QStringLiteral("fingerprintValue"));
        QVERIFY(fp->text().contains(QStringLiteral("A1B2 C3D4")));
    }

    void controlsEmitRequests() {
        CallPanel panel;
        panel.setView(samples::activeCall(true));
        QSignalSpy mute(&panel, &CallPanel::muteToggled);
        QSignalSpy hold(&panel, &CallPanel::holdToggled);
        QSignalSpy hangUp(&panel, &CallPanel::hangUpRequested);
        QSignalSpy dtmf(&panel, &CallPanel::dtmfPressed);
        panel.findChild<QAbstractButton *>(QStringLiteral("muteButton"))->click();
        panel.findChild<QAbstractButton *>(QStringLiteral("holdButton"))->click();
        panel.findChild<QAbstractButton *>(QStringLiteral("hangUpButton"))->click();
        QCOMPARE(mute.count(), 1);
        QCOMPARE(mute.at(0).at(0).toBool(), true);
        QCOMPARE(hold.count(), 1);
        QCOMPARE(hangUp.count(), 1);
        // Keypad: "*" is the tenth key.
        panel.findChild<QAbstractButton *>(QStringLiteral("dtmf_9"))->click();
        panel.findChild<QAbstractButton *>(QStringLiteral("dtmf_10"))->click();
        QCOMPARE(dtmf.count(), 2);
        QCOMPARE(dtmf.at(0).at(0).toString(), QStringLiteral("*"));
        QCOMPARE(dtmf.at(1).at(0).toString(), QStringLiteral("0"));
    }

    void controlsDisabledUntilActive() {
        CallPanel panel;
        CallView v = samples::activeCall(true);
        v.active = false;
        v.stateText = QStringLiteral("Ringing");
        panel.setView(v);
        QVERIFY(!panel.findChild<QAbstractButton *>(QStringLiteral("muteButton"))->isEnabled());
        QVERIFY(panel.findChild<QAbstractButton *>(QStringLiteral("hangUpButton"))->isEnabled());
        v.ended = true;
        panel.setView(v);
        QVERIFY(!panel.findChild<QAbstractButton *>(QStringLiteral("hangUpButton"))->isEnabled());
    }

    void mutedStateReflectedWithoutEcho() {
        CallPanel panel;
        CallView v = samples::activeCall(true);
        QSignalSpy mute(&panel, &CallPanel::muteToggled);
        v.muted = true;
        panel.setView(v); // the controller says muted: no request back
        QCOMPARE(mute.count(), 0);
        auto *button = panel.findChild<QAbstractButton *>(QStringLiteral("muteButton"));
        QVERIFY(button->isChecked());
        QCOMPARE(button->accessibleName(), QStringLiteral("Unmute microphone"));
    }

    void durationFormat() {
        QCOMPARE(CallPanel::formatDuration(0), QStringLiteral("0:00"));
        QCOMPARE(CallPanel::formatDuration(83), QStringLiteral("1:23"));
        QCOMPARE(CallPanel::formatDuration(3723), QStringLiteral("1:02:03"));
        QCOMPARE(CallPanel::formatDuration(-5), QStringLiteral("0:00"));
    }
};

QTEST_MAIN(TestCallPanel)
#include "test_call_panel.moc"
