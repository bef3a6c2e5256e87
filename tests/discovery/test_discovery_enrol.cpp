// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Enrolment against a real napkin-certd: Digest with the right and the wrong
// password, a foreign address, the service's policy, key storage and
// renewal with a fresh key that the old one vouches for (key continuity), retries with backoff
// while the service is down, stale nonces, revocation, and the own-address watch with its "unknown
// device" event.

#include "crypto/KeyContinuity.h"
#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/DeviceWatch.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "sipcore/discovery/KnownDevices.h"
#include "sipcore/discovery/ServiceClient.h"
#include "tests/discovery/DiscoveryTestBed.h"
#include "tests/discovery/DiscoveryTestSupport.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTest>
#include <QUuid>

using namespace napkin::discovery;
using napkin::testing::CertdInstance;
using napkin::testing::DiscoveryTestBed;
using napkin::testing::ServiceSpec;
using napkin::testing::spinUntil;

namespace {

constexpr int kWaitMs = 20000;

bool settled(const Enroller &e) {
    return e.state() == Enroller::State::Enrolled || e.state() == Enroller::State::Failed;
}

} // namespace

class TestDiscoveryEnrol : public QObject {
    Q_OBJECT

private:
    EnrolmentSettings settingsFor(const QString &aor) {
        EnrolmentSettings s;
        s.aor = aor;
        s.instanceUrn =
            QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces);
        s.lifetime = std::chrono::hours(24);
        s.retry.base = std::chrono::milliseconds(200);
        s.retry.cap = std::chrono::milliseconds(1000);
        return s;
    }

    DiscoveryResult<CertificateSet> fetchSet(ServiceClient &client, const QString &aor) {
        CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
        std::optional<DiscoveryResult<CertificateSet>> got;
        directory.fetch(aor, [&](DiscoveryResult<CertificateSet> r) { got = std::move(r); });
        if (!spinUntil([&] { return got.has_value(); }, kWaitMs)) {
            return napkin::fail(
                discoveryError(DiscoveryErrc::Cancelled, QStringLiteral("timeout")));
        }
        return std::move(*got);
    }

    std::unique_ptr<DiscoveryTestBed> m_bed;
    CertdInstance *m_a = nullptr;

