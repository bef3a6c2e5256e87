// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/SettingsDialog.h"

#include "ui/AudioCheck.h"
#include "ui/PlainText.h"
#include "ui_SettingsDialog.h"

#include <QFileDialog>
#include <QMediaDevices>
#include <QPushButton>

namespace napkin::ui {

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent), m_ui(std::make_unique<::Ui::SettingsDialog>()),
      m_audio(new AudioCheck(this)) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // audio device names and errors are not ours to format
    m_ui->buttons->button(QDialogButtonBox::Save)->setAccessibleName(tr("Save settings"));
    m_ui->buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
    m_ui->keyStorageCombo->addItem(tr("System keychain (kept between starts)"));
    m_ui->keyStorageCombo->addItem(tr("Nowhere: new key and certificate at every start"));
    m_ui->keyStorageCombo->setToolTip(
        tr("Where this device's private key is kept. It is never written to a plain file."));
    m_ui->lifetimeSpin->setSuffix(tr(" days"));
    m_ui->ttlSpin->setSuffix(tr(" s"));
    m_ui->ttlSpin->setSpecialValueText(tr("0 s (fetch on every call)"));
    m_ui->errorLabel->setVisible(false);
    m_ui->noticeLabel->setVisible(false);
    m_ui->errorLabel->setStyleSheet(QStringLiteral("color: #b01c1c; font-weight: bold;"));

    connect(m_ui->buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_ui->buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_ui->caBrowseButton, &QPushButton::clicked, this, [this] {
        auto *picker = new QFileDialog(this, tr("Choose a CA file"), m_ui->caEdit->text(),
                                       tr("Certificates (*.pem *.crt);;All files (*)"));
        picker->setAttribute(Qt::WA_DeleteOnClose);
        picker->setFileMode(QFileDialog::ExistingFile);
        connect(picker, &QFileDialog::fileSelected, m_ui->caEdit, &QLineEdit::setText);
        picker->open();
    });

    connect(m_ui->iceTestButton, &QPushButton::clicked, this,
            [this] { Q_EMIT iceTestRequested(values()); });
    setIceTestAvailable(false);

    fillAudioDevices();
    auto *media = new QMediaDevices(this);
    connect(media, &QMediaDevices::audioInputsChanged, this, &SettingsDialog::fillAudioDevices);
    connect(media, &QMediaDevices::audioOutputsChanged, this, &SettingsDialog::fillAudioDevices);

    connect(m_ui->toneButton, &QPushButton::clicked, this, [this] {
        const QString id = m_ui->outputCombo->currentData().toString();
        QAudioDevice device = QMediaDevices::defaultAudioOutput();
        for (const QAudioDevice &d : QMediaDevices::audioOutputs()) {
            if (QString::fromUtf8(d.id()) == id) {
                device = d;
            }
        }
        if (m_audio->playTone(device)) {
            m_ui->toneButton->setEnabled(false);
            m_ui->audioStatus->setText(tr("Playing a tone on %1...").arg(device.description()));
        }
    });
    connect(m_audio, &AudioCheck::toneFinished, this, [this] {
        m_ui->toneButton->setEnabled(true);
        m_ui->audioStatus->clear();
    });
    connect(m_audio, &AudioCheck::problem, m_ui->audioStatus, &QLabel::setText);
    connect(m_audio, &AudioCheck::level, m_ui->levelMeter, &QProgressBar::setValue);
    connect(m_ui->listenButton, &QPushButton::toggled, this, [this](bool on) {
        if (!on) {
            m_audio->stopListening();
            m_ui->listenButton->setText(tr("&Test microphone"));
            return;
        }
        const QString id = m_ui->inputCombo->currentData().toString();
        QAudioDevice device = QMediaDevices::defaultAudioInput();
        for (const QAudioDevice &d : QMediaDevices::audioInputs()) {
            if (QString::fromUtf8(d.id()) == id) {
                device = d;
            }
        }
        if (m_audio->startListening(device)) {
            m_ui->listenButton->setText(tr("S&top"));
        } else {
            const QSignalBlocker block(m_ui->listenButton);
            m_ui->listenButton->setChecked(false);
        }
    });
    setValues({});
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::fillAudioDevices() {
    const QString input = m_ui->inputCombo->currentData().toString();
    const QString output = m_ui->outputCombo->currentData().toString();
    m_ui->inputCombo->clear();
    m_ui->outputCombo->clear();
    m_ui->inputCombo->addItem(tr("System default"), QString());
    m_ui->outputCombo->addItem(tr("System default"), QString());
    for (const QAudioDevice &d : QMediaDevices::audioInputs()) {
        m_ui->inputCombo->addItem(d.description(), QString::fromUtf8(d.id()));
    }
    for (const QAudioDevice &d : QMediaDevices::audioOutputs()) {
        m_ui->outputCombo->addItem(d.description(), QString::fromUtf8(d.id()));
    }
    selectDevice(m_ui->inputCombo, input);
    selectDevice(m_ui->outputCombo, output);
    const bool none =
        QMediaDevices::audioInputs().isEmpty() && QMediaDevices::audioOutputs().isEmpty();
    m_ui->audioStatus->setText(none ? tr("No audio devices found. Calls still connect; you will "
                                         "not hear or be heard until a device is plugged in.")
                                    : QString());
}

