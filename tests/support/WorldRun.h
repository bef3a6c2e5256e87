// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One private world (scripts/world up) for an integration test: its
// world.env, profiles derived from the ready-made ones, extra users, agents,
// and what its Kamailio proxies recorded when started with the
// TRACE_MESSAGES define. `scripts/world down` runs in the destructor.
//
// The script and the binaries it starts come from the environment ctest sets
// for every test (NAPKIN_SOURCE_DIR, NAPKIN_BINARY_DIR), falling back to the
// tree this library was built in; agents and `user add` use the binaries the
// world names in its world.env (WORLD_CLI_BIN, WORLD_CERTD_BIN).

#include "tests/support/AgentProcess.h"
#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <map>
#include <memory>
#include <vector>

namespace napkin::testing {

/// One SIP message as a proxy logged it (deploy/kamailio/kamailio.cfg, TRACE_MESSAGES).
struct TracedMessage {
    QString proxy;     ///< the log it came from, e.g. "kamailio-b"
    QString direction; ///< "rcv" or "snd"
    QString source;    ///< "ip:port"
    QString destination;
    QByteArray bytes; ///< the whole message, headers and body

    /// "INVITE", "ACK", ... for a request; "SIP/2.0" for a response.
    [[nodiscard]] QByteArray method() const;
    /// The status code of a response (0 for a request).
    [[nodiscard]] int status() const;
    /// The CSeq method ("INVITE" for an INVITE's responses).
    [[nodiscard]] QByteArray cseqMethod() const;
    /// The first value of a header (case-insensitive name; compact forms not handled).
    [[nodiscard]] QByteArray header(const QByteArray &name) const;
    [[nodiscard]] QByteArray body() const;
};

/// Where a world runs (scripts/world up, or up --nat).
enum class WorldKind {
    Loopback, ///< on 127.255.x.y addresses of this machine
    Nat,      ///< in network namespaces behind home routers, with coturn (root only; docs/world.md)
};

/// A running agent and the event that said it registered.
struct RegisteredAgent {
    std::unique_ptr<AgentProcess> agent;
    QJsonObject registered; ///< its "contact" is the binding it registered
};

class WorldRun {
public:
    ~WorldRun();
    WorldRun(const WorldRun &) = delete;
    WorldRun &operator=(const WorldRun &) = delete;

    /// Starts a world in a fresh temporary directory; `kamailioDefines` is
    /// passed as WORLD_KAMAILIO_DEFINES (e.g. "TRACE_MESSAGES").
    [[nodiscard]] static TestResult<std::unique_ptr<WorldRun>>
    up(const QString &kamailioDefines = {}, WorldKind kind = WorldKind::Loopback);

    /// A world.env value ("" when absent).
    [[nodiscard]] QString env(const QString &key) const;
    /// The temporary directory that holds everything; the world itself is its
    /// `world/` (so its profiles are file("world/alice.ini")).
    [[nodiscard]] QString dir() const { return m_dir->path(); }
    [[nodiscard]] QString file(const QString &name) const { return m_dir->filePath(name); }
    /// A directory for test files and agent logs.
    [[nodiscard]] QString scratch() const;

    /// Copies `<base>.ini` to `<name>.ini`, appending `extra` (lines for the
    /// [sip] section, which the world writes last) and then `sections`.
    [[nodiscard]] TestResult<QString> profile(const QString &base, const QString &name,
                                              const QString &extra = {},
                                              const QString &sections = {});

    /// Copies `<base>.ini` to `<name>.ini` without its registrar and outbound
    /// proxy lines: an agent on it registers nowhere and sends its requests
    /// straight to its --via target.
    [[nodiscard]] TestResult<QString> directProfile(const QString &base, const QString &name);

    /// Adds `user@domain` to the subscriber table at `dbKey` (WORLD_B_DB...)
    /// with napkin-certd; returns the password.
    [[nodiscard]] TestResult<QString> addUser(const QString &address, const QString &dbKey);

    /// A napkin-cli agent (not started) logging into scratch(); with `netns`
    /// it runs in that network namespace (a NAT world's WORLD_NS_ALICE...).
    [[nodiscard]] std::unique_ptr<AgentProcess>
    agent(const QString &name, const QStringList &arguments, const QString &netns = {}) const;

    /// An agent (not started) on the world's `<profile>.ini` calling `callee`,
    /// logging as `name`; `extra` arguments follow.
    [[nodiscard]] std::unique_ptr<AgentProcess> caller(const QString &name, const QString &profile,
                                                       const QString &callee,
                                                       const QStringList &extra = {}) const;

    /// Starts an agent named `name` on the profile at `ini` that answers
    /// every call, and waits (up to a minute) until it has registered.
    [[nodiscard]] TestResult<RegisteredAgent> registeredAnswerer(const QString &name,
                                                                 const QString &ini) const;

    /// An agent (not started) on a directProfile() of `<base>.ini` named
    /// `name`, calling `callee` straight through `via` (no proxy); `extra`
    /// arguments follow.
    [[nodiscard]] TestResult<std::unique_ptr<AgentProcess>>
    directCaller(const QString &base, const QString &name, const QString &callee,
                 const QString &via, const QStringList &extra = {});

    /// One short call (hung up after a second, no audio) from the world's
    /// `<profile>.ini` to `callee`: fails unless its media came up end-to-end
    /// and it ended with the caller's hang-up. The agent is stopped after.
    [[nodiscard]] TestResult<void> shortEndToEndCall(const QString &profile,
                                                     const QString &callee) const;

    /// Every message the proxies logged so far (TRACE_MESSAGES), in log order per proxy.
    [[nodiscard]] std::vector<TracedMessage> trace() const;

    /// Runs `scripts/world down`; also done by the destructor.
    TestResult<void> down();

private:
    WorldRun() = default;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::map<QString, QString> m_env;
    bool m_up = false;
};

/// The scripts/world of this source tree, and the build it runs binaries from.
[[nodiscard]] QString worldScriptPath();
[[nodiscard]] QString napkinBuildDir();

} // namespace napkin::testing
