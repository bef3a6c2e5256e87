// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// KeychainSecretStore, KeychainKeyStore and the TURN password (TurnPassword with
// AppSettings) against a real gnome-keyring-daemon
// (Secret Service) on a private D-Bus session bus, and against no keychain at
// all. The binary re-runs itself under dbus-run-session so that it never
// touches the session of the person running it.

#include "app/controllers/AppSettings.h"
#include "app/controllers/KeychainKeyStore.h"
#include "app/controllers/KeychainSecretStore.h"
#include "app/controllers/TurnPassword.h"
#include "crypto/DeviceIdentity.h"
#include "tests/support/ManagedProcess.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusReply>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace napkin;
using namespace napkin::app;

namespace {

const char *const kPrivateBusMarker = "NAPKIN_KEYCHAIN_PRIVATE_BUS";
const char *const kChildFlag = "--no-keychain-child";
const QByteArray kKeyringPassword = "keyring-unlock-4711";

QString errcText(SecretErrc code) {
    switch (code) {
    case SecretErrc::Unavailable:
        return QStringLiteral("unavailable");
    case SecretErrc::AccessDenied:
        return QStringLiteral("access-denied");
    case SecretErrc::Failed:
        break;
    }
    return QStringLiteral("failed");
}

crypto::DeviceIdentity makeIdentity(const std::string &aor) {
    crypto::IdentityOptions options;
    options.aor = aor;
    options.instanceUrn = "urn:uuid:6f1c2e0a-3b7d-4c55-9a1e-0d2b4f6a8c11";
    options.lifetime = std::chrono::hours(24);
    auto identity = crypto::createDeviceIdentity(options);
    if (!identity) {
        qFatal("cannot create a test identity: %s", identity.error().message.c_str());
    }
    return std::move(identity).value();
}

/// The error text of a result, or nothing (QVERIFY2 evaluates its message
/// even when the check passes, so error() must not be called blindly).
template <typename T, typename E> QString messageOf(const Result<T, E> &r) {
    if (r.ok()) {
        return {};
    }
    if constexpr (std::is_same_v<E, QString>) {
        return r.error();
    } else {
        return r.error().message;
    }
}

/// The child process: no keychain reachable. Prints one "name=value" line
/// per observation for the parent to check.
int runNoKeychainChild(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    auto print = [](const QString &name, const QString &value) {
        std::printf("%s=%s\n", qPrintable(name), qPrintable(QString(value).replace(u'\n', u' ')));
        std::fflush(stdout);
    };
    KeychainSecretStore secrets(QStringLiteral("org.napkin.Test"));
    print(QStringLiteral("available"),
          secrets.available() ? QStringLiteral("1") : QStringLiteral("0"));
    print(QStringLiteral("reason"), secrets.unavailableReason());

    KeychainKeyStore keys(QStringLiteral("org.napkin.Test"));
    TurnPassword turn(&secrets);
    int pending = 5;
    auto finishedOne = [&pending, &app] {
        if (--pending == 0) {
            app.quit();
        }
    };
    secrets.readPassword(
        QStringLiteral("sip:alice@a.example"), [&](SecretResult<std::optional<QByteArray>> r) {
            print(QStringLiteral("read"),
                  r ? QStringLiteral("ok") : errcText(r.error().code) + u':' + r.error().message);
            finishedOne();
        });
    secrets.writePassword(
        QStringLiteral("sip:alice@a.example"), "never-stored-anywhere", [&](SecretResult<void> r) {
            print(QStringLiteral("write"), r ? QStringLiteral("ok") : errcText(r.error().code));
            finishedOne();
        });
    keys.load(QStringLiteral("sip:alice@a.example"),
              [&](discovery::DiscoveryResult<std::optional<crypto::DeviceIdentity>> r) {
                  print(QStringLiteral("load"),
                        r ? QStringLiteral("ok")
                          : discovery::errcName(r.error().code) + u':' + r.error().message);
                  finishedOne();
              });
    keys.save(QStringLiteral("sip:alice@a.example"), makeIdentity("sip:alice@a.example"),
              [&](discovery::DiscoveryResult<void> r) {
                  print(QStringLiteral("save"),
                        r ? QStringLiteral("ok") : discovery::errcName(r.error().code));
                  finishedOne();
              });
    turn.store(
        QStringLiteral("sip:alice@a.example"), "turn-never-stored", [&](const QString &problem) {
            print(QStringLiteral("turn"), problem);
            print(QStringLiteral("turn-held"),
                  turn.value() == "turn-never-stored" ? QStringLiteral("1") : QStringLiteral("0"));
            finishedOne();
        });
    return app.exec();
}

/// Waits (running the event loop) until `done` is set, or fails the test.
#define WAIT_FOR(done) QTRY_VERIFY_WITH_TIMEOUT((done), 15000)

} // namespace

