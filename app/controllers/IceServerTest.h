// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Settings' "Test" for the STUN and TURN servers: gathers ICE candidates with
// the servers entered (media::probeIceServers, on libnice's own thread) and
// says in words which kinds came back (host, server-reflexive, relayed) or
// what went wrong.

#include "media/IceSession.h"
#include "sipcore/discovery/DnsQuery.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

namespace napkin::app {

class IceServerTest : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
public:
    /// media::probeIceServers in the app; tests pass their own.
    using Probe =
        std::function<void(media::IceSessionConfig, std::function<void(media::IceProbeResult)>)>;

    explicit IceServerTest(Probe probe, QObject *parent = nullptr);
    ~IceServerTest() override;

    /// Gathers with `servers`, resolving their names through `dns`. A test
    /// still running is abandoned (its result is dropped). finished() always
    /// follows, later.
    void run(const media::IceServers &servers, const discovery::DnsServer &dns);
    [[nodiscard]] bool running() const { return m_running; }

    /// How long gathering may take before the probe reports.
    static constexpr std::chrono::milliseconds gatherDeadline{5000};

    /// Whether the result shows every configured server working: no
    /// problem, a server-reflexive candidate with STUN, a relayed one with TURN.
    [[nodiscard]] static bool passed(const media::IceProbeResult &result,
                                     const media::IceServers &servers);
    /// The result in words: the kinds gathered and every problem.
    [[nodiscard]] static QString describe(const media::IceProbeResult &result,
                                          const media::IceServers &servers);
    /// "host", "server-reflexive", "peer-reflexive", "relayed".
    [[nodiscard]] static QString kindName(media::CandidateKind kind);

Q_SIGNALS:
    void finished(bool ok, const QString &message);
    void runningChanged();

private:
    void conclude(quint64 run, const media::IceProbeResult &result);
    void setRunning(bool running);

    Probe m_probe;
    media::IceServers m_servers; ///< of the running test (holds the TURN password)
    quint64 m_run = 0;
    bool m_running = false;
    QTimer m_watchdog; ///< a probe that never reports still ends the test
};

} // namespace napkin::app
