// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/DevicesPage.h"

#include "ui/PlainText.h"
#include "ui/UiIcons.h"
#include "ui_DevicesPage.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>

namespace napkin::ui {

namespace {

enum Column { NameColumn, FingerprintColumn, EnrolledColumn, ExpiresColumn, ActionColumn, Columns };

QString shortTime(const QDateTime &when) {
    if (!when.isValid()) {
        return QCoreApplication::translate("napkin::ui::DevicesPage", "unknown");
    }
    return QLocale().toString(when.toLocalTime(), QStringLiteral("d MMM yyyy, HH:mm"));
}

} // namespace

DevicesPage::DevicesPage(QWidget *parent)
    : QWidget(parent), m_ui(std::make_unique<::Ui::DevicesPage>()) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // device names come from certificates, errors from the service
    auto *table = m_ui->devicesTable;
    table->setColumnCount(Columns);
    table->setHorizontalHeaderLabels(
        {tr("Device"), tr("Fingerprint"), tr("Enrolled"), tr("Expires"), tr("Action")});
    table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    table->horizontalHeader()->setSectionResizeMode(FingerprintColumn, QHeaderView::Stretch);
    table->verticalHeader()->setVisible(false);
    table->setWordWrap(true);
    m_ui->bannerIcon->setPixmap(badgePixmap(BadgeState::Failed, 28));
    m_ui->bannerIcon->setFixedSize(28, 28);
    QFont bold = m_ui->bannerText->font();
    bold.setBold(true);
    m_ui->bannerText->setFont(bold);
    m_ui->unknownBanner->setStyleSheet(
        QStringLiteral("#unknownBanner { border: 2px solid %1; border-radius: 6px; "
                       "background: %2; }")
            .arg(badgeColour(BadgeState::Failed).name(), badgeTint(BadgeState::Failed).name()));
    m_ui->unknownBanner->setVisible(false);
    m_ui->acknowledgeButton->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    m_ui->refreshButton->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    connect(m_ui->refreshButton, &QPushButton::clicked, this, &DevicesPage::refreshRequested);
    connect(m_ui->acknowledgeButton, &QPushButton::clicked, this, [this] {
        // The banner stays until the list shows the device as known (setDevices), so a
        // failed acknowledgement does not silently drop the alert.
        if (!m_bannerFingerprint.isEmpty()) {
            Q_EMIT acknowledgeRequested(m_bannerFingerprint);
        }
    });
    setDevices({});
}

DevicesPage::~DevicesPage() = default;

void DevicesPage::setDevices(const QList<DeviceRow> &rows) {
    m_rows = rows;
    auto *table = m_ui->devicesTable;
    table->clearContents();
    table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        const DeviceRow &row = rows.at(r);
        QString name = row.deviceName.isEmpty() ? tr("Unnamed device") : row.deviceName;
        if (row.thisDevice) {
            name = tr("%1 (this device)").arg(name);
        } else if (!row.known) {
            name = tr("%1 (not recognised)").arg(name);
        }
        auto *nameItem = new QTableWidgetItem(name);
        if (row.thisDevice) {
            QFont bold = nameItem->font();
            bold.setBold(true);
            nameItem->setFont(bold);
            nameItem->setIcon(badgeIcon(BadgeState::Verified));
        } else if (!row.known) {
            nameItem->setIcon(badgeIcon(BadgeState::Failed));
        }
        table->setItem(r, NameColumn, nameItem);
        table->setItem(r, FingerprintColumn, new QTableWidgetItem(row.fingerprintGroups));
        table->setItem(r, EnrolledColumn, new QTableWidgetItem(shortTime(row.notBefore)));
        table->setItem(r, ExpiresColumn, new QTableWidgetItem(shortTime(row.notAfter)));
        auto *revoke = new QPushButton(tr("Revoke"));
        revoke->setObjectName(QStringLiteral("revoke_") + QString::number(r));
        revoke->setAccessibleName(tr("Revoke %1").arg(name));
        revoke->setToolTip(
            row.thisDevice ? tr("Remove this device's certificate; it re-enrols at next start")
                           : tr("Remove this device's certificate so callers stop trusting it"));
        const QString fingerprint = row.fingerprint;
        connect(revoke, &QPushButton::clicked, this,
                [this, fingerprint] { confirmRevoke(fingerprint); });
        // Centred in its cell rather than stretched to the row's height.
        auto *cell = new QWidget(table);
        auto *layout = new QHBoxLayout(cell);
        layout->setContentsMargins(4, 2, 4, 2);
        layout->addWidget(revoke, 0, Qt::AlignCenter);
        table->setCellWidget(r, ActionColumn, cell);
    }
    table->resizeColumnToContents(EnrolledColumn);
    table->resizeColumnToContents(ExpiresColumn);
    table->resizeColumnToContents(ActionColumn);
    table->resizeRowsToContents();
    updateBanner();
    if (rows.isEmpty()) {
        setStatus(tr("No device certificates are published for your address yet."));
    } else {
        setStatus(tr("%n device(s) published.", nullptr, static_cast<int>(rows.size())));
    }
}

