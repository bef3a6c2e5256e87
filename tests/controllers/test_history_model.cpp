// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// HistoryModel: rows and roles, persistence across instances, and files that
// are corrupt, hostile or of another kind (moved aside, never crashed on).

#include "app/controllers/HistoryModel.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using napkin::app::CallController;
using napkin::app::HistoryEntry;
using napkin::app::HistoryModel;

class TestHistoryModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void addsNewestFirstWithRoles();
    void persistsAcrossInstances();
    void missingFileIsEmptyWithoutWarning();
    void corruptFileIsMovedAside_data();
    void corruptFileIsMovedAside();
    void secondBadFileDoesNotOverwriteFirst();
    void oversizedFileIsRefusedUnread();
    void entryOfEndedCall();

private:
    [[nodiscard]] QString path() const { return m_dir->filePath(QStringLiteral("history.json")); }
    void write(const QByteArray &bytes) const;
    static HistoryEntry entry(const QString &peer, const QString &outcome);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestHistoryModel::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestHistoryModel::write(const QByteArray &bytes) const {
    QFile f(path());
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

HistoryEntry TestHistoryModel::entry(const QString &peer, const QString &outcome) {
    HistoryEntry e;
    e.peer = peer;
    e.direction = CallController::Direction::Incoming;
    e.started = QDateTime(QDate(2026, 11, 20), QTime(14, 2, 3, 250), Qt::UTC);
    e.durationSeconds = 42;
    e.verdict = CallController::Verdict::Verified;
    e.endToEnd = true;
    e.outcome = outcome;
    return e;
}

void TestHistoryModel::addsNewestFirstWithRoles() {
    HistoryModel model(path());
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.add(entry(QStringLiteral("sip:bob@b.example"), QStringLiteral("answered")));
    auto second = entry(QStringLiteral("sip:carol@c.example"), QStringLiteral("missed"));
    second.verdict = CallController::Verdict::Unverified;
    second.endToEnd = false;
    model.add(second);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex top = model.index(0);
    QCOMPARE(top.data(HistoryModel::PeerRole).toString(), QStringLiteral("sip:carol@c.example"));
    QCOMPARE(top.data(HistoryModel::OutcomeRole).toString(), QStringLiteral("missed"));
    QCOMPARE(top.data(HistoryModel::VerdictRole).toInt(),
             static_cast<int>(CallController::Verdict::Unverified));
    QCOMPARE(top.data(HistoryModel::EndToEndRole).toBool(), false);
    QCOMPARE(top.data(HistoryModel::VerdictTitleRole).toString(), QStringLiteral("Unverified"));
    const QModelIndex bottom = model.index(1);
    QCOMPARE(bottom.data(HistoryModel::DurationRole).toInt(), 42);
    QCOMPARE(bottom.data(HistoryModel::DirectionRole).toInt(),
             static_cast<int>(CallController::Direction::Incoming));
    QCOMPARE(bottom.data(HistoryModel::StartedRole).toDateTime(),
             QDateTime(QDate(2026, 11, 20), QTime(14, 2, 3, 250), Qt::UTC));
    QVERIFY(!model.index(5).data(HistoryModel::PeerRole).isValid());
    QVERIFY(model.roleNames().contains(HistoryModel::OutcomeRole));
}

void TestHistoryModel::persistsAcrossInstances() {
    {
        HistoryModel model(path());
        model.add(entry(QStringLiteral("sip:bob@b.example"), QStringLiteral("answered")));
        model.add(entry(QStringLiteral("sip:dave@d.example"), QStringLiteral("rejected")));
        QVERIFY(model.lastError().isEmpty());
    }
    HistoryModel again(path());
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.count(), 2);
    QCOMPARE(again.entries().front().peer, QStringLiteral("sip:dave@d.example"));
    QCOMPARE(again.entries().back().started, entry({}, {}).started);
    QCOMPARE(again.entries().back().verdict, CallController::Verdict::Verified);
    // The file is private to the user.
    QCOMPARE(QFile(path()).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
             QFileDevice::Permissions());
}

void TestHistoryModel::missingFileIsEmptyWithoutWarning() {
    HistoryModel model(path());
    QSignalSpy warnings(&model, &HistoryModel::warning);
    QCOMPARE(model.load(), QString());
    QCOMPARE(model.count(), 0);
    QCOMPARE(warnings.count(), 0);
}