void SettingsDialog::selectDevice(QComboBox *combo, const QString &id) {
    int index = combo->findData(id);
    if (index < 0 && !id.isEmpty()) {
        // Remember a device that is unplugged right now rather than silently dropping it.
        combo->addItem(tr("%1 (not connected)").arg(id), id);
        index = combo->count() - 1;
    }
    combo->setCurrentIndex(qMax(0, index));
}

void SettingsDialog::setValues(const SettingsValues &values) {
    selectDevice(m_ui->inputCombo, values.audioInput);
    selectDevice(m_ui->outputCombo, values.audioOutput);
    m_ui->lifetimeSpin->setValue(values.certificateLifetimeDays);
    m_ui->ttlSpin->setValue(values.cacheTtlSeconds);
    m_ui->dnsEdit->setText(values.dnsServer);
    m_ui->caEdit->setText(values.caFile);
    m_ui->stunEdit->setText(values.stunServer);
    m_ui->turnEdit->setText(values.turnServer);
    m_ui->turnUserEdit->setText(values.turnUser);
    // A stored password is never shown; typing replaces it.
    m_ui->turnPasswordEdit->setText(values.turnPassword);
    m_turnPasswordKnown = values.turnPasswordKnown;
    m_ui->turnPasswordEdit->setPlaceholderText(values.turnPasswordKnown
                                                   ? tr("Stored (type to replace it)")
                                                   : tr("The TURN server's password"));
    m_ui->requireE2eCheck->setChecked(values.requireEndToEnd);
    m_ui->rejectFailedCheck->setChecked(values.rejectFailedCalls);
    m_ui->keyStorageCombo->setCurrentIndex(
        values.keyStorage == SettingsValues::KeyStorage::Keychain ? 0 : 1);
}

SettingsValues SettingsDialog::values() const {
    SettingsValues v;
    v.audioInput = m_ui->inputCombo->currentData().toString();
    v.audioOutput = m_ui->outputCombo->currentData().toString();
    v.certificateLifetimeDays = m_ui->lifetimeSpin->value();
    v.cacheTtlSeconds = m_ui->ttlSpin->value();
    v.dnsServer = m_ui->dnsEdit->text().trimmed();
    v.caFile = m_ui->caEdit->text().trimmed();
    v.stunServer = m_ui->stunEdit->text().trimmed();
    v.turnServer = m_ui->turnEdit->text().trimmed();
    v.turnUser = m_ui->turnUserEdit->text().trimmed();
    v.turnPassword = m_ui->turnPasswordEdit->text(); // spaces may belong to it
    v.turnPasswordKnown = m_turnPasswordKnown;
    v.requireEndToEnd = m_ui->requireE2eCheck->isChecked();
    v.rejectFailedCalls = m_ui->rejectFailedCheck->isChecked();
    v.keyStorage = m_ui->keyStorageCombo->currentIndex() == 0
                       ? SettingsValues::KeyStorage::Keychain
                       : SettingsValues::KeyStorage::RegenerateEachStart;
    return v;
}

void SettingsDialog::showError(const QString &message) {
    m_ui->errorLabel->setText(message);
    m_ui->errorLabel->setVisible(!message.isEmpty());
}

void SettingsDialog::setNotice(const QString &message) {
    m_ui->noticeLabel->setText(message);
    m_ui->noticeLabel->setVisible(!message.isEmpty());
}

QString SettingsDialog::notice() const {
    return m_ui->noticeLabel->isHidden() ? QString() : m_ui->noticeLabel->text();
}

void SettingsDialog::showSection(int index) {
    m_ui->tabs->setCurrentIndex(index);
}

void SettingsDialog::setIceTestAvailable(bool available) {
    m_ui->iceTestButton->setVisible(available);
    m_ui->iceTestLabel->setVisible(available);
}

void SettingsDialog::iceTestStarted() {
    m_ui->iceTestButton->setEnabled(false);
    m_ui->iceTestLabel->setStyleSheet(QString());
    m_ui->iceTestLabel->setText(tr("Testing the servers..."));
}

void SettingsDialog::iceTestFinished(bool ok, const QString &message) {
    m_ui->iceTestButton->setEnabled(true);
    m_ui->iceTestLabel->setStyleSheet(ok ? QString()
                                         : QStringLiteral("color: #b01c1c; font-weight: bold;"));
    m_ui->iceTestLabel->setText(message);
}

QString SettingsDialog::iceTestText() const {
    return m_ui->iceTestLabel->text();
}

void SettingsDialog::accept() {
    if (m_apply) {
        const QString error = m_apply(values());
        if (!error.isEmpty()) {
            showError(error);
            return;
        }
    }
    m_audio->stopListening();
    showError({});
    QDialog::accept();
}

} // namespace napkin::ui
