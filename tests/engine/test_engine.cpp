// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Engine on its own (no world): what create() and start() refuse, at which
// stage, with which code and why, and the readiness rule - transports bound and enrolment settled
// (here: failed, because no certificate service answers) before calls go out.

#include "app/engine/Engine.h"
#include "sipcore/discovery/Enroller.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using napkin::discovery::DiscoveryErrc;
using napkin::engine::Engine;
using napkin::engine::EngineCode;
using napkin::engine::EngineConfig;
using napkin::engine::EngineErrc;
using napkin::engine::EngineStage;
using napkin::sip::UaErrc;

namespace {

template <typename Errc> bool holds(const EngineCode &code, Errc wanted) {
    const auto *got = std::get_if<Errc>(&code);
    return got != nullptr && *got == wanted;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void refusesProfileWithoutPassword();
    void refusesKeychainWithoutKeyStore();
    void startFailsAtStartStageWhenItCannotBind();
    void stageAndCodeNamesAreStable();
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
    auto engine = Engine::create(config({}));
    QVERIFY(!engine);
    QCOMPARE(engine.error().stage, EngineStage::Profile);
    QCOMPARE(engine.error().where(), QStringLiteral("profile"));
    // The profile's own code comes up unchanged.
    QVERIFY(std::holds_alternative<DiscoveryErrc>(engine.error().code));
    QVERIFY2(engine.error().message.contains(QStringLiteral("neither password nor password_file")),
             qPrintable(engine.error().message));
}

void TestEngine::refusesKeychainWithoutKeyStore() {
    EngineConfig c = config("password = secret\n");
    c.profile.keyStorage = napkin::discovery::Profile::KeyStorage::Keychain;
    auto engine = Engine::create(std::move(c));
    QVERIFY(!engine);
    QCOMPARE(engine.error().where(), QStringLiteral("profile"));
    QVERIFY(holds(engine.error().code, EngineErrc::NoKeychain));
    QCOMPARE(engine.error().codeName(), QStringLiteral("no-keychain"));
    QVERIFY2(engine.error().message.contains(QStringLiteral("keychain")),
             qPrintable(engine.error().message));
    QVERIFY(!engine.error().message.contains(QStringLiteral("secret")));
    // Supplied by the composition root, it is used.
    EngineConfig withStore = config("password = secret\n");
    withStore.profile.keyStorage = napkin::discovery::Profile::KeyStorage::Keychain;
    withStore.keyStore = std::make_unique<napkin::discovery::MemoryKeyStore>();
    auto created = Engine::create(std::move(withStore));
    QVERIFY2(created, created ? "" : qPrintable(created.error().message));
}

void TestEngine::startFailsAtStartStageWhenItCannotBind() {
    // 192.0.2.1 (TEST-NET-1) is never an address of this machine.
    EngineConfig c = config("password = secret\n");
    c.sip.listen = "sip:192.0.2.1:5999";
    auto created = Engine::create(std::move(c));
    QVERIFY2(created, created ? "" : qPrintable(created.error().message));
    Engine &engine = *created.value();
    auto started = engine.start();
    QVERIFY(!started);
    QCOMPARE(started.error().stage, EngineStage::Start);
    QVERIFY(holds(started.error().code, UaErrc::BindFailed));
    QCOMPARE(started.error().where(), QStringLiteral("start"));
    QCOMPARE(started.error().codeName(), QStringLiteral("bind-failed"));
    QVERIFY2(started.error().message.contains(QStringLiteral("192.0.2.1")),
             qPrintable(started.error().message));
    QVERIFY(!started.error().message.contains(QStringLiteral("secret")));
    QSignalSpy finished(&engine, &Engine::shutdownFinished);
    engine.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
}

void TestEngine::stageAndCodeNamesAreStable() {
    // napkin-cli prints these; scripts switch on them.
    const std::pair<EngineStage, const char *> stages[] = {
        {EngineStage::Profile, "profile"},
        {EngineStage::Start, "start"},
        {EngineStage::Registration, "registration"},
        {EngineStage::Enrolment, "enrolment"},
        {EngineStage::Devices, "devices"},
        {EngineStage::Call, "call"},
        {EngineStage::Sip, "sip"},
    };
    for (const auto &[stage, name] : stages) {
        QCOMPARE(napkin::engine::engineStageName(stage), QLatin1String(name));
    }
    const std::pair<EngineCode, const char *> codes[] = {
        {EngineErrc::AlreadyStarted, "already-started"},
        {EngineErrc::ShuttingDown, "shutting-down"},
        {EngineErrc::NoKeychain, "no-keychain"},
        {EngineErrc::SipStackFailed, "sip-stack-failed"},
        {UaErrc::BindFailed, "bind-failed"},
        {UaErrc::BadAddress, "bad-address"},
        {UaErrc::TlsSetup, "tls-setup"},
        {UaErrc::NotReady, "not-ready"},
        {DiscoveryErrc::NoService, "no-service"},
    };
    for (const auto &[code, name] : codes) {
        QCOMPARE(napkin::engine::engineCodeName(code), QLatin1String(name));
    }
}

void TestEngine::becomesReadyAfterEnrolmentSettlesAndShutsDown() {
    EngineConfig c = config({});
    c.password = "from-the-keychain"; // the config's password wins over the profile's lack of one
    auto created = Engine::create(std::move(c));
    QVERIFY2(created, created ? "" : qPrintable(created.error().message));
    Engine &engine = *created.value();
    QSignalSpy failed(&engine, &Engine::enrolmentError);
    QSignalSpy possible(&engine, &Engine::callsPossible);
    QVERIFY(!engine.readyForCalls());
    QVERIFY(engine.instanceUrn().startsWith(QStringLiteral("urn:uuid:")));
    auto started = engine.start();
    QVERIFY2(started, started ? "" : qPrintable(started.error().message));
    auto again = engine.start(); // once only
    QVERIFY(!again);
    QCOMPARE(again.error().stage, EngineStage::Start);
    QVERIFY(holds(again.error().code, EngineErrc::AlreadyStarted));
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(engine.readyForCalls(), 10000);
    QVERIFY(possible.count() >= 1);
    QVERIFY(engine.ownFingerprint().isEmpty());
    // A bad target is refused in words, not placed.
    auto bad = engine.call(QStringLiteral("not an address"));
    QVERIFY(!bad);
    QCOMPARE(bad.error().stage, EngineStage::Call);
    QVERIFY(holds(bad.error().code, UaErrc::BadAddress));
    QVERIFY(!bad.error().message.isEmpty());
    // A device that is not on the list cannot be acknowledged: stage Devices,
    // with the device watch's own code.
    auto unknown = engine.acknowledge(QStringLiteral("sha256:00"));
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().stage, EngineStage::Devices);
    QVERIFY(std::holds_alternative<DiscoveryErrc>(unknown.error().code));

    QSignalSpy finished(&engine, &Engine::shutdownFinished);
    engine.shutdown();
    QVERIFY(engine.isShuttingDown());
    QVERIFY(!engine.readyForCalls());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 40000);
    auto late = engine.call(QStringLiteral("sip:bob@b.example"));
    QVERIFY(!late);
    QCOMPARE(late.error().stage, EngineStage::Call);
    QVERIFY(holds(late.error().code, EngineErrc::ShuttingDown));
    QVERIFY(late.error().message.contains(QStringLiteral("shutting down")));
}

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
