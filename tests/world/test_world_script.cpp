// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// scripts/world: `up` starts a two-domain world (Kamailio, napkin-certd,
// dnsmasq, a test CA) and writes world.env and four profiles; agents call
// each other through it with verified identities; `down` leaves nothing
// behind. Wrong usage exits 2.

#include "sipcore/SipProfile.h"
#include "sipcore/discovery/Profile.h"
#include "tests/support/AgentProcess.h"
#include "tests/support/FreePort.h"
#include "tests/support/ManagedProcess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

#include <map>
#include <memory>
#include <optional>

#include <sys/stat.h>

using namespace napkin::testing;

namespace {

constexpr int kScriptTimeoutMs = 120000;

QString fromEnvOr(const char *name, const QString &fallback) {
    const QString value = qEnvironmentVariable(name);
    return value.isEmpty() ? fallback : value;
}

QString worldScript() {
    return fromEnvOr("NAPKIN_SOURCE_DIR", QStringLiteral(NAPKIN_SOURCE_DIR)) +
           QStringLiteral("/scripts/world");
}

QString buildDir() {
    return fromEnvOr("NAPKIN_BINARY_DIR", QStringLiteral(NAPKIN_BINARY_DIR));
}

/// Runs scripts/world with `arguments` and NAPKIN_BUILD_DIR set to this build.
TestResult<RunResult> runWorld(const QStringList &arguments) {
    QProcessEnvironment env;
    env.insert(QStringLiteral("NAPKIN_BUILD_DIR"), buildDir());
    return runProgram(QStringLiteral("/bin/bash"), QStringList{worldScript()} + arguments,
                      kScriptTimeoutMs, {}, env);
}

/// `KEY=value` lines of a world.env file.
std::map<QString, QString> readEnvFile(const QString &path) {
    std::map<QString, QString> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return out;
    }
    for (const QByteArray &raw : f.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || eq <= 0) {
            continue;
        }
        out[line.left(eq)] = line.mid(eq + 1);
    }
    return out;
}

/// "IP:PORT" -> endpoint (port 0 when malformed).
Endpoint parseEndpoint(const QString &text) {
    Endpoint e;
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        return e;
    }
    e.address = QHostAddress(text.left(colon));
    e.port = static_cast<quint16>(text.mid(colon + 1).toUInt());
    return e;
}

/// Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session...
std::optional<QStringList> procStat(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QString text = QString::fromUtf8(f.readAll());
    const qsizetype close = text.lastIndexOf(QLatin1Char(')'));
    if (close < 0) {
        return std::nullopt;
    }
    return text.mid(close + 2).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

QString cmdline(qint64 pid) {
    QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(f.readAll().replace('\0', ' '));
}

/// True when `pid` runs (not a zombie) with `marker` in its command line.
bool aliveWith(qint64 pid, const QString &marker) {
    const auto stat = procStat(pid);
    return stat && !stat->isEmpty() && stat->at(0) != QStringLiteral("Z") &&
           cmdline(pid).contains(marker);
}

/// Every live process whose session is one of `sessions`.
QSet<qint64> sessionMembers(const QSet<qint64> &sessions) {
    QSet<qint64> out;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric) {
            continue;
        }
        const auto stat = procStat(pid);
        if (stat && stat->size() > 3 && stat->at(0) != QStringLiteral("Z") &&
            sessions.contains(stat->at(3).toLongLong())) {
            out.insert(pid);
        }
    }
    return out;
}

/// True when nothing is bound to `endpoint` (TCP and UDP).
bool nothingBound(const Endpoint &endpoint) {
    QTcpServer tcp;
    QUdpSocket udp;
    const bool tcpFree = tcp.listen(endpoint.address, endpoint.port);
    // Without SO_REUSEADDR, so that a bound socket is never shared.
    const bool udpFree =
        udp.bind(endpoint.address, endpoint.port, QAbstractSocket::DontShareAddress);
    return tcpFree && udpFree;
}

} // namespace

