// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One blocking DNS question through the C library's resolver (res_nquery),
// either with the system's configuration or against one given server. It
// tells NXDOMAIN, "no records of that type" and "the server failed" apart,
// which QDnsLookup in Qt 6.4 does not. Run it on a worker thread.

#include "sipcore/discovery/SrvSelection.h"

#include <QHostAddress>
#include <QList>
#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace napkin::discovery {

/// Where and how to ask.
struct DnsServer {
    /// An IPv4 server; std::nullopt means the system's resolv.conf.
    std::optional<QHostAddress> address;
    quint16 port = 53;
    int timeoutSeconds = 2; ///< per attempt
    int attempts = 2;
};

enum class DnsRecordType { A, Aaaa, Srv };

struct DnsAnswer {
    enum class Status {
        Ok,         ///< records of the type asked for
        NoSuchName, ///< NXDOMAIN
        NoData,     ///< the name exists but has no record of this type
        Failure,    ///< no usable answer: timeout, SERVFAIL, REFUSED, a broken reply
    };
    Status status = Status::Failure;
    QString failure; ///< why, for Failure
    std::vector<SrvRecord> services;
    QList<QHostAddress> addresses;
};

/// Asks `server` for records of `type` at `name` (no search list applied).
[[nodiscard]] DnsAnswer queryDns(const DnsServer &server, const QString &name, DnsRecordType type);

/// A STUN or TURN server's host as IPv4 literals, for ICE
/// (media::IceSessionConfig::resolve): a literal IPv4 address as it is,
/// otherwise the A records `server` answers; empty when the name has none or
/// the question failed (the failure is logged). Blocking; any thread.
[[nodiscard]] std::vector<std::string> resolveIpv4(const DnsServer &server,
                                                   const std::string &host);

/// Parses a DNS reply message (exposed for tests and fuzzing): the answer
/// section's records of `type`; Failure with a reason when it is malformed.
[[nodiscard]] DnsAnswer parseDnsReply(const unsigned char *message, int length, DnsRecordType type);

} // namespace napkin::discovery
