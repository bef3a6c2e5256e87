// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// CallController's words: the four verdicts (and each failure), the security
// line for end-to-end and not, fingerprints in groups, state and outcome.

#include "app/controllers/CallController.h"
#include "media/MediaSession.h"

#include <QSignalSpy>
#include <QTest>

using napkin::app::CallController;
using napkin::sip::IdentityFailure;
using napkin::sip::IdentityVerdict;

namespace {

const char *const fingerprint =
    "sha256:3f2a91c0aabbccddeeff00112233445566778899aabbccddeeff001122334455";

IdentityVerdict verdict(IdentityVerdict::Kind kind) {
    IdentityVerdict v;
    v.kind = kind;
    v.aor = "sip:alice@a.example";
    v.signerFingerprint = fingerprint;
    v.instanceUrn = "urn:uuid:5e1b0c7e-0000-4000-8000-000000000001";
    v.vouchingDomain = "a.example";
    return v;
}

} // namespace

class TestCallController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void verdictTitles();
    void verifiedSaysWhoVouches();
    void newDeviceSaysFirstTime();
    void unverifiedSaysNoSignature();
    void failedSaysWhyInWords_data();
    void failedSaysWhyInWords();
    void unverifiableIsNotFailure();
    void securityText();
    void fingerprintGroups();
    void deviceNameFallsBackToFingerprint();
    void qualityText();
    void mediaPathText();
    void controllerFollowsAppliedFacts();
    void dtmfIsCheckedBeforeSending();
};

void TestCallController::verdictTitles() {
    QCOMPARE(CallController::verdictTitleFor(CallController::Verdict::Verified),
             QStringLiteral("Verified"));
    QCOMPARE(CallController::verdictTitleFor(CallController::Verdict::NewDevice),
             QStringLiteral("New device"));
    QCOMPARE(CallController::verdictTitleFor(CallController::Verdict::Unverified),
             QStringLiteral("Unverified"));
    QCOMPARE(CallController::verdictTitleFor(CallController::Verdict::Failed),
             QStringLiteral("Verification failed"));
    QVERIFY(!CallController::verdictTitleFor(CallController::Verdict::Pending).isEmpty());
    QCOMPARE(CallController::verdictOf(verdict(IdentityVerdict::Kind::Verified)),
             CallController::Verdict::Verified);
    QCOMPARE(CallController::verdictOf(verdict(IdentityVerdict::Kind::VerifiedNewDevice)),
             CallController::Verdict::NewDevice);
    QCOMPARE(CallController::verdictOf(verdict(IdentityVerdict::Kind::Unsigned)),
             CallController::Verdict::Unverified);
    QCOMPARE(CallController::verdictOf(verdict(IdentityVerdict::Kind::Failed)),
             CallController::Verdict::Failed);
}

void TestCallController::verifiedSaysWhoVouches() {
    QCOMPARE(CallController::verdictDetailFor(verdict(IdentityVerdict::Kind::Verified)),
             QStringLiteral("a.example vouches for this device "
                            "(urn:uuid:5e1b0c7e-0000-4000-8000-000000000001)"));
}

void TestCallController::newDeviceSaysFirstTime() {
    QCOMPARE(CallController::verdictDetailFor(verdict(IdentityVerdict::Kind::VerifiedNewDevice)),
             QStringLiteral("First time this device calls as alice@a.example"));
}

void TestCallController::unverifiedSaysNoSignature() {
    QCOMPARE(CallController::verdictDetailFor(
                 IdentityVerdict::unsignedBecause("sip:carol@c.example", "no signature")),
             QStringLiteral("No signature: the caller's identity is not confirmed"));
}

void TestCallController::failedSaysWhyInWords_data() {
    QTest::addColumn<int>("failure");
    QTest::addColumn<QString>("words");
    QTest::newRow("bad signature") << int(IdentityFailure::BadSignature) << "altered on the way";
    QTest::newRow("not listed") << int(IdentityFailure::SignerNotListed)
                                << "a device that the domain of alice@a.example does not list";
    QTest::newRow("wrong address") << int(IdentityFailure::WrongAddress) << "another address";
    QTest::newRow("expired") << int(IdentityFailure::CertificateInvalid) << "expired";
    QTest::newRow("headers") << int(IdentityFailure::HeaderMismatch)
                             << "Who is calling whom, or when, was altered";
    QTest::newRow("date") << int(IdentityFailure::DateOutOfRange) << "clock";
    QTest::newRow("other device") << int(IdentityFailure::NotForThisDevice)
                                  << "encrypted for another device";
    QTest::newRow("decrypt") << int(IdentityFailure::DecryptFailed) << "could not be opened";
    QTest::newRow("service") << int(IdentityFailure::CertificatesUnavailable)
                             << "certificate service of a.example could not be reached";
    QTest::newRow("malformed") << int(IdentityFailure::Malformed) << "could not be read";
    QTest::newRow("internal") << int(IdentityFailure::Internal) << "This device could not";
}

