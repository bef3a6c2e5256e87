// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/UiIcons.h"

#include "resources/NapkinResources.h"

#include <QCoreApplication>
#include <QPainter>
#include <QSvgRenderer>

namespace napkin::ui {

namespace {

QString trIcons(const char *text) {
    return QCoreApplication::translate("napkin::ui::Badge", text);
}

const char *badgeFile(BadgeState state) {
    switch (state) {
    case BadgeState::Verified:
        return resources::kBadgeVerified;
    case BadgeState::NewDevice:
        return resources::kBadgeNewDevice;
    case BadgeState::Unverified:
    case BadgeState::Unverifiable:
        return resources::kBadgeUnverified;
    case BadgeState::Failed:
        return resources::kBadgeFailed;
    case BadgeState::Pending:
        break;
    }
    return resources::kBadgePending;
}

/// Renders a compiled-in SVG at exactly `size` logical pixels. QSvgRenderer (Qt SVG)
/// rather than the image plugins: the result does not depend on which plugins happen
/// to be installed, and a missing file is a bug, so it asserts.
QPixmap renderSvg(const char *path, int size, qreal devicePixelRatio) {
    QSvgRenderer renderer(QString::fromLatin1(path));
    Q_ASSERT_X(renderer.isValid(), "renderSvg", path);
    const int pixels = qMax(1, qRound(size * devicePixelRatio));
    QPixmap pm(pixels, pixels);
    pm.fill(Qt::transparent);
    {
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        renderer.render(&p, QRectF(0, 0, pixels, pixels));
    }
    pm.setDevicePixelRatio(devicePixelRatio);
    return pm;
}

QIcon svgIcon(const char *path, std::initializer_list<int> sizes) {
    QIcon icon;
    for (int size : sizes) {
        icon.addPixmap(renderSvg(path, size, 1.0));
    }
    return icon;
}

} // namespace

QColor badgeColour(BadgeState state) {
    switch (state) {
    case BadgeState::Verified:
        return QColor(0x1b, 0x7a, 0x3a); // green
    case BadgeState::NewDevice:
        return QColor(0x1f, 0x5f, 0xb0); // blue: news, not an alarm
    case BadgeState::Unverified:
    case BadgeState::Unverifiable:
        return QColor(0x9a, 0x60, 0x00); // amber
    case BadgeState::Failed:
        return QColor(0xb0, 0x1c, 0x1c); // red: an alarm
    case BadgeState::Pending:
        break;
    }
    return QColor(0x5a, 0x5a, 0x5a);
}

QColor badgeTint(BadgeState state) {
    // 15 % of the colour over white: light enough for black text.
    const QColor c = badgeColour(state);
    const auto mix = [](int v) { return 255 - (255 - v) * 15 / 100; };
    return QColor(mix(c.red()), mix(c.green()), mix(c.blue()));
}

QString badgeTitle(BadgeState state) {
    switch (state) {
    case BadgeState::Verified:
        return trIcons("Verified");
    case BadgeState::NewDevice:
        return trIcons("New device");
    case BadgeState::Unverified:
        return trIcons("Unverified");
    case BadgeState::Failed:
        return trIcons("Verification failed");
    case BadgeState::Unverifiable:
        return trIcons("Could not check");
    case BadgeState::Pending:
        break;
    }
    return trIcons("Checking identity");
}

QPixmap badgePixmap(BadgeState state, int size, qreal devicePixelRatio) {
    return renderSvg(badgeFile(state), size, devicePixelRatio);
}

QIcon badgeIcon(BadgeState state) {
    return svgIcon(badgeFile(state), {16, 24, 32, 48});
}

QPixmap lockPixmap(bool endToEnd, int size, qreal devicePixelRatio) {
    return renderSvg(endToEnd ? resources::kLockClosed : resources::kLockOpen, size,
                     devicePixelRatio);
}

QIcon appIcon() {
    return QIcon::fromTheme(QString::fromLatin1(resources::kAppIconName),
                            svgIcon(resources::kAppIcon, {16, 22, 24, 32, 48, 64, 128, 256}));
}

QIcon trayIcon(bool ringing) {
    return svgIcon(ringing ? resources::kTrayIncoming : resources::kTray, {16, 22, 24, 32, 48});
}

} // namespace napkin::ui
