// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/WebDriverSession.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace napkin::testing {

namespace {

// The W3C element reference key.
const QString kElementKey = QStringLiteral("element-6066-11e4-a52e-4f735466cecf");

QString usingName(By by) {
    return by == By::Css ? QStringLiteral("css selector") : QStringLiteral("xpath");
}

} // namespace

bool WebDriverSession::available(const ChromiumOptions &options) {
    return QFileInfo(options.chromium).isExecutable() &&
           QFileInfo(options.chromedriver).isExecutable();
}

TestResult<std::unique_ptr<WebDriverSession>>
WebDriverSession::start(const ChromiumOptions &options) {
    if (!available(options)) {
        return fail(QStringLiteral("chromium or chromedriver is not installed"));
    }
    std::unique_ptr<WebDriverSession> s(new WebDriverSession);
    s->m_profile = std::make_unique<QTemporaryDir>();
    if (!s->m_profile->isValid()) {
        return fail(QStringLiteral("cannot create a browser profile directory"));
    }
    const QHostAddress loopback(QHostAddress::LocalHost);
    s->m_port = FreePort::pick(loopback);
    ProcessSpec spec;
    spec.name = QStringLiteral("chromedriver");
    spec.program = options.chromedriver;
    spec.arguments = {
        QStringLiteral("--port=%1").arg(s->m_port), QStringLiteral("--log-level=INFO"),
        QStringLiteral("--log-path=%1/chromedriver-verbose.log").arg(options.logDirectory)};
    spec.logDirectory = options.logDirectory;
    s->m_driver = std::make_unique<ManagedProcess>(spec);
    if (auto r = s->m_driver->start(); !r) {
        return fail(r.error());
    }
    if (auto r = s->m_driver->waitForTcp(Endpoint{loopback, s->m_port}, 20000); !r) {
        return fail(r.error());
    }

    QJsonArray args = {
        QStringLiteral("--headless"),
        QStringLiteral("--no-sandbox"),
        QStringLiteral("--disable-gpu"),
        QStringLiteral("--disable-dev-shm-usage"),
        QStringLiteral("--disable-quic"),
        QStringLiteral("--no-first-run"),
        QStringLiteral("--disable-background-networking"),
        QStringLiteral("--disable-component-update"),
        QStringLiteral("--disable-sync"),
        QStringLiteral("--disable-extensions"),
        QStringLiteral("--disable-default-apps"),
        QStringLiteral("--window-size=%1,%2").arg(options.width).arg(options.height),
        QStringLiteral("--user-data-dir=%1").arg(s->m_profile->path()),
    };
    for (const auto &a : options.arguments) {
        args.append(a);
    }
    QJsonObject chromeOptions{{QStringLiteral("binary"), options.chromium},
                              {QStringLiteral("args"), args}};
    if (!options.javascript) {
        // Both the content setting and the Blink switch: either alone turns
        // scripts off, the pair makes sure of it.
        args.append(QStringLiteral("--blink-settings=scriptEnabled=false"));
        chromeOptions[QStringLiteral("args")] = args;
        chromeOptions[QStringLiteral("prefs")] =
            QJsonObject{{QStringLiteral("profile.managed_default_content_settings.javascript"), 2}};
    }
    const QJsonObject caps{
        {QStringLiteral("capabilities"),
         QJsonObject{{QStringLiteral("alwaysMatch"),
                      QJsonObject{{QStringLiteral("browserName"), QStringLiteral("chrome")},
                                  {QStringLiteral("acceptInsecureCerts"), false},
                                  {QStringLiteral("goog:chromeOptions"), chromeOptions}}}}}};
    auto created = s->command("POST", QStringLiteral("//session"), caps, 60000);
    if (!created) {
        return fail(created.error());
    }
    s->m_session = created->toObject().value(QStringLiteral("sessionId")).toString();
    if (s->m_session.isEmpty()) {
        return fail(QStringLiteral("chromedriver returned no session id"));
    }
    return s;
}

WebDriverSession::~WebDriverSession() {
    if (!m_session.isEmpty()) {
        // Closes the browser; chromedriver then exits on SIGTERM.
        (void)command("DELETE", QString(), {}, 10000);
    }
}

