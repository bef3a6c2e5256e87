// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/IncomingCallDialog.h"

#include "ui/PlainText.h"
#include "ui/Shortcuts.h"
#include "ui_IncomingCallDialog.h"

#include <QAction>

namespace napkin::ui {

IncomingCallDialog::IncomingCallDialog(QWidget *parent)
    : QDialog(parent), m_ui(std::make_unique<::Ui::IncomingCallDialog>()) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // the caller's address and device are the caller's words
    setWindowIcon(appIcon());
    QFont big = m_ui->peerLabel->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    m_ui->peerLabel->setFont(big);
    m_ui->answerButton->setToolTip(withShortcuts(tr("Answer"), answerShortcuts()));
    m_ui->declineButton->setToolTip(withShortcuts(tr("Decline"), hangUpShortcuts()));
    // The same shortcuts as the main window, so the ringing dialog answers to them when it
    // has the focus (Escape already declines: it is QDialog::reject).
    auto *answerAction = new QAction(this);
    answerAction->setShortcuts(answerShortcuts());
    connect(answerAction, &QAction::triggered, m_ui->answerButton, &QPushButton::click);
    auto *declineAction = new QAction(this);
    declineAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    connect(declineAction, &QAction::triggered, m_ui->declineButton, &QPushButton::click);
    addActions({answerAction, declineAction});
    connect(m_ui->answerButton, &QPushButton::clicked, this, [this] {
        m_decided = true;
        Q_EMIT answerRequested();
        accept();
    });
    connect(m_ui->declineButton, &QPushButton::clicked, this, [this] {
        m_decided = true;
        Q_EMIT declineRequested();
        QDialog::reject();
    });
    setView({});
}

IncomingCallDialog::~IncomingCallDialog() = default;

void IncomingCallDialog::setView(const IncomingCallView &view) {
    m_view = view;
    m_ui->peerLabel->setText(view.peer);
    m_ui->badge->setState(view.verdict, view.verdictDetail);
    m_ui->deviceLabel->setText(view.deviceName.isEmpty() ? tr("not known yet") : view.deviceName);
    m_ui->fingerprintLabel->setText(view.fingerprintGroups.isEmpty() ? tr("none")
                                                                     : view.fingerprintGroups);
    setWindowTitle(tr("Incoming call from %1").arg(view.peer));
    // A caller whose signature failed is an alarm: answering stays possible, but is not
    // the default button, so Enter does not pick it up by accident.
    m_ui->answerButton->setDefault(view.verdict != BadgeState::Failed);
    m_ui->declineButton->setDefault(view.verdict == BadgeState::Failed);
}

void IncomingCallDialog::dismiss() {
    m_decided = true;
    QDialog::reject();
}

void IncomingCallDialog::reject() {
    if (!m_decided) {
        m_decided = true;
        Q_EMIT declineRequested();
    }
    QDialog::reject();
}

} // namespace napkin::ui
