// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The SQLite CertStore: enrolment (new, same certificate again, same
// instance URN, device limit), revocation, expiry, users, nonce replay
// records, idempotent migrations, and concurrent enrolment from threads
// through separate connections (no lost device, limit never exceeded).

#include "certd/CertStore.h"
#include "certd/Schema.h"
#include "certd/SqliteCertStore.h"
#include "certd/UserAdmin.h"
#include "crypto/DeviceIdentity.h"
#include "tests/certd/CertdTestSupport.h"

#include <sqlite3.h>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

using namespace napkin::certd;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

std::string fp(int n) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "sha256:%064x", n);
    return buf;
}

DeviceRecord device(int n, std::optional<std::string> urn = std::nullopt,
                    std::int64_t notAfter = kNow + 86400) {
    DeviceRecord d;
    d.fingerprint = fp(n);
    d.instanceUrn = std::move(urn);
    d.der = {0x30, 0x03, 0x02, 0x01, static_cast<std::uint8_t>(n & 0xff)};
    d.notBefore = kNow - 60;
    d.notAfter = notAfter;
    d.enrolledAt = kNow;
    return d;
}

std::string urn(int n) {
    return "urn:uuid:00000000-0000-0000-0000-" + std::to_string(100000000000 + n);
}

/// Runs SQL on the file directly, as an operator (or Kamailio) would.
void rawExec(const std::string &path, const char *sql) {
    sqlite3 *db = nullptr;
    QVERIFY(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char *err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    QVERIFY2(rc == SQLITE_OK, err);
    sqlite3_free(err);
    sqlite3_close(db);
}

} // namespace

class TestCertdStoreSqlite : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_files = 0;

    std::string newPath() {
        return m_dir.filePath(QStringLiteral("certd-%1.db").arg(++m_files)).toStdString();
    }
    std::unique_ptr<CertStore> openMigrated(const std::string &path) {
        auto store = openCertStore("sqlite:" + path);
        if (!store) {
            qFatal("open failed: %s", store.error().message.c_str());
        }
        auto migrated = (*store)->migrate();
        if (!migrated) {
            qFatal("migrate failed: %s", migrated.error().message.c_str());
        }
        return std::move(store).value();
    }

