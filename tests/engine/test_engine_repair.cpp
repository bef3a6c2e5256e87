// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The engine repairs its own identity against a real napkin-certd over TLS
// on loopback: a device whose certificate was revoked, expired, or failed to
// renew stops signing (the user agent holds no identity) and keeps enrolling
// a fresh key with backoff until the service lists one again; a certificate
// that is still listed and valid is never withdrawn.

#include "app/engine/Engine.h"
#include "crypto/Certificate.h"
#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "tests/discovery/DiscoveryTestBed.h"
#include "tests/discovery/DiscoveryTestSupport.h"

#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace napkin::discovery;
using napkin::engine::Engine;
using napkin::engine::EngineConfig;
using napkin::engine::Signing;
using napkin::testing::CertdInstance;
using napkin::testing::DiscoveryTestBed;
using napkin::testing::ServiceSpec;
using napkin::testing::spinUntil;

namespace {

constexpr int kWaitMs = 20000;

/// Whether the user agent held an identity when the engine said it withdrew it.
struct Withdrawal {
    QString fingerprint;
    QString reason;
    QString message;
    bool agentStillSigned = true;
    QDateTime at;
};

} // namespace

class TestEngineRepair : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Engine> makeEngine(const QString &aor, const QByteArray &password,
                                       QTemporaryDir &state, const QString &lifetime) {
        const QString path = state.filePath(QStringLiteral("account.ini"));
        const QByteArray text =
            QStringLiteral("[account]\naor = %1\n[network]\ndns_server = %2:%3\nca_file = %4\n"
                           "allow_private_services = true\n[certificates]\n%5\ncache_ttl = 0\n"
                           "key_storage = file\nstate_dir = %6\n[sip]\nlisten = sip:127.0.0.1:*\n")
                .arg(aor, m_bed->dns().address().toString())
                .arg(m_bed->dns().port())
                .arg(m_bed->caFile(), lifetime, state.filePath(QStringLiteral("state")))
                .toUtf8();
        auto profile = Profile::parse(text, path);
        auto sip = napkin::sip::SipProfile::parse(text.toStdString(), path.toStdString());
        if (!profile || !sip) {
            qWarning("profile does not parse");
            return nullptr;
        }
        EngineConfig c;
        c.profile = profile.value();
        c.sip = sip.value();
        c.password = password;
        c.noAudio = true;
        c.watchDevices = true;
        c.deviceCheckInterval = std::chrono::seconds(1);
        c.enrolmentRetry =
            BackoffPolicy{std::chrono::milliseconds(100), std::chrono::milliseconds(400)};
        c.enrolmentNeedsUserRetry =
            BackoffPolicy{std::chrono::milliseconds(300), std::chrono::milliseconds(1000)};
        c.certificateIssueClock = [this] {
            return std::chrono::system_clock::now() + m_issueOffset;
        };
        auto engine = Engine::create(std::move(c));
        if (!engine) {
            qWarning("%s", qPrintable(engine.error().message));
            return nullptr;
        }
        return std::move(engine).value();
    }

    /// Records each withdrawal and whether the agent still had an identity then.
    void recordWithdrawals(Engine &engine, std::vector<Withdrawal> &out) {
        connect(&engine, &Engine::identityWithdrawn, this,
                [&engine, &out](const QString &fp, const QString &reason, const QString &message) {
                    out.push_back({fp, reason, message, engine.agent().hasIdentity(),
                                   QDateTime::currentDateTimeUtc()});
                });
    }

    DiscoveryResult<CertificateSet> fetchSet(const QString &aor) {
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{std::chrono::seconds(0), {}});
        std::optional<DiscoveryResult<CertificateSet>> got;
        directory.fetch(aor, [&](DiscoveryResult<CertificateSet> r) { got = std::move(r); });
        if (!spinUntil([&] { return got.has_value(); }, kWaitMs)) {
            return napkin::fail(
                discoveryError(DiscoveryErrc::Cancelled, QStringLiteral("timeout")));
        }
        return std::move(*got);
    }

    static void shutDown(Engine &engine) {
        QSignalSpy finished(&engine, &Engine::shutdownFinished);
        engine.shutdown();
        QVERIFY(spinUntil([&] { return finished.count() == 1; }, kWaitMs));
    }

    std::unique_ptr<DiscoveryTestBed> m_bed;
    CertdInstance *m_a = nullptr;
    CertdInstance *m_c = nullptr;
    std::chrono::seconds m_issueOffset{0}; ///< added to the clock certificates are issued by

