// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Headless Chromium driven through chromedriver's W3C WebDriver HTTP API, for
// tests that look at a page as a person would: navigate, find elements, click
// (real form submissions work with JavaScript off), take screenshots, and
// send DevTools commands through chromedriver's goog/cdp/execute.

#include "tests/support/ManagedProcess.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QTemporaryDir>

#include <memory>

namespace napkin::testing {

struct ChromiumOptions {
    QString chromium = QStringLiteral("/usr/bin/chromium");
    QString chromedriver = QStringLiteral("/usr/bin/chromedriver");
    /// Added to the headless, no-sandbox, no-network-noise defaults, e.g.
    /// --host-resolver-rules=... and --ignore-certificate-errors-spki-list=...
    QStringList arguments;
    bool javascript = true;
    int width = 1100;
    int height = 900;
    QString logDirectory; ///< chromedriver's logs; required
};

/// Locator strategies of WebDriver.
enum class By { Css, XPath };

class WebDriverSession {
public:
    ~WebDriverSession();
    WebDriverSession(const WebDriverSession &) = delete;
    WebDriverSession &operator=(const WebDriverSession &) = delete;

    /// Starts chromedriver on a free loopback port and opens a browser session.
    [[nodiscard]] static TestResult<std::unique_ptr<WebDriverSession>>
    start(const ChromiumOptions &options);

    /// Whether chromium and chromedriver are installed.
    [[nodiscard]] static bool available(const ChromiumOptions &options = {});

    [[nodiscard]] TestResult<void> navigate(const QString &url);
    [[nodiscard]] TestResult<QString> currentUrl();
    [[nodiscard]] TestResult<QString> title();
    [[nodiscard]] TestResult<QString> pageSource();

    /// Element ids of every match (possibly none).
    [[nodiscard]] TestResult<QStringList> findElements(By by, const QString &selector);
    /// The single element id; an error when there is none.
    [[nodiscard]] TestResult<QString> findElement(By by, const QString &selector);
    [[nodiscard]] TestResult<QStringList> findElementsIn(const QString &parent, By by,
                                                         const QString &selector);
    [[nodiscard]] TestResult<QString> elementText(const QString &element);
    [[nodiscard]] TestResult<QString> elementProperty(const QString &element, const QString &name);
    [[nodiscard]] TestResult<void> click(const QString &element);

    /// A PNG of the viewport.
    [[nodiscard]] TestResult<QByteArray> screenshotPng();

    /// A Chrome DevTools Protocol command through chromedriver.
    [[nodiscard]] TestResult<QJsonValue> cdp(const QString &command,
                                             const QJsonObject &params = {});

    /// A raw WebDriver command; `path` is relative to the session
    /// ("/url"), or absolute when it starts with "//" ("//status").
    [[nodiscard]] TestResult<QJsonValue> command(const QByteArray &method, const QString &path,
                                                 const QJsonObject &body = {},
                                                 int timeoutMs = 30000);

    [[nodiscard]] ManagedProcess &driver() { return *m_driver; }

private:
    WebDriverSession() = default;

    std::unique_ptr<QTemporaryDir> m_profile;
    std::unique_ptr<ManagedProcess> m_driver;
    quint16 m_port = 0;
    QString m_session;
};

} // namespace napkin::testing
