// Engine on its own (no world): what create() refuses and why, and the
// readiness rule - transports bound and enrolment settled (here: failed,
// because no certificate service answers) before calls go out.

#include "app/engine/Engine.h"
#include "sipcore/discovery/Enroller.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using napkin::engine::Engine;
using napkin::engine::EngineConfig;

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void refusesProfileWithoutPassword();
    void refusesKeychainWithoutKeyStore();
    void becomesReadyAfterEnrolmentSettlesAndShutsDown();

private:
    [[nodiscard]] EngineConfig config(const QByteArray &extra);
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestEngine::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

EngineConfig TestEngine::config(const QByteArray &extra) {
    // Port 9 on loopback: nothing answers DNS there, so enrolment fails fast.
    const QByteArray text = "[account]\naor = sip:alice@a.example\n" + extra +
                            "[network]\ndns_server = 127.0.0.1:9\n"
                            "[certificates]\nkey_storage = none\n"
                            "[sip]\nlisten = sip:127.0.0.1:*\n";
    const QString path = m_dir->filePath(QStringLiteral("alice.ini"));
    auto profile = napkin::discovery::Profile::parse(text, path);
    auto sip = napkin::sip::SipProfile::parse(text.toStdString(), path.toStdString());
    EngineConfig c;
    if (!profile || !sip) {
        qWarning("profile does not parse");
        return c;
    }
    c.profile = profile.value();
    c.sip = sip.value();
    c.noAudio = true;
    c.watchDevices = false;
    return c;
}

void TestEngine::refusesProfileWithoutPassword() {
    auto engine = Engine::createDetailed(config({}));
    QVERIFY(!engine);
    QCOMPARE(engine.error().where, QStringLiteral("profile"));
    QVERIFY2(engine.error().message.contains(QStringLiteral("neither password nor password_file")),
             qPrintable(engine.error().message));
    // The plain form carries the same message.
    auto plain = Engine::create(config({}));
    QVERIFY(!plain);
    QCOMPARE(plain.error(), engine.error().message);
}

void TestEngine::refusesKeychainWithoutKeyStore() {
    EngineConfig c = config("password = secret\n");
    c.profile.keyStorage = napkin::discovery::Profile::KeyStorage::Keychain;
    auto engine = Engine::createDetailed(std::move(c));
    QVERIFY(!engine);
    QCOMPARE(engine.error().where, QStringLiteral("profile"));
    QVERIFY2(engine.error().message.contains(QStringLiteral("keychain")),
             qPrintable(engine.error().message));
    QVERIFY(!engine.error().message.contains(QStringLiteral("secret")));
    // Supplied by the composition root, it is used.
    EngineConfig withStore = config("password = secret\n");
    withStore.profile.keyStorage = napkin::discovery::Profile::KeyStorage::Keychain;
    withStore.keyStore = std::make_unique<napkin::discovery::MemoryKeyStore>();
    auto created = Engine::create(std::move(withStore));
    QVERIFY2(created, created ? "" : qPrintable(created.error()));
}

void TestEngine::becomesReadyAfterEnrolmentSettlesAndShutsDown() {
    EngineConfig c = config({});
    c.password = "from-the-keychain"; // the config's password wins over the profile's lack of one
    auto created = Engine::create(std::move(c));
    QVERIFY2(created, created ? "" : qPrintable(created.error()));
    Engine &engine = *created.value();
    QSignalSpy failed(&engine, &Engine::enrolmentFailed);
    QSignalSpy typed(&engine, &Engine::enrolmentError);
    QSignalSpy possible(&engine, &Engine::callsPossible);
    QVERIFY(!engine.readyForCalls());
    QVERIFY(engine.instanceUrn().startsWith(QStringLiteral("urn:uuid:")));
    auto started = engine.start();
    QVERIFY2(started, started ? "" : qPrintable(started.error()));
    QVERIFY(!engine.start()); // once only
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, 60000);
    QCOMPARE(typed.count(), failed.count());
    QTRY_VERIFY_WITH_TIMEOUT(engine.readyForCalls(), 10000);
    QVERIFY(possible.count() >= 1);
    QVERIFY(engine.ownFingerprint().isEmpty());
    // A bad target is refused in words, not placed.
    auto bad = engine.call(QStringLiteral("not an address"));
    QVERIFY(!bad);
    QVERIFY(!bad.error().isEmpty());

    QSignalSpy finished(&engine, &Engine::shutdownFinished);
    engine.shutdown();
    QVERIFY(engine.isShuttingDown());
    QVERIFY(!engine.readyForCalls());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 40000);
    auto late = engine.call(QStringLiteral("sip:bob@b.example"));
    QVERIFY(!late);
    QVERIFY(late.error().contains(QStringLiteral("shutting down")));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