class TestKeychain : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void passwordRoundTrip();
    void passwordIsInTheKeyring();
    void identityRoundTrip();
    void brokenIdentityEntriesLoadAsNothing();
    void turnPasswordLivesInTheKeyring();
    void noSessionBus();
    void unreachableSessionBus();
    void busWithoutSecretService();
    void nothingWrittenInPlaintext();

private:
    struct ChildReport {
        QMap<QString, QString> values;
        QString raw;
    };
    ChildReport runChild(const QProcessEnvironment &env);
    QProcessEnvironment childEnvironment() const;

    QTemporaryDir m_dir;
    QProcess m_keyring;
    QString m_service;
};

void TestKeychain::initTestCase() {
    QVERIFY(m_dir.isValid());
    QVERIFY2(qEnvironmentVariableIsSet(kPrivateBusMarker),
             "must run on a private bus (main() re-runs itself under dbus-run-session)");
    const QString keyringHome = m_dir.filePath(QStringLiteral("keyring-home"));
    QVERIFY(QDir().mkpath(keyringHome + QStringLiteral("/data")));
    QVERIFY(QDir().mkpath(keyringHome + QStringLiteral("/run")));
    QVERIFY(QFile::setPermissions(keyringHome + QStringLiteral("/run"),
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                      QFileDevice::ExeOwner));

    const QString daemon = QStandardPaths::findExecutable(QStringLiteral("gnome-keyring-daemon"));
    QVERIFY2(!daemon.isEmpty(), "gnome-keyring-daemon is not installed (scripts/deps)");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), keyringHome);
    env.insert(QStringLiteral("XDG_DATA_HOME"), keyringHome + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), keyringHome + QStringLiteral("/run"));
    m_keyring.setProcessEnvironment(env);
    m_keyring.setProgram(daemon);
    m_keyring.setArguments({QStringLiteral("--foreground"), QStringLiteral("--unlock"),
                            QStringLiteral("--components=secrets")});
    m_keyring.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_keyring.start();
    QVERIFY2(m_keyring.waitForStarted(10000), qPrintable(m_keyring.errorString()));
    m_keyring.write(kKeyringPassword);
    m_keyring.closeWriteChannel();

    QDBusConnection bus = QDBusConnection::sessionBus();
    QVERIFY2(bus.isConnected(), qPrintable(bus.lastError().message()));
    QTRY_VERIFY_WITH_TIMEOUT(
        bus.interface()->isServiceRegistered(QStringLiteral("org.freedesktop.secrets")).value(),
        15000);

    m_service = QStringLiteral("org.napkin.Test.%1").arg(QRandomGenerator::global()->generate());
}

void TestKeychain::cleanupTestCase() {
    if (m_keyring.state() != QProcess::NotRunning) {
        m_keyring.terminate();
        if (!m_keyring.waitForFinished(5000)) {
            m_keyring.kill();
            m_keyring.waitForFinished(5000);
        }
    }
}