void TestCallController::failedSaysWhyInWords() {
    QFETCH(int, failure);
    QFETCH(QString, words);
    const auto v = IdentityVerdict::failedBecause(
        "sip:alice@a.example", static_cast<IdentityFailure>(failure), "technical detail");
    const QString detail = CallController::verdictDetailFor(v);
    QVERIFY2(detail.contains(words), qPrintable(detail));
    QVERIFY2(!detail.contains(QStringLiteral("technical detail")), qPrintable(detail));
    // Without a known failure kind, the reason is shown as it is.
    const auto other =
        IdentityVerdict::failedBecause("sip:alice@a.example", IdentityFailure::None, "odd reason");
    QCOMPARE(CallController::verdictDetailFor(other), QStringLiteral("odd reason"));
}

void TestCallController::unverifiableIsNotFailure() {
    // "Could not check" has its own title and words: not "Verification
    // failed", and not a plain "Unverified" either.
    const auto v =
        IdentityVerdict::unverifiableBecause("sip:alice@a.example", "technical detail 10.0.0.5");
    QCOMPARE(CallController::verdictOf(v), CallController::Verdict::Unverifiable);
    QCOMPARE(CallController::verdictTitleFor(CallController::Verdict::Unverifiable),
             QStringLiteral("Could not check"));
    const QString detail = CallController::verdictDetailFor(v);
    QVERIFY2(detail.contains(QStringLiteral("a.example could not be reached")), qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("not a sign of forgery")), qPrintable(detail));
}

void TestCallController::securityText() {
    QCOMPARE(CallController::securityTextFor(true, {}), QStringLiteral("End-to-end encrypted"));
    QCOMPARE(CallController::securityTextFor(false, QStringLiteral("the caller is not verified")),
             QStringLiteral("Not end-to-end: the caller is not verified"));
    QCOMPARE(CallController::securityTextFor(false, {}), QStringLiteral("Not end-to-end"));
}

void TestCallController::fingerprintGroups() {
    QCOMPARE(CallController::fingerprintGroupsFor(QString::fromLatin1(fingerprint)),
             QStringLiteral("3F2A 91C0 AABB CCDD EEFF 0011 2233 4455 6677 8899 AABB CCDD EEFF "
                            "0011 2233 4455"));
    QCOMPARE(CallController::fingerprintGroupsFor(QStringLiteral("sha256:xyz")), QString());
    QCOMPARE(CallController::fingerprintGroupsFor({}), QString());
}

void TestCallController::deviceNameFallsBackToFingerprint() {
    QCOMPARE(CallController::deviceNameFor(
                 QStringLiteral("urn:uuid:5E1B0C7E-0000-4000-8000-000000000001"), QString()),
             QStringLiteral("urn:uuid:5e1b0c7e-0000-4000-8000-000000000001"));
    QCOMPARE(CallController::deviceNameFor({}, QString::fromLatin1(fingerprint)),
             QStringLiteral("3F2A 91C0 AABB CCDD…"));
    // A URN that is not a UUID is the certificate maker's text: it names nothing.
    for (const char *urn : {"urn:uuid:1", "urn:uuid:<b>x</b>", "urn:uuid:laptop\nline"}) {
        QCOMPARE(CallController::deviceNameFor(QString::fromLatin1(urn),
                                               QString::fromLatin1(fingerprint)),
                 QStringLiteral("3F2A 91C0 AABB CCDD…"));
    }
    QCOMPARE(CallController::deviceNameFor(QStringLiteral("urn:uuid:1"), QString()),
             QStringLiteral("unknown device"));
}

void TestCallController::qualityText() {
    QCOMPARE(CallController::qualityTextFor(nullptr), QStringLiteral("No quality data yet"));
    napkin::media::MediaStatistics s;
    QCOMPARE(CallController::qualityTextFor(&s), QStringLiteral("No quality data yet"));
    s.packetsReceived = 1000;
    s.lossFraction = 0.025;
    s.jitterMs = 3.6;
    QCOMPARE(CallController::qualityTextFor(&s), QStringLiteral("Loss 2.5 %, jitter 4 ms"));
    s.roundTripMs = 41.2;
    QCOMPARE(CallController::qualityTextFor(&s),
             QStringLiteral("Loss 2.5 %, jitter 4 ms, round trip 41 ms"));
}

