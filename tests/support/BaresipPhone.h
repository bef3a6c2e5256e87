// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One baresip-core instance (Debian baresip 1.0.0) for interop tests, with a
// private config directory, driven over its ctrl_tcp module (netstring JSON
// commands and events). It plays a WAV file (aufile) and dumps the audio it
// decodes (sndfile) to `<dir>/snd/dump-*-dec.wav`. It can run inside a
// network namespace (a NAT world's home); ctrl_tcp is then reached through a
// socket made inside that namespace.

#include "tests/support/ManagedProcess.h"
#include "tests/support/TestResult.h"

#include <QByteArray>
#include <QHostAddress>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTcpSocket>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace napkin::testing {

struct BaresipSettings {
    QString aor;      ///< sip:user@domain
    QString password; ///< the account's SIP password
    QString proxy;    ///< outbound proxy, "ip:port" (UDP)
    QString tone;     ///< WAV file baresip plays into every call
    /// Network namespace to run in (empty: this one).
    QString netns;
    /// SIP, media and ctrl_tcp address; unset: a fresh loopback address.
    QHostAddress address;
    /// More media modules to load, e.g. {"stun", "turn", "ice"}.
    QStringList modules;
    /// More account parameters, e.g. {"medianat=ice", "stunserver=turn:h:3478"}.
    QStringList accountParameters;
    /// More config lines ("key value").
    QStringList config;
};

class BaresipPhone {
public:
    BaresipPhone(const QString &name, const QString &dir);
    ~BaresipPhone();
    BaresipPhone(const BaresipPhone &) = delete;
    BaresipPhone &operator=(const BaresipPhone &) = delete;

    /// Writes config and accounts, starts baresip and connects to ctrl_tcp.
    [[nodiscard]] TestResult<void> start(const BaresipSettings &settings);

    /// Sends a command; its response (ok and data), once it comes.
    [[nodiscard]] TestResult<QJsonObject> command(const QString &name, const QString &params = {});

    /// Waits until the account is registered (reginfo shows OK).
    [[nodiscard]] TestResult<void> waitRegistered(int timeoutMs = 10000);

    /// The first event of `type` (CALL_ESTABLISHED, CALL_MENC, ...), waiting for it.
    [[nodiscard]] TestResult<QJsonObject> waitEvent(const QString &type, int timeoutMs = 30000);
    [[nodiscard]] std::optional<QJsonObject> event(const QString &type) const;
    [[nodiscard]] const std::vector<QJsonObject> &events() const { return m_events; }

    /// The decoded audio baresip received (sndfile's dump-*-dec.wav).
    [[nodiscard]] QString decodedRecording() const;

    /// Asks baresip to quit (it unregisters), then makes sure it is gone.
    void stop();

    [[nodiscard]] QString logTail(int lines = 60) const;
    /// Everything baresip wrote to standard output and error so far.
    [[nodiscard]] QString log() const;
    [[nodiscard]] QHostAddress address() const { return m_address; }

private:
    /// Polls `done` while reading netstrings from ctrl_tcp.
    TestResult<void> waitUntil(const std::function<bool()> &done, int timeoutMs,
                               const QString &what);
    void parse();
    TestResult<void> connectControl();

    QString m_name;
    QString m_dir;
    QString m_netns;
    QHostAddress m_address;
    quint16 m_ctrlPort = 0;
    std::unique_ptr<ManagedProcess> m_process;
    QTcpSocket m_socket;
    QByteArray m_buffer;
    std::vector<QJsonObject> m_events;
    std::vector<QJsonObject> m_responses;
    int m_token = 0;
};

} // namespace napkin::testing
