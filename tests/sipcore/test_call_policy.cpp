// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// CallPolicy: when to ring, reject, carry on in clear (saying so) or hang up.

#include "sipcore/CallPolicy.h"

#include <QTest>

using namespace napkin::sip;

namespace {

IdentityVerdict verdict(IdentityVerdict::Kind kind) {
    IdentityVerdict v;
    v.kind = kind;
    v.aor = "sip:alice@a.example";
    if (kind == IdentityVerdict::Kind::Failed) {
        v.failure = IdentityFailure::BadSignature;
        v.reason = "the signature does not match the content";
    } else if (kind == IdentityVerdict::Kind::Unsigned) {
        v.reason = "a.example publishes no certificate service";
    }
    return v;
}

PolicySettings settings(bool requireE2e, bool ringOnFailed) {
    PolicySettings s;
    s.requireEndToEnd = requireE2e;
    s.ringOnFailed = ringOnFailed;
    return s;
}

using Kind = IdentityVerdict::Kind;
using In = IncomingDecision::Action;
using Out = AnswerDecision::Action;

} // namespace

class TestCallPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void incoming_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("body");
        QTest::addColumn<bool>("haveIdentity");
        QTest::addColumn<bool>("requireE2e");
        QTest::addColumn<bool>("ringOnFailed");
        QTest::addColumn<int>("action");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("e2e");
        auto row = [](const char *name, Kind k, BodyKind b, bool id, bool req, bool ring, In a,
                      int status, bool e2e) {
            QTest::newRow(name) << int(k) << int(b) << id << req << ring << int(a) << status << e2e;
        };
        row("verified rings e2e", Kind::Verified, BodyKind::Signed, true, false, false, In::Ring, 0,
            true);
        row("new device rings e2e", Kind::VerifiedNewDevice, BodyKind::Signed, true, true, false,
            In::Ring, 0, true);
        row("verified, no own cert", Kind::Verified, BodyKind::Signed, false, false, false,
            In::Ring, 0, false);
        row("verified, no own cert, strict", Kind::Verified, BodyKind::Signed, false, true, false,
            In::Reject, 480, false);
        row("failed rejected", Kind::Failed, BodyKind::Signed, true, false, false, In::Reject, 403,
            false);
        row("failed rings red", Kind::Failed, BodyKind::Signed, true, false, true, In::Ring, 0,
            false);
        row("failed, strict wins", Kind::Failed, BodyKind::Signed, true, true, true, In::Reject,
            403, false);
        // "Could not check" is not "forged": amber, never a 403, even when
        // failed calls are rejected.
        row("unverifiable rings amber", Kind::Unverifiable, BodyKind::Signed, true, false, false,
            In::Ring, 0, false);
        row("unverifiable, strict", Kind::Unverifiable, BodyKind::Signed, true, true, true,
            In::Reject, 488, false);
        row("plain phone rings", Kind::Unsigned, BodyKind::PlainSdp, true, false, false, In::Ring,
            0, false);
        row("plain phone, strict", Kind::Unsigned, BodyKind::PlainSdp, true, true, false,
            In::Reject, 488, false);
        row("no service, strict", Kind::Unsigned, BodyKind::Signed, true, true, false, In::Reject,
            488, false);
        row("odd body", Kind::Unsigned, BodyKind::Other, true, false, false, In::Reject, 415,
            false);
        row("bare encrypted body", Kind::Verified, BodyKind::Encrypted, true, false, false,
            In::Reject, 415, false);
    }

    void incoming() {
        QFETCH(int, kind);
        QFETCH(int, body);
        QFETCH(bool, haveIdentity);
        QFETCH(bool, requireE2e);
        QFETCH(bool, ringOnFailed);
        QFETCH(int, action);
        QFETCH(int, status);
        QFETCH(bool, e2e);
        const auto d = decideIncoming(verdict(Kind(kind)), BodyKind(body), haveIdentity,
                                      settings(requireE2e, ringOnFailed));
        QCOMPARE(int(d.action), action);
        QCOMPARE(d.status, status);
        QCOMPARE(d.endToEnd, e2e);
        if (!e2e) {
            QVERIFY2(!d.reason.empty(), "a call that is not end-to-end must say why");
        }
    }

    void answer_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("body");
        QTest::addColumn<bool>("signedInvite");
        QTest::addColumn<bool>("requireE2e");
        QTest::addColumn<int>("action");
        QTest::addColumn<bool>("e2e");
        auto row = [](const char *name, Kind k, BodyKind b, bool s, bool req, Out a, bool e2e) {
            QTest::newRow(name) << int(k) << int(b) << s << req << int(a) << e2e;
        };
        row("verified sealed answer", Kind::Verified, BodyKind::Signed, true, false, Out::Proceed,
            true);
        row("new device sealed answer", Kind::VerifiedNewDevice, BodyKind::Signed, true, true,
            Out::Proceed, true);
        row("plain answer", Kind::Unsigned, BodyKind::PlainSdp, true, false, Out::Proceed, false);
        row("plain answer, strict", Kind::Unsigned, BodyKind::PlainSdp, true, true, Out::HangUp,
            false);
        row("unsigned invite", Kind::Verified, BodyKind::Signed, false, false, Out::Proceed, false);
        row("failed answer", Kind::Failed, BodyKind::Signed, true, false, Out::HangUp, false);
        row("empty answer", Kind::Unsigned, BodyKind::Empty, true, false, Out::HangUp, false);
        row("no service, lenient", Kind::Unsigned, BodyKind::Signed, true, false, Out::Proceed,
            false);
        // The callee's service could not be asked: the call goes on, not
        // end-to-end, instead of a BYE right after the callee answered.
        row("unverifiable answer", Kind::Unverifiable, BodyKind::Signed, true, false, Out::Proceed,
            false);
        row("unverifiable answer, strict", Kind::Unverifiable, BodyKind::Signed, true, true,
            Out::HangUp, false);
    }

    void answer() {
        QFETCH(int, kind);
        QFETCH(int, body);
        QFETCH(bool, signedInvite);
        QFETCH(bool, requireE2e);
        QFETCH(int, action);
        QFETCH(bool, e2e);
        const auto d = decideAnswer(verdict(Kind(kind)), BodyKind(body), signedInvite,
                                    settings(requireE2e, false));
        QCOMPARE(int(d.action), action);
        QCOMPARE(d.endToEnd, e2e);
        if (!e2e) {
            QVERIFY(!d.reason.empty());
        }
    }

    // decidePlainCall: may the signed attempt's failure lead to keys in clear?
    void plainCall_data() {
        QTest::addColumn<bool>("isProtected");
        QTest::addColumn<bool>("requireE2e");
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("action");
        QTest::addColumn<QString>("reasonPart");
        using Mode = PolicySettings::PlainToProtected;
        using Act = PlainCallDecision::Action;
        auto row = [](const char *name, bool prot, bool req, Mode m, Act a, const char *part) {
            QTest::newRow(name) << prot << req << int(m) << int(a) << QString::fromUtf8(part);
        };
        row("unprotected: plain retry", false, false, Mode::Refuse, Act::CallPlain,
            "plain SDES-SRTP");
        row("unprotected, strict: refused", false, true, Mode::Allow, Act::Refuse,
            "end-to-end security is required");
        row("protected: refused", true, false, Mode::Refuse, Act::Refuse,
            "Someone on the path may be interfering");
        row("protected: asked", true, false, Mode::Ask, Act::Ask, "Call without protection?");
        row("protected, allowed: plain", true, false, Mode::Allow, Act::CallPlain,
            "as this device allows");
        row("protected, strict: never asked", true, true, Mode::Ask, Act::Refuse,
            "end-to-end security is required");
        row("protected, strict: never allowed", true, true, Mode::Allow, Act::Refuse,
            "end-to-end security is required");
    }

    void plainCall() {
        QFETCH(bool, isProtected);
        QFETCH(bool, requireE2e);
        QFETCH(int, mode);
        QFETCH(int, action);
        QFETCH(QString, reasonPart);
        PolicySettings s;
        s.requireEndToEnd = requireE2e;
        s.plainToProtected = static_cast<PolicySettings::PlainToProtected>(mode);
        const PeerProtection protection{
            isProtected, isProtected ? "b.example publishes certificates for bob" : ""};
        const auto d =
            decidePlainCall("bob@b.example", "the callee refused the signed INVITE", protection, s);
        QCOMPARE(int(d.action), action);
        QCOMPARE(d.downgrade, isProtected);
        QVERIFY2(QString::fromStdString(d.reason).contains(reasonPart), d.reason.c_str());
    }

    void peerReasonNamesNothingLocal_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("failure");
        QTest::addColumn<bool>("requireE2e");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("peerReason");
        auto row = [](const char *name, Kind k, IdentityFailure f, bool req, int status,
                      const char *peer) {
            QTest::newRow(name) << int(k) << int(f) << req << status << QString::fromUtf8(peer);
        };
        row("service unreachable", Kind::Failed, IdentityFailure::CertificatesUnavailable, false,
            403,
            "the callee could not check the caller's identity: the caller's certificate service "
            "could not be reached");
        row("unverifiable, strict", Kind::Unverifiable, IdentityFailure::CertificatesUnavailable,
            true, 488,
            "this device only accepts end-to-end secured calls, and the caller's identity could "
            "not be checked");
        row("bad signature", Kind::Failed, IdentityFailure::BadSignature, false, 403,
            "the caller's identity check failed: the content does not match its signature");
        row("signer not listed", Kind::Failed, IdentityFailure::SignerNotListed, false, 403,
            "the caller's identity check failed: the signer is not a device the caller's "
            "domain publishes");
        row("internal", Kind::Failed, IdentityFailure::Internal, false, 403,
            "the caller's identity check failed");
        row("unsigned, strict", Kind::Unsigned, IdentityFailure::None, true, 488,
            "this device only accepts end-to-end secured calls, and the caller's identity is "
            "not signed");
        // Negative: a call that rings tells the caller nothing.
        row("unsigned, lenient rings", Kind::Unsigned, IdentityFailure::None, false, 0, "");
    }

    void peerReasonNamesNothingLocal() {
        QFETCH(int, kind);
        QFETCH(int, failure);
        QFETCH(bool, requireE2e);
        QFETCH(int, status);
        QFETCH(QString, peerReason);
        IdentityVerdict v;
        v.kind = Kind(kind);
        v.failure = IdentityFailure(failure);
        v.aor = "sip:alice@a.example";
        // What this device saw on its own network: it must stay here.
        v.reason = "a.example's certificate service certs.a.example:8443 (10.0.0.5) refused the "
                   "connection; the DNS server 192.168.1.1 said so";
        const auto d = decideIncoming(v, BodyKind::Signed, true, settings(requireE2e, false));
        QCOMPARE(d.status, status);
        QCOMPARE(QString::fromStdString(d.peerReason), peerReason);
        if (status != 0) {
            QVERIFY2(d.reason.find("10.0.0.5") != std::string::npos,
                     "the local reason keeps the details");
        }
    }

    void unverifiableFollowsItsOwnSetting() {
        PolicySettings refuse;
        refuse.ringOnUnverifiable = false;
        auto v = verdict(Kind::Unverifiable);
        v.failure = IdentityFailure::CertificatesUnavailable;
        v.reason = "the signature could not be checked: certs.a.example (10.0.0.5) timed out";
        const auto d = decideIncoming(v, BodyKind::Signed, true, refuse);
        QCOMPARE(int(d.action), int(In::Reject));
        QCOMPARE(d.status, 480);
        QVERIFY2(d.peerReason.find("10.0.0.5") == std::string::npos, d.peerReason.c_str());
        QVERIFY2(d.reason.find("10.0.0.5") != std::string::npos, d.reason.c_str());
        // The default rings, amber, saying why in words.
        const auto r = decideIncoming(v, BodyKind::Signed, true, {});
        QCOMPARE(int(r.action), int(In::Ring));
        QVERIFY(!r.endToEnd);
        QVERIFY2(r.reason.find("could not be checked") != std::string::npos, r.reason.c_str());
        // ringOnFailed does not change it, and it does not change ringOnFailed.
        PolicySettings ringFailed = refuse;
        ringFailed.ringOnFailed = true;
        QCOMPARE(decideIncoming(v, BodyKind::Signed, true, ringFailed).status, 480);
        QCOMPARE(decideIncoming(verdict(Kind::Failed), BodyKind::Signed, true, {}).status, 403);
    }

    void failedReasonIsCarried() {
        const auto d = decideIncoming(verdict(Kind::Failed), BodyKind::Signed, true, {});
        QVERIFY(d.reason.find("does not match") != std::string::npos);
        const auto a =
            decideAnswer(verdict(Kind::Unsigned), BodyKind::PlainSdp, true, settings(true, false));
        QVERIFY(a.reason.find("a.example publishes no certificate service") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestCallPolicy)
#include "test_call_policy.moc"
