// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "ui/UiIcons.h"

#include <QWidget>
#include <memory>

namespace Ui {
class CallPanel;
}

namespace napkin::ui {

/// Everything the call panel shows; filled from app::CallController by PhoneBinding.
struct CallView {
    QString peer;
    QString stateText;
    /// The call is connected (CallController::State::Active), whether or not
    /// audio flows: mute, hold and keypad are usable (the keypad not while on hold).
    bool active = false;
    bool ended = false;
    int durationSeconds = 0;
    BadgeState verdict = BadgeState::Pending;
    QString verdictDetail;
    bool endToEnd = false;
    QString securityText; ///< "End-to-end encrypted" / "Not end-to-end: <reason>"
    QString srtpSuite;
    QString codec;
    QString vouchingDomain;
    QString deviceName;
    QString fingerprintGroups;
    QString qualityText;
    QString mediaPathText; ///< how media travels (ICE's selected pair); empty: not known yet
    bool muted = false;
    bool onHold = false;
};

/// The call in progress: peer, timer, encryption banner, identity badge, mute / hold /
/// keypad / hang-up, and a security panel. A call that is not end-to-end says so in words
/// in a warning-coloured banner with an open-lock icon.
class CallPanel : public QWidget {
    Q_OBJECT
public:
    explicit CallPanel(QWidget *parent = nullptr);
    ~CallPanel() override;

    void setView(const CallView &view);
    [[nodiscard]] CallView view() const { return m_view; }

    /// The words of the encryption banner (tests read them).
    [[nodiscard]] QString securityBannerText() const;
    /// "0:42" / "1:02:03".
    [[nodiscard]] static QString formatDuration(int seconds);

Q_SIGNALS:
    void muteToggled(bool muted);
    void holdToggled(bool onHold);
    void hangUpRequested();
    void dtmfPressed(const QString &digit);

private:
    void buildKeypad();

    std::unique_ptr<::Ui::CallPanel> m_ui;
    CallView m_view;
};

} // namespace napkin::ui
