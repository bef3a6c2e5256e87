// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/PasswordDialog.h"

#include "ui/PlainText.h"
#include "ui/UiIcons.h"
#include "ui_PasswordDialog.h"

#include <QPushButton>

namespace napkin::ui {

PasswordDialog::PasswordDialog(const QString &address, const QString &explanation, QWidget *parent)
    : QDialog(parent), m_ui(std::make_unique<::Ui::PasswordDialog>()) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // the explanation may quote the registrar
    setWindowIcon(appIcon());
    m_ui->reasonLabel->setText(tr("Enter the password for %1.").arg(address) +
                               QStringLiteral("\n\n") + explanation);
    m_ui->buttons->button(QDialogButtonBox::Ok)->setAccessibleName(tr("Sign in"));
    m_ui->buttons->button(QDialogButtonBox::Ok)->setText(tr("Sign in"));
    m_ui->buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Quit"));
    m_ui->buttons->button(QDialogButtonBox::Cancel)->setText(tr("Quit"));
    connect(m_ui->buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_ui->buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

PasswordDialog::~PasswordDialog() = default;

QByteArray PasswordDialog::password() const {
    return m_ui->passwordEdit->text().toUtf8();
}

} // namespace napkin::ui
