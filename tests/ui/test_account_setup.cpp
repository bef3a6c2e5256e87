// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// AccountSetupDialog (first run): the connection test is advised, not required. An
// account whose server is down right now can still be saved, with a warning in words.

#include "ui/AccountSetupDialog.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using napkin::ui::AccountSetupDialog;
using napkin::ui::AccountSetupValues;

namespace {

AccountSetupValues alice() {
    AccountSetupValues v;
    v.address = QStringLiteral("alice@a.example");
    v.password = QStringLiteral("not-a-real-password");
    return v;
}

} // namespace

class TestAccountSetup : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void untestedCanBeSavedWithAWarning() {
        AccountSetupDialog d;
        d.setValues(alice());
        int applied = 0;
        d.setApply([&applied](const AccountSetupValues &) {
            ++applied;
            return QString();
        });
        QVERIFY(d.saveEnabled());
        QCOMPARE(d.saveText(), QStringLiteral("Save without testing"));
        QVERIFY2(d.warningText().contains(QStringLiteral("not tested")),
                 qPrintable(d.warningText()));
        QVERIFY(!d.testPassed());
        d.accept();
        QCOMPARE(applied, 1);
        QCOMPARE(d.result(), int(QDialog::Accepted));
    }

    void failedTestCanBeSavedAnyway() {
        AccountSetupDialog d;
        d.setValues(alice());
        int applied = 0;
        d.setApply([&applied](const AccountSetupValues &) {
            ++applied;
            return QString();
        });
        QSignalSpy requested(&d, &AccountSetupDialog::testRequested);
        auto *test = d.findChild<QPushButton *>(QStringLiteral("testButton"));
        QVERIFY(test != nullptr);
        test->click();
        QCOMPARE(requested.size(), 1);
        // While the throw-away account runs, saving would start a second one next to it.
        QVERIFY(!d.saveEnabled());
        d.accept();
        QCOMPARE(applied, 0);

        d.testFinished(false, QStringLiteral("a.example did not answer (timeout)"));
        QVERIFY(d.saveEnabled());
        QCOMPARE(d.saveText(), QStringLiteral("Save anyway"));
        QVERIFY(d.testStatusText().contains(QStringLiteral("did not answer")));
        QVERIFY2(d.warningText().contains(QStringLiteral("test failed")),
                 qPrintable(d.warningText()));
        QVERIFY(d.warningText().contains(QStringLiteral("keeps trying")));
        d.accept();
        QCOMPARE(applied, 1);
        QCOMPARE(d.result(), int(QDialog::Accepted));
    }

    void passedTestSavesWithoutWarning() {
        AccountSetupDialog d;
        d.setValues(alice());
        d.testFinished(true, QStringLiteral("registered and certificate published"));
        QVERIFY(d.testPassed());
        QCOMPARE(d.saveText(), QStringLiteral("Save"));
        QVERIFY(d.warningText().isEmpty());

        // Editing afterwards: the result no longer holds.
        auto *address = d.findChild<QLineEdit *>(QStringLiteral("addressEdit"));
        QVERIFY(address != nullptr);
        QTest::keyClicks(address, QStringLiteral("x"));
        QVERIFY(!d.testPassed());
        QCOMPARE(d.saveText(), QStringLiteral("Save without testing"));
        QVERIFY(!d.warningText().isEmpty());
    }

    void valuesThatCannotWorkAreNotSaved() {
        AccountSetupDialog d;
        AccountSetupValues v = alice();
        v.address = QStringLiteral("no-domain");
        d.setValues(v);
        int applied = 0;
        d.setApply([&applied](const AccountSetupValues &) {
            ++applied;
            return QString();
        });
        d.accept();
        QCOMPARE(applied, 0);
        QVERIFY(d.testStatusText().contains(QStringLiteral("user@domain")));

        v = alice();
        v.password.clear();
        d.setValues(v);
        d.accept();
        QCOMPARE(applied, 0);
        QVERIFY(d.testStatusText().contains(QStringLiteral("password")));
    }

    void saveErrorIsShownInWords() {
        AccountSetupDialog d;
        d.setValues(alice());
        d.setApply([](const AccountSetupValues &) {
            return QStringLiteral("the profile directory is read-only");
        });
        d.accept();
        QVERIFY(d.testStatusText().contains(QStringLiteral("read-only")));
        QVERIFY(d.result() != int(QDialog::Accepted));
    }
};

QTEST_MAIN(TestAccountSetup)
#include "test_account_setup.moc"
