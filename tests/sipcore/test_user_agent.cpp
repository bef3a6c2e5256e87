// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Two real Sofia-SIP user agents in one process, talking over loopback UDP/TCP
// without any proxy: the thinnest path of a secure call (signed INVITE,
// encrypted and signed 200 OK and ACK), and the policy and fallback cases.
// Certificates come from a fixed table instead of a certificate service.

#include "tests/sipcore/SipParty.h"

#include "crypto/DeviceIdentity.h"
#include "media/AudioPort.h"
#include "sipcore/DirectoryCertificates.h"
#include "sipcore/FixedCertificates.h"
#include "sipcore/KeysOnlySdpFactory.h"
#include "sipcore/MediaSdpFactory.h"
#include "sipcore/SofiaRoot.h"
#include "sipcore/UserAgent.h"
#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/TrustStore.h"
#include "tests/support/RawSipPhone.h"
#include "tests/support/SipHeaders.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>

#include <QTest>
#include <QTimer>
#include <algorithm>

using namespace napkin;
using namespace napkin::sip;
using namespace napkin::sip::testing;

namespace {

/// A cache that still holds an old set: fetch() answers from it, while
/// refreshIfUnknown() asks the "service" (a FixedCertificates) again.
class StaleCache final : public CertificateSource {
public:
    explicit StaleCache(FixedCertificates &service) : m_service(service) {}
    void setStale(const std::string &aor, std::vector<crypto::Certificate> set) {
        m_stale[aor] = std::move(set);
    }
    void fetch(const std::string &aor, SetCallback done) override {
        auto it = m_stale.find(aor);
        if (it == m_stale.end()) {
            m_service.fetch(aor, std::move(done));
            return;
        }
        auto set = it->second;
        QTimer::singleShot(0, [set, done = std::move(done)] { done(set); });
    }
    void refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                          CertificateCallback done) override {
        ++refreshes;
        m_service.refreshIfUnknown(aor, fingerprint, std::move(done));
    }
    int refreshes = 0;

private:
    FixedCertificates &m_service;
    std::map<std::string, std::vector<crypto::Certificate>> m_stale;
};

/// A certificate service that never answers: calls stay in Checking.
class SilentSource final : public CertificateSource {
public:
    void fetch(const std::string &, SetCallback done) override {
        pending.push_back(std::move(done));
    }
    void refreshIfUnknown(const std::string &, const std::string &, CertificateCallback) override {}
    std::vector<SetCallback> pending;
};

} // namespace

class TestUserAgent : public QObject {
    Q_OBJECT
private:
    TwoDevices m_devices;