private Q_SLOTS:
    void migrationsAreIdempotent() {
        auto path = newPath();
        auto store = openCertStore("sqlite:" + path);
        QVERIFY(store.ok());
        QCOMPARE((*store)->schemaVersion().value(), 0);
        QVERIFY((*store)->migrate().ok());
        QCOMPARE((*store)->schemaVersion().value(), schema::kCurrentVersion);
        QVERIFY((*store)->migrate().ok());
        auto again = openCertStore("sqlite:" + path);
        QVERIFY(again.ok());
        QVERIFY((*again)->migrate().ok());
        QCOMPARE((*again)->schemaVersion().value(), schema::kCurrentVersion);
        QVERIFY((*again)->ping().ok());
    }

    void sharesKamailiosSubscriberTable() {
        // Kamailio's own schema made first, with a user of its tools.
        auto path = newPath();
        rawExec(path, "CREATE TABLE version (id INTEGER PRIMARY KEY NOT NULL, table_name "
                      "VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL, CONSTRAINT "
                      "version_table_name_idx UNIQUE (table_name));"
                      "INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);"
                      "CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username "
                      "VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL, "
                      "password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT "
                      "NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL, CONSTRAINT "
                      "subscriber_account_idx UNIQUE (username, domain));"
                      "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES "
                      "('kam', 'b.example', 'aaaa', 'bbbb');");
        auto store = openMigrated(path);
        auto creds = store->credentials("kam", "b.example");
        QVERIFY(creds.ok() && creds->has_value());
        QCOMPARE(qs((*creds)->ha1), QStringLiteral("aaaa"));
        QVERIFY(!(*creds)->ha1Sha256.has_value());
        // user add fills ha1/ha1b, leaves the password column empty, adds SHA-256.
        QVERIFY(store->putUser("bob", "b.example", credentialsForPassword("bob", "b.example", "pw"))
                    .value());
        sqlite3 *db = nullptr;
        QVERIFY(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_stmt *stmt = nullptr;
        QVERIFY(sqlite3_prepare_v2(db,
                                   "SELECT password, ha1, (SELECT table_version FROM version WHERE "
                                   "table_name = 'subscriber') FROM subscriber WHERE username = "
                                   "'bob'",
                                   -1, &stmt, nullptr) == SQLITE_OK);
        QCOMPARE(sqlite3_step(stmt), SQLITE_ROW);
        QCOMPARE(QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0))),
                 QString());
        QCOMPARE(QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 1))),
                 QStringLiteral("8e797377775b7816e984b04559fbc202"));
        QCOMPARE(sqlite3_column_int(stmt, 2), 7);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
    }

    void refusesNewerSchema() {
        auto path = newPath();
        openMigrated(path);
        rawExec(path, "INSERT INTO napkin_schema (version, applied_at) VALUES (99, 0)");
        auto store = openCertStore("sqlite:" + path);
        QVERIFY(store.ok());
        auto r = (*store)->migrate();
        QVERIFY(!r.ok());
        QVERIFY(r.error().code == StoreErrc::Schema);
        QVERIFY(qs(r.error().message).contains(QStringLiteral("newer")));
    }

    void refusesBadFiles() {
        auto notDb = m_dir.filePath(QStringLiteral("garbage.db")).toStdString();
        {
            std::FILE *f = std::fopen(notDb.c_str(), "wb");
            QVERIFY(f != nullptr);
            std::fputs("definitely not an SQLite database, just text that is long enough", f);
            std::fclose(f);
        }
        auto r = openCertStore("sqlite:" + notDb);
        QVERIFY(!r.ok());
        QVERIFY(r.error().code == StoreErrc::Unavailable);
        auto missingDir = openCertStore("sqlite:/nonexistent-dir-for-certd/x.db");
        QVERIFY(!missingDir.ok());
        QVERIFY(missingDir.error().code == StoreErrc::Unavailable);
        auto badUrl = openCertStore("mysql://x");
        QVERIFY(!badUrl.ok());
        QVERIFY(badUrl.error().code == StoreErrc::BadUrl);
        QVERIFY(!openCertStore("sqlite:").ok());
    }

    void enrolReplaceLimitRevoke() {
        auto store = openMigrated(newPath());
        auto r = store->enrol("bob", "b.example", device(1, urn(1)), 3, kNow);
        QVERIFY(r.ok());
        QVERIFY(r->outcome == EnrolOutcome::Created);
        QCOMPARE(r->fingerprints, std::vector<std::string>{fp(1)});

        // The same certificate again: replaced (refreshed), still one device.
        auto again = device(1, urn(1));
        again.enrolledAt = kNow + 5;
        r = store->enrol("bob", "b.example", again, 3, kNow + 5);
        QVERIFY(r->outcome == EnrolOutcome::Replaced);
        QCOMPARE(r->fingerprints.size(), std::size_t{1});
        QCOMPARE(store->devices("bob", "b.example", kNow)->front().enrolledAt, kNow + 5);

        // A new certificate with the same instance URN but without a key
        // continuity proof by the old key is added beside it (review M2).
        r = store->enrol("bob", "b.example", device(2, urn(1)), 3, kNow);
        QVERIFY(r->outcome == EnrolOutcome::Created);
        QCOMPARE(r->urnConflictWith.value_or(""), fp(1));
        QCOMPARE(r->fingerprints, (std::vector<std::string>{fp(1), fp(2)}));
        QVERIFY(store->revoke("bob", "b.example", fp(1), kNow)->has_value());

        // Devices without a URN never replace each other.
        QVERIFY(store->enrol("bob", "b.example", device(3), 3, kNow)->outcome ==
                EnrolOutcome::Created);
        QVERIFY(store->enrol("bob", "b.example", device(4), 3, kNow)->outcome ==
                EnrolOutcome::Created);
        auto full = store->enrol("bob", "b.example", device(5, urn(5)), 3, kNow);
        QVERIFY(full->outcome == EnrolOutcome::LimitReached);
        QCOMPARE(store->fingerprints("bob", "b.example", kNow)->size(), std::size_t{3});
        QVERIFY(!full->urnConflictWith.has_value());
        // The same URN without a proof cannot make room for itself.
        full = store->enrol("bob", "b.example", device(6, urn(1)), 3, kNow);
        QVERIFY(full->outcome == EnrolOutcome::LimitReached);
        QCOMPARE(full->urnConflictWith.value_or(""), fp(2));

        // Other AORs are separate.
        QVERIFY(store->enrol("alice", "b.example", device(7, urn(1)), 3, kNow)->outcome ==
                EnrolOutcome::Created);
        QVERIFY(store->enrol("bob", "a.example", device(8), 3, kNow)->outcome ==
                EnrolOutcome::Created);

        // A fingerprint enrolled for one AOR cannot appear under another.
        auto clash = store->enrol("carol", "b.example", device(7), 3, kNow);
        QVERIFY(!clash.ok());
        QVERIFY(clash.error().code == StoreErrc::Constraint);

        auto set = store->fingerprints("bob", "b.example", kNow).value();
        QCOMPARE(set, (std::vector<std::string>{fp(2), fp(3), fp(4)}));
        auto devices = store->devices("bob", "b.example", kNow).value();
        QCOMPARE(devices.size(), std::size_t{3});
        QCOMPARE(qs(devices[0].fingerprint), qs(fp(2)));
        QCOMPARE(qs(*devices[0].instanceUrn), qs(urn(1)));
        QCOMPARE(devices[0].der, device(2).der);
        QVERIFY(!devices[2].instanceUrn.has_value());

        auto revoked = store->revoke("bob", "b.example", fp(4), kNow);
        QVERIFY(revoked.ok() && revoked->has_value());
        QCOMPARE(**revoked, (std::vector<std::string>{fp(2), fp(3)}));
        QVERIFY(!store->revoke("bob", "b.example", fp(4), kNow)->has_value());
        // Only the owner's certificate can be revoked through its AOR.
        QVERIFY(!store->revoke("bob", "b.example", fp(7), kNow)->has_value());
        QCOMPARE(store->fingerprints("alice", "b.example", kNow)->size(), std::size_t{1});
    }

    void vouchedRenewalReplacesEvenAtTheLimit() {
        // Real certificates: the renewal carries a key continuity proof by the
        // enrolled certificate's key, so it replaces that one.
        auto record = [](const napkin::crypto::DeviceIdentity &id) {
            DeviceRecord d;
            d.fingerprint = id.certificate.fingerprint();
            d.instanceUrn = id.certificate.instanceUrn();
            d.der = id.certificate.toDer();
            d.notBefore = kNow - 60;
            d.notAfter = kNow + 86400;
            d.enrolledAt = kNow;
            return d;
        };
        napkin::crypto::IdentityOptions options;
        options.aor = "sip:bob@b.example";
        options.instanceUrn = "urn:uuid:b0b00000-0000-4000-8000-000000000001";
        const auto laptop = napkin::crypto::createDeviceIdentity(options).value();
        const auto renewed = napkin::crypto::createDeviceIdentity(options, &laptop).value();
        const auto intruder = napkin::crypto::createDeviceIdentity(options).value();
        // Vouched for by the intruder's own earlier key, not the laptop's.
        const auto chained = napkin::crypto::createDeviceIdentity(options, &intruder).value();

        auto store = openMigrated(newPath());
        QVERIFY(store->enrol("bob", "b.example", record(laptop), 2, kNow)->outcome ==
                EnrolOutcome::Created);
        auto r = store->enrol("bob", "b.example", record(chained), 2, kNow);
        QVERIFY(r->outcome == EnrolOutcome::Created);
        QCOMPARE(r->urnConflictWith.value_or(""), laptop.certificate.fingerprint());
        QCOMPARE(r->fingerprints.size(), std::size_t{2});

        // At the limit (2): the vouched renewal still replaces the laptop.
        r = store->enrol("bob", "b.example", record(renewed), 2, kNow);
        QVERIFY(r->outcome == EnrolOutcome::Replaced);
        QVERIFY(!r->urnConflictWith.has_value());
        auto expected = std::vector<std::string>{renewed.certificate.fingerprint(),
                                                 chained.certificate.fingerprint()};
        std::sort(expected.begin(), expected.end());
        QCOMPARE(r->fingerprints, expected);
        // The intruder without a proof is refused at the limit, naming the conflict.
        r = store->enrol("bob", "b.example", record(intruder), 2, kNow);
        QVERIFY(r->outcome == EnrolOutcome::LimitReached);
        QVERIFY(r->urnConflictWith.has_value());
    }

    void expiredCertificatesAreNeverServed() {
        auto store = openMigrated(newPath());
        QVERIFY(
            store->enrol("bob", "b.example", device(1, std::nullopt, kNow + 100), 2, kNow).ok());
        QVERIFY(
            store->enrol("bob", "b.example", device(2, std::nullopt, kNow + 1000), 2, kNow).ok());
        QCOMPARE(store->fingerprints("bob", "b.example", kNow)->size(), std::size_t{2});
        QCOMPARE(*store->fingerprints("bob", "b.example", kNow + 100),
                 std::vector<std::string>{fp(2)});
        QCOMPARE(store->devices("bob", "b.example", kNow + 500)->size(), std::size_t{1});
        QVERIFY(store->devices("bob", "b.example", kNow + 1000)->empty());
        // An expired device does not count against the limit.
        auto r = store->enrol("bob", "b.example", device(3), 2, kNow + 200);
        QVERIFY(r->outcome == EnrolOutcome::Created);
        QCOMPARE(r->fingerprints, (std::vector<std::string>{fp(2), fp(3)}));
    }

    void users() {
        auto store = openMigrated(newPath());
        QVERIFY(store->putUser("bob", "b.example", credentialsForPassword("bob", "b.example", "a"))
                    .value());
        // Again: an update, not a second row.
        QVERIFY(!store->putUser("bob", "b.example", credentialsForPassword("bob", "b.example", "b"))
                     .value());
        QVERIFY(store->putUser("ann", "a.example", credentialsForPassword("ann", "a.example", "c"))
                    .value());
        auto creds = store->credentials("bob", "b.example").value();
        QVERIFY(creds.has_value());
        QCOMPARE(qs(creds->ha1), qs(credentialsForPassword("bob", "b.example", "b").ha1));
        QVERIFY(creds->ha1Sha256.has_value());
        QVERIFY(!store->credentials("bob", "a.example")->has_value());

        QVERIFY(store->enrol("bob", "b.example", device(1), 10, kNow).ok());
        QVERIFY(store->enrol("bob", "b.example", device(2, std::nullopt, kNow - 1), 10, kNow - 10)
                    .ok());
        auto all = store->listUsers(std::nullopt, kNow).value();
        QCOMPARE(all.size(), std::size_t{2});
        QCOMPARE(qs(all[0].username + "@" + all[0].domain), QStringLiteral("ann@a.example"));
        QCOMPARE(all[1].devices, 1); // the expired one is not counted
        QVERIFY(all[1].hasSha256);
        auto onlyB = store->listUsers(std::string_view("b.example"), kNow).value();
        QCOMPARE(onlyB.size(), std::size_t{1});

        auto removed = store->deleteUser("bob", "b.example").value();
        QCOMPARE(removed.value_or(-1), 2);
        QVERIFY(!store->credentials("bob", "b.example")->has_value());
        QVERIFY(store->fingerprints("bob", "b.example", kNow)->empty());
        QVERIFY(!store->deleteUser("bob", "b.example")->has_value());
    }

    void nonceUses() {
        auto store = openMigrated(newPath());
        QVERIFY(store->recordNonceUse("n1", 1, kNow + 300).value());
        QVERIFY(!store->recordNonceUse("n1", 1, kNow + 300).value());
        QVERIFY(store->recordNonceUse("n1", 2, kNow + 300).value());
        QVERIFY(store->recordNonceUse("n2", 1, kNow + 10).value());
        QVERIFY(store->purgeNonces(kNow + 100).ok());
        QVERIFY(store->recordNonceUse("n2", 1, kNow + 10).value());   // purged
        QVERIFY(!store->recordNonceUse("n1", 2, kNow + 300).value()); // kept
    }

    void concurrentEnrolmentLosesNothing() {
        // Eight connections enrol five devices each for one AOR at once.
        auto path = newPath();
        openMigrated(path);
        constexpr int kThreads = 8;
        constexpr int kEach = 5;
        std::atomic<int> created{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                auto store = openCertStore("sqlite:" + path);
                if (!store) {
                    ++failures;
                    return;
                }
                for (int i = 0; i < kEach; ++i) {
                    auto r = (*store)->enrol("bob", "b.example",
                                             device(t * 100 + i, urn(t * 100 + i)), 1000, kNow);
                    if (!r) {
                        ++failures;
                    } else if (r->outcome == EnrolOutcome::Created) {
                        ++created;
                    }
                }
            });
        }
        for (auto &th : threads) {
            th.join();
        }
        QCOMPARE(failures.load(), 0);
        QCOMPARE(created.load(), kThreads * kEach);
        auto store = openMigrated(path);
        auto set = store->fingerprints("bob", "b.example", kNow).value();
        QCOMPARE(set.size(), std::size_t{kThreads * kEach});
        std::set<std::string> unique(set.begin(), set.end());
        QCOMPARE(unique.size(), set.size());
    }

    void concurrentEnrolmentRespectsLimit() {
        auto path = newPath();
        openMigrated(path);
        constexpr int kThreads = 8;
        constexpr int kLimit = 10;
        std::atomic<int> created{0};
        std::atomic<int> refused{0};
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                auto store = openCertStore("sqlite:" + path);
                if (!store) {
                    ++failures;
                    return;
                }
                for (int i = 0; i < 5; ++i) {
                    auto r = (*store)->enrol("bob", "b.example", device(t * 100 + i), kLimit, kNow);
                    if (!r) {
                        ++failures;
                    } else if (r->outcome == EnrolOutcome::Created) {
                        ++created;
                    } else if (r->outcome == EnrolOutcome::LimitReached) {
                        ++refused;
                    }
                }
            });
        }
        for (auto &th : threads) {
            th.join();
        }
        QCOMPARE(failures.load(), 0);
        QCOMPARE(created.load(), kLimit);
        QCOMPARE(refused.load(), kThreads * 5 - kLimit);
        auto store = openMigrated(path);
        QCOMPARE(store->fingerprints("bob", "b.example", kNow)->size(), std::size_t{kLimit});
    }

    void poolHandsOutEachConnectionOnce() {
        auto path = newPath();
        openMigrated(path);
        auto pool = CertStorePool::create([&] { return openCertStore("sqlite:" + path); }, 2);
        QVERIFY(pool.ok());
        std::atomic<int> inUse{0};
        std::atomic<int> maxInUse{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 6; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20; ++i) {
                    auto lease = (*pool)->lease();
                    int now = ++inUse;
                    int seen = maxInUse.load();
                    while (now > seen && !maxInUse.compare_exchange_weak(seen, now)) {
                    }
                    (void)lease->ping();
                    --inUse;
                }
            });
        }
        for (auto &th : threads) {
            th.join();
        }
        QVERIFY(maxInUse.load() <= 2);
    }

    void describesUrlsWithoutPasswords() {
        QCOMPARE(qs(describeDatabaseUrl("postgresql://napkin:s3cret@db:5432/napkin")),
                 QStringLiteral("postgresql://napkin:***@db:5432/napkin"));
        QVERIFY(!qs(describeDatabaseUrl("postgresql://db/napkin?password=s3cret"))
                     .contains(QStringLiteral("s3cret")));
        QCOMPARE(qs(describeDatabaseUrl("sqlite:/var/lib/x.db")),
                 QStringLiteral("sqlite:/var/lib/x.db"));
    }
};

QTEST_GUILESS_MAIN(TestCertdStoreSqlite)
#include "test_certd_unit_store_sqlite.moc"
