// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the DNS reply parser of the service locator: one reply
// message read as an answer to an A, AAAA and SRV question (DNS is spoofable,
// and the SRV rdata and name expansion are our own code), then the SRV
// records through the RFC 2782 ordering the locator applies.

#include "sipcore/discovery/DnsQuery.h"
#include "sipcore/discovery/SrvSelection.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdint>

using namespace napkin::discovery;
using napkin::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size > 65535) {
        return 0; // larger than any DNS message
    }
    const int length = static_cast<int>(size);
    for (const auto type : {DnsRecordType::A, DnsRecordType::Aaaa, DnsRecordType::Srv}) {
        const DnsAnswer answer = parseDnsReply(data, length, type);
        switch (answer.status) {
        case DnsAnswer::Status::Ok:
            check(!answer.addresses.isEmpty() || !answer.services.empty());
            break;
        case DnsAnswer::Status::Failure:
            check(!answer.failure.isEmpty());
            [[fallthrough]];
        case DnsAnswer::Status::NoSuchName:
        case DnsAnswer::Status::NoData:
            check(answer.addresses.isEmpty() && answer.services.empty());
            break;
        }
        if (type != DnsRecordType::Srv) {
            check(answer.services.empty());
            for (const auto &address : answer.addresses) {
                check(address.protocol() == (type == DnsRecordType::A
                                                 ? QAbstractSocket::IPv4Protocol
                                                 : QAbstractSocket::IPv6Protocol));
            }
            continue;
        }
        check(answer.addresses.isEmpty());
        for (const auto &srv : answer.services) {
            check(!srv.target.isEmpty());
        }
        (void)srvDeclinesService(answer.services);
        // A fixed "random" source keeps runs reproducible.
        std::uint32_t state = 1;
        const UniformRandom random = [&state](std::uint32_t bound) {
            state = state * 1103515245u + 12345u;
            return bound == UINT32_MAX ? state : state % (bound + 1);
        };
        const auto ordered = orderSrvRecords(answer.services, random);
        check(ordered.size() <= answer.services.size()); // "." targets are dropped
        for (std::size_t i = 1; i < ordered.size(); ++i) {
            check(ordered[i - 1].priority <= ordered[i].priority);
        }
    }
    return 0;
}
