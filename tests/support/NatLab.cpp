// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/support/NatLab.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>

#include <unistd.h>

namespace napkin::testing {

namespace {

const QString kPrefix = QStringLiteral("napkin-nat-");

QString ipBinary() {
    static const QString path = QStandardPaths::findExecutable(
        QStringLiteral("ip"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                               QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
    return path;
}

QString nftBinary() {
    static const QString path = QStandardPaths::findExecutable(
        QStringLiteral("nft"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    return path;
}

TestResult<void> succeeded(const TestResult<RunResult> &run, const QString &what) {
    if (!run) {
        return fail(run.error());
    }
    if (!run->succeeded()) {
        return fail(what + QStringLiteral(": ") + run->describe());
    }
    return {};
}

/// The nftables rules of a router: masquerade what leaves wan, refuse new
/// flows that come in on it.
QByteArray routerRules(NatKind kind) {
    QByteArray rules = "table ip napkin_nat {\n"
                       "  chain postrouting {\n"
                       "    type nat hook postrouting priority srcnat; policy accept;\n"
                       "    oifname \"wan\" masquerade";
    if (kind == NatKind::Symmetric) {
        rules += " fully-random";
    }
    rules += "\n  }\n"
             "  chain forwarding {\n"
             "    type filter hook forward priority filter; policy accept;\n"
             "    iifname \"wan\" ct state new drop\n"
             "  }\n"
             "}\n";
    return rules;
}

} // namespace

QString NatLab::unavailableReason() {
    if (::geteuid() != 0) {
        return QStringLiteral("NAT tests need root (network namespaces and nftables)");
    }
    if (ipBinary().isEmpty()) {
        return QStringLiteral("NAT tests need `ip` (iproute2)");
    }
    if (nftBinary().isEmpty()) {
        return QStringLiteral("NAT tests need `nft` (nftables)");
    }
    return {};
}

QStringList NatLab::namespacesWithPrefix(const QString &prefix) {
    QStringList out;
    auto listed = runProgram(ipBinary(), {QStringLiteral("netns"), QStringLiteral("list")});
    if (!listed || !listed->succeeded()) {
        return out;
    }
    for (const QString &line : listed->stdoutText.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QString name = line.section(QLatin1Char(' '), 0, 0).trimmed();
        if (name.startsWith(prefix)) {
            out << name;
        }
    }
    return out;
}

void NatLab::reapOrphans() {
    for (const QString &ns : namespacesWithPrefix(kPrefix)) {
        bool ok = false;
        const qint64 pid = ns.mid(kPrefix.size()).section(QLatin1Char('-'), 0, 0).toLongLong(&ok);
        if (!ok || QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid))) {
            continue; // its test still runs (or the name is not ours)
        }
        (void)runProgram(ipBinary(), {QStringLiteral("netns"), QStringLiteral("delete"), ns});
    }
}

NatLab::NatLab(QString prefix) : m_prefix(std::move(prefix)) {}

NatLab::~NatLab() {
    destroy();
}

TestResult<std::unique_ptr<NatLab>> NatLab::create() {
    if (const QString why = unavailableReason(); !why.isEmpty()) {
        return fail(why);
    }
    reapOrphans();
    static int labs = 0;
    std::unique_ptr<NatLab> lab(new NatLab(
        kPrefix + QStringLiteral("%1-%2-").arg(QCoreApplication::applicationPid()).arg(++labs)));
    lab->m_internet = lab->m_prefix + QStringLiteral("inet");
    if (auto made = lab->addNamespace(lab->m_internet); !made) {
        return fail(made.error());
    }
    const QString &inet = lab->m_internet;
    for (const QStringList &args :
         {QStringList{QStringLiteral("-n"), inet, QStringLiteral("link"), QStringLiteral("add"),
                      QStringLiteral("br0"), QStringLiteral("type"), QStringLiteral("bridge")},
          QStringList{QStringLiteral("-n"), inet, QStringLiteral("link"), QStringLiteral("set"),
                      QStringLiteral("br0"), QStringLiteral("up")},
          QStringList{QStringLiteral("-n"), inet, QStringLiteral("addr"), QStringLiteral("add"),
                      QStringLiteral("198.51.100.1/24"), QStringLiteral("dev"),
                      QStringLiteral("br0")}}) {
        if (auto done = lab->ip(args); !done) {
            return fail(done.error());
        }
    }
    return lab;
}

void NatLab::destroy() {
    for (auto it = m_namespaces.crbegin(); it != m_namespaces.crend(); ++it) {
        (void)runProgram(ipBinary(), {QStringLiteral("netns"), QStringLiteral("delete"), *it});
    }
    m_namespaces.clear();
}

QHostAddress NatLab::internetAddress() const {
    return QHostAddress(QStringLiteral("198.51.100.1"));
}

TestResult<QHostAddress> NatLab::addInternetAddress() {
    if (m_internetAddresses >= 99) {
        return fail(QStringLiteral("the internet namespace has no more addresses"));
    }
    const QHostAddress address(QStringLiteral("198.51.100.%1").arg(++m_internetAddresses));
    if (auto done = ip({QStringLiteral("-n"), m_internet, QStringLiteral("addr"),
                        QStringLiteral("add"), address.toString() + QStringLiteral("/24"),
                        QStringLiteral("dev"), QStringLiteral("br0")});
        !done) {
        return fail(done.error());
    }
    return address;
}

TestResult<NatHome> NatLab::addHome(NatKind kind) {
    if (m_homes >= 99) {
        return fail(QStringLiteral("too many homes"));
    }
    const int k = ++m_homes;
    NatHome home;
    home.router = m_prefix + QStringLiteral("r%1").arg(k);
    home.ns = m_prefix + QStringLiteral("h%1").arg(k);
    home.address = QHostAddress(QStringLiteral("192.168.%1.2").arg(k));
    home.publicAddress = QHostAddress(QStringLiteral("198.51.100.%1").arg(100 + k));
    for (const QString &ns : {home.router, home.ns}) {
        if (auto made = addNamespace(ns); !made) {
            return fail(made.error());
        }
    }
    const QString port = QStringLiteral("r%1").arg(k); // the router's port on br0
    const QString lan = QStringLiteral("192.168.%1").arg(k);
    const QList<QStringList> steps = {
        {QStringLiteral("-n"), home.router, QStringLiteral("link"), QStringLiteral("add"),
         QStringLiteral("wan"), QStringLiteral("type"), QStringLiteral("veth"),
         QStringLiteral("peer"), QStringLiteral("name"), port, QStringLiteral("netns"), m_internet},
        {QStringLiteral("-n"), m_internet, QStringLiteral("link"), QStringLiteral("set"), port,
         QStringLiteral("master"), QStringLiteral("br0"), QStringLiteral("up")},
        {QStringLiteral("-n"), home.router, QStringLiteral("addr"), QStringLiteral("add"),
         home.publicAddress.toString() + QStringLiteral("/24"), QStringLiteral("dev"),
         QStringLiteral("wan")},
        {QStringLiteral("-n"), home.router, QStringLiteral("link"), QStringLiteral("set"),
         QStringLiteral("wan"), QStringLiteral("up")},
        {QStringLiteral("-n"), home.router, QStringLiteral("link"), QStringLiteral("add"),
         QStringLiteral("lan"), QStringLiteral("type"), QStringLiteral("veth"),
         QStringLiteral("peer"), QStringLiteral("name"), QStringLiteral("eth0"),
         QStringLiteral("netns"), home.ns},
        {QStringLiteral("-n"), home.router, QStringLiteral("addr"), QStringLiteral("add"),
         lan + QStringLiteral(".1/24"), QStringLiteral("dev"), QStringLiteral("lan")},
        {QStringLiteral("-n"), home.router, QStringLiteral("link"), QStringLiteral("set"),
         QStringLiteral("lan"), QStringLiteral("up")},
        {QStringLiteral("-n"), home.ns, QStringLiteral("addr"), QStringLiteral("add"),
         home.address.toString() + QStringLiteral("/24"), QStringLiteral("dev"),
         QStringLiteral("eth0")},
        {QStringLiteral("-n"), home.ns, QStringLiteral("link"), QStringLiteral("set"),
         QStringLiteral("eth0"), QStringLiteral("up")},
        {QStringLiteral("-n"), home.ns, QStringLiteral("route"), QStringLiteral("add"),
         QStringLiteral("default"), QStringLiteral("via"), lan + QStringLiteral(".1")},
    };
    for (const QStringList &args : steps) {
        if (auto done = ip(args); !done) {
            return fail(done.error());
        }
    }
    if (auto on = succeeded(runIn(home.router, QStringLiteral("sysctl"),
                                  {QStringLiteral("-qw"), QStringLiteral("net.ipv4.ip_forward=1")}),
                            QStringLiteral("ip_forward"));
        !on) {
        return fail(on.error());
    }
    auto nft = runProgram(ipBinary(),
                          {QStringLiteral("netns"), QStringLiteral("exec"), home.router,
                           nftBinary(), QStringLiteral("-f"), QStringLiteral("-")},
                          15000, routerRules(kind));
    if (auto loaded = succeeded(nft, QStringLiteral("nft rules of ") + home.router); !loaded) {
        return fail(loaded.error());
    }
    return home;
}

TestResult<void> NatLab::setUdpTimeout(const NatHome &home, int seconds) {
    // Per network namespace on this kernel (the root namespace keeps its own).
    const QString s = QString::number(seconds);
    return succeeded(
        runIn(home.router, QStringLiteral("sysctl"),
              {QStringLiteral("-qw"), QStringLiteral("net.netfilter.nf_conntrack_udp_timeout=") + s,
               QStringLiteral("net.netfilter.nf_conntrack_udp_timeout_stream=") + s}),
        QStringLiteral("the UDP timeout of ") + home.router);
}

TestResult<void> NatLab::flushMappings(const NatHome &home) {
    for (const char *state : {"down", "up"}) {
        if (auto done =
                ip({QStringLiteral("-n"), home.router, QStringLiteral("link"),
                    QStringLiteral("set"), QStringLiteral("wan"), QString::fromLatin1(state)});
            !done) {
            return fail(done.error());
        }
    }
    // (The on-link route of wan comes back with the link; the home's own
    // traffic may make a new mapping right away, so no count is checked.)
    return {};
}

TestResult<RunResult> NatLab::runIn(const QString &ns, const QString &program,
                                    const QStringList &arguments, int timeoutMs) {
    return runProgram(ipBinary(),
                      QStringList{QStringLiteral("netns"), QStringLiteral("exec"), ns, program} +
                          arguments,
                      timeoutMs);
}

ProcessSpec NatLab::inNamespace(const QString &ns, ProcessSpec spec) {
    spec.arguments =
        QStringList{QStringLiteral("netns"), QStringLiteral("exec"), ns, spec.program} +
        spec.arguments;
    spec.program = ipBinary();
    return spec;
}

TestResult<void> NatLab::waitForTcp(const QString &ns, const QHostAddress &address, int port,
                                    int timeoutMs) {
    QElapsedTimer waited;
    waited.start();
    const QString probe =
        QStringLiteral("exec 3<>/dev/tcp/%1/%2").arg(address.toString()).arg(port);
    while (waited.elapsed() < timeoutMs) {
        auto r = runIn(ns, QStringLiteral("bash"), {QStringLiteral("-c"), probe}, 5000);
        if (r && r->succeeded()) {
            return {};
        }
        QThread::msleep(100);
    }
    return fail(QStringLiteral("nothing accepts TCP on %1:%2 in %3 after %4 ms")
                    .arg(address.toString())
                    .arg(port)
                    .arg(ns)
                    .arg(timeoutMs));
}

TestResult<void> NatLab::ip(const QStringList &arguments) {
    return succeeded(runProgram(ipBinary(), arguments),
                     QStringLiteral("ip ") + arguments.join(QLatin1Char(' ')));
}

TestResult<void> NatLab::addNamespace(const QString &ns) {
    if (auto made = ip({QStringLiteral("netns"), QStringLiteral("add"), ns}); !made) {
        return fail(made.error());
    }
    m_namespaces << ns;
    return ip({QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"),
               QStringLiteral("lo"), QStringLiteral("up")});
}

} // namespace napkin::testing