void TestKeychain::passwordRoundTrip() {
    KeychainSecretStore store(m_service);
    QVERIFY2(store.available(), qPrintable(store.unavailableReason()));
    QVERIFY(store.unavailableReason().isEmpty());
    const QString alice = QStringLiteral("sip:alice@a.example");

    std::optional<SecretResult<std::optional<QByteArray>>> read;
    store.readPassword(alice, [&](auto r) { read = std::move(r); });
    QVERIFY(!read); // never inside the call
    WAIT_FOR(read.has_value());
    QVERIFY2(read->ok(), qPrintable(messageOf(*read)));
    QVERIFY(!read->value().has_value());

    std::optional<SecretResult<void>> written;
    store.writePassword(alice, "first password", [&](auto r) { written = std::move(r); });
    WAIT_FOR(written.has_value());
    QVERIFY2(written->ok(), qPrintable(messageOf(*written)));

    read.reset();
    store.readPassword(alice, [&](auto r) { read = std::move(r); });
    WAIT_FOR(read.has_value());
    QVERIFY(read->ok());
    QCOMPARE(read->value().value_or(QByteArray()), QByteArray("first password"));

    // Another address has its own entry.
    read.reset();
    store.readPassword(QStringLiteral("sip:bob@b.example"), [&](auto r) { read = std::move(r); });
    WAIT_FOR(read.has_value());
    QVERIFY(read->ok());
    QVERIFY(!read->value().has_value());

    // Replacing, with bytes that are not text.
    const QByteArray binary("p\0w\xff\n2", 6);
    written.reset();
    store.writePassword(alice, binary, [&](auto r) { written = std::move(r); });
    WAIT_FOR(written.has_value());
    QVERIFY(written->ok());
    read.reset();
    KeychainSecretStore second(m_service); // a new instance sees the same keychain
    second.readPassword(alice, [&](auto r) { read = std::move(r); });
    WAIT_FOR(read.has_value());
    QVERIFY(read->ok());
    QCOMPARE(read->value().value_or(QByteArray()), binary);

    std::optional<SecretResult<void>> deleted;
    store.deletePassword(alice, [&](auto r) { deleted = std::move(r); });
    WAIT_FOR(deleted.has_value());
    QVERIFY2(deleted->ok(), qPrintable(messageOf(*deleted)));
    read.reset();
    store.readPassword(alice, [&](auto r) { read = std::move(r); });
    WAIT_FOR(read.has_value());
    QVERIFY(read->ok());
    QVERIFY(!read->value().has_value());

    // Deleting what is not there succeeds.
    deleted.reset();
    store.deletePassword(alice, [&](auto r) { deleted = std::move(r); });
    WAIT_FOR(deleted.has_value());
    QVERIFY(deleted->ok());
}

void TestKeychain::passwordIsInTheKeyring() {
    // Ask the keyring daemon through another client (libsecret's secret-tool):
    // the entry must live in gnome-keyring, not in a file of ours.
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
    if (tool.isEmpty()) {
        QSKIP("secret-tool (libsecret-tools) is not installed");
    }
    KeychainSecretStore store(m_service);
    const QString carol = QStringLiteral("sip:carol@c.example");
    std::optional<SecretResult<void>> written;
    store.writePassword(carol, "carol-secret", [&](auto r) { written = std::move(r); });
    WAIT_FOR(written.has_value());
    QVERIFY(written->ok());

    auto search = napkin::testing::runProgram(
        tool,
        {QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), m_service},
        15000);
    QVERIFY2(search.ok(), qPrintable(messageOf(search)));
    QVERIFY2(search->succeeded(), qPrintable(search->describe()));
    const QString listing = search->stdoutText + search->stderrText;
    QVERIFY2(listing.contains(QStringLiteral("password sip:carol@c.example")), qPrintable(listing));

    std::optional<SecretResult<void>> deleted;
    store.deletePassword(carol, [&](auto r) { deleted = std::move(r); });
    WAIT_FOR(deleted.has_value());
    QVERIFY(deleted->ok());
    auto after = napkin::testing::runProgram(
        tool,
        {QStringLiteral("search"), QStringLiteral("--all"), QStringLiteral("server"), m_service},
        15000);
    QVERIFY(after.ok());
    QVERIFY2(!(after->stdoutText + after->stderrText).contains(QStringLiteral("carol")),
             qPrintable(after->stdoutText));
}

