// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/IceServerTest.h"

#include <QCoreApplication>
#include <QPointer>
#include <QStringList>

#include <algorithm>
#include <utility>

namespace napkin::app {

namespace {

bool has(const media::IceProbeResult &result, media::CandidateKind kind) {
    return std::find(result.kinds.cbegin(), result.kinds.cend(), kind) != result.kinds.cend();
}

QString serverName(const std::string &host, std::uint16_t port) {
    return QStringLiteral("%1:%2").arg(QString::fromStdString(host)).arg(port);
}

/// What is missing although the probe named no problem.
QStringList missing(const media::IceProbeResult &result, const media::IceServers &servers) {
    QStringList problems;
    if (servers.stun && !has(result, media::CandidateKind::ServerReflexive)) {
        problems << IceServerTest::tr("no server-reflexive address from the STUN server %1 (it "
                                      "did not answer, or this device is not behind a router)")
                        .arg(serverName(servers.stun->host, servers.stun->port));
    }
    if (servers.turn && !has(result, media::CandidateKind::Relayed)) {
        problems << IceServerTest::tr("no relayed address from the TURN server %1 (check the "
                                      "server, the user name and the password)")
                        .arg(serverName(servers.turn->host, servers.turn->port));
    }
    return problems;
}

} // namespace

IceServerTest::IceServerTest(Probe probe, QObject *parent)
    : QObject(parent), m_probe(std::move(probe)) {
    m_watchdog.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        if (!m_running) {
            return;
        }
        ++m_run; // a late result is dropped
        m_servers = {};
        setRunning(false);
        Q_EMIT finished(false, tr("The test did not finish in time."));
    });
}

IceServerTest::~IceServerTest() = default;

QString IceServerTest::kindName(media::CandidateKind kind) {
    switch (kind) {
    case media::CandidateKind::Host:
        return tr("host");
    case media::CandidateKind::ServerReflexive:
        return tr("server-reflexive");
    case media::CandidateKind::PeerReflexive:
        return tr("peer-reflexive");
    case media::CandidateKind::Relayed:
        return tr("relayed");
    }
    return tr("unknown");
}

bool IceServerTest::passed(const media::IceProbeResult &result, const media::IceServers &servers) {
    return result.problems.empty() && missing(result, servers).isEmpty();
}

QString IceServerTest::describe(const media::IceProbeResult &result,
                                const media::IceServers &servers) {
    QStringList kinds;
    for (const auto kind : {media::CandidateKind::Host, media::CandidateKind::ServerReflexive,
                            media::CandidateKind::PeerReflexive, media::CandidateKind::Relayed}) {
        if (has(result, kind)) {
            kinds << kindName(kind);
        }
    }
    QStringList problems;
    for (const std::string &problem : result.problems) {
        problems << QString::fromStdString(problem);
    }
    if (problems.isEmpty()) {
        problems = missing(result, servers);
    }
    const QString got = kinds.isEmpty()
                            ? tr("No candidates at all.")
                            : tr("Got %1 candidates.").arg(kinds.join(QStringLiteral(", ")));
    if (problems.isEmpty()) {
        return got;
    }
    return tr("%1 Problems: %2.").arg(got, problems.join(QStringLiteral("; ")));
}

void IceServerTest::setRunning(bool running) {
    if (m_running != running) {
        m_running = running;
        Q_EMIT runningChanged();
    }
}

void IceServerTest::run(const media::IceServers &servers, const discovery::DnsServer &dns) {
    const quint64 run = ++m_run;
    if (!m_probe) {
        QTimer::singleShot(0, this, [this, run] {
            if (run == m_run) {
                Q_EMIT finished(false, tr("No STUN/TURN test is available in this build."));
            }
        });
        return;
    }
    m_servers = servers;
    setRunning(true);
    media::IceSessionConfig config;
    config.servers = servers;
    config.resolve = [dns](const std::string &host) { return discovery::resolveIpv4(dns, host); };
    config.gatherDeadline = gatherDeadline;
    // Names are resolved first (up to two DNS attempts each), then gathered.
    m_watchdog.start(gatherDeadline + std::chrono::seconds(2 * dns.attempts * dns.timeoutSeconds) +
                     std::chrono::seconds(3));
    // The result comes on the ICE thread: hand it to this thread, where the
    // test may already be gone (the application object is the hop's context,
    // so nothing on the ICE thread touches this object).
    QPointer<IceServerTest> guard(this);
    m_probe(std::move(config), [guard, run](media::IceProbeResult result) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, run, result = std::move(result)] {
                if (guard) {
                    guard->conclude(run, result);
                }
            },
            Qt::QueuedConnection);
    });
}

void IceServerTest::conclude(quint64 run, const media::IceProbeResult &result) {
    if (run != m_run || !m_running) {
        return; // an abandoned test's result
    }
    m_watchdog.stop();
    const media::IceServers servers = std::exchange(m_servers, {});
    setRunning(false);
    Q_EMIT finished(passed(result, servers), describe(result, servers));
}

} // namespace napkin::app
