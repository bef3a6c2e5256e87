// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Every window and dialog: each interactive control has an accessible name, and no button
// is blank (its words come from tr() in the forms and code).

#include "UiSamples.h"
#include "ui/AccountSetupDialog.h"
#include "ui/IdentityBadge.h"
#include "ui/PasswordDialog.h"
#include "ui/SettingsDialog.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabBar>
#include <QtTest>

#include <functional>
#include <memory>

using namespace napkin::ui;

namespace {

/// Parts Qt builds inside composite widgets (the line edit of a spin box, a view's
/// scroll bars, a tab bar's scroll arrows): their parent carries the name.
bool isInternalPart(const QWidget *w) {
    for (const QWidget *p = w->parentWidget(); p != nullptr; p = p->parentWidget()) {
        if (qobject_cast<const QAbstractSpinBox *>(p) != nullptr ||
            qobject_cast<const QComboBox *>(p) != nullptr ||
            qobject_cast<const QTabBar *>(p) != nullptr) {
            return true;
        }
    }
    // A view's headers and corner button belong to the view (the view is named); cell
    // widgets such as the Revoke buttons are ours and are checked.
    if (qobject_cast<const QScrollBar *>(w) != nullptr ||
        qobject_cast<const QHeaderView *>(w) != nullptr ||
        qstrcmp(w->metaObject()->className(), "QTableCornerButton") == 0) {
        return true;
    }
    return w->objectName().startsWith(QLatin1String("qt_"));
}

bool isInteractive(const QWidget *w) {
    return qobject_cast<const QAbstractButton *>(w) != nullptr ||
           qobject_cast<const QLineEdit *>(w) != nullptr ||
           qobject_cast<const QComboBox *>(w) != nullptr ||
           qobject_cast<const QAbstractSpinBox *>(w) != nullptr ||
           qobject_cast<const QAbstractItemView *>(w) != nullptr ||
           qobject_cast<const QAbstractSlider *>(w) != nullptr ||
           qobject_cast<const QProgressBar *>(w) != nullptr;
}

QString describe(const QWidget *w) {
    return QStringLiteral("%1 '%2' in %3")
        .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(),
             w->window()->objectName());
}

/// Returns the problems found (empty: all good), and how many controls were checked.
QStringList audit(QWidget *top, int &checked) {
    QStringList problems;
    QList<QWidget *> all = top->findChildren<QWidget *>();
    all.prepend(top);
    for (QWidget *w : std::as_const(all)) {
        if (!isInteractive(w) || isInternalPart(w)) {
            continue;
        }
        ++checked;
        if (w->accessibleName().trimmed().isEmpty()) {
            problems << QStringLiteral("no accessibleName: ") + describe(w);
        }
        if (auto *button = qobject_cast<QAbstractButton *>(w)) {
            if (button->text().trimmed().isEmpty() && button->icon().isNull()) {
                problems << QStringLiteral("blank button: ") + describe(w);
            }
        }
    }
    // Labels that caption a control must not be empty either (an empty caption is a
    // form row with no words for people who see it).
    for (QLabel *label : top->findChildren<QLabel *>()) {
        if (label->buddy() != nullptr && label->text().trimmed().isEmpty()) {
            problems << QStringLiteral("empty caption: ") + describe(label);
        }
    }
    return problems;
}

} // namespace

class TestUiAccessibility : public QObject {
    Q_OBJECT
private:
    void check(QWidget *top, int minimumControls) {
        int checked = 0;
        const QStringList problems = audit(top, checked);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QVERIFY2(checked >= minimumControls,
                 qPrintable(QStringLiteral("only %1 controls found in %2")
                                .arg(checked)
                                .arg(top->objectName())));
    }

private Q_SLOTS:
    void mainWindow() {
        MainWindow w;
        w.setContacts(samples::contacts());
        w.setHistory(samples::history());
        w.setStatus(samples::status());
        w.devicesPage()->setDevices(samples::devices());
        w.devicesPage()->showUnknownDevice(QStringLiteral("sha256:d00d"),
                                           QStringLiteral("urn:uuid:ffee0011"));
        w.callPanel()->setView(samples::activeCall(false));
        w.show();
        // Dial field, call button, contacts (list, 2 edits, 2 buttons), history, devices
        // (table, refresh, acknowledge, 3 revoke buttons), call panel (4 + 12 keypad).
        check(&w, 25);
    }