const DeviceRow *DevicesPage::rowOf(const QString &fingerprint) const {
    for (const DeviceRow &row : m_rows) {
        if (row.fingerprint == fingerprint) {
            return &row;
        }
    }
    return nullptr;
}

void DevicesPage::updateBanner() {
    if (m_bannerFingerprint.isEmpty()) {
        return;
    }
    const DeviceRow *shown = rowOf(m_bannerFingerprint);
    if (shown != nullptr && !shown->known && !shown->thisDevice) {
        return; // still unknown: the alert stays
    }
    if (shown == nullptr && m_rows.isEmpty()) {
        return; // no list (yet, or the account stopped): nothing says it was dealt with
    }
    // Acknowledged (now known) or revoked (gone): the alert is over. Another device that
    // is still unknown keeps the alert up; a device dealt with never brings it back.
    m_handled.insert(m_bannerFingerprint);
    showUnknownDevice({}, {});
    for (const DeviceRow &row : std::as_const(m_rows)) {
        if (!row.known && !row.thisDevice && !m_handled.contains(row.fingerprint)) {
            showUnknownDevice(row.fingerprint, row.deviceName);
            break;
        }
    }
}

void DevicesPage::showUnknownDevice(const QString &fingerprint, const QString &deviceName) {
    m_bannerFingerprint = fingerprint;
    if (fingerprint.isEmpty()) {
        m_ui->unknownBanner->setVisible(false);
        m_ui->unknownBanner->setAccessibleDescription({});
        return;
    }
    // A device already dealt with that turns up unknown again (say, it enrolled anew)
    // is an alarm again.
    m_handled.remove(fingerprint);
    const QString who = deviceName.isEmpty() ? fingerprint : deviceName;
    m_ui->bannerText->setText(
        tr("Alert: a device you have not seen before enrolled on your address: %1. If you did "
           "not add it, revoke it now and change your password.")
            .arg(who));
    m_ui->unknownBanner->setAccessibleDescription(m_ui->bannerText->text());
    m_ui->unknownBanner->setVisible(true);
}

bool DevicesPage::bannerVisible() const {
    return !m_ui->unknownBanner->isHidden();
}

QString DevicesPage::bannerText() const {
    return m_ui->bannerText->text();
}

void DevicesPage::setStatus(const QString &text) {
    m_ui->statusLabel->setText(text);
}

QMessageBox *DevicesPage::pendingConfirmation() const {
    return m_confirmation;
}

void DevicesPage::confirmRevoke(const QString &fingerprint) {
    if (m_confirmation != nullptr) {
        return;
    }
    QString name = fingerprint;
    bool self = false;
    for (const DeviceRow &row : std::as_const(m_rows)) {
        if (row.fingerprint == fingerprint) {
            name = row.deviceName.isEmpty() ? row.fingerprintGroups : row.deviceName;
            self = row.thisDevice;
        }
    }
    QMessageBox *box =
        plainMessageBox(QMessageBox::Warning, tr("Revoke device?"),
                        tr("Revoke the certificate of %1?").arg(name), QMessageBox::NoButton, this);
    box->setInformativeText(
        self ? tr("This is the device you are using. Callers will stop reaching it until it "
                  "enrols again.")
             : tr("Callers will no longer trust this device. This cannot be undone; the device "
                  "must enrol again with your password."));
    QPushButton *yes = box->addButton(tr("Revoke"), QMessageBox::DestructiveRole);
    QPushButton *no = box->addButton(tr("Keep"), QMessageBox::RejectRole);
    yes->setAccessibleName(tr("Confirm revoke"));
    no->setAccessibleName(tr("Keep device"));
    box->setDefaultButton(no);
    box->setAttribute(Qt::WA_DeleteOnClose);
    m_confirmation = box;
    connect(box, &QMessageBox::finished, this, [this, box, yes, fingerprint] {
        m_confirmation = nullptr;
        if (box->clickedButton() == yes) {
            setStatus(tr("Revoking..."));
            Q_EMIT revokeRequested(fingerprint);
        }
    });
    box->open();
}

QString DevicesPage::bannerFingerprint() const {
    return m_bannerFingerprint;
}

void DevicesPage::revokeFinished(const QString &fingerprint, bool ok, const QString &message) {
    if (ok && !fingerprint.isEmpty() && fingerprint == m_bannerFingerprint) {
        // Gone from the address: the alert is over even before the list is fetched again.
        m_handled.insert(fingerprint);
        showUnknownDevice({}, {});
    }
    setStatus(ok ? tr("Revoked. %1").arg(message) : tr("Revoke failed: %1").arg(message));
}

} // namespace napkin::ui
