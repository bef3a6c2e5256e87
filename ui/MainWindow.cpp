// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/MainWindow.h"

#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/PlainText.h"
#include "ui/Shortcuts.h"
#include "ui_MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCompleter>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QStatusBar>
#include <QStringListModel>
#include <QSystemTrayIcon>

namespace napkin::ui {

namespace {

enum HistoryColumn {
    IdentityColumn,
    PeerColumn,
    WhenColumn,
    DurationColumn,
    OutcomeColumn,
    EncryptionColumn,
    HistoryColumns
};

QString outcomeWords(const QString &outcome, bool incoming) {
    const auto t = [](const char *s) {
        return QCoreApplication::translate("napkin::ui::MainWindow", s);
    };
    if (outcome == QLatin1String("answered")) {
        return incoming ? t("Incoming, answered") : t("Outgoing, answered");
    }
    if (outcome == QLatin1String("missed")) {
        return incoming ? t("Missed") : t("Not answered");
    }
    if (outcome == QLatin1String("rejected")) {
        return incoming ? t("Declined by you") : t("Declined");
    }
    if (outcome == QLatin1String("failed")) {
        return t("Failed");
    }
    return outcome;
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_ui(std::make_unique<::Ui::MainWindow>()) {
    m_ui->setupUi(this);
    setWindowIcon(appIcon());
    m_ui->menuBar->setAccessibleName(tr("Menu bar"));
    m_ui->statusBar->setAccessibleName(tr("Status"));

    m_completions = new QStringListModel(this);
    auto *completer = new QCompleter(m_completions, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_ui->dialEdit->setCompleter(completer);
    connect(m_ui->dialEdit, &QLineEdit::textEdited, this, &MainWindow::dialTextEdited);
    connect(m_ui->dialEdit, &QLineEdit::returnPressed, this, &MainWindow::requestCall);
    connect(m_ui->callButton, &QPushButton::clicked, this, &MainWindow::requestCall);

    m_ui->contactsList->setHeaderLabels({tr("Name"), tr("Address")});
    m_ui->historyList->setHeaderLabels(
        {tr("Identity"), tr("With"), tr("When"), tr("Length"), tr("Outcome"), tr("Encryption")});
    connect(m_ui->contactsList, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem *item) { Q_EMIT callRequested(item->text(1)); });
    connect(m_ui->historyList, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem *item) { Q_EMIT callRequested(item->text(PeerColumn)); });
    m_ui->contactsList->setToolTip(tr("Double-click or press Enter to call"));
    m_ui->historyList->setToolTip(tr("Double-click or press Enter to call back"));
    connect(m_ui->addContactButton, &QPushButton::clicked, this, [this] {
        Q_EMIT addContactRequested(m_ui->contactNameEdit->text().trimmed(),
                                   m_ui->contactAddressEdit->text().trimmed());
    });
    connect(m_ui->removeContactButton, &QPushButton::clicked, this, [this] {
        const QModelIndex index = m_ui->contactsList->currentIndex();
        if (index.isValid()) {
            Q_EMIT removeContactRequested(index.row());
        }
    });

    m_registrationIcon = new QLabel(this);
    m_registrationIcon->setAccessibleName(tr("Registration icon"));
    m_registrationLabel = new QLabel(this);
    m_registrationLabel->setAccessibleName(tr("Registration"));
    m_enrolmentLabel = new QLabel(this);
    m_enrolmentLabel->setAccessibleName(tr("Certificate"));
    // Registration and enrolment words quote the registrar and the certificate service.
    usePlainTextLabels(this);
    statusBar()->addWidget(m_registrationIcon);
    statusBar()->addWidget(m_registrationLabel, 1);
    statusBar()->addPermanentWidget(m_enrolmentLabel);
    // A passing message (a failed call, "no audio device"...) gets the whole
    // bar rather than being cut off beside the certificate label, and its
    // full text as the bar's tooltip.
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString &message) {
        m_enrolmentLabel->setVisible(message.isEmpty());
        statusBar()->setToolTip(plainToolTip(message));
    });

    setupActions();
    setupTray();
    showCallPanel(false);
    setStatus({});
}

MainWindow::~MainWindow() = default;

