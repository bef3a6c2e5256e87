// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/CallPanel.h"

#include "ui/PlainText.h"
#include "ui/Shortcuts.h"
#include "ui_CallPanel.h"

#include <QPushButton>

namespace napkin::ui {

CallPanel::CallPanel(QWidget *parent) : QWidget(parent), m_ui(std::make_unique<::Ui::CallPanel>()) {
    m_ui->setupUi(this);
    usePlainTextLabels(this); // peer, end reason, not-end-to-end reason, device: remote text
    QFont big = m_ui->peerLabel->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    m_ui->peerLabel->setFont(big);
    QFont timer = m_ui->durationLabel->font();
    timer.setPointSizeF(timer.pointSizeF() * 1.4);
    timer.setFamily(QStringLiteral("monospace"));
    m_ui->durationLabel->setFont(timer);
    QFont bannerFont = m_ui->securityLabel->font();
    bannerFont.setBold(true);
    m_ui->securityLabel->setFont(bannerFont);
    m_ui->securityBanner->setAutoFillBackground(true);
    m_ui->lockIcon->setFixedSize(28, 28);

    m_ui->hangUpButton->setToolTip(withShortcuts(tr("Hang up"), hangUpShortcuts()));
    m_ui->muteButton->setToolTip(tr("Stop sending your microphone (Alt+M)"));
    m_ui->holdButton->setToolTip(tr("Pause the call on both sides (Alt+O)"));
    m_ui->keypadButton->setToolTip(tr("Show the keypad to send tones (Alt+K)"));
    connect(m_ui->muteButton, &QPushButton::toggled, this, [this](bool on) {
        if (on != m_view.muted) {
            Q_EMIT muteToggled(on);
        }
    });
    connect(m_ui->holdButton, &QPushButton::toggled, this, [this](bool on) {
        if (on != m_view.onHold) {
            Q_EMIT holdToggled(on);
        }
    });
    connect(m_ui->hangUpButton, &QPushButton::clicked, this, &CallPanel::hangUpRequested);
    connect(m_ui->keypadButton, &QPushButton::toggled, m_ui->keypadBox, &QWidget::setVisible);
    buildKeypad();
    m_ui->keypadBox->setVisible(false);
    setView({});
}

CallPanel::~CallPanel() = default;

void CallPanel::buildKeypad() {
    static constexpr const char *keys[] = {"1", "2", "3", "4", "5", "6",
                                           "7", "8", "9", "*", "0", "#"};
    int index = 0;
    for (const char *key : keys) {
        const QString digit = QString::fromLatin1(key);
        auto *button = new QPushButton(digit, m_ui->keypadBox);
        button->setObjectName(QStringLiteral("dtmf_") + QString::number(index));
        QString spoken = digit;
        if (digit == QLatin1String("*")) {
            spoken = tr("star");
        } else if (digit == QLatin1String("#")) {
            spoken = tr("hash");
        }
        button->setAccessibleName(tr("Keypad %1").arg(spoken));
        button->setToolTip(tr("Send the tone %1").arg(digit));
        button->setShortcut(QKeySequence(digit));
        button->setAutoDefault(false);
        button->setMinimumHeight(32);
        connect(button, &QPushButton::clicked, this, [this, digit] { Q_EMIT dtmfPressed(digit); });
        m_ui->keypadGrid->addWidget(button, index / 3, index % 3);
        ++index;
    }
}

QString CallPanel::formatDuration(int seconds) {
    seconds = qMax(0, seconds);
    const int h = seconds / 3600;
    const int m = (seconds / 60) % 60;
    const int s = seconds % 60;
    const QChar zero(u'0');
    if (h > 0) {
        return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, zero).arg(s, 2, 10, zero);
    }
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, zero);
}

QString CallPanel::securityBannerText() const {
    return m_ui->securityLabel->text();
}

