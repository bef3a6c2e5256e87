// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/WorldRun.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcessEnvironment>

namespace napkin::testing {

namespace {

constexpr int kWorldTimeoutMs = 150000;

QString fromEnvOr(const char *name, const QString &fallback) {
    const QString value = qEnvironmentVariable(name);
    return value.isEmpty() ? fallback : value;
}

TestResult<RunResult> runWorld(const QStringList &arguments, const QString &defines) {
    QProcessEnvironment env;
    env.insert(QStringLiteral("NAPKIN_BUILD_DIR"), napkinBuildDir());
    if (!defines.isEmpty()) {
        env.insert(QStringLiteral("WORLD_KAMAILIO_DEFINES"), defines);
    }
    // The world goes down when this test process ends, even if it is killed
    // (a timeout, a sanitizer abort) before its destructors run.
    env.insert(QStringLiteral("WORLD_OWNER_PID"),
               QString::number(QCoreApplication::applicationPid()));
    return runProgram(QStringLiteral("/bin/bash"), QStringList{worldScriptPath()} + arguments,
                      kWorldTimeoutMs, {}, env);
}

bool writeFile(const QString &path, const QByteArray &data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

/// The header section of a message (up to the blank line).
QByteArray headPart(const QByteArray &bytes) {
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    return end < 0 ? bytes : bytes.left(end);
}

} // namespace

QString worldScriptPath() {
    return fromEnvOr("NAPKIN_SOURCE_DIR", QStringLiteral(NAPKIN_SOURCE_DIR)) +
           QStringLiteral("/scripts/world");
}

QString napkinBuildDir() {
    return fromEnvOr("NAPKIN_BINARY_DIR", QStringLiteral(NAPKIN_BINARY_DIR));
}

QByteArray TracedMessage::method() const {
    const qsizetype space = bytes.indexOf(' ');
    return space < 0 ? QByteArray() : bytes.left(space);
}

int TracedMessage::status() const {
    if (!bytes.startsWith("SIP/2.0 ")) {
        return 0;
    }
    return bytes.mid(8, 3).toInt();
}

QByteArray TracedMessage::cseqMethod() const {
    const QByteArray cseq = header("CSeq").trimmed();
    const qsizetype space = cseq.indexOf(' ');
    return space < 0 ? QByteArray() : cseq.mid(space + 1).trimmed();
}

QByteArray TracedMessage::header(const QByteArray &name) const {
    const QList<QByteArray> lines = headPart(bytes).split('\n');
    const QByteArray wanted = name.toLower() + ':';
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        if (line.toLower().startsWith(wanted)) {
            return line.mid(wanted.size()).trimmed();
        }
    }
    return {};
}

QByteArray TracedMessage::body() const {
    const qsizetype end = bytes.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : bytes.mid(end + 4);
}

WorldRun::~WorldRun() {
    (void)down();
}

TestResult<std::unique_ptr<WorldRun>> WorldRun::up(const QString &kamailioDefines, WorldKind kind) {
    std::unique_ptr<WorldRun> world(new WorldRun);
    world->m_dir = std::make_unique<QTemporaryDir>();
    if (!world->m_dir->isValid()) {
        return fail(QStringLiteral("cannot create a temporary directory"));
    }
    QDir().mkpath(world->scratch());
    QStringList arguments{QStringLiteral("up")};
    if (kind == WorldKind::Nat) {
        arguments << QStringLiteral("--nat");
    }
    arguments << world->dir() + QStringLiteral("/world");
    auto ran = runWorld(arguments, kamailioDefines);
    if (!ran) {
        return fail(ran.error());
    }
    world->m_up = true; // down also cleans up after a half-started world
    if (!ran->succeeded()) {
        return fail(QStringLiteral("scripts/world up failed: ") + ran->describe());
    }
    QFile envFile(world->dir() + QStringLiteral("/world/world.env"));
    if (!envFile.open(QIODevice::ReadOnly)) {
        return fail(QStringLiteral("scripts/world up wrote no world.env"));
    }
    for (const QByteArray &raw : envFile.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq > 0 && !line.startsWith(QLatin1Char('#'))) {
            world->m_env[line.left(eq)] = line.mid(eq + 1);
        }
    }
    return world;
}

