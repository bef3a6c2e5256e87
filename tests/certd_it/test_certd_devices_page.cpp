// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The /devices page as a person uses it: headless Chromium with JavaScript
// off, real TLS (the test CA's server key pinned), Digest authentication, a
// click on "Revoke" that submits a plain HTML form, and the HTTPS API
// confirming that the device is no longer served.

#include "tests/certd_it/CertdTestBed.h"
#include "tests/support/WebDriverSession.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace napkin::testing;

namespace {

const QString kBob = QStringLiteral("bob@b.example");
const QString kBobPassword = QStringLiteral("bob-page-pw");
const QString kCarol = QStringLiteral("carol@b.example");
const QString kCarolPassword = QStringLiteral("carol-page-pw");

/// The page's form token, as certd makes it (certd/DigestAuth.cpp), for a
/// time of our choosing: needs the instance's nonce secret.
QByteArray csrfTokenAt(const QString &secretFile, const QByteArray &user, qint64 issued) {
    QFile file(secretFile);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    const QByteArray secret = file.readAll().trimmed();
    const QByteArray when = QByteArray::number(issued);
    const QByteArray data = "csrf|" + when + "|" + user + "|b.example";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.constData(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(data.constData()),
         static_cast<std::size_t>(data.size()), mac, &len);
    return when + "." + QByteArray(reinterpret_cast<const char *>(mac), len).toHex();
}

/// The csrf field of a /devices page.
QByteArray csrfOf(const HttpResponse &page) {
    static const QRegularExpression field(QStringLiteral("name=\"csrf\" value=\"([^\"]+)\""));
    return field.match(QString::fromUtf8(page.body)).captured(1).toLatin1();
}

/// "sha256:ab12..." → "AB12 CD34 ..." as the page shows it.
QString forPeople(const QString &fingerprint) {
    const QString hex = fingerprint.mid(7).toUpper();
    QStringList groups;
    for (qsizetype i = 0; i < hex.size(); i += 4) {
        groups << hex.mid(i, 4);
    }
    return groups.join(QLatin1Char(' '));
}

} // namespace

