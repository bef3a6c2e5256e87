// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// certd's HttpServer in process, over real TLS on loopback, with settings the
// binary does not expose: connections that libmicrohttpd itself times out
// before their TLS handshake must be freed. (With MHD_USE_TURBO,
// libmicrohttpd 0.9.75 kept every such connection for good and polled with
// a zero timeout: a full connection table and a spinning server.)

#include "certd/HttpServer.h"
#include "tests/support/HttpsClient.h"
#include "tests/support/TestCa.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace certd = napkin::certd;
namespace t = napkin::testing;

namespace {

class OkHandler final : public certd::RequestHandler {
public:
    std::optional<certd::HttpResponse> onHeaders(const certd::HttpRequest &,
                                                 std::unique_ptr<certd::RequestState> &) override {
        return std::nullopt;
    }
    certd::HttpResponse onRequest(const certd::HttpRequest &, certd::RequestState *) override {
        return certd::HttpResponse::text(200, "text/plain", "ok");
    }
    std::size_t maxBodySize() const override { return 1024; }
};

int openDescriptors() {
    return static_cast<int>(QDir(QStringLiteral("/proc/self/fd"))
                                .entryList(QDir::NoDotAndDotDot | QDir::System)
                                .size());
}

double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval &tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

} // namespace

class TestCertdHttpServer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void connectionsTimedOutBeforeTheHandshakeAreFreed() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto ca = t::TestCa::create(dir.filePath(QStringLiteral("pki")));
        NAPKIN_VERIFY_OK(ca);
        auto server = ca->issueServer(QStringLiteral("service"), {QStringLiteral("b.example")});
        NAPKIN_VERIFY_OK(server);
        QFile cert(server->certPath);
        QFile key(server->keyPath);
        QVERIFY(cert.open(QIODevice::ReadOnly) && key.open(QIODevice::ReadOnly));

        constexpr int kLimit = 20;
        certd::HttpServerOptions options;
        options.port = 0;
        options.certPem = cert.readAll().toStdString();
        options.keyPem = key.readAll().toStdString();
        options.threads = 2;
        options.connectionLimit = kLimit;
        options.perIpConnectionLimit = 1000;
        // Only libmicrohttpd's own timeout may close the idle connections.
        options.idleTimeout = std::chrono::seconds(1);
        options.firstRequestDeadline = std::chrono::seconds(600);
        options.headerDeadline = std::chrono::seconds(600);
        OkHandler handler;
        auto http = certd::HttpServer::start(options, handler, {});
        QVERIFY2(http, http ? "" : http.error().message.c_str());
        QCOMPARE((*http)->connectionLimit(), unsigned(kLimit));

        t::HttpsTarget target;
        target.endpoint.address = QHostAddress(QStringLiteral("127.0.0.1"));
        target.endpoint.port = (*http)->port();
        target.serverName = QStringLiteral("b.example");
        target.caFile = ca->rootCertPath();
        t::HttpsClient client(target);
        auto first = client.get("/");
        NAPKIN_VERIFY_OK(first);
        QCOMPARE(first->status, 200);
        const int descriptorsBefore = openDescriptors();

        // Twice the limit, idle, held past the timeout, then closed.
        std::vector<int> idle;
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons((*http)->port());
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (int i = 0; i < 2 * kLimit; ++i) {
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            QVERIFY(fd >= 0);
            QVERIFY(::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) == 0);
            idle.push_back(fd);
        }
        QTest::qSleep(3500);
        for (int fd : idle) {
            ::close(fd);
        }
        QTest::qSleep(500);

        const double cpuBefore = cpuSeconds();
        QTest::qSleep(1000);
        const double cpu = cpuSeconds() - cpuBefore;
        QVERIFY2(cpu < 0.2, qPrintable(QStringLiteral("%1 s of CPU in 1 s while idle").arg(cpu)));
        QElapsedTimer timer;
        timer.start();
        auto after = client.get("/");
        NAPKIN_VERIFY_OK(after);
        QCOMPARE(after->status, 200);
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY2(openDescriptors() <= descriptorsBefore + 2,
                 qPrintable(QStringLiteral("%1 descriptors open, %2 before the idle connections")
                                .arg(openDescriptors())
                                .arg(descriptorsBefore)));
    }
};

QTEST_GUILESS_MAIN(TestCertdHttpServer)
#include "test_certd_unit_http_server.moc"
