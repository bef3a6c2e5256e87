// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/AddressScope.h"

#include <utility>

namespace napkin::discovery {

namespace {

AddressScope ipv4Scope(quint32 a) {
    const auto in = [a](quint32 network, int bits) {
        const quint32 mask = bits == 0 ? 0 : ~quint32(0) << (32 - bits);
        return (a & mask) == network;
    };
    if (a == 0xFFFFFFFFu) {
        return AddressScope::Broadcast;
    }
    static const std::pair<std::pair<quint32, int>, AddressScope> kRanges[] = {
        {{0x00000000u, 8}, AddressScope::Unspecified}, // 0.0.0.0/8
        {{0x7F000000u, 8}, AddressScope::Loopback},    // 127.0.0.0/8
        {{0xA9FE0000u, 16}, AddressScope::LinkLocal},  // 169.254.0.0/16
        {{0x0A000000u, 8}, AddressScope::Private},     // 10.0.0.0/8
        {{0xAC100000u, 12}, AddressScope::Private},    // 172.16.0.0/12
        {{0xC0A80000u, 16}, AddressScope::Private},    // 192.168.0.0/16
        {{0x64400000u, 10}, AddressScope::SharedNat},  // 100.64.0.0/10
        {{0xE0000000u, 4}, AddressScope::Multicast},   // 224.0.0.0/4
    };
    for (const auto &[range, scope] : kRanges) {
        if (in(range.first, range.second)) {
            return scope;
        }
    }
    return AddressScope::Public;
}

} // namespace

AddressScope addressScope(const QHostAddress &address) {
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    if (mapped) {
        return ipv4Scope(v4);
    }
    if (address.protocol() != QAbstractSocket::IPv6Protocol) {
        return AddressScope::Unspecified; // null or unparsed: never connect
    }
    const Q_IPV6ADDR v6 = address.toIPv6Address();
    bool zero = true;
    for (int i = 0; i < 15; ++i) {
        zero = zero && v6[i] == 0;
    }
    if (zero && v6[15] == 1) {
        return AddressScope::Loopback;
    }
    if (zero && v6[15] == 0) {
        return AddressScope::Unspecified;
    }
    if (v6[0] == 0xFF) {
        return AddressScope::Multicast;
    }
    if (v6[0] == 0xFE && (v6[1] & 0xC0) == 0x80) {
        return AddressScope::LinkLocal;
    }
    if ((v6[0] & 0xFE) == 0xFC) {
        return AddressScope::UniqueLocal;
    }
    return AddressScope::Public;
}

bool serviceAddressAllowed(AddressScope scope, bool allowPrivate) {
    switch (scope) {
    case AddressScope::Public:
        return true;
    case AddressScope::Loopback:
    case AddressScope::LinkLocal:
    case AddressScope::Private:
    case AddressScope::SharedNat:
    case AddressScope::UniqueLocal:
        return allowPrivate;
    case AddressScope::Unspecified:
    case AddressScope::Multicast:
    case AddressScope::Broadcast:
        break;
    }
    return false;
}

QString addressScopeWords(AddressScope scope) {
    switch (scope) {
    case AddressScope::Public:
        return QStringLiteral("a public address");
    case AddressScope::Unspecified:
        return QStringLiteral("an unspecified (\"this network\") address");
    case AddressScope::Loopback:
        return QStringLiteral("a loopback address");
    case AddressScope::LinkLocal:
        return QStringLiteral("a link-local address");
    case AddressScope::Private:
        return QStringLiteral("a private (RFC 1918) address");
    case AddressScope::SharedNat:
        return QStringLiteral("a carrier-grade NAT (100.64.0.0/10) address");
    case AddressScope::UniqueLocal:
        return QStringLiteral("a unique local IPv6 (fc00::/7) address");
    case AddressScope::Multicast:
        return QStringLiteral("a multicast address");
    case AddressScope::Broadcast:
        return QStringLiteral("the broadcast address");
    }
    return {};
}

} // namespace napkin::discovery