private Q_SLOTS:
    void initTestCase() {
        auto bed = DiscoveryTestBed::create();
        DISCOVERY_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        ServiceSpec a;
        a.name = QStringLiteral("certd-a");
        a.domains = {QStringLiteral("a.example")};
        a.maxValidityDays = 30;
        auto started = m_bed->startService(a);
        DISCOVERY_VERIFY_OK(started);
        m_a = started.value();
        m_bed->pointSrv(QStringLiteral("a.example"), QStringLiteral("certs.a.example"), *m_a);
        ServiceSpec c;
        c.name = QStringLiteral("certd-c");
        c.domains = {QStringLiteral("c.example")};
        auto startedC = m_bed->startService(c);
        DISCOVERY_VERIFY_OK(startedC);
        m_c = startedC.value();
        m_bed->pointSrv(QStringLiteral("c.example"), QStringLiteral("certs.c.example"), *m_c);
        DISCOVERY_VERIFY_OK(m_bed->startDns());
        for (const char *user : {"alice", "bob"}) {
            DISCOVERY_VERIFY_OK(
                m_bed->addUser(*m_a, QString::fromLatin1(user) + QStringLiteral("@a.example"),
                               QStringLiteral("pw-") + QString::fromLatin1(user)));
        }
        DISCOVERY_VERIFY_OK(
            m_bed->addUser(*m_c, QStringLiteral("carol@c.example"), QStringLiteral("pw-carol")));
    }

    void cleanupTestCase() { m_bed.reset(); }

    void revokedDeviceStopsSigningAndEnrolsANewKey() {
        QTemporaryDir state;
        auto engine = makeEngine(QStringLiteral("sip:alice@a.example"), "pw-alice", state,
                                 QStringLiteral("lifetime_days = 7"));
        QVERIFY(engine);
        std::vector<Withdrawal> withdrawals;
        recordWithdrawals(*engine, withdrawals);
        QSignalSpy enrolled(engine.get(), &Engine::enrolled);
        QSignalSpy devices(engine.get(), &Engine::devicesChanged);
        QSignalSpy reenrolling(engine.get(), &Engine::reenrolling);
        QVERIFY(engine->start());
        QVERIFY(spinUntil([&] { return enrolled.count() == 1 && devices.count() >= 1; }, kWaitMs));
        const QString first = enrolled.at(0).at(0).toString();
        QVERIFY(engine->agent().hasIdentity());
        QCOMPARE(engine->signing(), Signing::Active);

        // Negative: listed and valid, checked again and again - kept.
        QVERIFY(spinUntil([&] { return devices.count() >= 3; }, kWaitMs));
        QVERIFY(withdrawals.empty());
        QVERIFY(engine->agent().hasIdentity());
        QCOMPARE(enrolled.count(), 1);

        // The user removes this device from another device (same password):
        // a DELETE this engine knows nothing about. The periodic check sees it.
        auto client = m_bed->makeClient();
        MemoryKeyStore otherKeys;
        EnrolmentSettings other;
        other.aor = QStringLiteral("sip:alice@a.example");
        Enroller elsewhere(*client, otherKeys, other);
        elsewhere.setPassword("pw-alice");
        std::optional<DiscoveryResult<void>> revoked;
        elsewhere.revoke(first, [&](DiscoveryResult<void> r) { revoked = std::move(r); });
        QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
        DISCOVERY_VERIFY_OK(*revoked);

        QVERIFY(spinUntil([&] { return enrolled.count() == 2; }, kWaitMs));
        QCOMPARE(withdrawals.size(), std::size_t(1));
        QCOMPARE(withdrawals[0].fingerprint, first);
        QCOMPARE(withdrawals[0].reason, QStringLiteral("not-listed"));
        QVERIFY(!withdrawals[0].agentStillSigned);
        QVERIFY2(withdrawals[0].message.contains(QStringLiteral("removed from a.example's list")),
                 qPrintable(withdrawals[0].message));
        QVERIFY(reenrolling.count() >= 1);

        // A new key, listed; the revoked one is not enrolled again.
        const QString second = enrolled.at(1).at(0).toString();
        QVERIFY(second != first);
        QVERIFY(engine->agent().hasIdentity());
        QCOMPARE(engine->signing(), Signing::Active);
        QCOMPARE(engine->ownFingerprint(), second);
        auto set = fetchSet(QStringLiteral("sip:alice@a.example"));
        DISCOVERY_VERIFY_OK(set);
        QVERIFY(set->contains(second));
        QVERIFY(!set->contains(first));
        // The key store holds the new key only.
        auto stored =
            napkin::crypto::Certificate::loadFile(QDir(state.filePath(QStringLiteral("state")))
                                                      .filePath(QStringLiteral("device-cert.pem"))
                                                      .toStdString());
        QVERIFY(stored && !stored->empty());
        QCOMPARE(QString::fromStdString(stored->front().fingerprint()), second);
        shutDown(*engine);
    }

    void failedRenewalKeepsRetryingAndSucceedsWhenThePasswordIsBack() {
        QTemporaryDir state;
        auto engine = makeEngine(QStringLiteral("sip:bob@a.example"), "pw-bob", state,
                                 QStringLiteral("lifetime_days = 7"));
        QVERIFY(engine);
        std::vector<Withdrawal> withdrawals;
        recordWithdrawals(*engine, withdrawals);
        QSignalSpy enrolled(engine.get(), &Engine::enrolled);
        QSignalSpy errors(engine.get(), &Engine::enrolmentError);
        QVERIFY(engine->start());
        QVERIFY(spinUntil([&] { return enrolled.count() == 1; }, kWaitMs));
        const QString first = enrolled.at(0).at(0).toString();

        // The password changes at the service; the renewal fails with 401.
        DISCOVERY_VERIFY_OK(
            m_bed->addUser(*m_a, QStringLiteral("bob@a.example"), QStringLiteral("changed")));
        engine->enroller().renewNow();
        // It keeps trying (never a retry_ms of 0), until the service throttles
        // the failures (429): then no sooner than its Retry-After.
        std::optional<DiscoveryError> throttled;
        qint64 throttledRetryMs = 0;
        QVERIFY(spinUntil(
            [&] {
                for (const auto &args : errors) {
                    const auto e = args.at(0).value<DiscoveryError>();
                    if (e.httpStatus == 429) {
                        throttled = e;
                        throttledRetryMs = args.at(1).toLongLong();
                    }
                }
                return throttled.has_value();
            },
            kWaitMs));
        bool sawAuthFailed = false;
        for (const auto &args : errors) {
            QVERIFY(args.at(1).toLongLong() > 0);
            sawAuthFailed = sawAuthFailed ||
                            args.at(0).value<DiscoveryError>().code == DiscoveryErrc::AuthFailed;
        }
        QVERIFY(sawAuthFailed);
        QVERIFY(throttled->retryAfter.count() > 0);
        QVERIFY2(throttledRetryMs >= throttled->retryAfter.count() * 1000,
                 qPrintable(QString::number(throttledRetryMs)));

        // Negative: the old certificate is still listed and valid - still signing.
        QVERIFY(withdrawals.empty());
        QVERIFY(engine->agent().hasIdentity());
        QCOMPARE(engine->signing(), Signing::Active);
        QCOMPARE(engine->ownFingerprint(), first);

        // The password is back: the next retry enrols a fresh key.
        DISCOVERY_VERIFY_OK(
            m_bed->addUser(*m_a, QStringLiteral("bob@a.example"), QStringLiteral("pw-bob")));
        QVERIFY(spinUntil([&] { return enrolled.count() == 2; }, kWaitMs));
        QVERIFY(enrolled.at(1).at(0).toString() != first);
        QCOMPARE(engine->enroller().state(), Enroller::State::Enrolled);
        QVERIFY(withdrawals.empty());
        shutDown(*engine);
    }

    void expiredCertificateIsWithdrawnAtNotAfterAndRenewedWhenTheServiceIsBack() {
        // Certificates issued "an hour minus 6 seconds ago" expire 6 s from now.
        m_issueOffset = -(std::chrono::seconds(3600) - std::chrono::seconds(6));
        QTemporaryDir state;
        auto engine = makeEngine(QStringLiteral("sip:carol@c.example"), "pw-carol", state,
                                 QStringLiteral("lifetime_hours = 1"));
        QVERIFY(engine);
        std::vector<Withdrawal> withdrawals;
        recordWithdrawals(*engine, withdrawals);
        QSignalSpy enrolled(engine.get(), &Engine::enrolled);
        QSignalSpy errors(engine.get(), &Engine::enrolmentError);
        // Such a certificate is due for renewal at once: the service goes
        // away right after the first enrolment, so that renewals fail.
        connect(engine.get(), &Engine::enrolled, this, [this, &enrolled] {
            if (enrolled.count() == 1) {
                m_c->stop();
            }
        });
        QVERIFY(engine->start());
        QVERIFY(spinUntil([&] { return enrolled.count() == 1; }, kWaitMs));
        const QString first = enrolled.at(0).at(0).toString();
        const QDateTime notAfter = enrolled.at(0).at(1).toDateTime();
        QVERIFY(notAfter > QDateTime::currentDateTimeUtc());

        // Negative: until notAfter it still signs, renewals failing or not.
        QVERIFY(spinUntil([&] { return errors.count() >= 2; }, kWaitMs));
        QTest::qWait(
            static_cast<int>(QDateTime::currentDateTimeUtc().msecsTo(notAfter.addSecs(-1))));
        QVERIFY(withdrawals.empty());
        QVERIFY(engine->agent().hasIdentity());

        // At notAfter it is withdrawn, though nothing else happened.
        QVERIFY(spinUntil([&] { return !withdrawals.empty(); }, kWaitMs));
        QCOMPARE(withdrawals[0].fingerprint, first);
        QCOMPARE(withdrawals[0].reason, QStringLiteral("expired"));
        QVERIFY(!withdrawals[0].agentStillSigned);
        QVERIFY(withdrawals[0].at >= notAfter);
        QVERIFY(withdrawals[0].at < notAfter.addSecs(3));
        QCOMPARE(engine->signing(), Signing::Withdrawn);
        QVERIFY(engine->ownFingerprint().isEmpty());
        // Still retrying with backoff while the service is down.
        const auto before = errors.count();
        QVERIFY(spinUntil([&] { return errors.count() >= before + 2; }, kWaitMs));
        QCOMPARE(enrolled.count(), 1);

        // The service is back; certificates are normal again: enrolled and signing.
        m_issueOffset = std::chrono::seconds(0);
        DISCOVERY_VERIFY_OK(m_c->start());
        QVERIFY(spinUntil([&] { return enrolled.count() == 2; }, kWaitMs));
        const QString second = enrolled.at(1).at(0).toString();
        QVERIFY(second != first);
        QVERIFY(enrolled.at(1).at(1).toDateTime() > QDateTime::currentDateTimeUtc().addSecs(3000));
        QVERIFY(engine->agent().hasIdentity());
        QCOMPARE(engine->signing(), Signing::Active);
        QCOMPARE(withdrawals.size(), std::size_t(1));
        auto set = fetchSet(QStringLiteral("sip:carol@c.example"));
        DISCOVERY_VERIFY_OK(set);
        QVERIFY(set->contains(second));
        shutDown(*engine);
    }
};

QTEST_GUILESS_MAIN(TestEngineRepair)
#include "test_engine_repair.moc"