void TestHistoryModel::corruptFileIsMovedAside_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("why");
    const QByteArray good =
        R"({"peer":"sip:bob@b.example","direction":"incoming","started":"2026-11-20T14:02:03Z",)"
        R"("duration":5,"verdict":"verified","e2e":true,"outcome":"answered"})";
    auto wrap = [](const QByteArray &entry) {
        return QByteArray(R"({"version":1,"calls":[)") + entry + "]}";
    };
    QTest::newRow("not json") << QByteArray("{\"version\":1, \"calls\": [") << "not valid JSON";
    QTest::newRow("binary") << QByteArray("\x00\xff\xfe garbage", 12) << "not valid JSON";
    QTest::newRow("array at top") << QByteArray("[1,2,3]") << "not a Napkin call history";
    QTest::newRow("wrong version")
        << QByteArray(R"({"version":7,"calls":[]})") << "not a Napkin call history";
    QTest::newRow("calls not array")
        << QByteArray(R"({"version":1,"calls":{}})") << "not a Napkin call history";
    QTest::newRow("entry not object") << wrap("42") << "entry 1 is not an object";
    QTest::newRow("bad direction")
        << wrap(QByteArray(good).replace("incoming", "sideways")) << "entry 1 has no direction";
    QTest::newRow("bad date") << wrap(QByteArray(good).replace("2026-11-20T14:02:03Z", "yesterday"))
                              << "entry 1 has no valid start time";
    QTest::newRow("negative duration")
        << wrap(QByteArray(good).replace("\"duration\":5", "\"duration\":-5"))
        << "entry 1 has no valid duration";
    QTest::newRow("huge duration")
        << wrap(QByteArray(good).replace("\"duration\":5", "\"duration\":1e300"))
        << "entry 1 has no valid duration";
    QTest::newRow("unknown verdict")
        << wrap(QByteArray(good).replace("\"verified\"", "\"trust-me\"")) << "unknown verdict";
    QTest::newRow("e2e as string")
        << wrap(QByteArray(good).replace("true", "\"yes\"")) << "end-to-end";
    QTest::newRow("second entry bad")
        << wrap(good + "," + QByteArray(good).replace("answered", "exploded"))
        << "entry 2 has an unknown outcome";
    QTest::newRow("empty peer") << wrap(QByteArray(good).replace("sip:bob@b.example", ""))
                                << "entry 1 has no usable peer";
}

void TestHistoryModel::corruptFileIsMovedAside() {
    QFETCH(QByteArray, content);
    QFETCH(QString, why);
    write(content);
    HistoryModel model(path());
    QSignalSpy warnings(&model, &HistoryModel::warning);
    const QString warning = model.load();
    QVERIFY2(warning.contains(why), qPrintable(warning));
    QVERIFY2(warning.contains(path() + QStringLiteral(".bad")), qPrintable(warning));
    QCOMPARE(warnings.count(), 1);
    QCOMPARE(model.count(), 0);
    QVERIFY(!QFile::exists(path()));
    QFile bad(path() + QStringLiteral(".bad"));
    QVERIFY(bad.open(QIODevice::ReadOnly));
    QCOMPARE(bad.readAll(), content); // kept byte for byte, never dropped
    // The next call starts a fresh, valid file.
    model.add(entry(QStringLiteral("sip:bob@b.example"), QStringLiteral("answered")));
    HistoryModel again(path());
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.count(), 1);
}

void TestHistoryModel::secondBadFileDoesNotOverwriteFirst() {
    write("first broken");
    HistoryModel(path()).load();
    write("second broken");
    const QString warning = HistoryModel(path()).load();
    QVERIFY2(warning.contains(QStringLiteral(".bad.2")), qPrintable(warning));
    QFile first(path() + QStringLiteral(".bad"));
    QVERIFY(first.open(QIODevice::ReadOnly));
    QCOMPARE(first.readAll(), QByteArray("first broken"));
}

void TestHistoryModel::oversizedFileIsRefusedUnread() {
    write(QByteArray(9 * 1024 * 1024, ' '));
    HistoryModel model(path());
    const QString warning = model.load();
    QVERIFY2(warning.contains(QStringLiteral("larger than 8 MiB")), qPrintable(warning));
    QVERIFY(QFile::exists(path() + QStringLiteral(".bad")));
}

void TestHistoryModel::entryOfEndedCall() {
    CallController call(CallController::Direction::Outgoing, QStringLiteral("sip:bob@b.example"));
    call.applyState(CallController::State::Active);
    call.applyEnd(QStringLiteral("You hung up"), QStringLiteral("answered"));
    const HistoryEntry e = HistoryModel::entryOf(call);
    QCOMPARE(e.peer, QStringLiteral("sip:bob@b.example"));
    QCOMPARE(e.direction, CallController::Direction::Outgoing);
    QCOMPARE(e.outcome, QStringLiteral("answered"));
    QCOMPARE(e.verdict, CallController::Verdict::Pending);
    QVERIFY(e.started.isValid());
}

QTEST_GUILESS_MAIN(TestHistoryModel)
#include "test_history_model.moc"
