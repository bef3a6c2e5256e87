// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Home routers for tests: network namespaces joined by veth pairs, made and
// deleted by the test (root, iproute2 and nftables needed; see README).
//
//   "internet" namespace: bridge br0, 198.51.100.1/24 (more addresses with
//                         addInternetAddress()); Kamailio and peers run here.
//   router k:   wan 198.51.100.(100+k)/24 (on the internet's bridge),
//               lan 192.168.k.1/24; forwards, masquerades what leaves wan
//               (nftables; `fully-random` for a symmetric NAT) and drops new
//               connections coming in from wan.
//   home k:     eth0 192.168.k.2/24, default route via its router.
//
// Nothing touches the root namespace: veth pairs are created inside the
// namespaces (`ip -n`), so no interface, route or rule of the machine is
// changed, and nothing routes out of it. Namespaces are named
// "napkin-nat-<pid>-<lab>-<role>"; the destructor deletes them, and
// reapOrphans() deletes those of test processes that died without it.

#include "tests/support/ManagedProcess.h"
#include "tests/support/TestResult.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace napkin::testing {

/// How a home router maps a home's UDP flows to its public address.
enum class NatKind {
    EndpointIndependent, ///< `masquerade`: one public port per home socket (a "cone")
    Symmetric,           ///< `masquerade fully-random`: a new public port per destination
};

/// One home behind its router.
struct NatHome {
    QString ns;                 ///< the home's namespace
    QString router;             ///< the router's namespace
    QHostAddress address;       ///< the home's own address (192.168.k.2)
    QHostAddress publicAddress; ///< the router's address on the internet side
};

class NatLab {
public:
    /// Why NAT tests cannot run here (not root, no `ip` or `nft`), or empty.
    [[nodiscard]] static QString unavailableReason();
    /// Deletes the namespaces of test processes that no longer run.
    static void reapOrphans();
    /// Every namespace on the machine whose name starts with `prefix`.
    [[nodiscard]] static QStringList namespacesWithPrefix(const QString &prefix);

    /// Makes the internet namespace (reaps orphans first).
    [[nodiscard]] static TestResult<std::unique_ptr<NatLab>> create();
    ~NatLab();
    NatLab(const NatLab &) = delete;
    NatLab &operator=(const NatLab &) = delete;

    /// The prefix of every namespace this lab makes.
    [[nodiscard]] const QString &prefix() const { return m_prefix; }
    [[nodiscard]] const QString &internet() const { return m_internet; }
    /// 198.51.100.1, the internet namespace's first address.
    [[nodiscard]] QHostAddress internetAddress() const;
    /// One more address on the internet's bridge (198.51.100.2, .3, ...).
    [[nodiscard]] TestResult<QHostAddress> addInternetAddress();

    /// A new home behind a new router.
    [[nodiscard]] TestResult<NatHome> addHome(NatKind kind);
    /// Idle UDP mappings of the router expire after `seconds` (its
    /// namespace's nf_conntrack_udp_timeout and _stream sysctls).
    [[nodiscard]] TestResult<void> setUdpTimeout(const NatHome &home, int seconds);
    /// Forgets every mapping of the router at once, as a reboot or an
    /// expired timeout would: its wan link goes down and up (masquerade
    /// drops the conntrack entries of a link that went down).
    [[nodiscard]] TestResult<void> flushMappings(const NatHome &home);

    /// Runs `program` in namespace `ns` to completion.
    [[nodiscard]] static TestResult<RunResult> runIn(const QString &ns, const QString &program,
                                                     const QStringList &arguments,
                                                     int timeoutMs = 15000);
    /// `spec` changed to run in namespace `ns` (through `ip netns exec`,
    /// which execs the program: the pid and signals stay the program's).
    [[nodiscard]] static ProcessSpec inNamespace(const QString &ns, ProcessSpec spec);
    /// Polls until a TCP connection to address:port in `ns` is accepted.
    [[nodiscard]] static TestResult<void> waitForTcp(const QString &ns, const QHostAddress &address,
                                                     int port, int timeoutMs);

    /// Deletes every namespace of this lab now (the destructor does it too).
    void destroy();

private:
    explicit NatLab(QString prefix);
    [[nodiscard]] TestResult<void> ip(const QStringList &arguments);
    [[nodiscard]] TestResult<void> addNamespace(const QString &ns);

    QString m_prefix;
    QString m_internet;
    QStringList m_namespaces;
    int m_homes = 0;
    int m_internetAddresses = 1;
};

} // namespace napkin::testing
