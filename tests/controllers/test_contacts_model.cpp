// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// ContactsModel: address checks, persistence, corrupt and hostile files.

#include "app/controllers/ContactsModel.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

/// The words of a failed add(), empty when it succeeded.
QString errorOf(const napkin::Result<void, QString> &result) {
    return result ? QString() : result.error();
}

} // namespace

using napkin::app::ContactsModel;

class TestContactsModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void normalisesAddresses_data();
    void normalisesAddresses();
    void addValidatesAndPersists();
    void refusesDuplicatesAndLongNames();
    void removeSaves();
    void corruptFileIsMovedAside_data();
    void corruptFileIsMovedAside();

private:
    [[nodiscard]] QString path() const { return m_dir->filePath(QStringLiteral("contacts.json")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestContactsModel::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestContactsModel::normalisesAddresses_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected"); // empty: refused
    QTest::newRow("bare") << "bob@b.example"
                          << "sip:bob@b.example";
    QTest::newRow("sip") << "sip:bob@b.example"
                         << "sip:bob@b.example";
    QTest::newRow("spaces and case") << "  bob@B.Example. "
                                     << "sip:bob@b.example";
    QTest::newRow("empty") << ""
                           << "";
    QTest::newRow("no user") << "@b.example"
                             << "";
    QTest::newRow("no host") << "bob@"
                             << "";
    QTest::newRow("port") << "bob@b.example:5060"
                          << "";
    QTest::newRow("just words") << "call bob"
                                << "";
    QTest::newRow("huge") << QString(600, QLatin1Char('a')) + QStringLiteral("@b.example") << "";
}

void TestContactsModel::normalisesAddresses() {
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QString error;
    QCOMPARE(ContactsModel::normaliseAddress(input, &error), expected);
    QCOMPARE(error.isEmpty(), !expected.isEmpty());
}

void TestContactsModel::addValidatesAndPersists() {
    {
        ContactsModel model(path());
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QCOMPARE(errorOf(model.add(QStringLiteral("Bob"), QStringLiteral("bob@b.example"))),
                 QString());
        QCOMPARE(errorOf(model.add(QStringLiteral(""), QStringLiteral("sip:carol@c.example"))),
                 QString());
        const QString refused =
            errorOf(model.add(QStringLiteral("Eve"), QStringLiteral("not an address")));
        QVERIFY2(refused.contains(QStringLiteral("not an address such as")), qPrintable(refused));
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(model.index(0).data(ContactsModel::NameRole).toString(), QStringLiteral("Bob"));
        QCOMPARE(model.index(0).data(ContactsModel::AddressRole).toString(),
                 QStringLiteral("sip:bob@b.example"));
        // No name given: the address stands for it.
        QCOMPARE(model.index(1).data(ContactsModel::NameRole).toString(),
                 QStringLiteral("carol@c.example"));
    }
    ContactsModel again(path());
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.count(), 2);
    QCOMPARE(again.contacts().at(0).address, QStringLiteral("sip:bob@b.example"));
}

void TestContactsModel::refusesDuplicatesAndLongNames() {
    ContactsModel model(path());
    QCOMPARE(errorOf(model.add(QStringLiteral("Bob"), QStringLiteral("bob@b.example"))), QString());
    const QString duplicate =
        errorOf(model.add(QStringLiteral("Bobby"), QStringLiteral("sip:bob@b.example")));
    QVERIFY2(duplicate.contains(QStringLiteral("already in your contacts")), qPrintable(duplicate));
    const QString longName =
        errorOf(model.add(QString(300, QLatin1Char('x')), QStringLiteral("x@b.example")));
    QVERIFY2(longName.contains(QStringLiteral("too long")), qPrintable(longName));
    QCOMPARE(model.count(), 1);
}

void TestContactsModel::removeSaves() {
    ContactsModel model(path());
    QCOMPARE(errorOf(model.add(QStringLiteral("Bob"), QStringLiteral("bob@b.example"))), QString());
    QCOMPARE(errorOf(model.add(QStringLiteral("Carol"), QStringLiteral("carol@c.example"))),
             QString());
    model.remove(7); // out of range: ignored
    model.remove(-1);
    model.remove(0);
    ContactsModel again(path());
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.count(), 1);
    QCOMPARE(again.contacts().at(0).name, QStringLiteral("Carol"));
}

void TestContactsModel::corruptFileIsMovedAside_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("why");
    QTest::newRow("truncated") << QByteArray(R"({"version":1,"contacts":[{"name":"Bo)")
                               << "not valid JSON";
    QTest::newRow("history file") << QByteArray(R"({"version":1,"calls":[]})")
                                  << "not a Napkin address book";
    QTest::newRow("bad address")
        << QByteArray(R"({"version":1,"contacts":[{"name":"Bob","address":"b@b.example"},)"
                      R"({"name":"Eve","address":"<script>"}]})")
        << "contact 2 has no usable name and address";
    QTest::newRow("number as contact")
        << QByteArray(R"({"version":1,"contacts":[3]})") << "contact 1";
    QTest::newRow("deeply nested") << QByteArray(100000, '[') << "not valid JSON";
}

void TestContactsModel::corruptFileIsMovedAside() {
    QFETCH(QByteArray, content);
    QFETCH(QString, why);
    {
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    ContactsModel model(path());
    QSignalSpy warnings(&model, &ContactsModel::warning);
    const QString warning = model.load();
    QVERIFY2(warning.contains(why), qPrintable(warning));
    QCOMPARE(warnings.count(), 1);
    QCOMPARE(model.count(), 0);
    QFile bad(path() + QStringLiteral(".bad"));
    QVERIFY(bad.open(QIODevice::ReadOnly));
    QCOMPARE(bad.readAll(), content);
}

QTEST_GUILESS_MAIN(TestContactsModel)
#include "test_contacts_model.moc"