void MainWindow::setupActions() {
    m_ui->answerAction->setShortcuts(answerShortcuts());
    m_ui->hangUpAction->setShortcuts(hangUpShortcuts());
    m_ui->answerAction->setToolTip(withShortcuts(tr("Answer"), answerShortcuts()));
    m_ui->hangUpAction->setToolTip(withShortcuts(tr("Hang up"), hangUpShortcuts()));
    m_ui->settingsAction->setShortcut(QKeySequence::Preferences);
    m_ui->quitAction->setShortcut(QKeySequence::Quit);
    // The menu bar lives in this window; register the actions so that the shortcuts work
    // even when the menu bar is hidden (some desktops export it).
    addActions({m_ui->answerAction, m_ui->hangUpAction, m_ui->settingsAction, m_ui->quitAction});
    connect(m_ui->answerAction, &QAction::triggered, this, &MainWindow::answerRequested);
    connect(m_ui->hangUpAction, &QAction::triggered, this, &MainWindow::hangUpRequested);
    connect(m_ui->settingsAction, &QAction::triggered, this, &MainWindow::settingsRequested);
    connect(m_ui->quitAction, &QAction::triggered, this, [this] {
        m_quitting = true;
        Q_EMIT quitRequested();
    });
    connect(m_ui->aboutAction, &QAction::triggered, this, [this] {
        auto *box = new QMessageBox(
            QMessageBox::Information, tr("About Napkin"),
            tr("Napkin %1\nEnd-to-end secure calls to any SIP address, with device certificates "
               "published at your own domain.")
                .arg(QCoreApplication::applicationVersion()),
            QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    connect(m_ui->callPanel, &CallPanel::hangUpRequested, this, &MainWindow::hangUpRequested);
    m_ui->callButton->setToolTip(
        tr("Call the address (Enter). Answer: %1. Hang up: %2.")
            .arg(answerShortcuts().constFirst().toString(QKeySequence::NativeText),
                 hangUpShortcuts().constFirst().toString(QKeySequence::NativeText)));
    setCallActions(false, false);
}

void MainWindow::setupTray() {
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        return;
    }
    m_tray = new QSystemTrayIcon(trayIcon(false), this);
    m_tray->setToolTip(tr("Napkin"));
    auto *menu = new QMenu(this);
    menu->addAction(tr("Show Napkin"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    menu->addAction(m_ui->answerAction);
    menu->addAction(m_ui->hangUpAction);
    menu->addSeparator();
    menu->addAction(m_ui->quitAction);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason why) {
                if (why == QSystemTrayIcon::Trigger) {
                    setVisible(!isVisible() || isMinimized());
                    if (isVisible()) {
                        showNormal();
                        activateWindow();
                    }
                }
            });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    m_tray->show();
}

void MainWindow::requestCall() {
    const QString address = m_ui->dialEdit->text().trimmed();
    if (!address.isEmpty()) {
        Q_EMIT callRequested(address);
    }
}

void MainWindow::setContacts(const QList<ContactRow> &rows) {
    m_ui->contactsList->clear();
    for (const ContactRow &row : rows) {
        auto *item = new QTreeWidgetItem(m_ui->contactsList, {row.name, row.address});
        item->setToolTip(1, plainToolTip(tr("Call %1").arg(row.address)));
    }
    m_ui->contactsList->resizeColumnToContents(0);
    m_ui->removeContactButton->setEnabled(!rows.isEmpty());
}

void MainWindow::setContactsMessage(const QString &message) {
    m_ui->contactsStatus->setText(message);
}

void MainWindow::setHistory(const QList<HistoryRow> &rows) {
    m_ui->historyList->clear();
    for (const HistoryRow &row : rows) {
        auto *item = new QTreeWidgetItem(m_ui->historyList);
        item->setIcon(IdentityColumn, badgeIcon(row.verdict));
        item->setText(IdentityColumn, badgeTitle(row.verdict));
        item->setText(PeerColumn, row.peer);
        item->setText(WhenColumn, QLocale().toString(row.started.toLocalTime(),
                                                     QStringLiteral("d MMM yyyy, HH:mm")));
        // An answered call has a length even when it lasted under a second.
        const bool answered = row.outcome == QLatin1String("answered");
        item->setText(DurationColumn, answered || row.durationSeconds > 0
                                          ? CallPanel::formatDuration(row.durationSeconds)
                                          : QString());
        item->setText(OutcomeColumn, outcomeWords(row.outcome, row.incoming));
        item->setText(EncryptionColumn, row.endToEnd ? tr("End-to-end") : tr("Not end-to-end"));
        if (!row.endToEnd && row.outcome == QLatin1String("answered")) {
            item->setForeground(EncryptionColumn, badgeColour(BadgeState::Failed));
        }
    }
    for (int c = 0; c < HistoryColumns; ++c) {
        m_ui->historyList->resizeColumnToContents(c);
    }
}

void MainWindow::setStatus(const StatusView &status) {
    BadgeState look = BadgeState::Pending;
    QString words = status.registrationText;
    switch (status.registration) {
    case StatusView::Registration::Registered:
        look = BadgeState::Verified;
        break;
    case StatusView::Registration::Failed:
        look = BadgeState::Failed;
        break;
    case StatusView::Registration::Registering:
    case StatusView::Registration::Offline:
        break;
    }
    if (words.isEmpty()) {
        words = status.registration == StatusView::Registration::Registering ? tr("Registering...")
                                                                             : tr("Offline");
    }
    m_registrationIcon->setPixmap(badgePixmap(look, 16));
    m_registrationLabel->setText(words);
    m_registrationLabel->setAccessibleDescription(words);
    QString enrolment = status.enrolmentText;
    if (enrolment.isEmpty()) {
        enrolment = status.enrolled ? tr("Certificate published") : tr("No certificate published");
    }
    m_enrolmentLabel->setText(enrolment);
    m_enrolmentLabel->setStyleSheet(
        status.enrolmentFailed ? QStringLiteral("color: #b01c1c; font-weight: bold;") : QString());
    if (m_tray != nullptr) {
        m_tray->setToolTip(plainToolTip(tr("Napkin: %1").arg(words)));
    }
}

QString MainWindow::statusText() const {
    return m_registrationLabel->text() + QStringLiteral(" | ") + m_enrolmentLabel->text();
}

QString MainWindow::dialText() const {
    return m_ui->dialEdit->text();
}

void MainWindow::setCompletions(const QStringList &addresses) {
    if (m_completions->stringList() != addresses) {
        m_completions->setStringList(addresses);
    }
}

DevicesPage *MainWindow::devicesPage() const {
    return m_ui->devicesPage;
}

CallPanel *MainWindow::callPanel() const {
    return m_ui->callPanel;
}

void MainWindow::showCallPanel(bool show) {
    m_ui->pages->setCurrentWidget(show ? static_cast<QWidget *>(m_ui->callPanel) : m_ui->homePage);
}

void MainWindow::setCallActions(bool canAnswer, bool canHangUp) {
    m_ui->answerAction->setEnabled(canAnswer);
    m_ui->hangUpAction->setEnabled(canHangUp);
    if (m_tray != nullptr && m_trayRinging != canAnswer) {
        m_trayRinging = canAnswer;
        m_tray->setIcon(trayIcon(canAnswer));
    }
}

void MainWindow::showTab(int index) {
    m_ui->tabs->setCurrentIndex(index);
}

void MainWindow::notifyIncomingCall(const QString &peer, BadgeState verdict,
                                    const QString &detail) {
    const QString title = tr("%1 is calling").arg(peer);
    const QString text = badgeTitle(verdict) + QStringLiteral(": ") + detail;
    if (m_tray != nullptr && QSystemTrayIcon::supportsMessages()) {
        m_tray->showMessage(title, notificationBody(text), badgeIcon(verdict), 30000);
    }
    QApplication::alert(this);
}

void MainWindow::notifyAlert(const QString &title, const QString &message) {
    if (m_tray != nullptr && QSystemTrayIcon::supportsMessages()) {
        m_tray->showMessage(title, notificationBody(message), QSystemTrayIcon::Warning, 0);
    }
    QApplication::alert(this);
}

void MainWindow::useLayoutStore(LayoutStore store) {
    m_layout = std::move(store);
    if (!m_layout.read) {
        return;
    }
    restoreGeometry(m_layout.read(QStringLiteral("window/geometry")).toByteArray());
    restoreState(m_layout.read(QStringLiteral("window/state")).toByteArray());
    m_ui->tabs->setCurrentIndex(m_layout.read(QStringLiteral("window/tab")).toInt());
}

void MainWindow::saveLayout() {
    if (!m_layout.write) {
        return;
    }
    m_layout.write(QStringLiteral("window/geometry"), saveGeometry());
    m_layout.write(QStringLiteral("window/state"), saveState());
    m_layout.write(QStringLiteral("window/tab"), m_ui->tabs->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveLayout();
    // With a tray icon, closing the window keeps Napkin reachable for incoming calls.
    if (m_tray != nullptr && m_tray->isVisible() && !m_quitting) {
        hide();
        m_tray->showMessage(tr("Napkin is still running"),
                            tr("Incoming calls will still ring. Quit from the tray menu."),
                            QSystemTrayIcon::Information, 5000);
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
    Q_EMIT quitRequested();
}

} // namespace napkin::ui
