// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/DnsQuery.h"

#include "sipcore/discovery/DiscoveryLog.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <array>
#include <cstring>
#include <memory>

namespace napkin::discovery {

namespace {

int nsType(DnsRecordType type) {
    switch (type) {
    case DnsRecordType::A:
        return ns_t_a;
    case DnsRecordType::Aaaa:
        return ns_t_aaaa;
    case DnsRecordType::Srv:
        return ns_t_srv;
    }
    return ns_t_a;
}

struct ResStateDeleter {
    void operator()(res_state state) const {
        res_nclose(state);
        delete state;
    }
};
using ResStatePtr = std::unique_ptr<struct __res_state, ResStateDeleter>;

DnsAnswer failure(QString why) {
    DnsAnswer a;
    a.status = DnsAnswer::Status::Failure;
    a.failure = std::move(why);
    return a;
}

} // namespace

DnsAnswer parseDnsReply(const unsigned char *message, int length, DnsRecordType type) {
    ns_msg msg;
    if (length <= 0 || ns_initparse(message, length, &msg) != 0) {
        return failure(QStringLiteral("the DNS reply is malformed"));
    }
    const int rcode = ns_msg_getflag(msg, ns_f_rcode);
    if (rcode == ns_r_nxdomain) {
        DnsAnswer a;
        a.status = DnsAnswer::Status::NoSuchName;
        return a;
    }
    if (rcode != ns_r_noerror) {
        return failure(QStringLiteral("the DNS server answered with error code %1").arg(rcode));
    }
    DnsAnswer answer;
    const int wanted = nsType(type);
    const int count = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < count; ++i) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
            return failure(QStringLiteral("a record of the DNS reply is malformed"));
        }
        if (ns_rr_class(rr) != ns_c_in || ns_rr_type(rr) != wanted) {
            continue; // CNAMEs on the way, or unrelated records
        }
        const unsigned char *rdata = ns_rr_rdata(rr);
        const int rdlen = ns_rr_rdlen(rr);
        if (type == DnsRecordType::A) {
            if (rdlen != 4) {
                return failure(QStringLiteral("an A record of the DNS reply has a wrong size"));
            }
            quint32 v4 = 0;
            std::memcpy(&v4, rdata, 4);
            answer.addresses.append(QHostAddress(ntohl(v4)));
        } else if (type == DnsRecordType::Aaaa) {
            if (rdlen != 16) {
                return failure(QStringLiteral("an AAAA record of the DNS reply has a wrong size"));
            }
            answer.addresses.append(QHostAddress(rdata));
        } else {
            if (rdlen < 7) {
                return failure(QStringLiteral("an SRV record of the DNS reply is too short"));
            }
            SrvRecord srv;
            srv.priority = static_cast<quint16>(ns_get16(rdata));
            srv.weight = static_cast<quint16>(ns_get16(rdata + 2));
            srv.port = static_cast<quint16>(ns_get16(rdata + 4));
            std::array<char, NS_MAXDNAME> target{};
            const int used = dn_expand(ns_msg_base(msg), ns_msg_end(msg), rdata + 6, target.data(),
                                       static_cast<int>(target.size()));
            if (used < 0 || used != rdlen - 6) {
                return failure(
                    QStringLiteral("an SRV record's target in the DNS reply is malformed"));
            }
            // dn_expand renders the root as an empty string.
            srv.target =
                target[0] == '\0' ? QStringLiteral(".") : QString::fromLatin1(target.data());
            answer.services.push_back(std::move(srv));
        }
    }
    if (answer.addresses.isEmpty() && answer.services.empty()) {
        answer.status = DnsAnswer::Status::NoData;
    } else {
        answer.status = DnsAnswer::Status::Ok;
    }
    return answer;
}

DnsAnswer queryDns(const DnsServer &server, const QString &name, DnsRecordType type) {
    const QByteArray ascii = name.toLatin1();
    if (name.isEmpty() || ascii.size() > NS_MAXDNAME || ascii.contains('\0') ||
        QString::fromLatin1(ascii) != name) {
        return failure(QStringLiteral("'%1' is not a DNS name").arg(name));
    }
    ResStatePtr state(new struct __res_state);
    std::memset(state.get(), 0, sizeof(struct __res_state));
    if (res_ninit(state.get()) != 0) {
        return failure(QStringLiteral("the system's resolver could not be initialised"));
    }
    state->options &= ~static_cast<unsigned long>(RES_DEFNAMES | RES_DNSRCH);
    if (server.address) {
        bool ok = false;
        const quint32 v4 = server.address->toIPv4Address(&ok);
        if (!ok) {
            return failure(QStringLiteral("the DNS server %1 is not an IPv4 address")
                               .arg(server.address->toString()));
        }
        state->nscount = 1;
        std::memset(&state->nsaddr_list[0], 0, sizeof(state->nsaddr_list[0]));
        state->nsaddr_list[0].sin_family = AF_INET;
        state->nsaddr_list[0].sin_port = htons(server.port);
        state->nsaddr_list[0].sin_addr.s_addr = htonl(v4);
    }
    state->retrans = std::max(1, server.timeoutSeconds);
    state->retry = std::max(1, server.attempts);

    std::array<unsigned char, 8192> reply{};
    const int n = res_nquery(state.get(), ascii.constData(), ns_c_in, nsType(type), reply.data(),
                             static_cast<int>(reply.size()));
    if (n < 0) {
        switch (state->res_h_errno) {
        case HOST_NOT_FOUND: {
            DnsAnswer a;
            a.status = DnsAnswer::Status::NoSuchName;
            return a;
        }
        case NO_DATA: {
            DnsAnswer a;
            a.status = DnsAnswer::Status::NoData;
            return a;
        }
        case TRY_AGAIN:
            return failure(QStringLiteral("the DNS server did not answer, or refused or failed"));
        default:
            return failure(QStringLiteral("the DNS server could not answer the question"));
        }
    }
    return parseDnsReply(reply.data(), std::min(n, static_cast<int>(reply.size())), type);
}

std::vector<std::string> resolveIpv4(const DnsServer &server, const std::string &host) {
    in_addr literal{};
    if (inet_pton(AF_INET, host.c_str(), &literal) == 1) {
        return {host};
    }
    const DnsAnswer answer = queryDns(server, QString::fromStdString(host), DnsRecordType::A);
    std::vector<std::string> addresses;
    for (const QHostAddress &address : answer.addresses) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol) {
            addresses.push_back(address.toString().toStdString());
        }
    }
    if (addresses.empty()) {
        const QString why = answer.status == DnsAnswer::Status::Failure
                                ? QStringLiteral(": ") + answer.failure
                                : QString();
        qCInfo(lcDiscovery).noquote()
            << QStringLiteral("dns: no IPv4 address for the ICE server %1%2")
                   .arg(QString::fromStdString(host), why);
    }
    return addresses;
}

} // namespace napkin::discovery