TestResult<void> WorldRun::down() {
    if (!m_up) {
        return {};
    }
    m_up = false;
    auto ran = runWorld({QStringLiteral("down"), dir() + QStringLiteral("/world")}, {});
    if (!ran) {
        return fail(ran.error());
    }
    if (!ran->succeeded()) {
        return fail(QStringLiteral("scripts/world down failed: ") + ran->describe());
    }
    return {};
}

QString WorldRun::env(const QString &key) const {
    const auto it = m_env.find(key);
    return it == m_env.end() ? QString() : it->second;
}

QString WorldRun::scratch() const {
    return m_dir->filePath(QStringLiteral("scratch"));
}

TestResult<QString> WorldRun::profile(const QString &base, const QString &name,
                                      const QString &extra, const QString &sections) {
    const QString world = dir() + QStringLiteral("/world/");
    QFile in(world + base + QStringLiteral(".ini"));
    if (!in.open(QIODevice::ReadOnly)) {
        return fail(QStringLiteral("the world has no profile ") + in.fileName());
    }
    QByteArray text = in.readAll();
    if (!text.endsWith('\n')) {
        text += '\n';
    }
    text += extra.toUtf8();
    if (!text.endsWith('\n')) {
        text += '\n';
    }
    text += sections.toUtf8();
    // Beside the world's profiles: relative paths in them stay valid.
    const QString path = world + name + QStringLiteral(".ini");
    if (!writeFile(path, text)) {
        return fail(QStringLiteral("cannot write ") + path);
    }
    return path;
}

TestResult<QString> WorldRun::directProfile(const QString &base, const QString &name) {
    const QString world = dir() + QStringLiteral("/world/");
    QFile in(world + base + QStringLiteral(".ini"));
    if (!in.open(QIODevice::ReadOnly)) {
        return fail(QStringLiteral("the world has no profile ") + in.fileName());
    }
    QByteArray text;
    for (const QByteArray &line : in.readAll().split('\n')) {
        if (!line.startsWith("registrar") && !line.startsWith("outbound_proxy")) {
            text += line + '\n';
        }
    }
    const QString path = world + name + QStringLiteral(".ini");
    if (!writeFile(path, text)) {
        return fail(QStringLiteral("cannot write ") + path);
    }
    return path;
}

TestResult<QString> WorldRun::addUser(const QString &address, const QString &dbKey) {
    const QString password =
        QStringLiteral("pw-") + address.section(QLatin1Char('@'), 0, 0) + QStringLiteral("-7Hq2x");
    const QString file = scratch() + QLatin1Char('/') + address + QStringLiteral(".pw");
    if (!writeFile(file, password.toUtf8())) {
        return fail(QStringLiteral("cannot write ") + file);
    }
    QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner);
    auto added = runProgram(env(QStringLiteral("WORLD_CERTD_BIN")),
                            {QStringLiteral("user"), QStringLiteral("add"), address,
                             QStringLiteral("--password-file"), file, QStringLiteral("--db"),
                             QStringLiteral("sqlite:") + env(dbKey)});
    if (!added) {
        return fail(added.error());
    }
    if (!added->succeeded()) {
        return fail(QStringLiteral("napkin-certd user add ") + address + QStringLiteral(": ") +
                    added->describe());
    }
    return password;
}

std::unique_ptr<AgentProcess> WorldRun::agent(const QString &name, const QStringList &arguments,
                                              const QString &netns) const {
    return std::make_unique<AgentProcess>(env(QStringLiteral("WORLD_CLI_BIN")), name, scratch(),
                                          arguments, netns);
}