void TestKeychain::identityRoundTrip() {
    const QString alice = QStringLiteral("sip:alice@a.example");
    const crypto::DeviceIdentity original = makeIdentity(alice.toStdString());
    KeychainKeyStore store(m_service);
    QVERIFY(store.available());
    QVERIFY(store.persistent());

    std::optional<discovery::DiscoveryResult<std::optional<crypto::DeviceIdentity>>> loaded;
    store.load(alice, [&](auto r) { loaded = std::move(r); });
    WAIT_FOR(loaded.has_value());
    QVERIFY(loaded->ok());
    QVERIFY(!loaded->value().has_value());

    std::optional<discovery::DiscoveryResult<void>> saved;
    store.save(alice, original, [&](auto r) { saved = std::move(r); });
    WAIT_FOR(saved.has_value());
    QVERIFY2(saved->ok(), qPrintable(messageOf(*saved)));

    // A fresh store (as after a restart) finds the same key and certificate.
    KeychainKeyStore restarted(m_service);
    loaded.reset();
    restarted.load(alice, [&](auto r) { loaded = std::move(r); });
    WAIT_FOR(loaded.has_value());
    QVERIFY2(loaded->ok(), qPrintable(messageOf(*loaded)));
    QVERIFY(loaded->value().has_value());
    const crypto::DeviceIdentity &back = *loaded->value();
    QCOMPARE(back.certificate.fingerprint(), original.certificate.fingerprint());
    QVERIFY(back.key.matches(back.certificate));
    QVERIFY(back.key.matches(original.certificate));
    QCOMPARE(back.certificate.instanceUrn(), original.certificate.instanceUrn());

    // Another address's identity is separate.
    loaded.reset();
    restarted.load(QStringLiteral("sip:bob@b.example"), [&](auto r) { loaded = std::move(r); });
    WAIT_FOR(loaded.has_value());
    QVERIFY(loaded->ok());
    QVERIFY(!loaded->value().has_value());

    // Replaced by a renewed identity.
    const crypto::DeviceIdentity renewed = makeIdentity(alice.toStdString());
    saved.reset();
    restarted.save(alice, renewed, [&](auto r) { saved = std::move(r); });
    WAIT_FOR(saved.has_value());
    QVERIFY(saved->ok());
    loaded.reset();
    store.load(alice, [&](auto r) { loaded = std::move(r); });
    WAIT_FOR(loaded.has_value());
    QVERIFY(loaded->ok() && loaded->value().has_value());
    QCOMPARE(loaded->value()->certificate.fingerprint(), renewed.certificate.fingerprint());
    QVERIFY(loaded->value()->key.matches(renewed.certificate));

    std::optional<discovery::DiscoveryResult<void>> removed;
    store.remove(alice, [&](auto r) { removed = std::move(r); });
    WAIT_FOR(removed.has_value());
    QVERIFY(removed->ok());
    loaded.reset();
    store.load(alice, [&](auto r) { loaded = std::move(r); });
    WAIT_FOR(loaded.has_value());
    QVERIFY(loaded->ok());
    QVERIFY(!loaded->value().has_value());
}

