// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin: the desktop softphone.
//   napkin [--profile NAME] [--account-file INI] [--help] [--version]

#include "app/desktop/DesktopApp.h"
#include "resources/NapkinResources.h"
#include "ui/UiIcons.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QRegularExpression>

#include <cstdio>

namespace {

constexpr int kUsageError = 2;

void printTo(FILE *stream, const QString &text) {
    std::fputs(text.toLocal8Bit().constData(), stream);
    if (!text.endsWith(QLatin1Char('\n'))) {
        std::fputc('\n', stream);
    }
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication::setApplicationName(QStringLiteral("napkin"));
    QCoreApplication::setOrganizationName(QStringLiteral("napkin"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NAPKIN_VERSION));
    // The installed desktop entry is org.napkin.Napkin.desktop (resources/): Wayland's
    // app id and the portals find the app's name and icon through it.
    QGuiApplication::setDesktopFileName(QString::fromLatin1(napkin::resources::kAppIconName));

    // Parse before QApplication exists, so --help and bad arguments work without a display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments << QString::fromLocal8Bit(argv[i]);
    }
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
        "main", "End-to-end secure calls to any SIP address, with device certificates "
                "published at your own domain."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")},
                                        QCoreApplication::translate("main", "Show this help."));
    const QCommandLineOption versionOption(
        QStringLiteral("version"), QCoreApplication::translate("main", "Show the version."));
    const QCommandLineOption profileOption(
        QStringLiteral("profile"),
        QCoreApplication::translate("main", "Use the profile NAME (default: \"default\"); each "
                                            "profile has its own account and settings."),
        QStringLiteral("NAME"));
    const QCommandLineOption accountFileOption(
        QStringLiteral("account-file"),
        QCoreApplication::translate("main", "Use an existing napkin-cli INI profile (its "
                                            "password_file and key_storage) instead of the "
                                            "first-run setup."),
        QStringLiteral("INI"));
    parser.addOption(helpOption);
    parser.addOption(versionOption);
    parser.addOption(profileOption);
    parser.addOption(accountFileOption);

    if (!parser.parse(arguments)) {
        printTo(stderr, QStringLiteral("napkin: ") + parser.errorText());
        printTo(stderr, QStringLiteral("Try 'napkin --help'."));
        return kUsageError;
    }
    if (parser.isSet(helpOption)) {
        printTo(stdout, parser.helpText().replace(QStringLiteral("<executable_name>"),
                                                  QStringLiteral("napkin")));
        return 0;
    }
    if (parser.isSet(versionOption)) {
        printTo(stdout, QStringLiteral("napkin ") + QCoreApplication::applicationVersion());
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        printTo(stderr, QStringLiteral("napkin: unexpected argument '%1'")
                            .arg(parser.positionalArguments().constFirst()));
        printTo(stderr, QStringLiteral("Try 'napkin --help'."));
        return kUsageError;
    }
    if (parser.values(profileOption).size() > 1 || parser.values(accountFileOption).size() > 1) {
        printTo(stderr, QStringLiteral("napkin: --profile and --account-file may be given once"));
        return kUsageError;
    }
    const QString profile = parser.value(profileOption);
    static const QRegularExpression profileName(
        QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (parser.isSet(profileOption) && !profileName.match(profile).hasMatch()) {
        printTo(stderr, QStringLiteral("napkin: --profile '%1' is not a valid name (letters, "
                                       "digits, '.', '_' and '-'; at most 64)")
                            .arg(profile));
        return kUsageError;
    }
    const QString accountFile = parser.value(accountFileOption);
    if (parser.isSet(accountFileOption) && accountFile.isEmpty()) {
        printTo(stderr, QStringLiteral("napkin: --account-file needs a file name"));
        return kUsageError;
    }

    QApplication app(argc, argv);
    // The themed org.napkin.Napkin (the desktop entry's Icon=), else the same SVG built in.
    QApplication::setWindowIcon(napkin::ui::appIcon());
    // With a tray icon, closing the window keeps Napkin running for incoming calls; the
    // last window closing without a tray quits through DesktopApp::shutdown (clean stop).
    QApplication::setQuitOnLastWindowClosed(false);

    napkin::desktop::DesktopApp desktop({profile, accountFile});
    QObject::connect(&desktop, &napkin::desktop::DesktopApp::quit, &app,
                     [](int code) { QCoreApplication::exit(code); });
    // Ctrl+C, SIGTERM (logout, systemd, kill) and SIGHUP end calls and unregister first.
    desktop.watchUnixSignals();
    const QString error = desktop.start();
    if (!error.isEmpty()) {
        printTo(stderr, QStringLiteral("napkin: ") + error);
        return desktop.exitCode();
    }
    const int code = QApplication::exec();
    // The stopped engine was handed to deleteLater() just before the loop ended: delete it
    // now, while the application (and Sofia's GLib source) still exists.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return code;
}
