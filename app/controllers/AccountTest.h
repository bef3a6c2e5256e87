// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// "Test connection" on first run: starts a throw-away engine with the values
// the user entered (memory-only key, temporary state), waits until it is
// registered AND its certificate is published, revokes that throw-away
// certificate again and shuts the engine down. Reports progress and the
// outcome in words.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <memory>

namespace napkin::engine {
class Engine;
}
class QTemporaryDir;

namespace napkin::app {

struct AccountSetup {
    QString address; ///< "alice@a.example" or "sip:alice@a.example"
    QString password;
    QString registrar;     ///< empty: "sip:<domain>"
    QString outboundProxy; ///< empty: none
    QString transport;     ///< udp | tcp | tls (empty: udp)
    QString dnsServer;     ///< "IP" or "IP:port"; empty: the system's resolver
    QString caFile;        ///< extra CA for services and TLS; empty: system CAs
    /// The certificate service may be at a loopback or LAN address
    /// ([network] allow_private_services).
    bool allowPrivateServices = false;
};

class AccountTest : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
public:
    explicit AccountTest(QObject *parent = nullptr);
    ~AccountTest() override;

    /// Starts a test (a running one is abandoned). finished() always follows.
    void run(const AccountSetup &setup);
    /// Gives up; finished(false, "Cancelled") follows.
    Q_INVOKABLE void cancel();
    [[nodiscard]] bool running() const { return m_engine != nullptr; }

    /// How long a test may take before it fails.
    void setTimeout(int ms) { m_timeoutMs = ms; }

Q_SIGNALS:
    void progress(const QString &message);
    void finished(bool ok, const QString &message);
    void runningChanged();

private:
    void checkDone();
    void conclude(bool ok, const QString &message);

    std::unique_ptr<QTemporaryDir> m_state;
    std::unique_ptr<engine::Engine> m_engine;
    QTimer m_timeout;
    int m_timeoutMs = 60000;
    bool m_registered = false;
    bool m_enrolled = false;
    bool m_concluding = false;
    bool m_ok = false;
    QString m_message;
};

} // namespace napkin::app
