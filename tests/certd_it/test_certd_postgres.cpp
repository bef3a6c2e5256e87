// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Two napkin-certd instances on one real PostgreSQL server, with one nonce
// secret, as behind a load balancer: what one enrols the other serves, a
// nonce from one is good at the other but only once, and concurrent PUTs for
// one address on both never lose a device nor pass the device limit.

#include "tests/certd_it/CertdTestBed.h"
#include "tests/support/PostgresServer.h"

#include <QCryptographicHash>
#include <QTest>

#include <mutex>
#include <thread>

using namespace napkin::testing;

namespace {

const QString kBob = QStringLiteral("bob@b.example");
const QString kBobPassword = QStringLiteral("bob-pg-pw");
const QString kDave = QStringLiteral("dave@b.example");
const QString kErin = QStringLiteral("erin@b.example");
const QString kPassword = QStringLiteral("shared-pw");
constexpr int kMaxDevices = 10;

/// What one client thread saw.
struct PutOutcome {
    QString fingerprint;
    int status = 0;
    QString slug;
    QString error;
};

} // namespace

class TestCertdPostgres : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed;
    std::unique_ptr<PostgresServer> m_pg;
    std::unique_ptr<CertdInstance> m_a;
    std::unique_ptr<CertdInstance> m_b;

    TestResult<DigestChallenge> challengeFrom(CertdInstance &certd, const QString &address) {
        HttpsClient c = certd.client();
        auto r = c.request(enrolRequest(address, {}));
        if (!r) {
            return napkin::fail(r.error());
        }
        return DigestAuth::pick(*r, DigestAlgorithm::Sha256);
    }

    /// `threads` client threads, alternating between the two instances, each
    /// enrolling `perThread` new devices for `address`.
    std::vector<PutOutcome> concurrentPuts(const QString &address, int threads, int perThread) {
        std::vector<IssuedCert> devices;
        for (int i = 0; i < threads * perThread; ++i) {
            devices.push_back(makeDevice(address));
        }
        std::mutex lock;
        std::vector<PutOutcome> outcomes;
        std::vector<std::thread> workers;
        const QString user = address.section(QLatin1Char('@'), 0, 0);
        for (int t = 0; t < threads; ++t) {
            const HttpsTarget target = (t % 2 == 0 ? m_a : m_b)->target();
            workers.emplace_back([&, t, target] {
                HttpsClient client(target);
                client.setKeepAlive(true);
                DigestSession session(client, {user, kPassword});
                for (int i = 0; i < perThread; ++i) {
                    const IssuedCert &d = devices[static_cast<std::size_t>(t * perThread + i)];
                    PutOutcome o;
                    o.fingerprint = d.fingerprint();
                    auto r = session.request(enrolRequest(address, d.der));
                    if (r) {
                        o.status = r->status;
                        o.slug = r->problemSlug();
                    } else {
                        o.error = r.error();
                    }
                    std::lock_guard guard(lock);
                    outcomes.push_back(o);
                }
            });
        }
        for (auto &w : workers) {
            w.join();
        }
        return outcomes;
    }

