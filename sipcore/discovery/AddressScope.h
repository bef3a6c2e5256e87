// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where an address leads: the public Internet, or somewhere a stranger must
// not be able to make this device connect to (its own host, its LAN, a
// carrier NAT, a multicast group). An incoming INVITE names the caller's
// domain, and that domain's DNS names the addresses this device then
// connects to; without this rule an INVITE could aim the connection at any
// service inside the callee's network. Pure, so that it is tested as a table.

#include <QHostAddress>
#include <QString>

namespace napkin::discovery {

enum class AddressScope {
    Public,      ///< anything below does not apply
    Unspecified, ///< 0.0.0.0/8 ("this network"), ::
    Loopback,    ///< 127.0.0.0/8, ::1
    LinkLocal,   ///< 169.254.0.0/16, fe80::/10
    Private,     ///< RFC 1918: 10/8, 172.16/12, 192.168/16
    SharedNat,   ///< RFC 6598 carrier-grade NAT: 100.64.0.0/10
    UniqueLocal, ///< IPv6 ULA: fc00::/7
    Multicast,   ///< 224.0.0.0/4, ff00::/8
    Broadcast,   ///< 255.255.255.255
};

/// The scope of `address`; an IPv4-mapped IPv6 address (::ffff:10.0.0.1) has
/// the scope of its IPv4 address.
[[nodiscard]] AddressScope addressScope(const QHostAddress &address);

/// Whether a certificate service may be reached at an address of this scope:
/// only Public, unless private services are allowed ([network]
/// allow_private_services), which allows every scope but Multicast,
/// Broadcast and Unspecified.
[[nodiscard]] bool serviceAddressAllowed(AddressScope scope, bool allowPrivate);

/// "a loopback address", "a private (RFC 1918) address", for messages.
[[nodiscard]] QString addressScopeWords(AddressScope scope);

} // namespace napkin::discovery
