// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/IdentityBadge.h"

#include "ui/PlainText.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace napkin::ui {

IdentityBadge::IdentityBadge(QWidget *parent) : QFrame(parent) {
    setObjectName(QStringLiteral("identityBadge"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(10, 8, 10, 8);
    row->setSpacing(10);
    m_icon = new QLabel(this);
    m_icon->setObjectName(QStringLiteral("badgeIcon"));
    m_icon->setFixedSize(36, 36);
    row->addWidget(m_icon, 0, Qt::AlignTop);
    auto *words = new QVBoxLayout;
    words->setSpacing(2);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("badgeTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_title->setFont(bold);
    m_detailLabel = new QLabel(this);
    m_detailLabel->setObjectName(QStringLiteral("badgeDetail"));
    m_detailLabel->setWordWrap(true);
    m_detailLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    words->addWidget(m_title);
    words->addWidget(m_detailLabel);
    row->addLayout(words, 1);
    usePlainTextLabels(this); // the detail names the peer's domain and device
    refresh();
}

void IdentityBadge::setState(BadgeState state, const QString &detail) {
    m_state = state;
    m_detail = detail;
    refresh();
}

QString IdentityBadge::title() const {
    return m_title->text();
}

QString IdentityBadge::detail() const {
    return m_detailLabel->text();
}

QPixmap IdentityBadge::iconPixmap() const {
    return m_icon->pixmap();
}

QString IdentityBadge::defaultDetail(BadgeState state) {
    switch (state) {
    case BadgeState::Verified:
        return tr("The caller's domain vouches for this device.");
    case BadgeState::NewDevice:
        return tr("The caller's domain vouches for this device, but it has not called you "
                  "before.");
    case BadgeState::Unverified:
        return tr("No signature: the caller's identity is not confirmed.");
    case BadgeState::Failed:
        return tr("The signature did not check out. Someone may be pretending to be this "
                  "caller.");
    case BadgeState::Unverifiable:
        return tr("The caller's certificate service could not be reached, so the identity "
                  "could not be checked. That is not a sign of forgery.");
    case BadgeState::Pending:
        break;
    }
    return tr("Checking the caller's certificate...");
}

void IdentityBadge::changeEvent(QEvent *event) {
    if (event->type() == QEvent::LanguageChange) {
        refresh();
    }
    QFrame::changeEvent(event);
}

void IdentityBadge::refresh() {
    const QColor colour = badgeColour(m_state);
    m_icon->setPixmap(badgePixmap(m_state, 36, devicePixelRatioF()));
    m_title->setText(badgeTitle(m_state));
    m_detailLabel->setText(m_detail.isEmpty() ? defaultDetail(m_state) : m_detail);
    QPalette pal = palette();
    pal.setColor(QPalette::Window, badgeTint(m_state));
    pal.setColor(QPalette::WindowText, QColor(0x20, 0x20, 0x20));
    setPalette(pal);
    m_title->setStyleSheet(QStringLiteral("color: %1;").arg(colour.darker(115).name()));
    setStyleSheet(QStringLiteral("#identityBadge { border: 2px solid %1; border-radius: 6px; "
                                 "background: %2; }")
                      .arg(colour.name(), badgeTint(m_state).name()));
    setAccessibleName(tr("Caller identity: %1").arg(m_title->text()));
    setAccessibleDescription(m_title->text() + QStringLiteral(". ") + m_detailLabel->text());
    m_icon->setAccessibleName(m_title->text());
    setToolTip(plainToolTip(m_detailLabel->text()));
}

} // namespace napkin::ui
