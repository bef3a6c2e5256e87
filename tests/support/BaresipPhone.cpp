// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/BaresipPhone.h"

#include "tests/support/FreePort.h"
#include "tests/support/NatLab.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace napkin::testing {

namespace {

/// baresip also listens for SIP over TLS on the port after 5060; ctrl_tcp keeps clear of it.
constexpr quint16 kControlPort = 5070;

bool writeText(const QString &path, const QByteArray &text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

QString errnoText(const QString &what) {
    return what + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(errno));
}

/// A TCP connection to `address:port` made inside the network namespace `ns`
/// (on a thread that joins it; the socket stays in that namespace).
TestResult<int> connectInNamespace(const QString &ns, const QHostAddress &address, quint16 port) {
    TestResult<int> result = fail(QStringLiteral("not run"));
    std::thread opener([&] {
        const QByteArray path = QStringLiteral("/var/run/netns/%1").arg(ns).toLocal8Bit();
        const int nsFd = ::open(path.constData(), O_RDONLY | O_CLOEXEC);
        if (nsFd < 0) {
            result = fail(errnoText(QStringLiteral("open ") + QString::fromLocal8Bit(path)));
            return;
        }
        const bool joined = ::setns(nsFd, CLONE_NEWNET) == 0;
        ::close(nsFd);
        if (!joined) {
            result = fail(errnoText(QStringLiteral("setns ") + ns));
            return;
        }
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            result = fail(errnoText(QStringLiteral("socket")));
            return;
        }
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(address.toIPv4Address());
        if (::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
            result = fail(errnoText(QStringLiteral("connect to ctrl_tcp in ") + ns));
            ::close(fd);
            return;
        }
        result = fd;
    });
    opener.join();
    return result;
}

} // namespace

BaresipPhone::BaresipPhone(const QString &name, const QString &dir) : m_name(name), m_dir(dir) {}

BaresipPhone::~BaresipPhone() {
    stop();
}

TestResult<void> BaresipPhone::start(const BaresipSettings &settings) {
    QDir().mkpath(m_dir + QStringLiteral("/snd"));
    m_netns = settings.netns;
    m_address = settings.address.isNull() ? FreePort::uniqueLoopbackAddress() : settings.address;
    m_ctrlPort = kControlPort;
    const QByteArray ip = m_address.toString().toUtf8();
    QByteArray config;
    config += "poll_method epoll\n";
    config += "sip_listen " + ip + ":5060\n";
    config += "net_interface " + ip + "\n"; // media on this address too
    config += "audio_source aufile," + settings.tone.toUtf8() + "\n";
    config += "audio_player aubridge,play-" + m_name.toUtf8() + "\n";
    config += "audio_alert aubridge,alert-" + m_name.toUtf8() + "\n";
    config += "audio_srate 48000\naudio_channels 1\n";
    config += "module_path /usr/lib/baresip/modules\n";
    QStringList modules{QStringLiteral("opus"), QStringLiteral("srtp"), QStringLiteral("aufile"),
                        QStringLiteral("aubridge"), QStringLiteral("sndfile")};
    modules += settings.modules;
    for (const QString &module : modules) {
        config += "module " + module.toUtf8() + ".so\n";
    }
    for (const char *module : {"account", "menu", "ctrl_tcp"}) {
        config += QByteArray("module_app ") + module + ".so\n";
    }
    config += "ctrl_tcp_listen " + ip + ":" + QByteArray::number(m_ctrlPort) + "\n";
    config += "snd_path " + m_dir.toUtf8() + "/snd\n";
    config += "opus_stereo no\nopus_sprop_stereo no\n";
    for (const QString &line : settings.config) {
        config += line.toUtf8() + "\n";
    }
    QByteArray account = "<" + settings.aor.toUtf8() + ">;auth_pass=" + settings.password.toUtf8() +
                         ";outbound=\"sip:" + settings.proxy.toUtf8() +
                         "\";regint=300;mediaenc=srtp-mand;audio_codecs=opus/48000/1;"
                         "answermode=auto";
    for (const QString &parameter : settings.accountParameters) {
        account += ";" + parameter.toUtf8();
    }
    account += "\n";
    if (!writeText(m_dir + QStringLiteral("/config"), config) ||
        !writeText(m_dir + QStringLiteral("/accounts"), account)) {
        return fail(QStringLiteral("cannot write the baresip config in ") + m_dir);
    }
    QFile::setPermissions(m_dir + QStringLiteral("/accounts"),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    ProcessSpec spec;
    spec.name = m_name;
    spec.program = QStandardPaths::findExecutable(QStringLiteral("baresip"));
    if (spec.program.isEmpty()) {
        return fail(QStringLiteral("baresip is not installed (scripts/deps installs "
                                   "baresip-core)"));
    }
    spec.arguments = {QStringLiteral("-f"), m_dir};
    spec.logDirectory = QFileInfo(m_dir).absolutePath();
    spec.stopGraceMs = 10000;
    m_process = std::make_unique<ManagedProcess>(
        m_netns.isEmpty() ? spec : NatLab::inNamespace(m_netns, spec));
    if (auto started = m_process->start(); !started) {
        return fail(started.error());
    }
    return connectControl();
}

TestResult<void> BaresipPhone::connectControl() {
    if (m_netns.isEmpty()) {
        if (auto up = m_process->waitForTcp({m_address, m_ctrlPort}, 15000); !up) {
            return fail(up.error());
        }
        m_socket.connectToHost(m_address, m_ctrlPort);
        if (!m_socket.waitForConnected(5000)) {
            return fail(QStringLiteral("%1: ctrl_tcp: %2").arg(m_name, m_socket.errorString()));
        }
        return {};
    }
    if (auto up = NatLab::waitForTcp(m_netns, m_address, m_ctrlPort, 15000); !up) {
        return fail(up.error() + QLatin1Char('\n') + m_process->logTail(40));
    }
    auto fd = connectInNamespace(m_netns, m_address, m_ctrlPort);
    if (!fd) {
        return fail(fd.error());
    }
    if (!m_socket.setSocketDescriptor(*fd)) {
        ::close(*fd);
        return fail(QStringLiteral("%1: ctrl_tcp: %2").arg(m_name, m_socket.errorString()));
    }
    return {};
}

TestResult<QJsonObject> BaresipPhone::command(const QString &name, const QString &params) {
    QJsonObject msg{{QStringLiteral("command"), name},
                    {QStringLiteral("token"), QString::number(++m_token)}};
    if (!params.isEmpty()) {
        msg.insert(QStringLiteral("params"), params);
    }
    const QByteArray body = QJsonDocument(msg).toJson(QJsonDocument::Compact);
    m_socket.write(QByteArray::number(body.size()) + ":" + body + ",");
    m_socket.flush();
    std::optional<QJsonObject> response;
    auto waited = waitUntil(
        [&] {
            for (const auto &r : m_responses) {
                if (r.value(QStringLiteral("token")).toString() == QString::number(m_token)) {
                    response = r;
                }
            }
            return response.has_value();
        },
        10000, QStringLiteral("the response to ") + name);
    if (!waited) {
        return fail(waited.error());
    }
    return *response;
}

TestResult<void> BaresipPhone::waitRegistered(int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        auto info = command(QStringLiteral("reginfo"));
        if (!info) {
            return fail(info.error());
        }
        if (info->value(QStringLiteral("data")).toString().contains(QStringLiteral("OK"))) {
            return {};
        }
        QTest::qWait(100);
    }
    return fail(m_name + QStringLiteral(" did not register\n") + m_process->logTail(40));
}