std::unique_ptr<AgentProcess> WorldRun::caller(const QString &name, const QString &profile,
                                               const QString &callee,
                                               const QStringList &extra) const {
    return agent(name,
                 QStringList{QStringLiteral("--config"),
                             file(QStringLiteral("world/") + profile + QStringLiteral(".ini")),
                             QStringLiteral("--call"), callee} +
                     extra);
}

TestResult<RegisteredAgent> WorldRun::registeredAnswerer(const QString &name,
                                                         const QString &ini) const {
    RegisteredAgent answerer;
    answerer.agent =
        agent(name, {QStringLiteral("--config"), ini, QStringLiteral("--auto-answer")});
    if (auto started = answerer.agent->start(); !started) {
        return fail(started.error());
    }
    auto registered =
        answerer.agent->waitFor(QStringLiteral("registered"),
                                {{QStringLiteral("state"), QStringLiteral("registered")}}, 60000);
    if (!registered) {
        return fail(registered.error());
    }
    answerer.registered = *registered;
    return answerer;
}

TestResult<std::unique_ptr<AgentProcess>>
WorldRun::directCaller(const QString &base, const QString &name, const QString &callee,
                       const QString &via, const QStringList &extra) {
    if (auto profile = directProfile(base, name); !profile) {
        return fail(profile.error());
    }
    return caller(name, name, callee, QStringList{QStringLiteral("--via"), via} + extra);
}

TestResult<void> WorldRun::shortEndToEndCall(const QString &profile, const QString &callee) const {
    auto agent = caller(
        profile, profile, callee,
        {QStringLiteral("--hangup-after"), QStringLiteral("1"), QStringLiteral("--no-audio")});
    const auto finished = [&agent](TestResult<void> result) {
        agent->process().stop();
        return result;
    };
    if (auto started = agent->start(); !started) {
        return started;
    }
    auto media = agent->waitFor(QStringLiteral("media"), {}, 60000);
    if (!media) {
        return finished(fail(media.error()));
    }
    if (!media->value(QStringLiteral("e2e")).toBool()) {
        return finished(fail(profile + QStringLiteral("'s call to ") + callee +
                             QStringLiteral(" is not end-to-end: ") +
                             media->value(QStringLiteral("not_e2e_reason")).toString()));
    }
    auto ended = agent->waitFor(QStringLiteral("ended"));
    if (!ended) {
        return finished(fail(ended.error()));
    }
    const QString code = ended->value(QStringLiteral("code")).toString();
    if (code != QStringLiteral("hangup")) {
        return finished(fail(profile + QStringLiteral("'s call to ") + callee +
                             QStringLiteral(" ended with ") + code +
                             QStringLiteral(", not the caller's hang-up")));
    }
    return finished({});
}

std::vector<TracedMessage> WorldRun::trace() const {
    std::vector<TracedMessage> out;
    const QDir logs(env(QStringLiteral("WORLD_LOG_DIR")));
    for (const QString &name :
         logs.entryList({QStringLiteral("kamailio*.log")}, QDir::Files, QDir::Name)) {
        QFile f(logs.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            continue;
        }
        for (const QByteArray &line : f.readAll().split('\n')) {
            // "... NOTICE: <script>: NAPKIN-TRACE rcv udp SRC -> DST len=N base64=..."
            const qsizetype at = line.indexOf("NAPKIN-TRACE ");
            if (at < 0) {
                continue;
            }
            const QList<QByteArray> fields = line.mid(at).trimmed().split(' ');
            if (fields.size() < 8 || !fields[7].startsWith("base64=")) {
                continue;
            }
            TracedMessage m;
            m.proxy = name.section(QLatin1Char('.'), 0, 0);
            m.direction = QString::fromLatin1(fields[1]);
            m.source = QString::fromLatin1(fields[3]);
            m.destination = QString::fromLatin1(fields[5]);
            m.bytes = QByteArray::fromBase64(fields[7].mid(7));
            out.push_back(std::move(m));
        }
    }
    return out;
}

} // namespace napkin::testing