void TestKeychain::brokenIdentityEntriesLoadAsNothing() {
    const QString alice = QStringLiteral("sip:alice@a.example");
    const crypto::DeviceIdentity a = makeIdentity(alice.toStdString());
    const crypto::DeviceIdentity b = makeIdentity(alice.toStdString());
    const crypto::DeviceIdentity bob = makeIdentity("sip:bob@b.example");
    const QList<QByteArray> broken = {
        QByteArray("not a PEM at all"),
        QByteArray::fromStdString(a.key.toPem()),                             // no certificate
        QByteArray::fromStdString(a.key.toPem() + b.certificate.toPem()),     // mismatch
        QByteArray::fromStdString(bob.key.toPem() + bob.certificate.toPem()), // other address
        QByteArray::fromStdString("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" +
                                  a.certificate.toPem()),
    };
    KeychainSecretStore raw(m_service);
    KeychainKeyStore store(m_service);
    for (const QByteArray &entry : broken) {
        std::optional<SecretResult<void>> written;
        raw.writeSecret(KeychainKeyStore::entryKey(alice), entry,
                        [&](auto r) { written = std::move(r); });
        WAIT_FOR(written.has_value());
        QVERIFY(written->ok());
        std::optional<discovery::DiscoveryResult<std::optional<crypto::DeviceIdentity>>> loaded;
        store.load(alice, [&](auto r) { loaded = std::move(r); });
        WAIT_FOR(loaded.has_value());
        QVERIFY(loaded->ok());
        QVERIFY2(!loaded->value().has_value(), entry.left(40).constData());
    }
    std::optional<discovery::DiscoveryResult<void>> removed;
    store.remove(alice, [&](auto r) { removed = std::move(r); });
    WAIT_FOR(removed.has_value());
    QVERIFY(removed->ok());
}

void TestKeychain::turnPasswordLivesInTheKeyring() {
    KeychainSecretStore store(m_service);
    QVERIFY(store.available());
    // The TURN server goes into the profile as the Settings dialog saves it...
    AppSettings settings(QStringLiteral("turn-keyring"));
    QCOMPARE(settings.load(), QString());
    settings.setAddress(QStringLiteral("alice@a.example"));
    settings.setTurnServer(QStringLiteral("turns:turn.a.example"));
    settings.setTurnUser(QStringLiteral("alice"));
    QCOMPARE(settings.save(), QString());
    const QString alice = settings.address();
    QCOMPARE(alice, QStringLiteral("sip:alice@a.example"));

    // ...and its password into the keychain, beside (not over) the SIP password.
    std::optional<SecretResult<void>> written;
    store.writePassword(alice, "sip-password", [&](auto r) { written = std::move(r); });
    WAIT_FOR(written.has_value());
    QVERIFY(written->ok());
    TurnPassword turn(&store);
    std::optional<QString> problem;
    turn.store(alice, "turn-keyring-secret", [&](const QString &p) { problem = p; });
    QVERIFY(!problem); // never inside the call
    QVERIFY(turn.known());
    WAIT_FOR(problem.has_value());
    QVERIFY2(problem->isEmpty(), qPrintable(*problem));

    // A fresh start finds it.
    TurnPassword restarted(&store);
    QVERIFY(!restarted.known());
    problem.reset();
    restarted.load(alice, [&](const QString &p) { problem = p; });
    WAIT_FOR(problem.has_value());
    QVERIFY2(problem->isEmpty(), qPrintable(*problem));
    QCOMPARE(restarted.value(), QByteArray("turn-keyring-secret"));
    std::optional<SecretResult<std::optional<QByteArray>>> sip;
    store.readPassword(alice, [&](auto r) { sip = std::move(r); });
    WAIT_FOR(sip.has_value());
    QVERIFY(sip->ok());
    QCOMPARE(sip->value().value_or(QByteArray()), QByteArray("sip-password"));

    // In gnome-keyring under its own entry, and in no file of ours.
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
    if (!tool.isEmpty()) {
        auto search =
            napkin::testing::runProgram(tool,
                                        {QStringLiteral("search"), QStringLiteral("--all"),
                                         QStringLiteral("server"), m_service},
                                        15000);
        QVERIFY2(search.ok(), qPrintable(messageOf(search)));
        const QString listing = search->stdoutText + search->stderrText;
        QVERIFY2(listing.contains(KeychainSecretStore::turnPasswordKey(alice)),
                 qPrintable(listing));
    }
    QFile profile(settings.profilePath());
    QVERIFY(profile.open(QIODevice::ReadOnly));
    const QByteArray text = profile.readAll();
    QVERIFY2(text.contains("turn_server"), text.constData());
    QVERIFY(!text.contains("turn-keyring-secret"));
    QVERIFY(!text.contains("turn_password"));

    // Removing the server forgets it; the SIP password stays.
    problem.reset();
    restarted.forget(alice, [&](const QString &p) { problem = p; });
    WAIT_FOR(problem.has_value());
    QVERIFY2(problem->isEmpty(), qPrintable(*problem));
    QVERIFY(!restarted.known());
    TurnPassword after(&store);
    problem.reset();
    after.load(alice, [&](const QString &p) { problem = p; });
    WAIT_FOR(problem.has_value());
    QVERIFY(problem->isEmpty());
    QVERIFY(!after.known());
    sip.reset();
    store.readPassword(alice, [&](auto r) { sip = std::move(r); });
    WAIT_FOR(sip.has_value());
    QCOMPARE(sip->value().value_or(QByteArray()), QByteArray("sip-password"));
    std::optional<SecretResult<void>> deleted;
    store.deletePassword(alice, [&](auto r) { deleted = std::move(r); });
    WAIT_FOR(deleted.has_value());
}

