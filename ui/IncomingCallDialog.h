// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "ui/UiIcons.h"

#include <QDialog>
#include <memory>

namespace Ui {
class IncomingCallDialog;
}

namespace napkin::ui {

/// What the incoming-call dialog shows; filled from app::CallController by PhoneBinding.
struct IncomingCallView {
    QString peer;
    BadgeState verdict = BadgeState::Pending;
    QString verdictDetail;
    QString deviceName;
    QString fingerprintGroups;
};

/// "Alice is calling": identity badge, device, fingerprint, Answer / Decline.
/// Non-modal: shown with show(), never exec(), so engine signals never wait on it.
class IncomingCallDialog : public QDialog {
    Q_OBJECT
public:
    explicit IncomingCallDialog(QWidget *parent = nullptr);
    ~IncomingCallDialog() override;

    void setView(const IncomingCallView &view);
    [[nodiscard]] IncomingCallView view() const { return m_view; }

    /// Closes the dialog without a decision (the caller hung up or another device answered).
    void dismiss();

Q_SIGNALS:
    void answerRequested();
    void declineRequested();

protected:
    void reject() override; // Escape / window close = decline

private:
    std::unique_ptr<::Ui::IncomingCallDialog> m_ui;
    IncomingCallView m_view;
    bool m_decided = false;
};

} // namespace napkin::ui
