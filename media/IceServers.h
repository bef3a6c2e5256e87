// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where ICE finds its STUN and TURN servers, and the profile syntax for them:
//
//   stun_server = stun.a.example           ; HOST[:PORT], default port 3478
//   turn_server = turn:turn.a.example:3478?transport=tcp
//                 ; turn:HOST[:PORT][?transport=udp|tcp] (default udp, 3478)
//                 ; turns:HOST[:PORT] (TURN over TLS, default port 5349)
//
// HOST is a DNS name or a literal IPv4 address; names are resolved when a
// call gathers (through the profile's DNS server).

#include "media/MediaError.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::media {

/// How this device reaches its TURN server.
enum class TurnTransport { Udp, Tcp, Tls };

[[nodiscard]] std::string_view turnTransportName(TurnTransport transport); ///< "udp", "tcp", "tls"

struct StunServer {
    std::string host; ///< a DNS name or a literal IPv4 address
    std::uint16_t port = 3478;
    [[nodiscard]] bool operator==(const StunServer &) const = default;
};

struct TurnServer {
    std::string host;
    std::uint16_t port = 3478;
    TurnTransport transport = TurnTransport::Udp;
    std::string user;
    std::string password; ///< long-term credential; never logged
    [[nodiscard]] bool operator==(const TurnServer &) const = default;
};

struct IceServers {
    std::optional<StunServer> stun;
    std::optional<TurnServer> turn;
    [[nodiscard]] bool operator==(const IceServers &) const = default;
};

/// "HOST[:PORT]"; InvalidArgument saying what is wrong.
[[nodiscard]] MediaResult<StunServer> parseStunServer(std::string_view text);
/// "turn:HOST[:PORT][?transport=udp|tcp]" or "turns:HOST[:PORT]" (user and
/// password are left empty); InvalidArgument saying what is wrong.
[[nodiscard]] MediaResult<TurnServer> parseTurnServer(std::string_view text);
/// The URI form parseTurnServer() reads back (no credentials).
[[nodiscard]] std::string formatTurnServer(const TurnServer &server);
/// "HOST:PORT" (the port always written).
[[nodiscard]] std::string formatStunServer(const StunServer &server);

} // namespace napkin::media
