// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-certd's Digest failure throttling and audit trail against the real
// binary over TLS (review M5, L1, L11): repeated wrong passwords meet a
// growing lock and then 429 with Retry-After, the real user still gets in
// from another address, unknown users look like wrong passwords, and every
// enrolment, replacement, revocation and failed authentication leaves one
// audit line in certd's log. Each scenario uses its own client address
// (127.77.x.y), as the throttle counts per address.

#include "tests/certd_it/CertdTestBed.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace napkin::testing;

namespace {

const QString kBob = QStringLiteral("bob@b.example");
const QString kBobPassword = QStringLiteral("bob pw 1");
const QString kCarol = QStringLiteral("carol@b.example");
const QString kCarolPassword = QStringLiteral("carol pw 2");

QString userOf(const QString &address) {
    return address.section(QLatin1Char('@'), 0, 0);
}

} // namespace

class TestCertdAuthAudit : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed;
    std::unique_ptr<CertdInstance> m_certd;

    HttpsClient clientFrom(const QString &source) const {
        HttpsClient c = m_certd->client();
        c.setSourceAddress(QHostAddress(source));
        return c;
    }

    /// One request with a fresh Digest exchange, from `source`.
    TestResult<HttpResponse> asUser(const QString &source, const QString &user,
                                    const QString &password, const HttpRequest &request,
                                    DigestAlgorithm algorithm = DigestAlgorithm::Sha256) {
        HttpsClient c = clientFrom(source);
        DigestSession session(c, {user, password}, algorithm);
        return session.request(request);
    }

    /// Waits until certd's log has a line matching `pattern`.
    bool logHas(const QString &pattern) {
        const QRegularExpression re(pattern, QRegularExpression::MultilineOption);
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 3000) {
            if (re.match(m_certd->process().stderrText()).hasMatch()) {
                return true;
            }
            QTest::qWait(50);
        }
        return false;
    }

    /// Enrols `cert` for Bob from `from`, expecting `status`.
    void enrolBob(const QString &from, const IssuedCert &cert, int status) {
        auto r = asUser(from, userOf(kBob), kBobPassword, enrolRequest(kBob, cert.der));
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, status);
    }

    /// An audit line for Bob from `from` about `fingerprint`, then `rest`
    /// (a regular expression).
    bool bobAudited(const QString &event, const QString &from, const QString &fingerprint,
                    const QString &rest) {
        return logHas(QStringLiteral("^napkin-certd: audit event=%1 user=bob@b\\.example "
                                     "ip=%2 fingerprint=%3%4")
                          .arg(event, QRegularExpression::escape(from),
                               QRegularExpression::escape(fingerprint), rest));
    }

