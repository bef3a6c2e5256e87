// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The desktop face wired to the real controllers, as the app wires them, with no engine
// running: for tests that feed the controllers and read what the widgets show.

#include "app/controllers/AppSettings.h"
#include "app/controllers/PhoneController.h"
#include "ui/MainWindow.h"
#include "ui/PhoneBinding.h"

#include <QStandardPaths>
#include <QTemporaryDir>

namespace napkin::ui::testing {

/// Settings and stores (history, contacts, seen devices) go below `home`.
inline void useHome(const QTemporaryDir &home) {
    qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());
    qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/data")).toUtf8());
    QStandardPaths::setTestModeEnabled(false);
}

/// A main window bound to a fresh PhoneController of the profile `profile`.
struct BoundPhone {
    explicit BoundPhone(const QString &profile) : settings(profile) {}

    app::AppSettings settings;
    QString loadProblem = settings.load(); ///< empty when the profile loaded
    app::PhoneController phone{settings};
    MainWindow window;
    PhoneBinding binding{phone, settings, window};
};

} // namespace napkin::ui::testing
