// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// DigestRealm: which 401/407 challenge this account answers with its password.

#include "sipcore/DigestRealm.h"

#include <QTest>

using namespace napkin::sip;

namespace {

std::vector<std::string> list(const QString &text) {
    std::vector<std::string> out;
    for (const QString &item : text.split(QLatin1Char('|'), Qt::SkipEmptyParts)) {
        out.push_back(item.toStdString());
    }
    return out;
}

} // namespace

class TestDigestRealm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chooses_data() {
        QTest::addColumn<QString>("offered"); ///< realms, '|'-separated
        QTest::addColumn<QString>("extras");
        QTest::addColumn<int>("chosen"); ///< -1: refused
        QTest::addColumn<int>("refusal");
        const int none = -1;
        const int foreign = int(RealmRefusal::Kind::ForeignRealm);
        const int noDigest = int(RealmRefusal::Kind::NoDigest);
        QTest::newRow("own domain") << "a.example"
                                    << "" << 0 << 0;
        QTest::newRow("own domain, other case") << "A.Example"
                                                << "" << 0 << 0;
        QTest::newRow("foreign realm") << "evil.example"
                                       << "" << none << foreign;
        QTest::newRow("own after foreign") << "evil.example|a.example"
                                           << "" << 1 << 0;
        QTest::newRow("extra realm") << "sip.a.example"
                                     << "sip.a.example|b" << 0 << 0;
        QTest::newRow("extra, other case") << "B"
                                           << "sip.a.example|b" << 0 << 0;
        QTest::newRow("not an extra") << "c"
                                      << "sip.a.example|b" << none << foreign;
        QTest::newRow("subdomain is not the domain") << "x.a.example"
                                                     << "" << none << foreign;
        QTest::newRow("suffix is not the domain") << "evila.example"
                                                  << "" << none << foreign;
        QTest::newRow("no challenge") << ""
                                      << "b" << none << noDigest;
    }

    void chooses() {
        QFETCH(QString, offered);
        QFETCH(QString, extras);
        QFETCH(int, chosen);
        QFETCH(int, refusal);
        const AccountRealms account{"a.example", list(extras)};
        auto r = chooseDigestRealm(list(offered), account, "b.example's proxy");
        if (chosen >= 0) {
            QVERIFY(r.ok());
            QCOMPARE(int(*r), chosen);
            return;
        }
        QVERIFY(!r.ok());
        QCOMPARE(int(r.error().kind), refusal);
        QVERIFY2(r.error().reason.rfind("b.example's proxy asked", 0) == 0,
                 r.error().reason.c_str());
    }

    void refusalSaysWhoAskedForWhat() {
        auto r = chooseDigestRealm({"evil.example"}, AccountRealms{"a.example", {}},
                                   "b.example's proxy");
        QVERIFY(!r.ok());
        QCOMPARE(QString::fromStdString(r.error().reason),
                 QStringLiteral("b.example's proxy asked for this account's password for realm "
                                "'evil.example'; Napkin only answers its own realm(s) "
                                "('a.example'; more can be listed in [account] extra_realms)"));
    }

    void unquotes() {
        QCOMPARE(unquoteRealm("\"a.example\""), std::string("a.example"));
        QCOMPARE(unquoteRealm("\"a\\\"b\""), std::string("a\"b"));
        QCOMPARE(unquoteRealm("bare"), std::string("bare"));
    }
};

QTEST_GUILESS_MAIN(TestDigestRealm)
#include "test_digest_realm.moc"