TestResult<QJsonObject> BaresipPhone::waitEvent(const QString &type, int timeoutMs) {
    std::optional<QJsonObject> found;
    auto waited = waitUntil(
        [&] {
            found = event(type);
            return found.has_value();
        },
        timeoutMs, QStringLiteral("the baresip event ") + type);
    if (!waited) {
        return fail(waited.error());
    }
    return *found;
}

std::optional<QJsonObject> BaresipPhone::event(const QString &type) const {
    for (const auto &e : m_events) {
        if (e.value(QStringLiteral("type")).toString() == type) {
            return e;
        }
    }
    return std::nullopt;
}

QString BaresipPhone::decodedRecording() const {
    const QStringList files = QDir(m_dir + QStringLiteral("/snd"))
                                  .entryList({QStringLiteral("dump-*-dec.wav")}, QDir::Files);
    return files.isEmpty() ? QString() : m_dir + QStringLiteral("/snd/") + files.first();
}

void BaresipPhone::stop() {
    if (m_process && m_process->isRunning()) {
        if (m_socket.state() == QAbstractSocket::ConnectedState) {
            (void)command(QStringLiteral("quit"));
            (void)m_process->waitForExit(10000);
        }
        m_process->stop();
    }
}

QString BaresipPhone::logTail(int lines) const {
    return m_process ? m_process->logTail(lines) : QString();
}

QString BaresipPhone::log() const {
    return m_process ? m_process->stdoutText() + m_process->stderrText() : QString();
}

TestResult<void> BaresipPhone::waitUntil(const std::function<bool()> &done, int timeoutMs,
                                         const QString &what) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs) {
            return fail(QStringLiteral("%1: timed out waiting for %2\n%3")
                            .arg(m_name, what, m_process->logTail(60)));
        }
        if (!m_process->isRunning()) {
            return fail(QStringLiteral("%1 exited while waiting for %2\n%3")
                            .arg(m_name, what, m_process->logTail(60)));
        }
        m_socket.waitForReadyRead(50);
        m_buffer += m_socket.readAll();
        parse();
    }
    return {};
}

void BaresipPhone::parse() {
    for (;;) {
        const qsizetype colon = m_buffer.indexOf(':');
        if (colon <= 0) {
            return;
        }
        bool ok = false;
        const qsizetype size = m_buffer.left(colon).toLongLong(&ok);
        if (!ok || size < 0) {
            m_buffer.clear(); // not a netstring: nothing more to trust in it
            return;
        }
        if (m_buffer.size() < colon + 1 + size + 1) {
            return;
        }
        const auto doc = QJsonDocument::fromJson(m_buffer.mid(colon + 1, size));
        m_buffer.remove(0, colon + 1 + size + 1);
        if (!doc.isObject()) {
            continue;
        }
        const QJsonObject o = doc.object();
        if (o.value(QStringLiteral("event")).toBool()) {
            m_events.push_back(o);
        } else if (o.value(QStringLiteral("response")).toBool()) {
            m_responses.push_back(o);
        }
    }
}

} // namespace napkin::testing
