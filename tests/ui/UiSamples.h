// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Stand-in values for pure widget tests (the widgets take plain view structs; the real
// controllers are wired by PhoneBinding and tested with the app).

#include "ui/CallPanel.h"
#include "ui/DevicesPage.h"
#include "ui/IncomingCallDialog.h"
#include "ui/MainWindow.h"

#include <QTimeZone>

namespace napkin::ui::samples {

inline QDateTime at(int day, int hour, int minute) {
    return QDateTime(QDate(2026, 11, day), QTime(hour, minute), QTimeZone::utc());
}

inline IncomingCallView incoming(BadgeState state) {
    IncomingCallView v;
    v.peer = QStringLiteral("alice@a.example");
    v.verdict = state;
    v.deviceName = QStringLiteral("urn:uuid:8f0c2b6e-4f1d-4e5a-9c2a-1b7d3e9a0c11");
    v.fingerprintGroups = QStringLiteral("3F2A 91C0 7B44 E015 AA20 9C3D 55E1 0B7F");
    switch (state) {
    case BadgeState::Verified:
        v.verdictDetail = QStringLiteral("a.example vouches for this device (laptop)");
        break;
    case BadgeState::NewDevice:
        v.verdictDetail = QStringLiteral("First time this device calls as alice@a.example");
        break;
    case BadgeState::Unverified:
        v.verdictDetail = QStringLiteral("No signature: the caller's identity is not confirmed");
        v.deviceName.clear();
        v.fingerprintGroups.clear();
        break;
    case BadgeState::Unverifiable:
        v.verdictDetail = QStringLiteral("The certificate service of a.example could not be "
                                         "reached, so this identity could not be checked.");
        v.deviceName.clear();
        v.fingerprintGroups.clear();
        break;
    case BadgeState::Failed:
        v.verdictDetail = QStringLiteral("The signature does not match any device a.example "
                                         "publishes for alice@a.example");
        break;
    case BadgeState::Pending:
        break;
    }
    return v;
}

inline CallView activeCall(bool endToEnd) {
    CallView v;
    v.peer = QStringLiteral("bob@b.example");
    v.stateText = QStringLiteral("In call");
    v.active = true;
    v.durationSeconds = 83;
    v.verdict = BadgeState::Verified;
    v.verdictDetail = QStringLiteral("b.example vouches for this device (desk phone)");
    v.endToEnd = endToEnd;
    v.securityText = endToEnd ? QStringLiteral("End-to-end encrypted")
                              : QStringLiteral("Not end-to-end: bob's device answered without "
                                               "encrypting its keys to you");
    v.srtpSuite = endToEnd ? QStringLiteral("AES_CM_128_HMAC_SHA1_80") : QString();
    v.codec = QStringLiteral("Opus 48 kHz");
    v.vouchingDomain = QStringLiteral("b.example");
    v.deviceName = QStringLiteral("urn:uuid:0c6a9d52-77e1-4d4b-b1b9-5ad3f0e2c871");
    v.fingerprintGroups = QStringLiteral("A1B2 C3D4 E5F6 0718 293A 4B5C 6D7E 8F90");
    v.qualityText = QStringLiteral("Loss 0.4 %, jitter 3 ms, round trip 41 ms");
    return v;
}

inline QList<DeviceRow> devices() {
    DeviceRow self{QStringLiteral("sha256:3f2a"),
                   QStringLiteral("3F2A 91C0 7B44 E015"),
                   QStringLiteral("urn:uuid:8f0c2b6e (laptop)"),
                   at(20, 9, 0),
                   at(27, 9, 0),
                   true,
                   true};
    DeviceRow phone{QStringLiteral("sha256:77aa"),
                    QStringLiteral("77AA 0B1C 2D3E 4F50"),
                    QStringLiteral("urn:uuid:1d2e3f40 (desk phone)"),
                    at(21, 14, 2),
                    at(28, 14, 2),
                    false,
                    true};
    DeviceRow stranger{QStringLiteral("sha256:d00d"),
                       QStringLiteral("D00D F00D 1234 5678"),
                       QStringLiteral("urn:uuid:ffee0011"),
                       at(23, 20, 41),
                       at(30, 20, 41),
                       false,
                       false};
    return {self, phone, stranger};
}

inline QList<HistoryRow> history() {
    return {
        {QStringLiteral("bob@b.example"), false, at(23, 10, 5), 312, BadgeState::Verified, true,
         QStringLiteral("answered")},
        {QStringLiteral("carol@c.example"), true, at(23, 9, 40), 0, BadgeState::NewDevice, false,
         QStringLiteral("missed")},
        {QStringLiteral("dave@d.example"), true, at(22, 18, 12), 65, BadgeState::Unverified, false,
         QStringLiteral("answered")},
        {QStringLiteral("mallory@a.example"), true, at(22, 8, 1), 0, BadgeState::Failed, false,
         QStringLiteral("rejected")},
    };
}

inline QList<ContactRow> contacts() {
    return {{QStringLiteral("Bob"), QStringLiteral("bob@b.example")},
            {QStringLiteral("Carol"), QStringLiteral("carol@c.example")}};
}

inline StatusView status() {
    StatusView s;
    s.registration = StatusView::Registration::Registered;
    s.registrationText = QStringLiteral("Registered at a.example");
    s.enrolled = true;
    s.enrolmentText = QStringLiteral("Certificate published at a.example until 30 Nov 14:02");
    return s;
}

} // namespace napkin::ui::samples