QProcessEnvironment TestKeychain::childEnvironment() const {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    env.remove(QStringLiteral("DISPLAY")); // no D-Bus autolaunch through X11
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    const QString home = m_dir.filePath(QStringLiteral("child-home"));
    QDir().mkpath(home);
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    return env;
}

TestKeychain::ChildReport TestKeychain::runChild(const QProcessEnvironment &env) {
    QProcess child;
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::SeparateChannels);
    child.start(QCoreApplication::applicationFilePath(), {QString::fromLatin1(kChildFlag)});
    ChildReport report;
    if (!child.waitForFinished(30000)) {
        child.kill();
        child.waitForFinished(5000);
        report.raw = QStringLiteral("child did not finish");
        return report;
    }
    report.raw = QString::fromUtf8(child.readAllStandardOutput()) + QStringLiteral("\n[stderr]\n") +
                 QString::fromUtf8(child.readAllStandardError());
    for (const QString &line : report.raw.split(u'\n')) {
        const qsizetype eq = line.indexOf(u'=');
        if (eq > 0) {
            report.values.insert(line.left(eq), line.mid(eq + 1));
        }
    }
    if (child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0) {
        report.raw += QStringLiteral("\n(child exit %1)").arg(child.exitCode());
        report.values.insert(QStringLiteral("exit"), QStringLiteral("bad"));
    }
    return report;
}

namespace {

void checkUnavailableReport(const QMap<QString, QString> &v, const QString &raw,
                            const QString &reasonWord) {
    QVERIFY2(!v.contains(QStringLiteral("exit")), qPrintable(raw));
    QCOMPARE(v.value(QStringLiteral("available")), QStringLiteral("0"));
    const QString reason = v.value(QStringLiteral("reason"));
    QVERIFY2(reason.contains(reasonWord), qPrintable(raw));
    QVERIFY2(v.value(QStringLiteral("read")).startsWith(QStringLiteral("unavailable:")),
             qPrintable(raw));
    QVERIFY2(v.value(QStringLiteral("read")).contains(reason), qPrintable(raw));
    QCOMPARE(v.value(QStringLiteral("write")), QStringLiteral("unavailable"));
    const QString load = v.value(QStringLiteral("load"));
    QVERIFY2(load.startsWith(discovery::errcName(discovery::DiscoveryErrc::LocalFailure) + u':'),
             qPrintable(raw));
    QVERIFY2(load.contains(QStringLiteral("system keychain")), qPrintable(raw));
    QCOMPARE(v.value(QStringLiteral("save")),
             discovery::errcName(discovery::DiscoveryErrc::LocalFailure));
    // The TURN password typed in Settings: used for this run, kept nowhere, said so.
    QVERIFY2(v.value(QStringLiteral("turn")).startsWith(QStringLiteral("No keychain")),
             qPrintable(raw));
    QVERIFY2(v.value(QStringLiteral("turn")).contains(QStringLiteral("not written anywhere")),
             qPrintable(raw));
    QCOMPARE(v.value(QStringLiteral("turn-held")), QStringLiteral("1"));
}

} // namespace

void TestKeychain::noSessionBus() {
    const ChildReport report = runChild(childEnvironment());
    checkUnavailableReport(report.values, report.raw, QStringLiteral("D-Bus session bus"));
}