private Q_SLOTS:
    void initTestCase() {
        auto bed = DiscoveryTestBed::create();
        DISCOVERY_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        ServiceSpec spec;
        spec.name = QStringLiteral("certd-a");
        spec.domains = {QStringLiteral("a.example")};
        spec.maxValidityDays = 30;
        auto a = m_bed->startService(spec);
        DISCOVERY_VERIFY_OK(a);
        m_a = a.value();
        m_bed->pointSrv(QStringLiteral("a.example"), QStringLiteral("certs.a.example"), *m_a);
        DISCOVERY_VERIFY_OK(m_bed->startDns());
        for (const char *user : {"alice", "bob", "carol", "dora", "ed", "fay"}) {
            DISCOVERY_VERIFY_OK(
                m_bed->addUser(*m_a, QString::fromLatin1(user) + QStringLiteral("@a.example"),
                               QStringLiteral("pw-") + QString::fromLatin1(user)));
        }
    }

    void cleanupTestCase() { m_bed.reset(); }

    void enrolWithTheRightPassword() {
        auto client = m_bed->makeClient();
        QTemporaryDir keys;
        FileKeyStore store(keys.path());
        Enroller enroller(*client, store, settingsFor(QStringLiteral("sip:alice@a.example")));
        enroller.setPassword("pw-alice");
        QSignalSpy enrolled(&enroller, &Enroller::enrolled);
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QVERIFY2(enroller.state() == Enroller::State::Enrolled,
                 qPrintable(enroller.lastError() ? enroller.lastError()->message : QString()));
        QCOMPARE(enrolled.count(), 1);
        const QString fingerprint = enrolled.at(0).at(0).toString();
        QCOMPARE(QString::fromStdString(enroller.certificate()->fingerprint()), fingerprint);
        QVERIFY(enroller.privateKey() != nullptr);
        // Renewal is due two thirds into a 24-hour certificate.
        const auto cert = *enroller.certificate();
        QCOMPARE(enroller.renewalTime(),
                 cert.notBefore() + (cert.notAfter() - cert.notBefore()) * 2 / 3);

        auto set = fetchSet(*client, QStringLiteral("sip:alice@a.example"));
        DISCOVERY_VERIFY_OK(set);
        QVERIFY(set->contains(fingerprint));

        // The key is kept, private to its owner, and the next start re-uses it.
        QCOMPARE(QFile::permissions(store.keyPath()) &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
        Enroller again(*client, store, settingsFor(QStringLiteral("sip:alice@a.example")));
        again.setPassword("pw-alice");
        QSignalSpy again2(&again, &Enroller::enrolled);
        again.start();
        QVERIFY(spinUntil([&] { return settled(again); }, kWaitMs));
        QCOMPARE(again2.count(), 1);
        QCOMPARE(again2.at(0).at(0).toString(), fingerprint);
        // And it sent the same certificate, so there is still one device.
        QVERIFY(spinUntil(
            [&] {
                return DiscoveryTestBed::logLines(
                           *m_a, QStringLiteral("PUT /search-cgi?sip=alice%40a.example 200")) >= 1;
            },
            3000));
    }

    void revokedWhileOffEnrolsANewKey() {
        // fay's device enrols and keeps its key; while it is off, the
        // certificate is revoked (from another device). At the next start it
        // must not put the revoked key back on the list: it asks first, finds
        // it gone, and enrols a fresh key. (The negative case, a certificate
        // still listed, is the same certificate sent again:
        // enrolWithTheRightPassword.)
        auto client = m_bed->makeClient();
        QTemporaryDir keys;
        FileKeyStore store(keys.path());
        const auto settings = settingsFor(QStringLiteral("sip:fay@a.example"));
        QString first;
        {
            Enroller enroller(*client, store, settings);
            enroller.setPassword("pw-fay");
            QSignalSpy enrolled(&enroller, &Enroller::enrolled);
            enroller.start();
            QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
            QCOMPARE(enrolled.count(), 1);
            first = enrolled.at(0).at(0).toString();
            std::optional<DiscoveryResult<void>> revoked;
            enroller.revoke(first, [&](DiscoveryResult<void> r) { revoked = std::move(r); });
            QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
            DISCOVERY_VERIFY_OK(*revoked);
        }
        // Accepted PUTs (200 or 201; each first meets a 401 Digest challenge).
        const auto puts = [this] {
            return DiscoveryTestBed::logLines(
                *m_a, QStringLiteral("PUT /search-cgi?sip=fay%40a.example 20"));
        };
        // certd logs a request after answering it: wait for the first PUT's line.
        QVERIFY(spinUntil([&] { return puts() == 1; }, 3000));
        const int putsBefore = puts();
        Enroller enroller(*client, store, settings);
        enroller.setPassword("pw-fay");
        QSignalSpy enrolled(&enroller, &Enroller::enrolled);
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QCOMPARE(enrolled.count(), 1);
        const QString second = enrolled.at(0).at(0).toString();
        QVERIFY(second != first);
        auto set = fetchSet(*client, QStringLiteral("sip:fay@a.example"));
        DISCOVERY_VERIFY_OK(set);
        QVERIFY(set->contains(second));
        QVERIFY2(!set->contains(first), "the revoked certificate is listed again");
        // Exactly one PUT, the new key's: the revoked one was never sent.
        QVERIFY(spinUntil([&] { return puts() == putsBefore + 1; }, 3000));
        QTest::qWait(200);
        QCOMPARE(puts(), putsBefore + 1);
        // The key store holds the new key only.
        std::optional<DiscoveryResult<std::optional<napkin::crypto::DeviceIdentity>>> loaded;
        store.load(settings.aor, [&](auto r) { loaded = std::move(r); });
        QVERIFY(spinUntil([&] { return loaded.has_value(); }, kWaitMs));
        QVERIFY(loaded->ok() && loaded->value().has_value());
        QCOMPARE(QString::fromStdString(loaded->value()->certificate.fingerprint()), second);
    }

    void wrongPasswordWaitsForTheUser() {
        auto client = m_bed->makeClient();
        MemoryKeyStore store;
        Enroller enroller(*client, store, settingsFor(QStringLiteral("sip:bob@a.example")));
        enroller.setPassword("not-bobs");
        QSignalSpy failed(&enroller, &Enroller::enrolmentFailed);
        const int putsBefore =
            DiscoveryTestBed::logLines(*m_a, QStringLiteral("PUT /search-cgi?sip=bob%40a.example"));
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QCOMPARE(enroller.state(), Enroller::State::Failed);
        QCOMPARE(errcName(enroller.lastError()->code), errcName(DiscoveryErrc::AuthFailed));
        QCOMPARE(enroller.lastError()->httpStatus, 401);
        QCOMPARE(failed.count(), 1);
        QTest::qWait(600); // longer than the retry base: nothing more is sent
        // One unauthenticated PUT for the challenge, one answer to it. No more.
        QCOMPARE(
            DiscoveryTestBed::logLines(*m_a, QStringLiteral("PUT /search-cgi?sip=bob%40a.example")),
            putsBefore + 2);
        QVERIFY(!enroller.certificate().has_value());
        // It has not given up: a retry waits on the long "needs the user"
        // backoff (15 minutes at least half), and a new password retries at once.
        QVERIFY(enroller.nextAttempt().has_value());
        QVERIFY(*enroller.nextAttempt() - std::chrono::system_clock::now() >
                std::chrono::minutes(7));
        enroller.setPassword("pw-bob");
        QVERIFY(spinUntil([&] { return enroller.state() == Enroller::State::Enrolled; }, kWaitMs));
        QVERIFY(enroller.certificate().has_value());
    }

    void anotherUsersAddressIsForbidden() {
        auto client = m_bed->makeClient();
        MemoryKeyStore store;
        auto settings = settingsFor(QStringLiteral("sip:bob@a.example"));
        settings.username = "carol"; // carol's password, bob's address
        Enroller enroller(*client, store, settings);
        enroller.setPassword("pw-carol");
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QCOMPARE(enroller.state(), Enroller::State::Failed);
        QCOMPARE(errcName(enroller.lastError()->code), errcName(DiscoveryErrc::Forbidden));
        QCOMPARE(enroller.lastError()->problemType, QStringLiteral("forbidden-aor"));
    }

    void servicePolicyRejection() {
        auto client = m_bed->makeClient();
        MemoryKeyStore store;
        auto settings = settingsFor(QStringLiteral("sip:carol@a.example"));
        settings.lifetime = std::chrono::hours(24 * 60); // the service allows 30 days
        Enroller enroller(*client, store, settings);
        enroller.setPassword("pw-carol");
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QCOMPARE(enroller.state(), Enroller::State::Failed);
        QCOMPARE(errcName(enroller.lastError()->code), errcName(DiscoveryErrc::Rejected));
        QCOMPARE(enroller.lastError()->problemType, QStringLiteral("validity-too-long"));
        QCOMPARE(enroller.lastError()->httpStatus, 422);
    }

    void keyNotKeptMeansANewDeviceAndRenewalIsVouched() {
        auto client = m_bed->makeClient();
        const auto settings = settingsFor(QStringLiteral("sip:dora@a.example"));
        QString first;
        {
            MemoryKeyStore store;
            Enroller enroller(*client, store, settings);
            enroller.setPassword("pw-dora");
            QSignalSpy enrolled(&enroller, &Enroller::enrolled);
            enroller.start();
            QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
            QCOMPARE(enrolled.count(), 1);
            first = enrolled.at(0).at(0).toString();
            // The first certificate of a device vouches for nothing.
            QVERIFY(!napkin::crypto::keyContinuityOf(*enroller.certificate())->has_value());
        }
        MemoryKeyStore freshStore; // a restart: nothing kept
        Enroller enroller(*client, freshStore, settings);
        enroller.setPassword("pw-dora");
        QSignalSpy enrolled(&enroller, &Enroller::enrolled);
        enroller.start();
        QVERIFY(spinUntil([&] { return settled(enroller); }, kWaitMs));
        QCOMPARE(enrolled.count(), 1);
        const QString second = enrolled.at(0).at(0).toString();
        QVERIFY(second != first);
        // Same instance URN but no old key to vouch for the new one (review
        // M2): the service keeps the old certificate and adds this one; the
        // device then revokes the old one, whose key it no longer has, so
        // that restarts do not pile up to the device limit.
        QVERIFY(spinUntil(
            [&] {
                auto now = fetchSet(*client, QStringLiteral("sip:dora@a.example"));
                return now.ok() && now->certificates.size() == 1;
            },
            kWaitMs));
        auto set = fetchSet(*client, QStringLiteral("sip:dora@a.example"));
        DISCOVERY_VERIFY_OK(set);
        QVERIFY(set->contains(second) && !set->contains(first));
        QVERIFY(spinUntil(
            [&] {
                return DiscoveryTestBed::logLines(*m_a, QStringLiteral("event=revoke user=dora")) ==
                       1;
            },
            3000));
        const auto secondCert = *enroller.certificate();

        // A renewal makes a fresh key that the current one vouches for, and
        // that replaces it at the service.
        enrolled.clear();
        enroller.renewNow();
        QVERIFY(spinUntil([&] { return enrolled.count() == 1; }, kWaitMs));
        const QString third = enrolled.at(0).at(0).toString();
        QVERIFY(third != second);
        QCOMPARE(enroller.state(), Enroller::State::Enrolled);
        auto vouched = napkin::crypto::verifyKeyContinuity(*enroller.certificate(), secondCert);
        QVERIFY2(vouched.ok(), vouched.ok() ? "" : vouched.error().message.c_str());
        set = fetchSet(*client, QStringLiteral("sip:dora@a.example"));
        DISCOVERY_VERIFY_OK(set);
        QCOMPARE(set->certificates.size(), std::size_t(1));
        QVERIFY(set->contains(third) && !set->contains(second));
        // Negative: a vouched renewal revokes nothing (the service replaced it).
        QTest::qWait(300);
        QCOMPARE(DiscoveryTestBed::logLines(*m_a, QStringLiteral("event=revoke user=dora")), 1);

        // Revoked (as from another device): the successor has no proof by the
        // withdrawn key.
        std::optional<DiscoveryResult<void>> revoked;
        enroller.revoke(third, [&](DiscoveryResult<void> r) { revoked = std::move(r); });
        QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
        DISCOVERY_VERIFY_OK(*revoked);
        enrolled.clear();
        enroller.ownCertificateNotListed(third);
        QVERIFY(spinUntil([&] { return enrolled.count() == 1; }, kWaitMs));
        QVERIFY(enrolled.at(0).at(0).toString() != third);
        QVERIFY(!napkin::crypto::keyContinuityOf(*enroller.certificate())->has_value());
    }

    void retriesWithBackoffUntilTheServiceIsBack() {
        // ed's service is down at first: a new certd comes up later on the
        // address the SRV record already names.
        const napkin::testing::Endpoint endpoint = napkin::testing::FreePort::uniqueEndpoint();
        m_bed->dns().addSrv({QStringLiteral("_certificates._tcp.late.example"),
                             QStringLiteral("certs.late.example"), endpoint.port, 0, 0});
        m_bed->dns().addHost(QStringLiteral("certs.late.example"), endpoint.address.toString());
        DISCOVERY_VERIFY_OK(m_bed->dns().restart());

        auto client = m_bed->makeClient();
        MemoryKeyStore store;
        Enroller enroller(*client, store, settingsFor(QStringLiteral("sip:ed@late.example")));
        enroller.setPassword("pw-ed");
        QSignalSpy failed(&enroller, &Enroller::enrolmentFailed);
        enroller.start();
        QVERIFY(spinUntil([&] { return failed.count() >= 3; }, kWaitMs));
        QCOMPARE(enroller.state(), Enroller::State::WaitingToRetry);
        // Each wait lies within [base/2, base] * 2^n (capped), never zero.
        for (int i = 0; i < 3; ++i) {
            const auto error = failed.at(i).at(0).value<DiscoveryError>();
            QCOMPARE(errcName(error.code), errcName(DiscoveryErrc::ConnectionRefused));
            const auto wait = failed.at(i).at(1).value<std::chrono::milliseconds>().count();
            const qint64 ceiling = std::min<qint64>(1000, 200LL << i);
            QVERIFY2(wait >= ceiling / 2 && wait <= ceiling, qPrintable(QString::number(wait)));
        }

        // Start the real service on the advertised endpoint.
        napkin::testing::CertdConfig config;
        auto cert =
            m_bed->ca().issueServer(QStringLiteral("late"), {QStringLiteral("late.example")});
        DISCOVERY_VERIFY_OK(cert);
        config.binary = DiscoveryTestBed::certdBinary();
        config.listen = endpoint;
        config.domains = {QStringLiteral("late.example")};
        config.tlsCert = cert->chainPath;
        config.tlsKey = cert->keyPath;
        config.caFile = m_bed->caFile();
        CertdInstance late(QDir(m_bed->dir()).filePath(QStringLiteral("certd-late")), config,
                           QStringLiteral("certd-late"));
        auto user = late.addUser(QStringLiteral("ed@late.example"), QStringLiteral("pw-ed"));
        DISCOVERY_VERIFY_OK(user);
        QVERIFY(user->succeeded());
        DISCOVERY_VERIFY_OK(late.start());
        QVERIFY(spinUntil([&] { return enroller.state() == Enroller::State::Enrolled; }, kWaitMs));
        QCOMPARE(enroller.consecutiveFailures(), 0);
    }

    void staleNonceIsRetriedOnce() {
        ServiceSpec spec;
        spec.name = QStringLiteral("certd-stale");
        spec.domains = {QStringLiteral("stale.example")};
        spec.nonceLifetime = 10; // the shortest certd allows
        auto svc = m_bed->startService(spec);
        DISCOVERY_VERIFY_OK(svc);
        m_bed->pointSrv(QStringLiteral("stale.example"), QStringLiteral("certs.stale.example"),
                        **svc);
        DISCOVERY_VERIFY_OK(m_bed->dns().restart());
        DISCOVERY_VERIFY_OK(
            m_bed->addUser(**svc, QStringLiteral("fay@stale.example"), QStringLiteral("pw-fay")));

        auto client = m_bed->makeClient();
        MemoryKeyStore store;
        Enroller enroller(*client, store, settingsFor(QStringLiteral("sip:fay@stale.example")));
        enroller.setPassword("pw-fay");
        QSignalSpy enrolled(&enroller, &Enroller::enrolled);
        enroller.start();
        QVERIFY(spinUntil([&] { return enrolled.count() == 1; }, kWaitMs));
        QTest::qWait(12000); // past the lifetime even in whole seconds
        enroller.renewNow();
        QVERIFY(spinUntil([&] { return enrolled.count() == 2; }, kWaitMs));
        QCOMPARE(enroller.state(), Enroller::State::Enrolled);
        // The service answered our old nonce with "stale" (a 401), then accepted.
        const QString challenged = QStringLiteral("PUT /search-cgi?sip=fay%40stale.example 401");
        QVERIFY2(
            spinUntil([&] { return DiscoveryTestBed::logLines(**svc, challenged) >= 2; }, 3000),
            qPrintable((*svc)->process().stderrText()));
    }

    void revokeAndTheOwnAddressWatch() {
        QTemporaryDir state;
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{std::chrono::seconds(0), {}});
        KnownDevices known(QDir(state.path()).filePath(QStringLiteral("known-devices")));
        DISCOVERY_VERIFY_OK(known.load());
        MemoryKeyStore store;
        Enroller enroller(*client, store, settingsFor(QStringLiteral("sip:alice@a.example")));
        enroller.setPassword("pw-alice");
        DeviceWatch watch(directory, known, QStringLiteral("sip:alice@a.example"));
        connect(&enroller, &Enroller::enrolled, &watch, &DeviceWatch::setOwnFingerprint);
        QSignalSpy unknown(&watch, &DeviceWatch::unknownDevice);
        QSignalSpy checked(&watch, &DeviceWatch::checked);
        QSignalSpy missing(&watch, &DeviceWatch::ownDeviceMissing);
        enroller.start();
        QVERIFY(spinUntil([&] { return checked.count() == 1; }, kWaitMs));
        QVERIFY(watch.ownDevicePresent());
        const QString mine = QString::fromStdString(enroller.certificate()->fingerprint());
        // alice's device from the first test is on the address too, and this
        // client did not enrol it: reported.
        QVERIFY(unknown.count() >= 1);
        QStringList reported;
        for (const auto &args : unknown) {
            reported << args.at(0).toString();
        }
        QVERIFY(!reported.contains(mine));

        // Someone else enrols a device with alice's password.
        auto intruder = DiscoveryTestBed::device(QStringLiteral("sip:alice@a.example"));
        DISCOVERY_VERIFY_OK(intruder);
        DISCOVERY_VERIFY_OK(m_bed->insertDevice(*m_a, QStringLiteral("alice"),
                                                QStringLiteral("a.example"), intruder.value()));
        unknown.clear();
        watch.check();
        QVERIFY(spinUntil([&] { return checked.count() == 2; }, kWaitMs));
        QCOMPARE(unknown.count(), 1);
        QCOMPARE(unknown.at(0).at(0).toString(), intruder->fingerprint());
        QCOMPARE(unknown.at(0).at(1).toString(),
                 QString::fromStdString(*intruder->certificate.instanceUrn()));
        QVERIFY(unknown.at(0).at(2).toDateTime().isValid());
        // Each device is reported once, not at every check.
        watch.check();
        QVERIFY(spinUntil([&] { return checked.count() == 3; }, kWaitMs));
        QCOMPARE(unknown.count(), 1);

        // The user acknowledges it; a new watch (a restart) stays quiet.
        DISCOVERY_VERIFY_OK(watch.acknowledge(intruder->fingerprint()));
        for (const QString &fp : reported) {
            DISCOVERY_VERIFY_OK(watch.acknowledge(fp));
        }
        KnownDevices reloaded(QDir(state.path()).filePath(QStringLiteral("known-devices")));
        DISCOVERY_VERIFY_OK(reloaded.load());
        QVERIFY(reloaded.isOurs(mine));
        QVERIFY(reloaded.isKnown(intruder->fingerprint()));
        DeviceWatch restarted(directory, reloaded, QStringLiteral("sip:alice@a.example"));
        QSignalSpy quiet(&restarted, &DeviceWatch::unknownDevice);
        QSignalSpy restartedChecked(&restarted, &DeviceWatch::checked);
        restarted.setOwnFingerprint(mine);
        QVERIFY(spinUntil([&] { return restartedChecked.count() == 1; }, kWaitMs));
        QCOMPARE(quiet.count(), 0);

        // Revoke the intruder, then our own device: the watch notices.
        std::optional<DiscoveryResult<void>> revoked;
        enroller.revoke(intruder->fingerprint(),
                        [&](DiscoveryResult<void> r) { revoked = std::move(r); });
        QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
        DISCOVERY_VERIFY_OK(*revoked);
        revoked.reset();
        enroller.revoke(intruder->fingerprint(),
                        [&](DiscoveryResult<void> r) { revoked = std::move(r); });
        QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
        QVERIFY(!revoked->ok());
        QCOMPARE(revoked->error().httpStatus, 404);
        revoked.reset();
        enroller.revoke(mine, [&](DiscoveryResult<void> r) { revoked = std::move(r); });
        QVERIFY(spinUntil([&] { return revoked.has_value(); }, kWaitMs));
        DISCOVERY_VERIFY_OK(*revoked);
        watch.check();
        QVERIFY(spinUntil([&] { return missing.count() == 1; }, kWaitMs));
        QCOMPARE(missing.at(0).at(0).toString(), mine);
        QVERIFY(!watch.ownDevicePresent());
    }
};

QTEST_GUILESS_MAIN(TestDiscoveryEnrol)
#include "test_discovery_enrol.moc"