void TestCallController::mediaPathText() {
    using napkin::media::CandidateKind;
    napkin::media::IcePath path;
    QCOMPARE(CallController::mediaPathTextFor(path), QStringLiteral("Direct"));
    path.local = CandidateKind::ServerReflexive;
    QCOMPARE(CallController::mediaPathTextFor(path),
             QStringLiteral("Through your network's public address"));
    path.remote = CandidateKind::Relayed;
    QCOMPARE(CallController::mediaPathTextFor(path),
             QStringLiteral("Relayed by the other side's TURN server"));
    path.local = CandidateKind::Relayed;
    path.relay = "turn.a.example";
    path.transport = "tcp";
    QCOMPARE(CallController::mediaPathTextFor(path),
             QStringLiteral("Relayed by turn.a.example (over TCP)"));
}

void TestCallController::controllerFollowsAppliedFacts() {
    CallController call(CallController::Direction::Incoming, QStringLiteral("sip:alice@a.example"));
    QSignalSpy changed(&call, &CallController::changed);
    QSignalSpy ended(&call, &CallController::ended);
    QCOMPARE(call.state(), CallController::State::Checking);
    QCOMPARE(call.verdict(), CallController::Verdict::Pending);
    call.applyIdentity(verdict(IdentityVerdict::Kind::Verified));
    QCOMPARE(call.verdict(), CallController::Verdict::Verified);
    QCOMPARE(call.verdictTitle(), QStringLiteral("Verified"));
    QCOMPARE(call.vouchingDomain(), QStringLiteral("a.example"));
    QCOMPARE(call.deviceName(), QStringLiteral("urn:uuid:5e1b0c7e-0000-4000-8000-000000000001"));
    QVERIFY(call.fingerprintGroups().startsWith(QStringLiteral("3F2A 91C0")));
    call.applyState(CallController::State::Ringing);
    QCOMPARE(call.stateText(), QStringLiteral("Incoming call"));
    call.applyMedia(QStringLiteral("opus/48000/2"), QStringLiteral("AES_CM_128_HMAC_SHA1_80"),
                    false, QStringLiteral("the caller did not sign"), false);
    call.applyState(CallController::State::Active);
    QCOMPARE(call.securityText(), QStringLiteral("Not end-to-end: the caller did not sign"));
    QCOMPARE(call.codec(), QStringLiteral("opus/48000/2"));
    QCOMPARE(call.stateText(), QStringLiteral("Connected"));
    call.applyHold(false, true);
    QVERIFY(call.heldByPeer());
    QCOMPARE(call.stateText(), QStringLiteral("On hold by the other side"));
    call.applyHold(true, true);
    QCOMPARE(call.stateText(), QStringLiteral("On hold"));
    call.applyHold(false, false);
    QVERIFY(!call.heldByPeer());
    QCOMPARE(call.stateText(), QStringLiteral("Connected"));
    QTRY_VERIFY_WITH_TIMEOUT(call.durationSeconds() >= 1, 3000);
    call.applyEnd(QStringLiteral("alice@a.example hung up"), QStringLiteral("answered"));
    QCOMPARE(call.state(), CallController::State::Ended);
    QCOMPARE(call.outcome(), QStringLiteral("answered"));
    QCOMPARE(call.stateText(), QStringLiteral("Call ended: alice@a.example hung up"));
    QCOMPARE(ended.count(), 1);
    const int duration = call.durationSeconds();
    QTest::qWait(1200);
    QCOMPARE(call.durationSeconds(), duration); // the clock stopped
    QVERIFY(changed.count() >= 5);
}

void TestCallController::dtmfIsCheckedBeforeSending() {
    CallController call(CallController::Direction::Outgoing, QStringLiteral("sip:bob@b.example"));
    QSignalSpy failed(&call, &CallController::requestFailed);
    call.sendDtmf(QStringLiteral("x"));
    call.sendDtmf(QStringLiteral("12"));
    call.sendDtmf(QStringLiteral("5")); // valid, but there is no SIP call
    QCOMPARE(failed.count(), 3);
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("not a telephone key")));
    QVERIFY(failed.at(2).at(0).toString().contains(QStringLiteral("over")));
}

QTEST_GUILESS_MAIN(TestCallController)
#include "test_call_controller.moc"
