// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// AuthThrottle (Digest failure throttling) and the audit line format, as tables.

#include "certd/AuditLog.h"
#include "certd/AuthThrottle.h"

#include <QTest>

using napkin::certd::auditLine;
using napkin::certd::AuthThrottle;

class TestCertdThrottle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lockGrowsAfterTheFreeFailures_data() {
        QTest::addColumn<int>("failures");
        QTest::addColumn<qint64>("lock");
        QTest::newRow("1st") << 1 << qint64(0);
        QTest::newRow("4th") << 4 << qint64(0);
        QTest::newRow("5th") << 5 << qint64(1);
        QTest::newRow("6th") << 6 << qint64(2);
        QTest::newRow("7th") << 7 << qint64(4);
        QTest::newRow("14th") << 14 << qint64(512);
        QTest::newRow("15th capped") << 15 << qint64(900);
        QTest::newRow("1000th capped") << 1000 << qint64(900);
    }
    void lockGrowsAfterTheFreeFailures() {
        QFETCH(int, failures);
        QFETCH(qint64, lock);
        QCOMPARE(qint64(AuthThrottle::lockFor(failures)), lock);
    }

    void addressKeys_data() {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("key");
        QTest::newRow("IPv4") << "192.0.2.7"
                              << "192.0.2.7";
        QTest::newRow("IPv6 /64") << "2001:db8:1:2:aaaa:bbbb:cccc:dddd"
                                  << "2001:db8:1:2::/64";
        QTest::newRow("IPv6 same /64") << "2001:db8:1:2::1"
                                       << "2001:db8:1:2::/64";
        QTest::newRow("unknown") << "-"
                                 << "-";
    }
    void addressKeys() {
        QFETCH(QString, address);
        QFETCH(QString, key);
        QCOMPARE(QString::fromStdString(AuthThrottle::addressKey(address.toStdString())), key);
    }

    void userAndAddressLocks() {
        AuthThrottle t;
        const std::int64_t now = 1000;
        for (int i = 1; i <= 4; ++i) {
            QCOMPARE(t.failed("bob@b.example", "192.0.2.1", now), std::int64_t(0));
            QVERIFY(!t.retryAfter("bob@b.example", "192.0.2.1", now));
        }
        QCOMPARE(t.failed("bob@b.example", "192.0.2.1", now), std::int64_t(1));
        // The failing address is held back, for any user.
        QCOMPARE(t.retryAfter("bob@b.example", "192.0.2.1", now).value_or(-1), std::int64_t(1));
        QCOMPARE(t.retryAfter("alice@b.example", "192.0.2.1", now).value_or(-1), std::int64_t(1));
        // Bob from an address without failures still gets through.
        QVERIFY(!t.retryAfter("bob@b.example", "192.0.2.2", now));
        // Once that address fails too, Bob's lock holds it back as well.
        QCOMPARE(t.failed("bob@b.example", "192.0.2.2", now), std::int64_t(2));
        QCOMPARE(t.retryAfter("bob@b.example", "192.0.2.2", now).value_or(-1), std::int64_t(2));
        QVERIFY(!t.retryAfter("alice@b.example", "192.0.2.2", now));
        // Locks run out.
        QVERIFY(!t.retryAfter("bob@b.example", "192.0.2.1", now + 2));
        // A success clears the user's count, not the address's.
        t.succeeded("bob@b.example");
        QCOMPARE(t.failed("bob@b.example", "192.0.2.1", now + 3), std::int64_t(2));
        QCOMPARE(t.failed("carol@b.example", "192.0.2.3", now + 3), std::int64_t(0));
        // Everything is forgotten kForget after the last failure.
        const auto later = now + 3 + AuthThrottle::kForget + 1;
        QCOMPARE(t.failed("bob@b.example", "192.0.2.1", later), std::int64_t(0));
    }

    void auditLines_data() {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << QString::fromStdString(
                                      auditLine("enrol", {{"user", "bob@b.example"},
                                                          {"ip", "192.0.2.7"},
                                                          {"fingerprint", "sha256:ab12"}}))
                               << "napkin-certd: audit event=enrol user=bob@b.example "
                                  "ip=192.0.2.7 fingerprint=sha256:ab12";
        QTest::newRow("hostile user name")
            << QString::fromStdString(
                   auditLine("auth-failed", {{"user", "x ip=1.2.3.4\nnapkin-certd: audit"}}))
            << "napkin-certd: audit event=auth-failed "
               "user=x%20ip%3D1.2.3.4%0Anapkin-certd:%20audit";
        QTest::newRow("empty") << QString::fromStdString(auditLine("revoke", {{"ip", ""}}))
                               << "napkin-certd: audit event=revoke ip=-";
    }
    void auditLines() {
        QFETCH(QString, line);
        QFETCH(QString, expected);
        QCOMPARE(line, expected);
    }
};

QTEST_GUILESS_MAIN(TestCertdThrottle)
#include "test_certd_unit_throttle.moc"