    /// Alice calls Bob; one of them (the caller when `callerForges`) signs
    /// with a certificate for mallory at its own domain, which has no
    /// certificate service. The other side must judge it Failed.
    void signedForAnotherAddressWithoutService(bool callerForges) {
        FixedCertificates certs;
        if (callerForges) {
            certs.publish("sip:bob@b.example",
                          {m_devices.bob->certificate}); // a.example: no service
        } else {
            certs.publish("sip:alice@a.example",
                          {m_devices.alice->certificate}); // b.example: no service
        }
        auto mallory =
            makeIdentity(callerForges ? "sip:mallory@a.example" : "sip:mallory@b.example",
                         "urn:uuid:3a110000-0000-4000-8000-000000000001");
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(callerForges ? mallory : m_devices.alice);
        bob.agent.setIdentity(callerForges ? m_devices.bob : mallory);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        const Party &judge = callerForges ? bob : alice;
        QCOMPARE(judge.verdicts.size(), std::size_t(1));
        QCOMPARE(judge.verdicts[0].kind, IdentityVerdict::Kind::Failed);
        if (callerForges) {
            QCOMPARE(alice.ends[0].sipStatus, 403); // rejected before ringing
            QVERIFY(std::find(bob.states.begin(), bob.states.end(), Call::State::Ringing) ==
                    bob.states.end());
        } else {
            QCOMPARE(alice.ends[0].code, CallErrc::IdentityFailed); // ACKed, then BYE
            QVERIFY(alice.e2es.empty());
        }
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

private Q_SLOTS:
    void initTestCase() {
        const std::string problem = m_devices.start();
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void cleanupTestCase() { m_devices.root.reset(); }

    void secureCallBothWaysVerified() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));

        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QVERIFY(call.ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QVERIFY(alice.e2es[0]);
        QVERIFY(bob.e2es[0]);
        QCOMPARE(bob.verdicts.size(), std::size_t(1));
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(bob.verdicts[0].signerFingerprint, m_devices.alice->certificate.fingerprint());
        QCOMPARE(bob.verdicts[0].instanceUrn,
                 std::string("urn:uuid:a11ce000-0000-4000-8000-000000000001"));
        QCOMPARE(bob.verdicts[0].vouchingDomain, std::string("a.example"));
        QCOMPARE(alice.verdicts.size(), std::size_t(1));
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(alice.verdicts[0].signerFingerprint, m_devices.bob->certificate.fingerprint());
        QCOMPARE(alice.media_[0].srtpSuite, std::string("AES_CM_128_HMAC_SHA1_80"));
        QCOMPARE(bob.media_[0].srtpSuite, std::string("AES_CM_128_HMAC_SHA1_80"));
        QCOMPARE(alice.media_[0].remotePort, std::uint16_t(42000)); // bob's first port

        Call *c = call.value();
        QCOMPARE(c->state(), Call::State::Active);
        QVERIFY(c->endToEnd());

        // Hold and resume: re-INVITEs whose SDP is sealed like the first one.
        c->hold();
        QTRY_COMPARE_WITH_TIMEOUT(alice.media_.size(), std::size_t(2), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.media_.size(), std::size_t(2), 10000);
        QVERIFY(alice.media_[1].localHold);
        QVERIFY(bob.media_[1].remoteHold);
        QVERIFY(alice.e2es[1] && bob.e2es[1]);
        QVERIFY(c->onHold());
        c->resume();
        QTRY_COMPARE_WITH_TIMEOUT(alice.media_.size(), std::size_t(3), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.media_.size(), std::size_t(3), 10000);
        QVERIFY(!alice.media_[2].localHold);
        QVERIFY(!bob.media_[2].remoteHold);
        QVERIFY(!c->onHold());
        c->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::None);
        QVERIFY(bob.ends[0].byPeer);
        QVERIFY(!alice.ends[0].byPeer);
        shutDown(alice);
        shutDown(bob);
    }

    void unsignedCallerIsNotEndToEnd() {
        FixedCertificates certs;
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example"); // no identity: a plain phone
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QVERIFY(call.ok());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QVERIFY(!alice.e2es[0]);
        QVERIFY(!bob.e2es[0]);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Unsigned);
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Unsigned);
        QVERIFY(!call.value()->endToEnd());
        QVERIFY(!call.value()->notEndToEndReason().empty());
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    // The stripped-signature attack: alice@a.example is known to sign (her
    // domain publishes her certificate), yet this INVITE arrives unsigned.
    void strippedSignatureFails() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example"); // sends no signature
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts.size(), std::size_t(1));
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Failed);
        QCOMPARE(bob.verdicts[0].failure, IdentityFailure::StrippedSignature);
        QVERIFY2(bob.verdicts[0].reason.find(
                     "a.example publishes certificates for alice@a.example, but this call was "
                     "not signed") != std::string::npos,
                 bob.verdicts[0].reason.c_str());
        QCOMPARE(alice.ends[0].sipStatus, 403); // the failed-identity policy: rejected
        QVERIFY(bob.e2es.empty());
        shutDown(alice);
        shutDown(bob);
    }

    // Bob is protected (b.example publishes him) but answers alice, whom he
    // cannot verify, in clear: by default alice sends no key in clear.
    void protectedCalleeAnsweringInClearIsNotTaken() {
        FixedCertificates certs;
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate}); // a.example: no service
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(alice.ends[0].code, CallErrc::DowngradeRefused);
        QVERIFY(alice.e2es.empty());
        // Bob's answer got its ACK (without an answer of alice's: bob ends the
        // call too) and a BYE; bob never had media either.
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QVERIFY(bob.e2es.empty());
        shutDown(alice);
        shutDown(bob);
    }

    // A signed INVITE for carol delivered to bob's device: refused, it
    // never rings as "Verified alice" at the wrong person.
    void misaddressedInviteIsRefused() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:carol@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(alice.ends[0].sipStatus, 404);
        QVERIFY2(alice.ends[0].reason.find("only for sip:bob@b.example") != std::string::npos,
                 alice.ends[0].reason.c_str());
        QVERIFY(bob.verdicts.empty());
        QVERIFY(std::find(bob.states.begin(), bob.states.end(), Call::State::Ringing) ==
                bob.states.end());
        shutDown(alice);
        shutDown(bob);
    }

    void requireEndToEndRefusesUnsignedCaller() {
        FixedCertificates certs;
        PolicySettings strict;
        strict.requireEndToEnd = true;
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example", strict);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::NotEndToEnd);
        QCOMPARE(alice.ends[0].sipStatus, 488);
        QCOMPARE(alice.ends[0].code, CallErrc::Declined);
        // The reason travels in a Warning header, in words.
        QVERIFY2(alice.ends[0].reason.find("end-to-end") != std::string::npos,
                 alice.ends[0].reason.c_str());
        QVERIFY(bob.e2es.empty());
        shutDown(alice);
        shutDown(bob);
    }

    void signerNotPublishedIsRejected() {
        FixedCertificates certs;
        auto impostor =
            makeIdentity("sip:alice@a.example", "urn:uuid:e0e00000-0000-4000-8000-000000000001");
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate}); // not the impostor's
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(impostor);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts.size(), std::size_t(1));
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Failed);
        QCOMPARE(bob.verdicts[0].failure, IdentityFailure::SignerNotListed);
        QCOMPARE(alice.ends[0].sipStatus, 403);
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::IdentityRejected);
        QVERIFY(std::find(bob.states.begin(), bob.states.end(), Call::State::Ringing) ==
                bob.states.end());
        shutDown(alice);
        shutDown(bob);
    }

    void failedCallRingsRedWhenAllowed() {
        FixedCertificates certs;
        auto impostor =
            makeIdentity("sip:alice@a.example", "urn:uuid:e0e00000-0000-4000-8000-000000000002");
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        PolicySettings lenient;
        lenient.ringOnFailed = true;
        PolicySettings allowPlain; // bob is protected, and answers in clear
        allowPlain.plainToProtected = PolicySettings::PlainToProtected::Allow;
        Party alice(*m_devices.root, certs, "sip:alice@a.example", allowPlain);
        Party bob(*m_devices.root, certs, "sip:bob@b.example", lenient);
        alice.agent.setIdentity(impostor);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Failed);
        QVERIFY(!bob.e2es[0]); // rang red, answered in clear: never end-to-end
        QVERIFY(!alice.e2es[0]);
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    void calleeDomainWithoutServiceFallsBack() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example",
                      {m_devices.alice->certificate}); // b.example: no service
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob); // signs, but nothing vouches for it
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Unsigned);
        QVERIFY2(alice.verdicts[0].reason.find("b.example") != std::string::npos,
                 alice.verdicts[0].reason.c_str());
        QVERIFY(!alice.e2es[0]);
        QVERIFY(call.value()->notEndToEndReason().find("b.example") != std::string::npos);
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    // Both ends judge a domain without a certificate service alike
    // (PeerIdentityCheck): the signed body must still verify against the
    // certificate it carries, which must name the peer. Sound, the verdict is
    // Unsigned (nothing vouches for it); unsound, it is Failed.
    void callerDomainWithoutServiceIsUnsigned() {
        FixedCertificates certs;
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate}); // a.example: no service
        PolicySettings allowPlain; // bob is protected, and answers an unverified caller in clear
        allowPlain.plainToProtected = PolicySettings::PlainToProtected::Allow;
        Party alice(*m_devices.root, certs, "sip:alice@a.example", allowPlain);
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Unsigned);
        QVERIFY2(bob.verdicts[0].reason.find("a.example") != std::string::npos,
                 bob.verdicts[0].reason.c_str());
        QVERIFY(!bob.e2es[0]);
        QVERIFY(!alice.e2es[0]);
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Unsigned); // answered in clear
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    void callerDomainWithoutServiceSignedForAnotherAddressFails() {
        signedForAnotherAddressWithoutService(true);
    }

    void calleeDomainWithoutServiceSignedForAnotherAddressFails() {
        signedForAnotherAddressWithoutService(false);
    }

    void unknownSignerIsRefreshedOnce() {
        FixedCertificates service;
        auto renewed =
            makeIdentity("sip:alice@a.example", "urn:uuid:a11ce000-0000-4000-8000-000000000001");
        service.publish("sip:alice@a.example", {renewed->certificate});
        service.publish("sip:bob@b.example", {m_devices.bob->certificate});
        StaleCache cache(service);
        cache.setStale("sip:alice@a.example",
                       {m_devices.alice->certificate}); // before re-enrolment
        Party alice(*m_devices.root, service, "sip:alice@a.example");
        Party bob(*m_devices.root, cache, "sip:bob@b.example");
        alice.agent.setIdentity(renewed);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(cache.refreshes, 1);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(bob.verdicts[0].signerFingerprint, renewed->certificate.fingerprint());
        QVERIFY(bob.e2es[0]);
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    void secondDeviceIsNewsNotAlarm() {
        FixedCertificates certs;
        auto laptop =
            makeIdentity("sip:alice@a.example", "urn:uuid:a11ce000-0000-4000-8000-000000000002");
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate, laptop->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        const std::shared_ptr<const crypto::DeviceIdentity> devices[] = {m_devices.alice, laptop,
                                                                         m_devices.alice};
        const IdentityVerdict::Kind expected[] = {IdentityVerdict::Kind::Verified,
                                                  IdentityVerdict::Kind::VerifiedNewDevice,
                                                  IdentityVerdict::Kind::Verified};
        for (std::size_t i = 0; i < 3; ++i) {
            alice.agent.setIdentity(devices[i]);
            auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
            QVERIFY(call.ok());
            QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), i + 1, 10000);
            QCOMPARE(bob.verdicts[i].kind, expected[i]);
            call.value()->hangUp();
            QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), i + 1, 10000);
        }
        QVERIFY(
            bob.seen.knows("sip:alice@a.example", "urn:uuid:a11ce000-0000-4000-8000-000000000002"));
        shutDown(alice);
        shutDown(bob);
    }

    void cancelStopsRinging() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.autoAnswer = false;
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QTRY_VERIFY_WITH_TIMEOUT(std::find(alice.states.begin(), alice.states.end(),
                                           Call::State::Ringing) != alice.states.end(),
                                 10000);
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::Cancelled);
        QVERIFY(bob.ends[0].byPeer);
        QCOMPARE(alice.ends[0].code, CallErrc::Cancelled);
        shutDown(alice);
        shutDown(bob);
    }

    void calleeRejects() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.autoAnswer = false;
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(bob.incoming.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.incoming[0]->state(), Call::State::Ringing, 10000);
        bob.incoming[0]->reject(486, "Busy Here");
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(alice.ends[0].sipStatus, 486);
        QCOMPARE(alice.ends[0].code, CallErrc::Declined);
        QVERIFY(alice.ends[0].byPeer);
        shutDown(alice);
        shutDown(bob);
    }

    void shutdownEndsActiveCalls() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        shutDown(bob); // BYE first, then nua_shutdown
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QVERIFY(alice.ends[0].byPeer);
        QVERIFY(alice.agent.calls().empty());
        shutDown(alice);
    }

    void foreignRealmChallengeIsNotAnswered_data() {
        QTest::addColumn<QByteArray>("realm");
        QTest::addColumn<bool>("answered");
        QTest::newRow("foreign realm: refused") << QByteArray("evil.example") << false;
        QTest::newRow("own realm: answered") << QByteArray("a.example") << true;
    }

    void foreignRealmChallengeIsNotAnswered() {
        // A raw phone answers Alice's INVITE with a 407 for `realm`.
        QFETCH(QByteArray, realm);
        QFETCH(bool, answered);
        FixedCertificates certs;
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        alice.agent.setIdentity(m_devices.alice);
        QVERIFY(startAndWait(alice));
        napkin::testing::RawSipPhone eve;
        auto bound = eve.bind();
        QVERIFY2(bound.ok(), bound.ok() ? "" : qPrintable(bound.error()));
        const QString target = eve.target();
        const QString requestUri =
            QStringLiteral("sip:eve@") + target.mid(4, target.indexOf(QLatin1Char(';')) - 4);
        QVERIFY(alice.agent.call("sip:eve@b.example", requestUri.toStdString()).ok());
        int invites = 0;
        int withCredentials = 0;
        QElapsedTimer afterEnd;
        eve.serveUntil(
            15000, [&] { return afterEnd.isValid() && afterEnd.elapsed() > 1500; },
            [&](const napkin::testing::RawSipPhone::Datagram &d) {
                if (!d.bytes.startsWith("INVITE ")) {
                    return;
                }
                ++invites;
                const bool authorized = d.bytes.contains("\r\nProxy-Authorization:");
                withCredentials += authorized ? 1 : 0;
                const QByteArray headers = eve.dialogHeaders(d.bytes, "eve1");
                eve.send(authorized
                             ? "SIP/2.0 486 Busy Here\r\n" + headers + "Content-Length: 0\r\n\r\n"
                             : "SIP/2.0 407 Proxy Authentication Required\r\n" + headers +
                                   "Proxy-Authenticate: Digest realm=\"" + realm +
                                   "\", nonce=\"x\", algorithm=MD5\r\n"
                                   "Content-Length: 0\r\n\r\n",
                         d);
                if (!afterEnd.isValid() && (authorized || !answered)) {
                    afterEnd.start(); // keep listening for a second INVITE
                }
            });
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        if (answered) {
            QCOMPARE(invites, 2);
            QCOMPARE(withCredentials, 1);
            QCOMPARE(alice.ends[0].sipStatus, 486);
        } else {
            QCOMPARE(invites, 1); // no second INVITE with credentials
            QCOMPARE(withCredentials, 0);
            QCOMPARE(alice.ends[0].sipStatus, 407);
            const QString reason = QString::fromStdString(alice.ends[0].reason);
            QVERIFY2(reason.startsWith(QStringLiteral("b.example's proxy asked for this account's "
                                                      "password for realm 'evil.example'; Napkin "
                                                      "only answers its own realm(s)")),
                     qPrintable(reason));
        }
        shutDown(alice);
    }

    void unreachableCallerServiceIsNotDescribedToTheCaller() {
        // Bob checks Alice with a real discovery client whose DNS server
        // (127.0.0.1:9) never answers, and does not ring calls it cannot
        // check: Bob keeps that detail, Alice is told only that her service
        // could not be reached.
        FixedCertificates aliceCerts;
        aliceCerts.publish("sip:bob@b.example", {m_devices.bob->certificate});
        discovery::ServiceClientSettings clientSettings;
        clientSettings.dns.address = QHostAddress(QStringLiteral("127.0.0.1"));
        clientSettings.dns.port = 9;
        clientSettings.dns.timeoutSeconds = 1;
        clientSettings.dns.attempts = 1;
        auto trust = discovery::TrustStore::create(QString(), false);
        QVERIFY(trust.ok());
        discovery::ServiceClient client(clientSettings, trust.value());
        discovery::CertificateDirectory directory(client, {});
        DirectoryCertificates bobCerts(directory);
        PolicySettings refuseUnchecked;
        refuseUnchecked.ringOnUnverifiable = false;
        Party alice(*m_devices.root, aliceCerts, "sip:alice@a.example");
        Party bob(*m_devices.root, bobCerts, "sip:bob@b.example", refuseUnchecked);
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 15000);
        QCOMPARE(alice.ends[0].sipStatus, 480);
        QCOMPARE(bob.verdicts.size(), std::size_t(1));
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Unverifiable);
        const QString told = QString::fromStdString(alice.ends[0].reason);
        QVERIFY2(told.contains(QStringLiteral("the caller's certificate service could not be "
                                              "reached")),
                 qPrintable(told));
        const QRegularExpression address(QStringLiteral("\\d+\\.\\d+\\.\\d+\\.\\d+|:\\d+|DNS"));
        QVERIFY2(!address.match(told).hasMatch(), qPrintable(told));
        // Negative: Bob's own record keeps the detail.
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::IdentityRejected);
        QVERIFY2(bob.ends[0].reason.find("127.0.0.1") != std::string::npos,
                 bob.ends[0].reason.c_str());
        shutDown(alice);
        shutDown(bob);
    }

    // "Could not check" is not "forged": alice's domain's service is down.
    // Bob rings amber (unverifiable), not 403; his offer is sealed to the
    // key that signed the INVITE, so alice, who verified bob, still has an
    // end-to-end call, while bob's says it is not.
    void unreachableCallerServiceRingsAmber() {
        FixedCertificates certs;
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        certs.breakDomain("a.example", "a.example's certificate service timed out");
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QVERIFY(call.ok());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Unverifiable);
        QCOMPARE(bob.verdicts[0].failure, IdentityFailure::CertificatesUnavailable);
        QVERIFY2(bob.verdicts[0].reason.find("timed out") != std::string::npos,
                 bob.verdicts[0].reason.c_str());
        QVERIFY(!bob.e2es[0]);
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QVERIFY(alice.e2es[0]); // bob's offer came sealed to alice and signed by bob
        QVERIFY(bob.ends.empty());
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        QCOMPARE(bob.ends[0].code, CallErrc::None);
        shutDown(alice);
        shutDown(bob);
    }

    // An unsigned INVITE from an address whose domain cannot be asked: not a
    // stripped signature (that needs proof the address signs), but not
    // merely unsigned either: unverifiable, and it rings.
    void unsignedCallerWithUnreachableServiceIsUnverifiable() {
        FixedCertificates certs;
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        certs.breakDomain("a.example", "the DNS server did not answer for a.example");
        Party alice(*m_devices.root, certs, "sip:alice@a.example"); // sends no signature
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QVERIFY(call.ok());
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Unverifiable);
        QVERIFY2(bob.verdicts[0].reason.find("could not be checked") != std::string::npos,
                 bob.verdicts[0].reason.c_str());
        QVERIFY(!bob.e2es[0]);
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    // The callee's domain cannot be asked: alice does not hang up on bob's
    // answer (as she did when "could not check" counted as "forged"); the
    // call goes on, not end-to-end on her side, her answer sealed to the
    // key that signed bob's offer.
    void unreachableCalleeServiceIsNotAHangUp() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.breakDomain("b.example", "b.example's certificate service refused the connection");
        Party alice(*m_devices.root, certs, "sip:alice@a.example");
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        auto call = alice.agent.call("sip:bob@b.example", bob.directUri());
        QVERIFY(call.ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.e2es.size(), std::size_t(1), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bob.e2es.size(), std::size_t(1), 10000);
        QCOMPARE(alice.verdicts[0].kind, IdentityVerdict::Kind::Unverifiable);
        QVERIFY(!alice.e2es[0]);
        QVERIFY2(call.value()->notEndToEndReason().find("could not be checked") !=
                     std::string::npos,
                 call.value()->notEndToEndReason().c_str());
        QCOMPARE(bob.verdicts[0].kind, IdentityVerdict::Kind::Verified);
        QVERIFY(bob.e2es[0]); // alice's answer came sealed to bob and signed by alice
        QVERIFY(alice.ends.empty());
        call.value()->hangUp();
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        shutDown(alice);
        shutDown(bob);
    }

    // Negative of the above, strict: require_end_to_end still hangs up.
    void unreachableCalleeServiceWithStrictPolicyHangsUp() {
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.breakDomain("b.example",
                          "b.example's certificate service at 10.0.0.5 refused the connection");
        PolicySettings strict;
        strict.requireEndToEnd = true;
        Party alice(*m_devices.root, certs, "sip:alice@a.example", strict);
        Party bob(*m_devices.root, certs, "sip:bob@b.example");
        alice.agent.setIdentity(m_devices.alice);
        bob.agent.setIdentity(m_devices.bob);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(alice.ends[0].code, CallErrc::NotEndToEnd);
        QVERIFY(alice.e2es.empty());
        QTRY_COMPARE_WITH_TIMEOUT(bob.ends.size(), std::size_t(1), 10000);
        // Alice's own record keeps what she saw on her network (the BYE
        // does not carry it: test_hostile_hop byeSaysWhyWithoutLocalDetail).
        QVERIFY2(alice.ends[0].reason.find("10.0.0.5") != std::string::npos,
                 alice.ends[0].reason.c_str());
        shutDown(alice);
        shutDown(bob);
    }

    void checkingCallsAreCapped() {
        // Bob's certificate source never answers, so calls stay in Checking;
        // beyond the cap a call is refused at once, with Retry-After.
        FixedCertificates aliceCerts;
        SilentSource silent;
        Party alice(*m_devices.root, aliceCerts, "sip:alice@a.example");
        Party bob(*m_devices.root, silent, "sip:bob@b.example", {}, 1);
        alice.agent.setIdentity(m_devices.alice);
        QVERIFY(startAndWait(alice));
        QVERIFY(startAndWait(bob));
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(silent.pending.size(), std::size_t(1), 10000);
        QVERIFY(alice.ends.empty()); // the first one waits in Checking
        QVERIFY(alice.agent.call("sip:bob@b.example", bob.directUri()).ok());
        QTRY_COMPARE_WITH_TIMEOUT(alice.ends.size(), std::size_t(1), 10000);
        QCOMPARE(alice.ends[0].sipStatus, 486);
        QVERIFY2(alice.ends[0].reason.find("too many incoming calls") != std::string::npos,
                 alice.ends[0].reason.c_str());
        QCOMPARE(bob.incoming.size(), std::size_t(1));
        QCOMPARE(silent.pending.size(), std::size_t(1)); // no second fetch
        shutDown(alice);
        shutDown(bob);
    }

    void realMediaFlowsBothWays() {
        // The media engine behind the same flow: SRTP with the keys that
        // travelled sealed in the 200 OK and the ACK.
        FixedCertificates certs;
        certs.publish("sip:alice@a.example", {m_devices.alice->certificate});
        certs.publish("sip:bob@b.example", {m_devices.bob->certificate});
        MediaSettings settings;
        settings.address = "127.0.0.1";
        settings.source = [] { return std::make_shared<media::ToneSource>(); };
        MediaSdpFactory aliceMedia(settings);
        MediaSdpFactory bobMedia(settings);
        SeenDevices aliceSeen;
        SeenDevices bobSeen;
        UserAgent alice(*m_devices.root, Party::settingsFor("sip:alice@a.example", {}), certs,
                        aliceMedia, aliceSeen);
        UserAgent bob(*m_devices.root, Party::settingsFor("sip:bob@b.example", {}), certs, bobMedia,
                      bobSeen);
        alice.setIdentity(m_devices.alice);
        bob.setIdentity(m_devices.bob);
        QSignalSpy aliceReady(&alice, &UserAgent::ready);
        QSignalSpy bobReady(&bob, &UserAgent::ready);
        QVERIFY(alice.start().ok());
        QVERIFY(bob.start().ok());
        QVERIFY(aliceReady.wait(5000) || alice.isReady());
        QVERIFY(bobReady.count() > 0 || bobReady.wait(5000));
        int bobFlowing = 0;
        bool bobE2e = false;
        QObject::connect(&bob, &UserAgent::incomingCall, &bob, [&](Call *call) {
            QObject::connect(call, &Call::stateChanged, call, [call](Call::State state) {
                if (state == Call::State::Ringing) {
                    call->answer();
                }
            });
            QObject::connect(call, &Call::mediaReady, call,
                             [&](const NegotiatedMedia &m, bool e2e) { bobE2e = e2e && m.audio; });
            QObject::connect(call, &Call::mediaFlowing, call, [&](bool f) { bobFlowing += f; });
        });
        const std::string bobUri = bob.contact().substr(1, bob.contact().find('>') - 1);
        auto call = alice.call("sip:bob@b.example", bobUri);
        QVERIFY(call.ok());
        QSignalSpy aliceFlowing(call.value(), &Call::mediaFlowing);
        QTRY_VERIFY_WITH_TIMEOUT(aliceFlowing.count() > 0, 15000);
        QCOMPARE(aliceFlowing.first().first().toBool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(bobFlowing > 0, 15000);
        QVERIFY(bobE2e);
        QVERIFY(call.value()->endToEnd());
        auto media = call.value()->media();
        QVERIFY(media.has_value());
        QVERIFY(media->audio);
        QCOMPARE(media->codec, std::string("opus/48000/2"));
        QSignalSpy ended(call.value(), &Call::ended);
        call.value()->hangUp();
        QVERIFY(ended.wait(10000));
        QSignalSpy aliceDone(&alice, &UserAgent::shutdownFinished);
        QSignalSpy bobDone(&bob, &UserAgent::shutdownFinished);
        alice.shutdown();
        bob.shutdown();
        QVERIFY(aliceDone.wait(10000));
        QVERIFY(bobDone.count() > 0 || bobDone.wait(10000));
    }
};

QTEST_GUILESS_MAIN(TestUserAgent)
#include "test_user_agent.moc"