void CallPanel::setView(const CallView &view) {
    m_view = view;
    m_ui->peerLabel->setText(view.peer);
    m_ui->stateLabel->setText(view.stateText);
    m_ui->durationLabel->setText(formatDuration(view.durationSeconds));
    m_ui->durationLabel->setAccessibleDescription(
        tr("%n second(s)", nullptr, qMax(0, view.durationSeconds)));
    m_ui->badge->setState(view.verdict, view.verdictDetail);

    // The banner: words first; colour and the lock shape only repeat them.
    QString words = view.securityText;
    if (words.isEmpty()) {
        words = view.endToEnd ? tr("End-to-end encrypted")
                              : (view.active ? tr("Not end-to-end: the media keys are not "
                                                  "protected from the servers on the way")
                                             : tr("Encryption not set up yet"));
    }
    if (!view.endToEnd && view.active && !words.startsWith(tr("Not end-to-end"))) {
        words = tr("Not end-to-end: %1").arg(words);
    }
    const bool warn = !view.endToEnd && (view.active || !view.securityText.isEmpty());
    m_ui->securityLabel->setText(words);
    m_ui->lockIcon->setPixmap(lockPixmap(view.endToEnd, 28));
    m_ui->lockIcon->setAccessibleName(view.endToEnd ? tr("Locked") : tr("Not locked"));
    const QColor edge =
        view.endToEnd ? badgeColour(BadgeState::Verified)
                      : (warn ? badgeColour(BadgeState::Failed) : badgeColour(BadgeState::Pending));
    const QColor fill =
        view.endToEnd ? badgeTint(BadgeState::Verified)
                      : (warn ? badgeTint(BadgeState::Failed) : badgeTint(BadgeState::Pending));
    m_ui->securityBanner->setStyleSheet(
        QStringLiteral("#securityBanner { border: 2px solid %1; border-radius: 6px; "
                       "background: %2; } #securityLabel { color: %3; }")
            .arg(edge.name(), fill.name(), edge.darker(120).name()));
    m_ui->securityBanner->setAccessibleDescription(words);

    const QString none = tr("none");
    m_ui->e2eValue->setText(view.endToEnd ? tr("Yes: only the two devices hold the media keys")
                                          : tr("No"));
    m_ui->srtpValue->setText(view.srtpSuite.isEmpty() ? none : view.srtpSuite);
    m_ui->codecValue->setText(view.codec.isEmpty() ? none : view.codec);
    m_ui->vouchValue->setText(view.vouchingDomain.isEmpty() ? tr("nobody") : view.vouchingDomain);
    m_ui->deviceValue->setText(view.deviceName.isEmpty() ? tr("not known") : view.deviceName);
    m_ui->fingerprintValue->setText(view.fingerprintGroups.isEmpty() ? none
                                                                     : view.fingerprintGroups);
    m_ui->qualityValue->setText(view.qualityText.isEmpty() ? tr("No quality data yet")
                                                           : view.qualityText);
    m_ui->mediaPathValue->setText(view.mediaPathText.isEmpty() ? tr("Not known yet")
                                                               : view.mediaPathText);

    {
        const QSignalBlocker blockMute(m_ui->muteButton);
        const QSignalBlocker blockHold(m_ui->holdButton);
        m_ui->muteButton->setChecked(view.muted);
        m_ui->holdButton->setChecked(view.onHold);
    }
    m_ui->muteButton->setText(view.muted ? tr("Un&mute") : tr("&Mute"));
    m_ui->muteButton->setAccessibleName(view.muted ? tr("Unmute microphone")
                                                   : tr("Mute microphone"));
    m_ui->holdButton->setText(view.onHold ? tr("Res&ume") : tr("H&old"));
    m_ui->holdButton->setAccessibleName(view.onHold ? tr("Resume call") : tr("Put call on hold"));
    m_ui->muteButton->setEnabled(view.active);
    m_ui->holdButton->setEnabled(view.active);
    m_ui->keypadButton->setEnabled(view.active);
    m_ui->keypadBox->setEnabled(view.active && !view.onHold);
    m_ui->hangUpButton->setEnabled(!view.ended);
}

} // namespace napkin::ui
