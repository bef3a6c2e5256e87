// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// IdentityBadge: each state must be told apart without colour (icon shape + words) and
// must be described to screen readers.

#include "resources/NapkinResources.h"
#include "ui/IdentityBadge.h"

#include <QFile>
#include <QImage>
#include <QSet>
#include <QtTest>

using napkin::ui::BadgeState;
using napkin::ui::IdentityBadge;

namespace {

const QList<BadgeState> kStates = {BadgeState::Verified, BadgeState::NewDevice,
                                   BadgeState::Unverified, BadgeState::Failed};

/// The icon as a 1-bit mask of "something drawn here": colour removed entirely.
QImage shapeOf(const QPixmap &pm) {
    QImage img = pm.toImage().convertToFormat(QImage::Format_ARGB32);
    QImage mask(img.size(), QImage::Format_Grayscale8);
    for (int y = 0; y < img.height(); ++y) {
        for (int x = 0; x < img.width(); ++x) {
            const QRgb p = img.pixel(x, y);
            // Ink = opaque and not white: the outline and glyph, whatever the hue.
            const bool ink = qAlpha(p) > 128 && qGray(p) < 200;
            mask.setPixel(x, y, ink ? 0 : 255);
        }
    }
    return mask;
}

int differingPixels(const QImage &a, const QImage &b) {
    int n = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            n += qGray(a.pixel(x, y)) != qGray(b.pixel(x, y)) ? 1 : 0;
        }
    }
    return n;
}

} // namespace

class TestIdentityBadge : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void eachStateHasOwnWords() {
        IdentityBadge badge;
        QSet<QString> titles;
        QSet<QString> descriptions;
        for (BadgeState state : kStates) {
            badge.setState(state);
            QVERIFY2(!badge.title().isEmpty(), "every state has a title in words");
            QVERIFY(!badge.detail().isEmpty());
            titles.insert(badge.title());
            descriptions.insert(badge.accessibleDescription());
            QVERIFY(badge.accessibleDescription().contains(badge.title()));
            QVERIFY(badge.accessibleDescription().contains(badge.detail()));
            QVERIFY(badge.accessibleName().contains(badge.title()));
        }
        QCOMPARE(titles.size(), kStates.size());
        QCOMPARE(descriptions.size(), kStates.size());
    }

    void titlesAreTheAgreedWords() {
        IdentityBadge badge;
        badge.setState(BadgeState::Verified);
        QCOMPARE(badge.title(), QStringLiteral("Verified"));
        badge.setState(BadgeState::NewDevice);
        QCOMPARE(badge.title(), QStringLiteral("New device"));
        badge.setState(BadgeState::Unverified);
        QCOMPARE(badge.title(), QStringLiteral("Unverified"));
        badge.setState(BadgeState::Failed);
        QCOMPARE(badge.title(), QStringLiteral("Verification failed"));
        // "Could not check" shares the amber question mark of Unverified,
        // and says in words that it is an outage, not a forgery.
        badge.setState(BadgeState::Unverifiable);
        QCOMPARE(badge.title(), QStringLiteral("Could not check"));
        QVERIFY(badge.detail().contains(QStringLiteral("not a sign of forgery")));
        QCOMPARE(badgeColour(BadgeState::Unverifiable), badgeColour(BadgeState::Unverified));
    }

    void iconsAreTheResourceSvgs() {
        // One icon set: resources/' SVGs, compiled in through napkin_resources.
        for (const char *path :
             {napkin::resources::kBadgeVerified, napkin::resources::kBadgeNewDevice,
              napkin::resources::kBadgeUnverified, napkin::resources::kBadgeFailed,
              napkin::resources::kBadgePending}) {
            QVERIFY2(QFile::exists(QString::fromLatin1(path)), path);
        }
        IdentityBadge badge;
        badge.setState(BadgeState::Verified);
        const QImage shown = badge.iconPixmap().toImage().convertToFormat(QImage::Format_ARGB32);
        QCOMPARE(shown.size(), QSize(36, 36) * badge.devicePixelRatioF());
        // The verified SVG is a green disc: its centre ring is the state's colour.
        const QColor ring = shown.pixelColor(shown.width() / 2, shown.height() / 8);
        QCOMPARE(ring.rgb(), napkin::ui::badgeColour(BadgeState::Verified).rgb());
    }

    void iconsDifferInShapeNotJustColour() {
        IdentityBadge badge;
        QList<QImage> shapes;
        for (BadgeState state : kStates + QList<BadgeState>{BadgeState::Pending}) {
            badge.setState(state);
            const QPixmap pm = badge.iconPixmap();
            QVERIFY(!pm.isNull());
            shapes << shapeOf(pm);
            // Something is drawn: an icon that failed to load would be blank for every state.
            int inked = 0;
            for (int y = 0; y < shapes.constLast().height(); ++y) {
                for (int x = 0; x < shapes.constLast().width(); ++x) {
                    inked += qGray(shapes.constLast().pixel(x, y)) == 0 ? 1 : 0;
                }
            }
            QVERIFY2(inked > 36 * 36 / 10, qPrintable(badge.title()));
        }
        for (int i = 0; i < shapes.size(); ++i) {
            for (int j = i + 1; j < shapes.size(); ++j) {
                const int diff = differingPixels(shapes[i], shapes[j]);
                // At 36 px a different glyph/outline changes well over 5 % of the pixels.
                QVERIFY2(diff > 36 * 36 / 20,
                         qPrintable(QStringLiteral("states %1 and %2 differ in only %3 pixels "
                                                   "once colour is removed")
                                        .arg(i)
                                        .arg(j)
                                        .arg(diff)));
            }
        }
    }

    void detailGivenByControllerIsShown() {
        IdentityBadge badge;
        const QString detail = QStringLiteral("b.example vouches for this device (desk phone)");
        badge.setState(BadgeState::Verified, detail);
        QCOMPARE(badge.detail(), detail);
        QVERIFY(badge.toolTip().contains(detail));
        badge.setState(BadgeState::Failed, {});
        QCOMPARE(badge.detail(), IdentityBadge::defaultDetail(BadgeState::Failed));
        QVERIFY(!badge.detail().contains(detail));
    }
};

QTEST_MAIN(TestIdentityBadge)
#include "test_identity_badge.moc"