class TestWorldScript : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void wrongUsageExitsTwo_data();
    void wrongUsageExitsTwo();
    void upIntoNonEmptyDirectoryExitsTwo();
    void downOnNonWorldExitsTwo();
    void worldEnvNamesRunningParts();
    void profilesParse_data();
    void profilesParse();
    void agentsCallVerifiedAcrossDomains();
    void downLeavesNothingBehind();

private:
    [[nodiscard]] QString worldFile(const QString &name) const {
        return QDir(m_worldDir).filePath(name);
    }
    [[nodiscard]] QString env(const QString &key) const {
        const auto it = m_env.find(key);
        return it == m_env.end() ? QString() : it->second;
    }
    [[nodiscard]] std::unique_ptr<AgentProcess> agent(const QString &name,
                                                      const QStringList &arguments) const {
        return std::make_unique<AgentProcess>(QStringLiteral(NAPKIN_CLI_PATH), name,
                                              m_tmp->filePath(QStringLiteral("agents")), arguments);
    }

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_worldDir;
    std::map<QString, QString> m_env;
    bool m_up = false;
};

void TestWorldScript::initTestCase() {
    QVERIFY2(QFile::exists(worldScript()), qPrintable(worldScript()));
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    QVERIFY(QDir().mkpath(m_tmp->filePath(QStringLiteral("agents"))));
    m_worldDir = m_tmp->filePath(QStringLiteral("world")); // does not exist yet
    auto up = runWorld({QStringLiteral("up"), m_worldDir});
    NAPKIN_VERIFY_OK(up);
    m_up = true; // even a failed start-up leaves a directory that down accepts
    QVERIFY2(up->succeeded(), qPrintable(up->describe()));
    m_env = readEnvFile(worldFile(QStringLiteral("world.env")));
}

void TestWorldScript::cleanupTestCase() {
    if (m_up) {
        auto down = runWorld({QStringLiteral("down"), m_worldDir});
        if (!down || !down->succeeded()) {
            qWarning("world down failed: %s",
                     down ? qPrintable(down->describe()) : qPrintable(down.error()));
        }
    }
}

void TestWorldScript::wrongUsageExitsTwo_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("no arguments") << QStringList{};
    QTest::newRow("command only") << QStringList{QStringLiteral("up")};
    QTest::newRow("unknown command")
        << QStringList{QStringLiteral("start"), QStringLiteral("/tmp/nowhere")};
    QTest::newRow("too many") << QStringList{QStringLiteral("down"), QStringLiteral("/tmp/a"),
                                             QStringLiteral("/tmp/b")};
}

void TestWorldScript::wrongUsageExitsTwo() {
    QFETCH(QStringList, arguments);
    auto run = runWorld(arguments);
    NAPKIN_VERIFY_OK(run);
    QVERIFY(run->exit.normal);
    QCOMPARE(run->exit.code, 2);
    QVERIFY2(run->stderrText.contains(QStringLiteral("Usage: scripts/world up [--nat] DIR")),
             qPrintable(run->stderrText));
}

void TestWorldScript::upIntoNonEmptyDirectoryExitsTwo() {
    const QString dir = m_tmp->filePath(QStringLiteral("occupied"));
    QVERIFY(QDir().mkpath(dir));
    QFile keep(QDir(dir).filePath(QStringLiteral("keep.txt")));
    QVERIFY(keep.open(QIODevice::WriteOnly));
    keep.close();
    auto run = runWorld({QStringLiteral("up"), dir});
    NAPKIN_VERIFY_OK(run);
    QCOMPARE(run->exit.code, 2);
    QVERIFY2(run->stderrText.contains(QStringLiteral("not empty")), qPrintable(run->stderrText));
    // Nothing was started or written.
    QCOMPARE(QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList{QStringLiteral("keep.txt")});
}

void TestWorldScript::downOnNonWorldExitsTwo() {
    const QString dir = m_tmp->filePath(QStringLiteral("plain"));
    QVERIFY(QDir().mkpath(dir));
    for (const QString &target : {dir, m_tmp->filePath(QStringLiteral("missing"))}) {
        auto run = runWorld({QStringLiteral("down"), target});
        NAPKIN_VERIFY_OK(run);
        QCOMPARE(run->exit.code, 2);
        QVERIFY2(run->stderrText.contains(QStringLiteral("not a world")),
                 qPrintable(run->stderrText));
    }
}

