// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/AccountSetupDialog.h"

#include "ui/PlainText.h"
#include "ui_AccountSetupDialog.h"

#include <QPushButton>
#include <QRegularExpression>

namespace napkin::ui {

AccountSetupDialog::AccountSetupDialog(QWidget *parent)
    : QDialog(parent), m_ui(std::make_unique<::Ui::AccountSetupDialog>()) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // test results quote the registrar and the certificate service
    m_ui->transportCombo->addItem(tr("UDP"), QStringLiteral("udp"));
    m_ui->transportCombo->addItem(tr("TCP"), QStringLiteral("tcp"));
    m_ui->transportCombo->addItem(tr("TLS (encrypted signalling)"), QStringLiteral("tls"));
    QPushButton *save = m_ui->buttons->button(QDialogButtonBox::Save);
    save->setAccessibleName(tr("Save account"));
    m_ui->warningLabel->setStyleSheet(QStringLiteral("color: #7a4b00;"));
    m_ui->buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
    connect(m_ui->buttons, &QDialogButtonBox::accepted, this, &AccountSetupDialog::accept);
    connect(m_ui->buttons, &QDialogButtonBox::rejected, this, &AccountSetupDialog::reject);
    connect(m_ui->testButton, &QPushButton::clicked, this, [this] {
        const QString problem = validate();
        if (!problem.isEmpty()) {
            // Nothing was tested: the values cannot work at all.
            m_ui->testStatus->setText(problem);
            m_ui->testStatus->setStyleSheet(QStringLiteral("color: #b01c1c; font-weight: bold;"));
            return;
        }
        m_editedWhileTesting = false;
        showTest(Test::Running);
        testProgress(tr("Testing..."));
        Q_EMIT testRequested(values());
    });
    for (QLineEdit *edit :
         {m_ui->addressEdit, m_ui->passwordEdit, m_ui->registrarEdit, m_ui->proxyEdit}) {
        connect(edit, &QLineEdit::textEdited, this, &AccountSetupDialog::invalidateTest);
    }
    connect(m_ui->transportCombo, &QComboBox::currentIndexChanged, this,
            &AccountSetupDialog::invalidateTest);
    invalidateTest();
}

AccountSetupDialog::~AccountSetupDialog() = default;

void AccountSetupDialog::setValues(const AccountSetupValues &values) {
    m_ui->addressEdit->setText(values.address);
    m_ui->passwordEdit->setText(values.password);
    m_ui->registrarEdit->setText(values.registrar);
    m_ui->proxyEdit->setText(values.outboundProxy);
    m_ui->transportCombo->setCurrentIndex(
        qMax(0, m_ui->transportCombo->findData(values.transport)));
    invalidateTest();
}

AccountSetupValues AccountSetupDialog::values() const {
    AccountSetupValues v;
    v.address = m_ui->addressEdit->text().trimmed();
    v.password = m_ui->passwordEdit->text();
    v.registrar = m_ui->registrarEdit->text().trimmed();
    v.outboundProxy = m_ui->proxyEdit->text().trimmed();
    v.transport = m_ui->transportCombo->currentData().toString();
    return v;
}

QString AccountSetupDialog::validate() const {
    const AccountSetupValues v = values();
    QString address = v.address;
    if (address.startsWith(QLatin1String("sip:"), Qt::CaseInsensitive)) {
        address = address.mid(4);
    }
    static const QRegularExpression shape(QStringLiteral("^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)*$"));
    if (!shape.match(address).hasMatch()) {
        return tr("Enter your address as user@domain, for example alice@a.example.");
    }
    if (v.password.isEmpty()) {
        return tr("Enter the password of your SIP account.");
    }
    return {};
}

void AccountSetupDialog::invalidateTest() {
    if (m_test == Test::Running) {
        // The result will be about the old values.
        m_editedWhileTesting = true;
        return;
    }
    m_ui->testStatus->setStyleSheet(QString());
    m_ui->testStatus->setText(tr("Not tested yet."));
    showTest(Test::NotRun);
}

void AccountSetupDialog::showTest(Test test) {
    m_test = test;
    QPushButton *save = m_ui->buttons->button(QDialogButtonBox::Save);
    m_ui->testButton->setEnabled(test != Test::Running);
    // Saving while the throw-away test account runs would start the real one next to it.
    save->setEnabled(test != Test::Running);
    QString warning;
    switch (test) {
    case Test::Passed:
        save->setText(tr("&Save"));
        save->setToolTip(tr("Save the account and start it"));
        break;
    case Test::Failed:
        save->setText(tr("&Save anyway"));
        save->setToolTip(tr("Save the account although the connection test failed"));
        warning = tr("Warning: the connection test failed. You can still save, for example "
                     "if the server is down right now: Napkin then keeps trying to register "
                     "and to publish this device's certificate, and you cannot make or take "
                     "calls until that works.");
        break;
    case Test::NotRun:
    case Test::Running:
        save->setText(tr("&Save without testing"));
        save->setToolTip(tr("Save the account without testing the connection first"));
        warning = tr("Warning: not tested. If the address, password or server is wrong, you "
                     "will not be able to make or take calls until you fix it. Use Test "
                     "connection to be sure.");
        break;
    }
    m_ui->warningLabel->setText(warning);
    m_ui->warningLabel->setVisible(!warning.isEmpty());
}

void AccountSetupDialog::testProgress(const QString &message) {
    m_ui->testStatus->setStyleSheet(QString());
    m_ui->testStatus->setText(message);
}

void AccountSetupDialog::testFinished(bool ok, const QString &message) {
    if (m_editedWhileTesting) {
        m_editedWhileTesting = false;
        showTest(Test::NotRun);
        m_ui->testStatus->setStyleSheet(QString());
        m_ui->testStatus->setText(tr("The values changed during the test; test again. (%1: %2)")
                                      .arg(ok ? tr("it worked") : tr("it failed"), message));
        return;
    }
    showTest(ok ? Test::Passed : Test::Failed);
    m_ui->testStatus->setText(ok ? tr("Works: %1").arg(message) : tr("Failed: %1").arg(message));
    m_ui->testStatus->setStyleSheet(ok ? QStringLiteral("color: #1b7a3a; font-weight: bold;")
                                       : QStringLiteral("color: #b01c1c; font-weight: bold;"));
}

QString AccountSetupDialog::testStatusText() const {
    return m_ui->testStatus->text();
}

bool AccountSetupDialog::saveEnabled() const {
    return m_ui->buttons->button(QDialogButtonBox::Save)->isEnabled();
}

QString AccountSetupDialog::saveText() const {
    return m_ui->buttons->button(QDialogButtonBox::Save)->text().remove(QLatin1Char('&'));
}

QString AccountSetupDialog::warningText() const {
    return m_ui->warningLabel->isHidden() ? QString() : m_ui->warningLabel->text();
}

void AccountSetupDialog::accept() {
    if (m_test == Test::Running) {
        return;
    }
    // Untested is allowed (with the warning shown); values that cannot work are not.
    if (const QString problem = validate(); !problem.isEmpty()) {
        m_ui->testStatus->setText(problem);
        m_ui->testStatus->setStyleSheet(QStringLiteral("color: #b01c1c; font-weight: bold;"));
        return;
    }
    if (m_apply) {
        const QString error = m_apply(values());
        if (!error.isEmpty()) {
            m_ui->testStatus->setText(tr("Not saved: %1").arg(error));
            m_ui->testStatus->setStyleSheet(QStringLiteral("color: #b01c1c; font-weight: bold;"));
            return;
        }
    }
    QDialog::accept();
}

} // namespace napkin::ui
