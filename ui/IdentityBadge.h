// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "ui/UiIcons.h"

#include <QFrame>

class QLabel;

namespace napkin::ui {

/// Shows who is calling as verified / new device / unverified / failed. Every state has
/// its own icon shape, its own title words and an accessible description; the colour is
/// only a third, redundant cue.
class IdentityBadge : public QFrame {
    Q_OBJECT
public:
    explicit IdentityBadge(QWidget *parent = nullptr);

    /// Sets the state and the sentence under the title (e.g. "b.example vouches for ...").
    /// An empty detail shows the state's default explanation.
    void setState(BadgeState state, const QString &detail = {});

    [[nodiscard]] BadgeState state() const { return m_state; }
    [[nodiscard]] QString title() const;
    [[nodiscard]] QString detail() const;
    /// The icon currently shown (for tests: states must differ in shape, not just colour).
    [[nodiscard]] QPixmap iconPixmap() const;

    /// Default explanation for a state when the controller gives none.
    [[nodiscard]] static QString defaultDetail(BadgeState state);

protected:
    void changeEvent(QEvent *event) override;

private:
    void refresh();

    BadgeState m_state = BadgeState::Pending;
    QString m_detail;
    QLabel *m_icon = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_detailLabel = nullptr;
};

} // namespace napkin::ui