void TestWorldScript::worldEnvNamesRunningParts() {
    for (const char *key : {"WORLD_DIR", "WORLD_DNS", "WORLD_DNS_PORT", "WORLD_CA_FILE",
                            "WORLD_A_PROXY", "WORLD_B_PROXY", "WORLD_C_PROXY", "WORLD_B_EVIL_PROXY",
                            "WORLD_A_CERTD", "WORLD_B_CERTD", "WORLD_A_DB", "WORLD_B_DB",
                            "WORLD_C_DB", "WORLD_LOG_DIR", "WORLD_CERTD_BIN", "WORLD_CLI_BIN"}) {
        QVERIFY2(!env(QLatin1String(key)).isEmpty(), key);
    }
    QCOMPARE(env(QStringLiteral("WORLD_DIR")), QDir(m_worldDir).canonicalPath());
    QCOMPARE(QFileInfo(env(QStringLiteral("WORLD_CERTD_BIN"))).canonicalFilePath(),
             QFileInfo(QStringLiteral(NAPKIN_CERTD_PATH)).canonicalFilePath());
    QCOMPARE(QFileInfo(env(QStringLiteral("WORLD_CLI_BIN"))).canonicalFilePath(),
             QFileInfo(QStringLiteral(NAPKIN_CLI_PATH)).canonicalFilePath());
    for (const char *key : {"WORLD_CA_FILE", "WORLD_A_DB", "WORLD_B_DB", "WORLD_C_DB"}) {
        QVERIFY2(QFileInfo(env(QLatin1String(key))).isFile(), key);
    }
    QVERIFY(QFileInfo(env(QStringLiteral("WORLD_LOG_DIR"))).isDir());

    // Every address is unique, on loopback and not 127.0.0.x, and answers.
    QSet<QString> addresses;
    for (const char *key : {"WORLD_A_PROXY", "WORLD_B_PROXY", "WORLD_C_PROXY", "WORLD_B_EVIL_PROXY",
                            "WORLD_A_CERTD", "WORLD_B_CERTD"}) {
        const Endpoint e = parseEndpoint(env(QLatin1String(key)));
        QVERIFY2(e.port != 0 && e.address.isLoopback(), key);
        QVERIFY2(!e.address.toString().startsWith(QStringLiteral("127.0.0.")), key);
        addresses.insert(e.address.toString());
        QVERIFY2(FreePort::accepts(e, 2000), key);
    }
    addresses.insert(env(QStringLiteral("WORLD_DNS")));
    QCOMPARE(addresses.size(), 7);
    QVERIFY(env(QStringLiteral("WORLD_DNS_PORT")).toUInt() != 53);
    QVERIFY(!nothingBound(parseEndpoint(env(QStringLiteral("WORLD_DNS")) + QLatin1Char(':') +
                                        env(QStringLiteral("WORLD_DNS_PORT")))));

    // A pid file per process, each the leader of a running session.
    const QStringList pidFiles =
        QDir(worldFile(QStringLiteral("run"))).entryList({QStringLiteral("*.pid")}, QDir::Files);
    QCOMPARE(pidFiles.size(), 7); // 4 Kamailio, 2 napkin-certd, dnsmasq
    for (const QString &name : pidFiles) {
        QFile f(worldFile(QStringLiteral("run/") + name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const qint64 pid = f.readAll().trimmed().toLongLong();
        QVERIFY2(aliveWith(pid, m_worldDir), qPrintable(name));
        QVERIFY2(QFileInfo(worldFile(QStringLiteral("log/") +
                                     QString(name).replace(QStringLiteral(".pid"),
                                                           QStringLiteral(".log"))))
                     .isFile(),
                 qPrintable(name));
    }
}

void TestWorldScript::profilesParse_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("aor");
    QTest::addColumn<QString>("proxyKey");
    QTest::newRow("alice") << "alice.ini"
                           << "sip:alice@a.example"
                           << "WORLD_A_PROXY";
    QTest::newRow("bob") << "bob.ini"
                         << "sip:bob@b.example"
                         << "WORLD_B_PROXY";
    QTest::newRow("bob2") << "bob2.ini"
                          << "sip:bob@b.example"
                          << "WORLD_B_PROXY";
    QTest::newRow("carol") << "carol.ini"
                           << "sip:carol@c.example"
                           << "WORLD_C_PROXY";
}

void TestWorldScript::profilesParse() {
    QFETCH(QString, file);
    QFETCH(QString, aor);
    QFETCH(QString, proxyKey);
    const QString path = worldFile(file);
    auto profile = napkin::discovery::Profile::load(path);
    QVERIFY2(profile.ok(), profile.ok() ? "" : qPrintable(profile.error().message));
    QCOMPARE(profile->aor, aor);
    const QString domain = aor.mid(aor.indexOf(QLatin1Char('@')) + 1);
    QCOMPARE(profile->registrar, QStringLiteral("sip:") + domain);
    QCOMPARE(profile->outboundProxy, QStringLiteral("sip:") + env(proxyKey));
    QVERIFY(profile->dnsServer.has_value());
    QCOMPARE(profile->dnsServer->toString(), env(QStringLiteral("WORLD_DNS")));
    QCOMPARE(QString::number(profile->dnsPort), env(QStringLiteral("WORLD_DNS_PORT")));
    QCOMPARE(profile->caFile, env(QStringLiteral("WORLD_CA_FILE")));
    QVERIFY(profile->allowPrivateServices); // every service of the world is on loopback
    // The world's Kamailio challenges with realm = the AOR's domain: nothing extra.
    QVERIFY(profile->extraRealms.isEmpty());
    QCOMPARE(profile->keyStorage, napkin::discovery::Profile::KeyStorage::None);
    QCOMPARE(profile->cacheTtl.count(), 0);
    QVERIFY(profile->stateDir.startsWith(env(QStringLiteral("WORLD_DIR")) + QLatin1Char('/')));
    auto password = profile->readPassword();
    QVERIFY(password.ok());
    QVERIFY(password->size() >= 16);
    struct stat st {};
    QCOMPARE(::stat(QFile::encodeName(profile->passwordFile).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777u, 0600u);

    auto sip = napkin::sip::SipProfile::load(path.toStdString());
    QVERIFY2(sip.ok(), sip.ok() ? "" : sip.error().c_str());
    const QString listen = QString::fromStdString(sip->listen);
    QVERIFY2(listen.startsWith(QStringLiteral("sip:127.")) && listen.endsWith(QStringLiteral(":*")),
             qPrintable(listen));

    // Each profile listens on an address of its own and keeps its own state.
    static QSet<QString> listens;
    static QSet<QString> stateDirs;
    QVERIFY2(!listens.contains(listen), qPrintable(listen));
    QVERIFY2(!stateDirs.contains(profile->stateDir), qPrintable(profile->stateDir));
    listens.insert(listen);
    stateDirs.insert(profile->stateDir);
}

void TestWorldScript::agentsCallVerifiedAcrossDomains() {
    auto bob = agent(QStringLiteral("bob"),
                     {QStringLiteral("--config"), worldFile(QStringLiteral("bob.ini")),
                      QStringLiteral("--auto-answer")});
    NAPKIN_VERIFY_OK(bob->start());
    NAPKIN_WAIT_EVENT(bobRegistered, *bob, QStringLiteral("registered"),
                      {{QStringLiteral("state"), QStringLiteral("registered")}});
    NAPKIN_WAIT_EVENT(bobEnrolled, *bob, QStringLiteral("enrolled"));
    const QString bobFp = bobEnrolled.value(QStringLiteral("fingerprint")).toString();
    QVERIFY(bobFp.startsWith(QStringLiteral("sha256:")));

    auto alice = agent(QStringLiteral("alice"),
                       {QStringLiteral("--config"), worldFile(QStringLiteral("alice.ini")),
                        QStringLiteral("--call"), QStringLiteral("sip:bob@b.example"),
                        QStringLiteral("--hangup-after"), QStringLiteral("2"),
                        QStringLiteral("--no-audio")});
    NAPKIN_VERIFY_OK(alice->start());
    NAPKIN_WAIT_EVENT(aliceEnrolled, *alice, QStringLiteral("enrolled"));
    const QString aliceFp = aliceEnrolled.value(QStringLiteral("fingerprint")).toString();

    // Each side sees the other's device, proven by the other domain's service.
    NAPKIN_WAIT_EVENT(bobSees, *bob, QStringLiteral("identity"));
    QCOMPARE(bobSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    QCOMPARE(bobSees.value(QStringLiteral("domain")).toString(), QStringLiteral("a.example"));
    QCOMPARE(bobSees.value(QStringLiteral("fingerprint")).toString(), aliceFp);
    NAPKIN_WAIT_EVENT(aliceSees, *alice, QStringLiteral("identity"));
    QCOMPARE(aliceSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    QCOMPARE(aliceSees.value(QStringLiteral("domain")).toString(), QStringLiteral("b.example"));
    QCOMPARE(aliceSees.value(QStringLiteral("fingerprint")).toString(), bobFp);
    NAPKIN_WAIT_EVENT(aliceMedia, *alice, QStringLiteral("media"));
    QCOMPARE(aliceMedia.value(QStringLiteral("e2e")).toBool(), true);
    NAPKIN_WAIT_EVENT(bobEnded, *bob, QStringLiteral("ended"));
    QCOMPARE(bobEnded.value(QStringLiteral("by_peer")).toBool(), true);

    alice->process().stop();
    bob->process().stop();
}

void TestWorldScript::downLeavesNothingBehind() {
    // Every process of the world: the leaders in run/*.pid and their children
    // (Kamailio forks its workers).
    QSet<qint64> leaders;
    const QDir run(worldFile(QStringLiteral("run")));
    for (const QString &name : run.entryList({QStringLiteral("*.pid")}, QDir::Files)) {
        QFile f(run.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        leaders.insert(f.readAll().trimmed().toLongLong());
    }
    QCOMPARE(leaders.size(), 7);
    const QSet<qint64> members = sessionMembers(leaders);
    QVERIFY2(members.size() > leaders.size(), "Kamailio's workers were not found");
    for (const qint64 pid : members) {
        QVERIFY2(aliveWith(pid, m_worldDir), qPrintable(QString::number(pid)));
    }

    auto down = runWorld({QStringLiteral("down"), m_worldDir});
    NAPKIN_VERIFY_OK(down);
    QVERIFY2(down->succeeded(), qPrintable(down->describe()));
    for (const qint64 pid : members) {
        QVERIFY2(!aliveWith(pid, m_worldDir),
                 qPrintable(QStringLiteral("%1 still runs: %2").arg(pid).arg(cmdline(pid))));
    }
    // Nor anything they forked meanwhile.
    for (const qint64 pid : sessionMembers(leaders)) {
        QVERIFY2(!cmdline(pid).contains(m_worldDir), qPrintable(cmdline(pid)));
    }

    // Nothing is bound to the world's addresses any more.
    for (const char *key : {"WORLD_A_PROXY", "WORLD_B_PROXY", "WORLD_C_PROXY", "WORLD_B_EVIL_PROXY",
                            "WORLD_A_CERTD", "WORLD_B_CERTD"}) {
        const Endpoint e = parseEndpoint(env(QLatin1String(key)));
        QVERIFY2(nothingBound(e), key);
        if (e.port == 5060) {
            QVERIFY2(nothingBound({e.address, 5061}), key);
        }
    }
    QVERIFY(nothingBound(parseEndpoint(env(QStringLiteral("WORLD_DNS")) + QLatin1Char(':') +
                                       env(QStringLiteral("WORLD_DNS_PORT")))));

    // Running it again is fine.
    auto again = runWorld({QStringLiteral("down"), m_worldDir});
    NAPKIN_VERIFY_OK(again);
    QVERIFY2(again->succeeded(), qPrintable(again->describe()));
    m_up = false;
}

QTEST_GUILESS_MAIN(TestWorldScript)
#include "test_world_script.moc"
