// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Registration refresh, seen from the registrar. bob registers with
// registration_expiry = 30 (the lowest SipProfile accepts, and Kamailio's
// min_expires in deploy/kamailio/kamailio.cfg). The world's Kamailios run
// with TRACE_MESSAGES, so the b.example registrar's own record shows every
// REGISTER and its 200 OK: the binding is refreshed before each expiry, and
// a call placed after more than two expiry periods still reaches bob. When
// bob exits cleanly it unregisters (Expires 0, accepted), after which the
// registrar no longer knows him: a call gets 480. (The deploy config keeps
// usrloc bindings in memory, db_mode 0, so there is no location table in
// the database to look at; the registrar's answers are the proof.)

#include "tests/support/WorldRun.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace napkin::testing;

namespace {

constexpr int kExpiry = 30;

/// The expiry a 200 OK to REGISTER grants to `contactHostPort` (-1: not listed).
int grantedExpiry(const TracedMessage &m, const QString &contactHostPort) {
    const QByteArray head = m.bytes.left(m.bytes.indexOf("\r\n\r\n"));
    for (const QByteArray &line : head.split('\n')) {
        const QByteArray l = line.trimmed();
        if (!l.toLower().startsWith("contact:") || !l.contains(contactHostPort.toLatin1())) {
            continue;
        }
        static const QRegularExpression re(QStringLiteral(";expires=([0-9]+)"));
        const auto match = re.match(QString::fromLatin1(l));
        return match.hasMatch() ? match.captured(1).toInt() : -1;
    }
    return -1;
}

} // namespace

class TestReregistration : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refreshesBeforeExpiryAndUnregistersOnExit();

private:
    /// The b.example registrar's 200 OKs that keep bob's binding alive.
    [[nodiscard]] int refreshesGranted(const QString &contact) const;

    std::unique_ptr<WorldRun> m_world;
};

void TestReregistration::initTestCase() {
    auto world = WorldRun::up(QStringLiteral("TRACE_MESSAGES"));
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
}

void TestReregistration::cleanupTestCase() {
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

int TestReregistration::refreshesGranted(const QString &contact) const {
    int n = 0;
    for (const TracedMessage &m : m_world->trace()) {
        if (m.proxy == QStringLiteral("kamailio-b") && m.direction == QStringLiteral("snd") &&
            m.status() == 200 && m.cseqMethod() == "REGISTER" && grantedExpiry(m, contact) > 0) {
            ++n;
        }
    }
    return n;
}

void TestReregistration::refreshesBeforeExpiryAndUnregistersOnExit() {
    auto ini = m_world->profile(QStringLiteral("bob"), QStringLiteral("bob-short"),
                                QStringLiteral("registration_expiry = %1\n").arg(kExpiry));
    NAPKIN_VERIFY_OK(ini);
    auto answerer = m_world->registeredAnswerer(QStringLiteral("bob-short"), *ini);
    NAPKIN_VERIFY_OK(answerer);
    const auto &bob = answerer->agent;
    const QJsonObject &registered = answerer->registered;
    QElapsedTimer sinceRegistered;
    sinceRegistered.start();
    static const QRegularExpression hostPort(QStringLiteral("@([0-9.]+:[0-9]+)"));
    const auto hp = hostPort.match(registered.value(QStringLiteral("contact")).toString());
    QVERIFY(hp.hasMatch());
    const QString contact = hp.captured(1);

    // Watch the registrar grant the binding again and again, each time
    // before the previous grant ran out.
    QList<qint64> grants;
    int seen = 0;
    while (sinceRegistered.elapsed() < (2 * kExpiry + 10) * 1000) {
        const int now = refreshesGranted(contact);
        for (; seen < now; ++seen) {
            grants << sinceRegistered.elapsed();
        }
        QVERIFY2(bob->process().isRunning(), qPrintable(bob->process().logTail(40)));
        QTest::qWait(500);
    }
    QVERIFY2(grants.size() >= 3, qPrintable(QStringLiteral("only %1 grant(s) in %2 s")
                                                .arg(grants.size())
                                                .arg(sinceRegistered.elapsed() / 1000)));
    for (qsizetype i = 1; i < grants.size(); ++i) {
        QVERIFY2(grants[i] - grants[i - 1] < kExpiry * 1000,
                 qPrintable(QStringLiteral("a refresh came %1 ms after the previous grant")
                                .arg(grants[i] - grants[i - 1])));
    }
    QVERIFY(!bob->find(QStringLiteral("error"),
                       {{QStringLiteral("where"), QStringLiteral("registration")}}));

    // More than two expiry periods on, bob is still reachable.
    NAPKIN_VERIFY_OK(
        m_world->shortEndToEndCall(QStringLiteral("alice"), QStringLiteral("sip:bob@b.example")));

    // A clean exit takes the binding away.
    const ProcessExit exit = bob->process().stop();
    QVERIFY(exit.normal);
    QCOMPARE(exit.code, 0);
    QVERIFY(bob->find(QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("unregistered")}}));
    bool removal = false;
    bool removed = false;
    for (const TracedMessage &m : m_world->trace()) {
        if (m.proxy != QStringLiteral("kamailio-b")) {
            continue;
        }
        if (m.direction == QStringLiteral("rcv") && m.method() == "REGISTER" &&
            m.bytes.contains(contact.toLatin1()) &&
            (m.header("Expires") == "0" || m.bytes.contains(";expires=0"))) {
            removal = true;
        }
        if (removal && m.direction == QStringLiteral("snd") && m.status() == 200 &&
            m.cseqMethod() == "REGISTER" && grantedExpiry(m, contact) < 0) {
            removed = true; // the 200 OK no longer lists bob's contact
        }
    }
    QVERIFY2(removal, "no REGISTER with expiry 0 reached the registrar");
    QVERIFY2(removed, "the registrar did not confirm the removal");

    auto again =
        m_world->caller(QStringLiteral("alice-again"), QStringLiteral("alice"),
                        QStringLiteral("sip:bob@b.example"), {QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(again->start());
    NAPKIN_WAIT_EVENT(nobody, *again, QStringLiteral("ended"), {}, 60000);
    QCOMPARE(nobody.value(QStringLiteral("status")).toInt(), 480);
    QCOMPARE(nobody.value(QStringLiteral("code")).toString(), QStringLiteral("unreachable"));
    again->process().stop();
}

QTEST_GUILESS_MAIN(TestReregistration)
#include "test_reregistration.moc"
