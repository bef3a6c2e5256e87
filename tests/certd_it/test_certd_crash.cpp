// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Durability of napkin-certd: SIGKILL in the middle of a mixed PUT/GET load
// from several clients, on SQLite and on PostgreSQL; after a restart every PUT
// that was answered 2xx is served. And SIGTERM lets a request in progress
// finish before the process exits 0.

#include "tests/certd_it/CertdTestBed.h"
#include "tests/support/PostgresServer.h"

#include <QElapsedTimer>
#include <QTest>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

using namespace napkin::testing;

namespace {

constexpr int kClients = 4;
const QString kPassword = QStringLiteral("load-pw");

QString loadUser(int i) {
    return QStringLiteral("load%1@b.example").arg(i);
}

/// What one client thread did.
struct ClientLog {
    QStringList acknowledged; ///< fingerprints whose PUT got a 2xx
    QStringList attempted;    ///< every fingerprint it sent
    int gets = 0;
    int failures = 0;   ///< requests without an answer (after the kill)
    QString unexpected; ///< the first answer that should not have happened
};

void runClient(const HttpsTarget &target, int index, const std::atomic<bool> &stop,
               std::atomic<int> &acked, ClientLog &log) {
    HttpsClient client(target);
    client.setKeepAlive(true);
    const QString address = loadUser(index);
    DigestSession session(client, {address.section(QLatin1Char('@'), 0, 0), kPassword});
    for (int n = 0; !stop.load(); ++n) {
        if (n % 3 == 2) {
            auto r = client.get(searchTarget(address));
            if (!r) {
                ++log.failures;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            ++log.gets;
            if (r->status != 200 && r->status != 404 && log.unexpected.isEmpty()) {
                log.unexpected = QStringLiteral("GET: ") + r->describe();
            }
            continue;
        }
        DeviceCertSpec spec;
        spec.aor = QStringLiteral("sip:") + address;
        spec.instanceUrn = CertBuilder::randomInstanceUrn();
        auto device = CertBuilder::device(spec);
        if (!device) {
            log.unexpected = device.error();
            return;
        }
        log.attempted << device->fingerprint();
        auto r = session.request(enrolRequest(address, device->der));
        if (!r) {
            ++log.failures;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        if (r->status == 201 || r->status == 200) {
            log.acknowledged << device->fingerprint();
            ++acked;
        } else if (log.unexpected.isEmpty()) {
            log.unexpected = QStringLiteral("PUT: ") + r->describe();
        }
    }
}

} // namespace

class TestCertdCrash : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed;

    /// Load, SIGKILL, restart, check. `config.db` chooses the database.
    void killDuringLoad(const QString &name, CertdConfig config) {
        config.maxDevices = 1000;
        auto certd = m_bed->instance(name, config);
        for (int i = 0; i < kClients; ++i) {
            auto added = certd->addUser(loadUser(i), kPassword);
            NAPKIN_VERIFY_OK(added);
            QVERIFY2(added->succeeded(), qPrintable(added->describe()));
        }
        auto started = certd->start();
        NAPKIN_VERIFY_OK(started);

        std::atomic<bool> stop{false};
        std::atomic<int> acked{0};
        std::vector<ClientLog> logs(kClients);
        std::vector<std::thread> clients;
        for (int i = 0; i < kClients; ++i) {
            clients.emplace_back(runClient, certd->target(), i, std::cref(stop), std::ref(acked),
                                 std::ref(logs[static_cast<std::size_t>(i)]));
        }
        // Let the load build up, then pull the plug while requests are in flight.
        QElapsedTimer t;
        t.start();
        while (acked.load() < 40 && t.elapsed() < 60000) {
            QTest::qSleep(20);
        }
        const ProcessExit killed = certd->process().kill();
        QTest::qSleep(300); // the clients meet the dead server
        stop = true;
        for (auto &c : clients) {
            c.join();
        }
        QVERIFY(!killed.normal);

        int totalAcknowledged = 0;
        int totalFailures = 0;
        for (const auto &log : logs) {
            QVERIFY2(log.unexpected.isEmpty(), qPrintable(log.unexpected));
            totalAcknowledged += static_cast<int>(log.acknowledged.size());
            totalFailures += log.failures;
        }
        qInfo("%s: %d PUTs acknowledged before SIGKILL, %d requests unanswered", qPrintable(name),
              totalAcknowledged, totalFailures);
        QVERIFY2(totalAcknowledged >= kClients, "the load never got going");
        QVERIFY(totalFailures > 0); // the kill really happened under load

        auto restarted = certd->start();
        NAPKIN_VERIFY_OK(restarted);
        HttpsClient client = certd->client();
        for (int i = 0; i < kClients; ++i) {
            const ClientLog &log = logs[static_cast<std::size_t>(i)];
            auto served = servedFingerprints(client, loadUser(i));
            NAPKIN_VERIFY_OK(served);
            for (const auto &fp : log.acknowledged) {
                QVERIFY2(
                    served->contains(fp),
                    qPrintable(QStringLiteral("%1 lost %2 after SIGKILL").arg(loadUser(i), fp)));
            }
            // Nothing appears that was never sent (at most the unanswered ones).
            for (const auto &fp : *served) {
                QVERIFY(log.attempted.contains(fp));
            }
            QVERIFY(served->size() <= log.acknowledged.size() + log.failures);
        }
        const ProcessExit e = certd->stop();
        QVERIFY2(e.normal && e.code == 0, qPrintable(certd->process().logTail()));
    }

private Q_SLOTS:
    void initTestCase() {
        auto bed = CertdTestBed::create();
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
    }

    void sqliteSurvivesSigkill() {
        killDuringLoad(QStringLiteral("crash-sqlite"), m_bed->config());
    }

    void postgresSurvivesSigkill() {
        if (PostgresServer::findBinDir().isEmpty()) {
            QSKIP("PostgreSQL is not installed (scripts/deps installs it)");
        }
        PostgresOptions options;
        options.durable = true; // the server is not killed, but commits must be real
        options.logDirectory = m_bed->dir() + QStringLiteral("/postgres-logs");
        auto pg = PostgresServer::start(options);
        NAPKIN_VERIFY_OK(pg);
        CertdConfig config = m_bed->config();
        config.db = (*pg)->url();
        killDuringLoad(QStringLiteral("crash-postgres"), config);
    }

    // SIGTERM while a PUT's body is still arriving: the request completes,
    // then the process exits 0.
    void sigtermDrainsRequestInProgress() {
        auto certd = m_bed->instance(QStringLiteral("drain"), m_bed->config());
        const QString bob = QStringLiteral("bob@b.example");
        auto added = certd->addUser(bob, kPassword);
        NAPKIN_VERIFY_OK(added);
        auto started = certd->start();
        NAPKIN_VERIFY_OK(started);
        HttpsClient client = certd->client();
        auto unauthorized = client.request(enrolRequest(bob, {}));
        NAPKIN_VERIFY_OK(unauthorized);
        auto challenge = DigestAuth::pick(*unauthorized, DigestAlgorithm::Sha256);
        NAPKIN_VERIFY_OK(challenge);

        const IssuedCert device = makeDevice(bob);
        HttpRequest put = enrolRequest(bob, device.der);
        put.header("Authorization",
                   DigestAuth::authorization(*challenge, {QStringLiteral("bob"), kPassword},
                                             {"PUT", put.target, 1, {}}));
        put.header("Connection", "close");
        const QByteArray wire = put.serialize(client.hostHeader());
        const qsizetype half = wire.size() - device.der.size() / 2;

        auto conn = client.connect();
        NAPKIN_VERIFY_OK(conn);
        auto firstHalf = (*conn)->send(wire.left(half));
        NAPKIN_VERIFY_OK(firstHalf);
        QTest::qSleep(300); // the server has the headers and part of the body
        certd->process().signal(SIGTERM);
        QTest::qSleep(700);
        QVERIFY2(certd->process().isRunning(), "exited with a request in progress");
        auto rest = (*conn)->send(wire.mid(half));
        NAPKIN_VERIFY_OK(rest);
        auto r = (*conn)->readResponse(10000);
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, 201);

        auto exited = certd->process().waitForExit(15000);
        NAPKIN_VERIFY_OK(exited);
        QVERIFY(exited->normal);
        QCOMPARE(exited->code, 0);

        // It was stored, not just answered.
        auto again = certd->start();
        NAPKIN_VERIFY_OK(again);
        HttpsClient after = certd->client();
        auto served = servedFingerprints(after, bob);
        NAPKIN_VERIFY_OK(served);
        QCOMPARE(*served, QStringList{device.fingerprint()});
        QCOMPARE(certd->stop().code, 0);
    }
};

QTEST_GUILESS_MAIN(TestCertdCrash)
#include "test_certd_crash.moc"
