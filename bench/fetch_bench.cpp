// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-bench-fetch: how long fetching a 3-device certificate set takes,
// cold (DNS, TCP, a full TLS handshake, GET) versus warm (a kept-alive TLS
// connection), and with TLS session resumption in between.
//
// It sets up its own world on loopback: a CA and a service certificate made
// with the openssl tool, a napkin-certd (SQLite, in a temporary directory),
// a dnsmasq on an unprivileged port with the SRV record, a user, and three
// device certificates enrolled through the real client (PUT with Digest).
//
// Usage: napkin-bench-fetch [--certd PATH] [--dnsmasq PATH] [--iterations N] [--tsv]
// Bar: the median warm fetch of the 3-device set takes at most 2 ms. Exit 1 if not.

#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "sipcore/discovery/ServiceClient.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QUdpSocket>
#include <QUuid>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <unistd.h>

namespace {

using namespace napkin::discovery;

constexpr double kWarmBarMs = 2.0;
const QString kDomain = QStringLiteral("bench.example");
const QString kAor = QStringLiteral("sip:bob@bench.example");

[[noreturn]] void die(const QString &message) {
    std::fprintf(stderr, "napkin-bench-fetch: %s\n", qPrintable(message));
    std::exit(1);
}

void run(const QString &program, const QStringList &args, const QString &dir) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(program, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        die(QStringLiteral("%1 %2 failed: %3")
                .arg(program, args.join(QLatin1Char(' ')),
                     QString::fromLocal8Bit(p.readAllStandardError())));
    }
}

bool spinUntil(const std::function<bool()> &done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

quint16 freeTcpPort() {
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0)) {
        die(QStringLiteral("no free TCP port on 127.0.0.1"));
    }
    return s.serverPort();
}

quint16 freeUdpPort() {
    QUdpSocket s;
    if (!s.bind(QHostAddress::LocalHost, 0)) {
        die(QStringLiteral("no free UDP port on 127.0.0.1"));
    }
    return s.localPort();
}

/// A long-running helper (certd, dnsmasq) that is killed when we end.
class Child {
public:
    Child(const QString &program, const QStringList &args, const QString &log) {
        m_process.setStandardErrorFile(log);
        m_process.setStandardOutputFile(log + QStringLiteral(".out"));
        m_process.start(program, args);
        if (!m_process.waitForStarted(10000)) {
            die(QStringLiteral("cannot start %1").arg(program));
        }
        m_log = log;
    }
    ~Child() {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
    }
    void waitForLog(const QString &text) {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 20000) {
            QFile f(m_log);
            if (f.open(QIODevice::ReadOnly) && QString::fromUtf8(f.readAll()).contains(text)) {
                return;
            }
            if (m_process.state() != QProcess::Running) {
                break;
            }
            QThread::msleep(20);
        }
        QFile f(m_log);
        (void)f.open(QIODevice::ReadOnly);
        die(QStringLiteral("%1 did not report '%2': %3")
                .arg(m_process.program(), text, QString::fromUtf8(f.readAll().right(2000))));
    }

private:
    QProcess m_process;
    QString m_log;
};

struct Stats {
    double median = 0;
    double p90 = 0;
    double min = 0;
};

Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    Stats s;
    s.min = ms.front();
    s.median = ms[ms.size() / 2];
    s.p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
    return s;
}