class TestCertdDevicesPage : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed;
    std::unique_ptr<CertdInstance> m_certd;
    std::unique_ptr<WebDriverSession> m_browser;
    std::vector<IssuedCert> m_devices;

    // Digest authentication in the browser. WebDriver cannot type into
    // Chromium's authentication dialog. Chromium does honour credentials in
    // the URL of a top-level navigation (https://bob:pw@b.example:port/devices):
    // it answers the server's Digest challenge with them and keeps them in its
    // HTTP auth cache for the origin, so the form POST to /devices/revoke and
    // the 303 back to /devices authenticate too (preemptively, with the next
    // nc, or after a fresh 401). The alternative, DevTools' Fetch domain with
    // handleAuthRequests, needs CDP events that chromedriver's HTTP API does
    // not deliver (goog/cdp/execute only sends commands), so it would need a
    // polling hack; the URL is simpler and exercises the real Digest exchange.
    QString pageUrl(const QString &path, bool withCredentials) const {
        const QString userInfo =
            withCredentials
                ? QStringLiteral("bob:%1@").arg(QString::fromLatin1(percentEncode(kBobPassword)))
                : QString();
        return QStringLiteral("https://%1b.example:%2%3")
            .arg(userInfo)
            .arg(m_certd->config().listen.port)
            .arg(path);
    }

    /// The fingerprints (people's form) in the page's table.
    TestResult<QStringList> listedFingerprints() {
        auto cells = m_browser->findElements(By::Css, QStringLiteral("#devices code.fingerprint"));
        if (!cells) {
            return napkin::fail(cells.error());
        }
        QStringList out;
        for (const auto &cell : *cells) {
            auto text = m_browser->elementText(cell);
            if (!text) {
                return napkin::fail(text.error());
            }
            out << text->trimmed();
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        if (!WebDriverSession::available()) {
            QSKIP("chromium and chromium-driver are not installed (scripts/deps installs them)");
        }
        auto bed = CertdTestBed::create({QStringLiteral("b.example")});
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        m_certd = m_bed->instance(QStringLiteral("certd"), m_bed->config());
        for (const auto &[who, pw] : {std::pair{kBob, kBobPassword}, {kCarol, kCarolPassword}}) {
            auto added = m_certd->addUser(who, pw);
            NAPKIN_VERIFY_OK(added);
            QVERIFY2(added->succeeded(), qPrintable(added->describe()));
        }
        auto started = m_certd->start();
        NAPKIN_VERIFY_OK(started);

        HttpsClient client = m_certd->client();
        DigestSession bob(client, {QStringLiteral("bob"), kBobPassword});
        for (int i = 0; i < 3; ++i) {
            m_devices.push_back(makeDevice(kBob));
            auto r = bob.request(enrolRequest(kBob, m_devices.back().der));
            NAPKIN_VERIFY_OK(r);
            QCOMPARE(r->status, 201);
        }

        ChromiumOptions options;
        options.javascript = false;
        options.logDirectory = m_bed->dir() + QStringLiteral("/chromium-logs");
        options.arguments = {
            // b.example resolves to the instance's loopback address, for this
            // browser only: no DNS, no /etc/hosts.
            QStringLiteral("--host-resolver-rules=MAP b.example %1")
                .arg(m_certd->config().listen.address.toString()),
            // Trust exactly the service's key (the test CA is not in Chromium's store).
            QStringLiteral("--ignore-certificate-errors-spki-list=%1")
                .arg(m_bed->serverCert().issued.spkiSha256Base64()),
        };
        auto browser = WebDriverSession::start(options);
        NAPKIN_VERIFY_OK(browser);
        m_browser = std::move(browser).value();
    }

    void javascriptIsOff() {
        auto r = m_browser->navigate(QStringLiteral("data:text/html,<title>js-off</title>"
                                                    "<script>document.title='js-on'</script>"));
        NAPKIN_VERIFY_OK(r);
        auto title = m_browser->title();
        NAPKIN_VERIFY_OK(title);
        QCOMPARE(*title, QStringLiteral("js-off"));
    }

    void pageListsTheDevices() {
        auto r = m_browser->navigate(pageUrl(QStringLiteral("/devices"), true));
        NAPKIN_VERIFY_OK(r);
        auto title = m_browser->title();
        NAPKIN_VERIFY_OK(title);
        auto source = m_browser->pageSource();
        QVERIFY2(*title == QStringLiteral("Devices of sip:bob@b.example"),
                 qPrintable(*title + QStringLiteral(" | ") + source.valueOr({}).left(2000)));
        auto listed = listedFingerprints();
        NAPKIN_VERIFY_OK(listed);
        QStringList expected;
        for (const auto &d : m_devices) {
            expected << forPeople(d.fingerprint());
        }
        QStringList sortedListed = *listed;
        sortedListed.sort();
        expected.sort();
        QCOMPARE(sortedListed, expected);
        auto buttons = m_browser->findElements(
            By::XPath, QStringLiteral("//form[@method='post' and "
                                      "@action='/devices/revoke']"
                                      "//button[normalize-space()='Revoke']"));
        NAPKIN_VERIFY_OK(buttons);
        QCOMPARE(buttons->size(), static_cast<qsizetype>(m_devices.size()));

        auto png = m_browser->screenshotPng();
        NAPKIN_VERIFY_OK(png);
        QVERIFY(png->startsWith("\x89PNG"));
        const QString dir = qEnvironmentVariable("NAPKIN_BINARY_DIR", QDir::currentPath()) +
                            QStringLiteral("/screenshots");
        QDir().mkpath(dir);
        QFile file(dir + QStringLiteral("/certd-devices.png"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(*png);
    }

    // The same form posted by another site, or without the page's token, is
    // refused (checked at the HTTP level, where the test controls every header).
    void forgedFormPostsAreRefused() {
        HttpsClient client = m_certd->client();
        DigestSession bob(client, {QStringLiteral("bob"), kBobPassword});
        HttpRequest page;
        page.target = "/devices";
        auto r = bob.request(page);
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, 200);
        const QByteArray csrf = csrfOf(*r);
        QVERIFY(!csrf.isEmpty());
        const QByteArray victim = percentEncode(m_devices[0].fingerprint());
        const QByteArray sameOrigin = "https://" + client.hostHeader();

        // Review L4: Carol's own valid token is no good for Bob's form, and
        // a token of Bob's from more than an hour ago has expired.
        DigestSession carol(client, {QStringLiteral("carol"), kCarolPassword});
        auto carolDevice = carol.request(enrolRequest(kCarol, makeDevice(kCarol).der));
        NAPKIN_VERIFY_OK(carolDevice);
        QCOMPARE(carolDevice->status, 201); // her page has a form only with a device
        auto carolPage = carol.request(page);
        NAPKIN_VERIFY_OK(carolPage);
        QCOMPARE(carolPage->status, 200);
        const QByteArray carolCsrf = csrfOf(*carolPage);
        QVERIFY(!carolCsrf.isEmpty());
        const QByteArray expired = csrfTokenAt(m_certd->config().nonceSecretFile, "bob",
                                               QDateTime::currentSecsSinceEpoch() - 3700);
        // Made as certd makes them: the same shape as the page's token.
        QCOMPARE(expired.size(), csrf.size());

        struct Forgery {
            const char *what;
            QByteArray origin;
            QByteArray referer;
            QByteArray body;
            const char *says;
        };
        const QByteArray body = "fingerprint=" + victim + "&csrf=";
        for (const Forgery &f :
             {Forgery{
                  "another site's Origin", "https://evil.example", {}, body + csrf, "another site"},
              Forgery{"another site's Referer",
                      {},
                      "https://evil.example/devices",
                      body + csrf,
                      "another page"},
              Forgery{"a Referer that only starts like ours",
                      {},
                      sameOrigin + ".evil.example/",
                      body + csrf,
                      "another page"},
              Forgery{"neither Origin nor Referer", {}, {}, body + csrf, "neither Origin"},
              Forgery{
                  "a wrong token", sameOrigin, {}, body + QByteArray(csrf.size(), 'A'), "wrong"},
              Forgery{"another user's token", sameOrigin, {}, body + carolCsrf, "wrong"},
              Forgery{"an expired token", sameOrigin, {}, body + expired, "expired"},
              Forgery{"no token", sameOrigin, {}, "fingerprint=" + victim, "missing"}}) {
            HttpRequest post;
            post.method = "POST";
            post.target = "/devices/revoke";
            post.body = f.body;
            post.header("Content-Type", "application/x-www-form-urlencoded");
            if (!f.origin.isEmpty()) {
                post.header("Origin", f.origin);
            }
            if (!f.referer.isEmpty()) {
                post.header("Referer", f.referer);
            }
            auto answer = bob.request(post);
            NAPKIN_VERIFY_OK(answer);
            QVERIFY2(answer->status == 403, f.what);
            QVERIFY2(answer->body.contains(f.says), answer->body.constData());
        }
        auto served = servedFingerprints(client, kBob);
        NAPKIN_VERIFY_OK(served);
        QCOMPARE(served->size(), static_cast<qsizetype>(m_devices.size()));
    }

    // A browser that sends no Origin but a Referer on this service's page
    // may still revoke.
    void sameSiteRefererIsEnough() {
        HttpsClient client = m_certd->client();
        DigestSession bob(client, {QStringLiteral("bob"), kBobPassword});
        const IssuedCert extra = makeDevice(kBob);
        auto enrolled = bob.request(enrolRequest(kBob, extra.der));
        NAPKIN_VERIFY_OK(enrolled);
        QCOMPARE(enrolled->status, 201);
        HttpRequest page;
        page.target = "/devices";
        auto r = bob.request(page);
        NAPKIN_VERIFY_OK(r);
        HttpRequest post;
        post.method = "POST";
        post.target = "/devices/revoke";
        post.body = "fingerprint=" + percentEncode(extra.fingerprint()) + "&csrf=" + csrfOf(*r);
        post.header("Content-Type", "application/x-www-form-urlencoded");
        post.header("Referer", "https://" + client.hostHeader() + "/devices");
        auto answer = bob.request(post);
        NAPKIN_VERIFY_OK(answer);
        QCOMPARE(answer->status, 303);
        auto served = servedFingerprints(client, kBob);
        NAPKIN_VERIFY_OK(served);
        QVERIFY(!served->contains(extra.fingerprint()));
        QCOMPARE(served->size(), static_cast<qsizetype>(m_devices.size()));
    }

    void revokeButtonRevokes() {
        const IssuedCert victim = m_devices[1];
        auto row = m_browser->findElement(
            By::XPath, QStringLiteral("//tr[.//input[@name='fingerprint' and @value='%1']]"
                                      "//button[normalize-space()='Revoke']")
                           .arg(victim.fingerprint()));
        NAPKIN_VERIFY_OK(row);
        auto clicked = m_browser->click(*row);
        NAPKIN_VERIFY_OK(clicked);

        // The form's 303 leads back to the list, without the revoked device.
        auto url = m_browser->currentUrl();
        NAPKIN_VERIFY_OK(url);
        auto source = m_browser->pageSource();
        QVERIFY2(url->endsWith(QStringLiteral("/devices")),
                 qPrintable(*url + QStringLiteral(" | ") + source.valueOr({}).left(2000)));
        auto listed = listedFingerprints();
        NAPKIN_VERIFY_OK(listed);
        QVERIFY2(!listed->contains(forPeople(victim.fingerprint())),
                 qPrintable(source.valueOr({}).left(2000)));
        QCOMPARE(listed->size(), static_cast<qsizetype>(m_devices.size() - 1));

        // And the service no longer hands it out.
        HttpsClient client = m_certd->client();
        auto served = servedFingerprints(client, kBob);
        NAPKIN_VERIFY_OK(served);
        QVERIFY(!served->contains(victim.fingerprint()));
        QCOMPARE(served->size(), static_cast<qsizetype>(m_devices.size() - 1));
        m_devices.erase(m_devices.begin() + 1);
    }

    void cleanupTestCase() {
        m_browser.reset();
        if (m_certd) {
            QCOMPARE(m_certd->stop().code, 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestCertdDevicesPage)
#include "test_certd_devices_page.moc"