    void incomingCallDialog() {
        IncomingCallDialog d;
        d.setView(samples::incoming(BadgeState::Failed));
        check(&d, 2);
    }

    void callPanel() {
        CallPanel p;
        p.setView(samples::activeCall(true));
        check(&p, 16);
    }

    void devicesPageAndConfirmation() {
        DevicesPage page;
        page.setDevices(samples::devices());
        page.showUnknownDevice(QStringLiteral("sha256:d00d"), QStringLiteral("urn:uuid:ffee0011"));
        page.show();
        check(&page, 5);
        page.confirmRevoke(QStringLiteral("sha256:77aa"));
        QMessageBox *box = page.pendingConfirmation();
        QVERIFY(box != nullptr);
        QVERIFY(box->isVisible());
        QVERIFY(box->text().contains(QStringLiteral("desk phone")));
        int checked = 0;
        QStringList problems;
        for (QAbstractButton *b : box->buttons()) {
            ++checked;
            if (b->accessibleName().isEmpty()) {
                problems << b->text();
            }
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char(','))));
        QCOMPARE(checked, 2);
        box->reject();
    }

    void settingsDialog() {
        SettingsDialog d;
        check(&d, 12);
    }

    void accountSetupDialog() {
        AccountSetupDialog d;
        check(&d, 8);
    }

    void passwordDialog() {
        PasswordDialog d(QStringLiteral("alice@a.example"),
                         QStringLiteral("no Secret Service on the session bus"));
        check(&d, 3);
    }

    void badgeIsDescribed() {
        IdentityBadge badge;
        badge.setState(BadgeState::NewDevice);
        QVERIFY(!badge.accessibleName().isEmpty());
        QVERIFY(!badge.accessibleDescription().isEmpty());
    }

    void shortcutsAreInTooltips() {
        MainWindow w;
        IncomingCallDialog d;
        const QString answer =
            QKeySequence(Qt::CTRL | Qt::Key_Return).toString(QKeySequence::NativeText);
        const QString hangUp = QKeySequence(Qt::Key_Escape).toString(QKeySequence::NativeText);
        auto *answerButton = d.findChild<QAbstractButton *>(QStringLiteral("answerButton"));
        auto *declineButton = d.findChild<QAbstractButton *>(QStringLiteral("declineButton"));
        QVERIFY(answerButton != nullptr && declineButton != nullptr);
        QVERIFY2(answerButton->toolTip().contains(answer), qPrintable(answerButton->toolTip()));
        QVERIFY2(declineButton->toolTip().contains(hangUp), qPrintable(declineButton->toolTip()));
        auto *hangUpButton =
            w.callPanel()->findChild<QAbstractButton *>(QStringLiteral("hangUpButton"));
        QVERIFY(hangUpButton != nullptr);
        QVERIFY(hangUpButton->toolTip().contains(hangUp));
    }

    void incomingDialogAnswersToTheKeyboard() {
        IncomingCallDialog d;
        d.setView(samples::incoming(BadgeState::Verified));
        QSignalSpy answered(&d, &IncomingCallDialog::answerRequested);
        QSignalSpy declined(&d, &IncomingCallDialog::declineRequested);
        d.show();
        d.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&d));
        QTest::keyClick(&d, Qt::Key_A, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(answered.count(), 1);
        QCOMPARE(declined.count(), 0);

        IncomingCallDialog other;
        QSignalSpy declinedOther(&other, &IncomingCallDialog::declineRequested);
        other.show();
        other.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&other));
        QTest::keyClick(&other, Qt::Key_Escape);
        QCOMPARE(declinedOther.count(), 1);
    }
};

QTEST_MAIN(TestUiAccessibility)
#include "test_ui_accessibility.moc"