TestResult<QJsonValue> WebDriverSession::command(const QByteArray &method, const QString &path,
                                                 const QJsonObject &body, int timeoutMs) {
    const QString full = path.startsWith(QStringLiteral("//"))
                             ? path.mid(1)
                             : QStringLiteral("/session/%1%2").arg(m_session, path);
    QNetworkAccessManager nam;
    QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(full)));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const QByteArray payload = method == "GET" || method == "DELETE"
                                   ? QByteArray()
                                   : QJsonDocument(body).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = nam.sendCustomRequest(req, method, payload);
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    loop.exec();
    if (!reply->isFinished()) {
        reply->abort();
        reply->deleteLater();
        return fail(QStringLiteral("WebDriver %1 %2 timed out after %3 ms")
                        .arg(QString::fromLatin1(method), full)
                        .arg(timeoutMs));
    }
    const QByteArray data = reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    const QJsonObject obj = QJsonDocument::fromJson(data).object();
    const QJsonValue value = obj.value(QStringLiteral("value"));
    if (status != 200) {
        const QJsonObject v = value.toObject();
        return fail(QStringLiteral("WebDriver %1 %2 → %3 %4: %5")
                        .arg(QString::fromLatin1(method), full)
                        .arg(status)
                        .arg(v.value(QStringLiteral("error")).toString(),
                             v.value(QStringLiteral("message")).toString().left(500)));
    }
    return value;
}

TestResult<void> WebDriverSession::navigate(const QString &url) {
    auto r = command("POST", QStringLiteral("/url"), {{QStringLiteral("url"), url}});
    if (!r) {
        return fail(r.error());
    }
    return {};
}

TestResult<QString> WebDriverSession::currentUrl() {
    auto r = command("GET", QStringLiteral("/url"));
    if (!r) {
        return fail(r.error());
    }
    return r->toString();
}

TestResult<QString> WebDriverSession::title() {
    auto r = command("GET", QStringLiteral("/title"));
    if (!r) {
        return fail(r.error());
    }
    return r->toString();
}

TestResult<QString> WebDriverSession::pageSource() {
    auto r = command("GET", QStringLiteral("/source"));
    if (!r) {
        return fail(r.error());
    }
    return r->toString();
}

TestResult<QStringList> WebDriverSession::findElementsIn(const QString &parent, By by,
                                                         const QString &selector) {
    const QString path = parent.isEmpty() ? QStringLiteral("/elements")
                                          : QStringLiteral("/element/%1/elements").arg(parent);
    auto r =
        command("POST", path,
                {{QStringLiteral("using"), usingName(by)}, {QStringLiteral("value"), selector}});
    if (!r) {
        return fail(r.error());
    }
    QStringList ids;
    for (const auto &e : r->toArray()) {
        ids << e.toObject().value(kElementKey).toString();
    }
    return ids;
}

TestResult<QStringList> WebDriverSession::findElements(By by, const QString &selector) {
    return findElementsIn(QString(), by, selector);
}

TestResult<QString> WebDriverSession::findElement(By by, const QString &selector) {
    auto all = findElements(by, selector);
    if (!all) {
        return fail(all.error());
    }
    if (all->isEmpty()) {
        return fail(QStringLiteral("no element matches %1").arg(selector));
    }
    return all->first();
}

TestResult<QString> WebDriverSession::elementText(const QString &element) {
    auto r = command("GET", QStringLiteral("/element/%1/text").arg(element));
    if (!r) {
        return fail(r.error());
    }
    return r->toString();
}

TestResult<QString> WebDriverSession::elementProperty(const QString &element, const QString &name) {
    auto r = command("GET", QStringLiteral("/element/%1/property/%2").arg(element, name));
    if (!r) {
        return fail(r.error());
    }
    return r->toVariant().toString();
}

TestResult<void> WebDriverSession::click(const QString &element) {
    auto r = command("POST", QStringLiteral("/element/%1/click").arg(element), QJsonObject{});
    if (!r) {
        return fail(r.error());
    }
    return {};
}

TestResult<QByteArray> WebDriverSession::screenshotPng() {
    auto r = command("GET", QStringLiteral("/screenshot"));
    if (!r) {
        return fail(r.error());
    }
    return QByteArray::fromBase64(r->toString().toLatin1());
}

TestResult<QJsonValue> WebDriverSession::cdp(const QString &cmd, const QJsonObject &params) {
    return command("POST", QStringLiteral("/goog/cdp/execute"),
                   {{QStringLiteral("cmd"), cmd}, {QStringLiteral("params"), params}});
}

} // namespace napkin::testing