private Q_SLOTS:
    void initTestCase() {
        auto bed = CertdTestBed::create({QStringLiteral("b.example")});
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        m_certd = m_bed->instance(QStringLiteral("certd"), m_bed->config());
        for (const auto &[who, pw] : {std::pair{kBob, kBobPassword}, {kCarol, kCarolPassword}}) {
            auto added = m_certd->addUser(who, pw);
            NAPKIN_VERIFY_OK(added);
            QVERIFY2(added->succeeded(), qPrintable(added->describe()));
        }
        NAPKIN_VERIFY_OK(m_certd->start());
    }

    // Review L1: the same status, body and challenges for an unknown user, a
    // wrong password, and SHA-256 for a user who has no SHA-256 secret (the
    // "user@domain" form never has one).
    void unknownUserLooksLikeWrongPassword() {
        const QString from = QStringLiteral("127.77.0.1");
        const HttpRequest put = enrolRequest(kBob, makeDevice(kBob).der);
        QList<HttpResponse> answers;
        for (const auto &[user, password, alg] :
             {std::tuple{userOf(kBob), QStringLiteral("wrong"), DigestAlgorithm::Sha256},
              std::tuple{QStringLiteral("nobody"), QStringLiteral("wrong"),
                         DigestAlgorithm::Sha256},
              std::tuple{kBob, kBobPassword, DigestAlgorithm::Sha256},
              std::tuple{userOf(kBob), QStringLiteral("wrong"), DigestAlgorithm::Md5},
              std::tuple{QStringLiteral("nobody"), QStringLiteral("wrong"),
                         DigestAlgorithm::Md5}}) {
            auto r = asUser(from, user, password, put, alg);
            NAPKIN_VERIFY_OK(r);
            answers.append(*r);
        }
        for (const HttpResponse &r : answers) {
            QCOMPARE(r.status, 401);
            QCOMPARE(r.body, answers.first().body);
            QCOMPARE(r.headers.size(), answers.first().headers.size());
            auto challenges = DigestChallenge::fromResponse(r);
            NAPKIN_VERIFY_OK(challenges);
            QCOMPARE(challenges->size(), 2);
            QVERIFY(!challenges->first().stale);
        }
        QVERIFY(logHas(QStringLiteral("^napkin-certd: audit event=auth-failed "
                                      "user=nobody@b\\.example ip=127\\.77\\.0\\.1 ")));
    }

    // Review M5: wrong passwords for Carol from one address. The first four
    // fail plainly; from the fifth on each failure locks Carol and the
    // address for 1, 2, 4, ... s, and an attempt inside the lock gets 429
    // with Retry-After, its password not even checked. The real Carol, from
    // an address without failures, still enrols; the attacker's address
    // stays locked even with the right password.
    void repeatedWrongPasswordsAreThrottled() {
        const QString attacker = QStringLiteral("127.77.1.1");
        const HttpRequest put = enrolRequest(kCarol, makeDevice(kCarol).der);
        QList<int> statuses;
        QList<int> retryAfter;
        QElapsedTimer all;
        all.start();
        for (int i = 0; i < 14 && retryAfter.size() < 3; ++i) {
            auto r = asUser(attacker, userOf(kCarol), QStringLiteral("guess %1").arg(i), put);
            NAPKIN_VERIFY_OK(r);
            statuses.append(r->status);
            if (r->status == 429) {
                QCOMPARE(r->problemSlug(), QStringLiteral("too-many-attempts"));
                bool ok = false;
                const int wait = r->header("Retry-After").toInt(&ok);
                QVERIFY2(ok && wait >= 1, r->header("Retry-After").constData());
                retryAfter.append(wait);
                if (retryAfter.size() < 3) {
                    QTest::qSleep(wait * 1000 + 100);
                }
            } else {
                QCOMPARE(r->status, 401);
            }
        }
        qInfo() << "statuses" << statuses << "Retry-After" << retryAfter << "in" << all.elapsed()
                << "ms";
        QCOMPARE(statuses.mid(0, 4), QList<int>({401, 401, 401, 401}));
        QVERIFY2(retryAfter.size() >= 2, "fewer than two 429 answers");
        QVERIFY2(retryAfter.last() > retryAfter.first(), "the lock does not grow");

        // The real Carol from elsewhere.
        auto real = asUser(QStringLiteral("127.77.2.1"), userOf(kCarol), kCarolPassword, put);
        NAPKIN_VERIFY_OK(real);
        QCOMPARE(real->status, 201);
        // The attacker's address is still locked, whatever it sends.
        auto locked =
            asUser(attacker, userOf(kBob), kBobPassword, enrolRequest(kBob, makeDevice(kBob).der));
        NAPKIN_VERIFY_OK(locked);
        QCOMPARE(locked->status, 429);
        QVERIFY(!locked->header("Retry-After").isEmpty());

        QVERIFY(logHas(QStringLiteral("^napkin-certd: audit event=auth-failed "
                                      "user=carol@b\\.example ip=127\\.77\\.1\\.1 "
                                      "reason=wrong-password method=PUT lock=0$")));
        QVERIFY(logHas(QStringLiteral("^napkin-certd: audit event=auth-throttled "
                                      "user=carol@b\\.example ip=127\\.77\\.1\\.1 "
                                      "retry-after=\\d+$")));
    }

    // Review L11: enrolment, replacement (same instance URN, vouched for by the
    // old key), an instance URN conflict (review M2), revocation by
    // DELETE and by the devices page each leave one line naming the user,
    // the address and the fingerprint.
    void securityEventsAreAudited() {
        const QString from = QStringLiteral("127.77.3.1");
        const QString urn = CertBuilder::randomInstanceUrn();
        const IssuedCert first = makeDevice(kBob, urn);
        const IssuedCert second = renewDevice(first);
        const IssuedCert intruder = makeDevice(kBob, urn); // the URN without the key's proof
        const IssuedCert third = makeDevice(kBob);

        enrolBob(from, first, 201);
        QVERIFY(bobAudited(QStringLiteral("enrol"), from, first.fingerprint(),
                           QStringLiteral(" instance=\\S+$")));
        enrolBob(from, second, 200);
        QVERIFY(bobAudited(QStringLiteral("replace"), from, second.fingerprint(),
                           QStringLiteral(" instance=\\S+$")));
        // Review M2: added beside, never replacing, and audited as a conflict.
        enrolBob(from, intruder, 201);
        QVERIFY(bobAudited(QStringLiteral("enrol"), from, intruder.fingerprint(),
                           QStringLiteral(" instance=\\S+$")));
        QVERIFY(
            logHas(QStringLiteral("^napkin-certd: audit event=urn-conflict user=bob@b\\.example "
                                  "ip=%1 instance=%2 old=%3 new=%4$")
                       .arg(QRegularExpression::escape(from), QRegularExpression::escape(urn),
                            QRegularExpression::escape(second.fingerprint()),
                            QRegularExpression::escape(intruder.fingerprint()))));

        HttpRequest del;
        del.method = "DELETE";
        del.target = searchTarget(kBob) + "&fingerprint=" + percentEncode(second.fingerprint());
        auto deleted = asUser(from, userOf(kBob), kBobPassword, del);
        NAPKIN_VERIFY_OK(deleted);
        QCOMPARE(deleted->status, 200);
        QVERIFY(bobAudited(QStringLiteral("revoke"), from, second.fingerprint(),
                           QStringLiteral(" via=delete$")));

        // The devices page: its form, posted with the page's token.
        enrolBob(from, third, 201);
        HttpsClient c = clientFrom(from);
        DigestSession bob(c, {userOf(kBob), kBobPassword});
        HttpRequest page;
        page.target = "/devices";
        auto listed = bob.request(page);
        NAPKIN_VERIFY_OK(listed);
        QCOMPARE(listed->status, 200);
        const auto match = QRegularExpression(QStringLiteral("name=\"csrf\" value=\"([^\"]+)\""))
                               .match(QString::fromUtf8(listed->body));
        QVERIFY(match.hasMatch());
        HttpRequest post;
        post.method = "POST";
        post.target = "/devices/revoke";
        post.body = "fingerprint=" + percentEncode(third.fingerprint()) +
                    "&csrf=" + match.captured(1).toLatin1();
        post.header("Content-Type", "application/x-www-form-urlencoded");
        post.header("Origin", "https://" + c.hostHeader());
        auto revoked = bob.request(post);
        NAPKIN_VERIFY_OK(revoked);
        QCOMPARE(revoked->status, 303);
        QVERIFY(bobAudited(QStringLiteral("revoke"), from, third.fingerprint(),
                           QStringLiteral(" via=devices-page$")));
    }

    void noSecretsInTheLog() {
        const QString log = m_certd->process().stderrText();
        for (const QString &secret : {kBobPassword, kCarolPassword}) {
            QVERIFY2(!log.contains(secret), "a password appears in the log");
        }
        QVERIFY(!log.contains(QStringLiteral("nonce=")));
        QVERIFY(!log.contains(QStringLiteral("response=")));
        QVERIFY(!log.contains(QStringLiteral("ha1")));
    }

    void cleanupTestCase() {
        if (m_certd) {
            const ProcessExit e = m_certd->stop();
            QVERIFY2(e.normal && e.code == 0, qPrintable(m_certd->process().logTail()));
        }
    }
};

QTEST_GUILESS_MAIN(TestCertdAuthAudit)
#include "test_certd_auth_audit.moc"