private Q_SLOTS:
    void initTestCase() {
        if (PostgresServer::findBinDir().isEmpty()) {
            QSKIP("PostgreSQL is not installed (scripts/deps installs it)");
        }
        auto bed = CertdTestBed::create();
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        PostgresOptions options;
        options.logDirectory = m_bed->dir() + QStringLiteral("/postgres-logs");
        auto pg = PostgresServer::start(options);
        NAPKIN_VERIFY_OK(pg);
        m_pg = std::move(pg).value();

        CertdConfig config = m_bed->config();
        config.db = m_pg->url();
        config.maxDevices = kMaxDevices;
        config.threads = 2;
        m_a = m_bed->instance(QStringLiteral("certd-a"), config);
        // The same database and nonce secret, its own address.
        auto prepared = m_a->serverArguments();
        NAPKIN_VERIFY_OK(prepared);
        config.nonceSecretFile = m_a->config().nonceSecretFile;
        m_b = m_bed->instance(QStringLiteral("certd-b"), config);

        // A creates the schema on first start; users go in afterwards.
        auto a = m_a->start();
        NAPKIN_VERIFY_OK(a);
        auto b = m_b->start();
        NAPKIN_VERIFY_OK(b);
        for (const auto &[who, pw] : std::initializer_list<std::pair<QString, QString>>{
                 {kBob, kBobPassword}, {kDave, kPassword}, {kErin, kPassword}}) {
            auto added = m_a->addUser(who, pw);
            NAPKIN_VERIFY_OK(added);
            QVERIFY2(added->succeeded(), qPrintable(added->describe()));
        }
    }

    void schemaIsSharedWithKamailio() {
        auto row = m_pg->psql(QStringLiteral("SELECT password || '|' || ha1 || '|' || ha1b FROM "
                                             "subscriber WHERE username = 'bob' AND domain = "
                                             "'b.example'"));
        NAPKIN_VERIFY_OK(row);
        const QByteArray md5a = QCryptographicHash::hash("bob:b.example:" + kBobPassword.toUtf8(),
                                                         QCryptographicHash::Md5)
                                    .toHex();
        const QByteArray md5b =
            QCryptographicHash::hash("bob@b.example:b.example:" + kBobPassword.toUtf8(),
                                     QCryptographicHash::Md5)
                .toHex();
        QCOMPARE(*row, QStringLiteral("|%1|%2").arg(QString::fromLatin1(md5a),
                                                    QString::fromLatin1(md5b)));
        auto versions = m_pg->psql(QStringLiteral("SELECT count(*) FROM napkin_schema"));
        NAPKIN_VERIFY_OK(versions);
        QVERIFY(versions->toInt() >= 1);
        auto list = m_b->listUsers();
        NAPKIN_VERIFY_OK(list);
        QVERIFY(list->stdoutText.contains(kBob));
    }

    void enrolOnAServedByB() {
        HttpsClient onB = m_b->client();
        auto empty = onB.get(searchTarget(kBob));
        NAPKIN_VERIFY_OK(empty);
        QCOMPARE(empty->status, 404);

        const IssuedCert device = makeDevice(kBob);
        HttpsClient onA = m_a->client();
        DigestSession bob(onA, {QStringLiteral("bob"), kBobPassword});
        auto put = bob.request(enrolRequest(kBob, device.der));
        NAPKIN_VERIFY_OK(put);
        QCOMPARE(put->status, 201);

        auto got = onB.get(searchTarget(kBob));
        NAPKIN_VERIFY_OK(got);
        QCOMPARE(got->status, 200);
        QCOMPARE(got->header("ETag"), put->header("ETag"));
        auto certs = CertsOnlyReader::fromDer(got->body);
        NAPKIN_VERIFY_OK(certs);
        QCOMPARE(*certs, QList<QByteArray>{device.der});

        // MD5 Digest works against PostgreSQL too (ha1 column), on B.
        DigestSession md5(onB, {QStringLiteral("bob"), kBobPassword}, DigestAlgorithm::Md5);
        auto second = md5.request(enrolRequest(kBob, makeDevice(kBob).der));
        NAPKIN_VERIFY_OK(second);
        QCOMPARE(second->status, 201);
        auto servedOnA = servedFingerprints(onA, kBob);
        NAPKIN_VERIFY_OK(servedOnA);
        QCOMPARE(servedOnA->size(), 2);
    }

    void nonceFromAWorksOnBOnce() {
        auto challenge = challengeFrom(*m_a, kBob);
        NAPKIN_VERIFY_OK(challenge);
        HttpRequest put = enrolRequest(kBob, makeDevice(kBob).der);
        put.header("Authorization",
                   DigestAuth::authorization(*challenge, {QStringLiteral("bob"), kBobPassword},
                                             {"PUT", put.target, 1, "cnonce-shared"}));
        HttpsClient onB = m_b->client();
        auto first = onB.request(put);
        NAPKIN_VERIFY_OK(first);
        QCOMPARE(first->status, 201);

        // The same (nonce, nc) again, at A this time: the database remembers.
        HttpsClient onA = m_a->client();
        auto replay = onA.request(put);
        NAPKIN_VERIFY_OK(replay);
        QCOMPARE(replay->status, 401);
        QCOMPARE(replay->problemSlug(), QStringLiteral("stale-nonce"));
    }

    void nonceUsedOnAIsStaleOnB() {
        auto challenge = challengeFrom(*m_a, kBob);
        NAPKIN_VERIFY_OK(challenge);
        HttpRequest put = enrolRequest(kBob, makeDevice(kBob).der);
        put.header("Authorization",
                   DigestAuth::authorization(*challenge, {QStringLiteral("bob"), kBobPassword},
                                             {"PUT", put.target, 1, {}}));
        HttpsClient onA = m_a->client();
        auto used = onA.request(put);
        NAPKIN_VERIFY_OK(used);
        QCOMPARE(used->status, 201);
        HttpsClient onB = m_b->client();
        auto replay = onB.request(put);
        NAPKIN_VERIFY_OK(replay);
        QCOMPARE(replay->status, 401);
        QCOMPARE(replay->problemSlug(), QStringLiteral("stale-nonce"));
        auto fresh = DigestAuth::pick(*replay, DigestAlgorithm::Sha256);
        NAPKIN_VERIFY_OK(fresh);
        QVERIFY(fresh->stale);
    }

    void concurrentPutsLoseNothing() {
        const auto outcomes = concurrentPuts(kDave, 4, 2); // 8 devices, limit 10
        QCOMPARE(outcomes.size(), std::size_t{8});
        QStringList accepted;
        for (const auto &o : outcomes) {
            QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
            QVERIFY2(o.status == 201,
                     qPrintable(QStringLiteral("%1 %2").arg(o.status).arg(o.slug)));
            accepted << o.fingerprint;
        }
        accepted.sort();
        for (auto *certd : {m_a.get(), m_b.get()}) {
            HttpsClient c = certd->client();
            auto served = servedFingerprints(c, kDave);
            NAPKIN_VERIFY_OK(served);
            QCOMPARE(*served, accepted);
        }
        auto rows = m_pg->psql(QStringLiteral("SELECT count(*) FROM device_cert WHERE username = "
                                              "'dave' AND domain = 'b.example'"));
        NAPKIN_VERIFY_OK(rows);
        QCOMPARE(*rows, QStringLiteral("8"));
    }

    void deviceLimitHoldsExactlyUnderConcurrency() {
        const auto outcomes = concurrentPuts(kErin, 4, 4); // 16 devices, limit 10
        QStringList accepted;
        int refused = 0;
        for (const auto &o : outcomes) {
            QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
            if (o.status == 201) {
                accepted << o.fingerprint;
            } else {
                QVERIFY2(o.status == 409 && o.slug == QStringLiteral("too-many-devices"),
                         qPrintable(QStringLiteral("%1 %2").arg(o.status).arg(o.slug)));
                ++refused;
            }
        }
        QCOMPARE(accepted.size(), kMaxDevices);
        QCOMPARE(refused, 16 - kMaxDevices);
        accepted.sort();
        for (auto *certd : {m_a.get(), m_b.get()}) {
            HttpsClient c = certd->client();
            auto served = servedFingerprints(c, kErin);
            NAPKIN_VERIFY_OK(served);
            QCOMPARE(*served, accepted);
        }
    }

    void revokeOnBGoneOnA() {
        HttpsClient onA = m_a->client();
        auto before = servedFingerprints(onA, kDave);
        NAPKIN_VERIFY_OK(before);
        QVERIFY(!before->isEmpty());
        HttpRequest del;
        del.method = "DELETE";
        del.target = searchTarget(kDave) + "&fingerprint=" + percentEncode(before->first());
        HttpsClient onB = m_b->client();
        DigestSession dave(onB, {QStringLiteral("dave"), kPassword});
        auto r = dave.request(del);
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, 200);
        auto after = servedFingerprints(onA, kDave);
        NAPKIN_VERIFY_OK(after);
        QCOMPARE(after->size(), before->size() - 1);
        QVERIFY(!after->contains(before->first()));
    }

    void cleanupTestCase() {
        for (auto *certd : {m_a.get(), m_b.get()}) {
            if (certd) {
                const ProcessExit e = certd->stop();
                QVERIFY2(e.normal && e.code == 0, qPrintable(certd->process().logTail()));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestCertdPostgres)
#include "test_certd_postgres.moc"