/// One fetch of the set; returns its wall-clock time in milliseconds.
double timedFetch(CertificateDirectory &directory, CertificateDirectory::Policy policy) {
    std::optional<DiscoveryResult<CertificateSet>> got;
    QElapsedTimer t;
    t.start();
    directory.fetch(
        kAor, [&](DiscoveryResult<CertificateSet> r) { got = std::move(r); }, policy);
    if (!spinUntil([&] { return got.has_value(); }, 30000)) {
        die(QStringLiteral("a fetch did not finish"));
    }
    const double ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
    if (!got->ok()) {
        die(got->error().message);
    }
    if (got->value().certificates.size() != 3) {
        die(QStringLiteral("expected 3 certificates, got %1")
                .arg(got->value().certificates.size()));
    }
    return ms;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("napkin.discovery.info=false\n"
                                                    "napkin.discovery.warning=false"));
    QString certd = QStringLiteral(NAPKIN_BENCH_CERTD_PATH);
    QString dnsmasq = QStandardPaths::findExecutable(
        QStringLiteral("dnsmasq"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    int iterations = 200;
    bool tsv = false;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--certd") && i + 1 < args.size()) {
            certd = args[++i];
        } else if (a == QLatin1String("--dnsmasq") && i + 1 < args.size()) {
            dnsmasq = args[++i];
        } else if (a == QLatin1String("--iterations") && i + 1 < args.size()) {
            iterations = std::max(10, args[++i].toInt());
        } else if (a == QLatin1String("--tsv")) {
            tsv = true;
        } else {
            std::fprintf(stderr, "usage: napkin-bench-fetch [--certd PATH] [--dnsmasq PATH] "
                                 "[--iterations N] [--tsv]\n");
            return 2;
        }
    }
    if (!QFile::exists(certd)) {
        die(QStringLiteral("napkin-certd not found at '%1' (use --certd)").arg(certd));
    }
    certd = QFileInfo(certd).absoluteFilePath(); // the helpers run in a temporary directory
    if (dnsmasq.isEmpty()) {
        die(QStringLiteral("dnsmasq not found (Debian package dnsmasq-base)"));
    }

    QTemporaryDir tmp;
    const QString dir = tmp.path();
    const QString openssl = QStringLiteral("openssl");
    run(openssl,
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
         QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
         QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
         QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
         QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
         QStringLiteral("-subj"), QStringLiteral("/CN=napkin-bench-fetch CA")},
        dir);
    run(openssl,
        {QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"),
         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"),
         QStringLiteral("-nodes"), QStringLiteral("-keyout"), QStringLiteral("server.key"),
         QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
         QStringLiteral("/CN=") + kDomain},
        dir);
    {
        QFile ext(QDir(dir).filePath(QStringLiteral("ext.cnf")));
        if (!ext.open(QIODevice::WriteOnly)) {
            die(QStringLiteral("cannot write ext.cnf"));
        }
        ext.write("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:" +
                  kDomain.toLatin1() + "\n");
    }
    run(openssl,
        {QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
         QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
         QStringLiteral("-CAkey"), QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"),
         QStringLiteral("-out"), QStringLiteral("server.pem"), QStringLiteral("-days"),
         QStringLiteral("2"), QStringLiteral("-extfile"), QStringLiteral("ext.cnf")},
        dir);
    {
        QFile secret(QDir(dir).filePath(QStringLiteral("nonce.key")));
        QFile pass(QDir(dir).filePath(QStringLiteral("bob.pass")));
        if (!secret.open(QIODevice::WriteOnly) || !pass.open(QIODevice::WriteOnly)) {
            die(QStringLiteral("cannot write secrets"));
        }
        secret.write(QUuid::createUuid().toByteArray(QUuid::Id128) +
                     QUuid::createUuid().toByteArray(QUuid::Id128) + "\n");
        pass.write("bench-password\n");
    }
    const QString db = QStringLiteral("sqlite:") + QDir(dir).filePath(QStringLiteral("certd.db"));
    run(certd,
        {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("bob@") + kDomain,
         QStringLiteral("--password-file"), QDir(dir).filePath(QStringLiteral("bob.pass")),
         QStringLiteral("--db"), db},
        dir);

    const quint16 httpsPort = freeTcpPort();
    Child service(certd,
                  {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(httpsPort),
                   QStringLiteral("--domain"), kDomain, QStringLiteral("--tls-cert"),
                   QDir(dir).filePath(QStringLiteral("server.pem")), QStringLiteral("--tls-key"),
                   QDir(dir).filePath(QStringLiteral("server.key")), QStringLiteral("--db"), db,
                   QStringLiteral("--nonce-secret-file"),
                   QDir(dir).filePath(QStringLiteral("nonce.key"))},
                  QDir(dir).filePath(QStringLiteral("certd.log")));
    service.waitForLog(QStringLiteral("listening on https://"));

    const quint16 dnsPort = freeUdpPort();
    QStringList dnsArgs = {QStringLiteral("--keep-in-foreground"),
                           QStringLiteral("--conf-file=/dev/null"),
                           QStringLiteral("--no-resolv"),
                           QStringLiteral("--no-hosts"),
                           QStringLiteral("--bind-interfaces"),
                           QStringLiteral("--listen-address=127.0.0.1"),
                           QStringLiteral("--port=%1").arg(dnsPort),
                           QStringLiteral("--pid-file="),
                           QStringLiteral("--log-facility=-"),
                           QStringLiteral("--local=/%1/").arg(kDomain),
                           QStringLiteral("--srv-host=_certificates._tcp.%1,certs.%1,%2,0,0")
                               .arg(kDomain)
                               .arg(httpsPort),
                           QStringLiteral("--host-record=certs.%1,127.0.0.1").arg(kDomain)};
    if (::geteuid() == 0) {
        dnsArgs << QStringLiteral("--user=root");
    }
    Child dns(dnsmasq, dnsArgs, QDir(dir).filePath(QStringLiteral("dnsmasq.log")));
    dns.waitForLog(QStringLiteral("started, version"));

    ServiceClientSettings settings;
    settings.dns.address = QHostAddress(QHostAddress::LocalHost);
    settings.dns.port = dnsPort;
    settings.allowPrivateServices = true; // certd runs on loopback
    auto trust = TrustStore::create(QDir(dir).filePath(QStringLiteral("ca.pem")), false);
    if (!trust.ok()) {
        die(trust.error().message);
    }

    // Three devices of bob, enrolled through the real client.
    {
        ServiceClient client(settings, trust.value());
        for (int i = 0; i < 3; ++i) {
            MemoryKeyStore keys;
            EnrolmentSettings e;
            e.aor = kAor;
            e.instanceUrn =
                QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces);
            Enroller enroller(client, keys, e);
            enroller.setPassword("bench-password");
            enroller.start();
            if (!spinUntil(
                    [&] {
                        return enroller.state() == Enroller::State::Enrolled ||
                               enroller.state() == Enroller::State::Failed;
                    },
                    30000) ||
                enroller.state() != Enroller::State::Enrolled) {
                die(QStringLiteral("enrolment failed: %1")
                        .arg(enroller.lastError() ? enroller.lastError()->message : QString()));
            }
        }
    }

    const int coldIterations = std::max(10, iterations / 4);
    // Cold: a new client each time (no connection, no session, DNS asked again).
    std::vector<double> cold;
    for (int i = 0; i < coldIterations; ++i) {
        ServiceClientSettings s = settings;
        s.sessionResumption = false;
        ServiceClient client(s, trust.value());
        CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
        cold.push_back(timedFetch(directory, CertificateDirectory::Policy::Revalidate));
    }
    // Resumed: a new connection each time, offering the last TLS session ticket.
    std::vector<double> resumed;
    {
        ServiceClientSettings s = settings;
        s.reuseConnections = false;
        ServiceClient client(s, trust.value());
        CertificateDirectory warmup(client, DirectorySettings{std::chrono::seconds(0), {}});
        timedFetch(warmup, CertificateDirectory::Policy::Revalidate);
        for (int i = 0; i < coldIterations; ++i) {
            CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
            resumed.push_back(timedFetch(directory, CertificateDirectory::Policy::Revalidate));
        }
    }
    // Warm: one kept-alive connection; the whole set (200) each time, and the
    // TTL-0 revalidation (If-None-Match -> 304) that a client does on every use.
    std::vector<double> warm;
    std::vector<double> revalidate;
    int connections = 0;
    {
        ServiceClient client(settings, trust.value());
        CertificateDirectory warmup(client, DirectorySettings{std::chrono::seconds(0), {}});
        timedFetch(warmup, CertificateDirectory::Policy::Revalidate);
        for (int i = 0; i < iterations; ++i) {
            CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
            warm.push_back(timedFetch(directory, CertificateDirectory::Policy::Revalidate));
        }
        for (int i = 0; i < iterations; ++i) {
            revalidate.push_back(timedFetch(warmup, CertificateDirectory::Policy::Revalidate));
        }
        connections = client.connectionsOpened();
    }

    const Stats c = stats(cold);
    const Stats r = stats(resumed);
    const Stats w = stats(warm);
    const Stats v = stats(revalidate);
    if (tsv) {
        std::printf("fetch_cold\t%.3f\t%.3f\nfetch_resumed\t%.3f\t%.3f\nfetch_warm\t%.3f\t%.3f\n"
                    "fetch_warm_304\t%.3f\t%.3f\n",
                    c.median, c.p90, r.median, r.median, w.median, w.p90, v.median, v.p90);
    } else {
        std::printf("\nCertificate set fetch (3 devices, loopback napkin-certd, ms)\n\n");
        std::printf("%-58s %8s %8s %8s\n", "path", "median", "p90", "min");
        std::printf("%-58s %8.3f %8.3f %8.3f\n",
                    "cold: DNS SRV+A, TCP, full TLS handshake, GET 200", c.median, c.p90, c.min);
        std::printf("%-58s %8.3f %8.3f %8.3f\n", "new connection offering a TLS session ticket",
                    r.median, r.p90, r.min);
        std::printf("%-58s %8.3f %8.3f %8.3f\n", "warm: kept-alive connection, GET 200", w.median,
                    w.p90, w.min);
        std::printf("%-58s %8.3f %8.3f %8.3f\n",
                    "warm: kept-alive connection, If-None-Match -> 304", v.median, v.p90, v.min);
        std::printf("(warm runs used %d TLS connection(s) for %d fetches)\n", connections,
                    2 * iterations + 1);
    }
    const bool pass = w.median <= kWarmBarMs;
    std::printf("\n%-58s %8.3f %8s %8s\n", "bar: warm fetch median (ms)", w.median, "<= 2",
                pass ? "PASS" : "FAIL");
    return pass ? 0 : 1;
}