void TestKeychain::unreachableSessionBus() {
    QProcessEnvironment env = childEnvironment();
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
               QStringLiteral("unix:path=%1").arg(m_dir.filePath(QStringLiteral("no-bus-here"))));
    const ChildReport report = runChild(env);
    checkUnavailableReport(report.values, report.raw, QStringLiteral("D-Bus session bus"));
}

void TestKeychain::busWithoutSecretService() {
    // A session bus of our own that knows no services at all (no
    // activation of gnome-keyring either).
    const QString config = m_dir.filePath(QStringLiteral("bare-bus.conf"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig><type>session</type>"
        "<listen>unix:path=" +
        m_dir.filePath(QStringLiteral("bare-bus")).toUtf8() +
        "</listen><auth>EXTERNAL</auth>"
        "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
        "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n");
    file.close();

    napkin::testing::ProcessSpec spec;
    spec.name = QStringLiteral("bare-dbus");
    spec.program = QStandardPaths::findExecutable(QStringLiteral("dbus-daemon"));
    QVERIFY(!spec.program.isEmpty());
    spec.arguments = {QStringLiteral("--config-file=") + config, QStringLiteral("--nofork"),
                      QStringLiteral("--print-address=1")};
    spec.logDirectory = m_dir.path();
    napkin::testing::ManagedProcess bus(spec);
    auto started = bus.start();
    QVERIFY2(started.ok(), qPrintable(messageOf(started)));
    auto ready = bus.waitForOutput(QStringLiteral("unix:path="), 10000);
    QVERIFY2(ready.ok(), qPrintable(messageOf(ready)));

    QProcessEnvironment env = childEnvironment();
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), bus.stdoutText().trimmed());
    const ChildReport report = runChild(env);
    bus.stop();
    checkUnavailableReport(report.values, report.raw, QStringLiteral("No keychain service"));
}

void TestKeychain::nothingWrittenInPlaintext() {
    // QtKeychain's insecure fallback would write a QSettings file: neither
    // this process's HOME nor the children's may contain any secret.
    const QStringList needles = {
        QStringLiteral("never-stored-anywhere"), QStringLiteral("first password"),
        QStringLiteral("carol-secret"),          QStringLiteral("turn-keyring-secret"),
        QStringLiteral("turn-never-stored"),     QStringLiteral("PRIVATE KEY")};
    for (const QString &root : {QDir::homePath(), m_dir.filePath(QStringLiteral("child-home"))}) {
        QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) {
                continue;
            }
            const QByteArray content = f.read(1 << 20);
            for (const QString &needle : needles) {
                QVERIFY2(!content.contains(needle.toUtf8()), qPrintable(path));
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && qstrcmp(argv[1], kChildFlag) == 0) {
        return runNoKeychainChild(argc, argv);
    }
    if (!qEnvironmentVariableIsSet(kPrivateBusMarker)) {
        // Re-run on a private session bus; the real one is never touched.
        setenv(kPrivateBusMarker, "1", 1);
        std::vector<char *> args;
        std::string runner = "dbus-run-session";
        std::string separator = "--";
        args.push_back(runner.data());
        args.push_back(separator.data());
        for (int i = 0; i < argc; ++i) {
            args.push_back(argv[i]);
        }
        args.push_back(nullptr);
        execvp("dbus-run-session", args.data());
        std::perror("dbus-run-session (package dbus)");
        return 2;
    }
    // A private HOME as well, so that a plaintext file would be found (and
    // would not land in the real one).
    QTemporaryDir home;
    if (!home.isValid()) {
        return 2;
    }
    setenv("HOME", qPrintable(home.path()), 1);
    setenv("XDG_CONFIG_HOME", qPrintable(home.path() + QStringLiteral("/.config")), 1);
    setenv("XDG_DATA_HOME", qPrintable(home.path() + QStringLiteral("/.local/share")), 1);
    QCoreApplication app(argc, argv);
    TestKeychain test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_keychain.moc"
