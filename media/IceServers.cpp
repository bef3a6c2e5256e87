// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/IceServers.h"

#include <charconv>

namespace napkin::media {

namespace {

constexpr std::size_t kMaxHost = 253;

bool isHostChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/// HOST[:PORT] into host and port (`port` keeps its default when absent).
std::optional<std::string> splitHostPort(std::string_view text, std::string_view what,
                                         std::string &host, std::uint16_t &port) {
    const auto colon = text.rfind(':');
    std::string_view name = text.substr(0, colon);
    if (colon != std::string_view::npos) {
        const std::string_view digits = text.substr(colon + 1);
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
            value == 0 || value > 65535) {
            return std::string(what) + ": the port must be 1 to 65535";
        }
        port = static_cast<std::uint16_t>(value);
    }
    if (name.empty()) {
        return std::string(what) + ": no host name";
    }
    if (name.size() > kMaxHost) {
        return std::string(what) + ": the host name is too long";
    }
    for (const char c : name) {
        if (!isHostChar(c)) {
            return std::string(what) +
                   ": the host must be a DNS name or an IPv4 address (letters, digits, '-', '.')";
        }
    }
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
        return std::string(what) + ": the host name has an empty label";
    }
    host = std::string(name);
    return std::nullopt;
}

} // namespace

std::string_view turnTransportName(TurnTransport transport) {
    switch (transport) {
    case TurnTransport::Udp:
        return "udp";
    case TurnTransport::Tcp:
        return "tcp";
    case TurnTransport::Tls:
        return "tls";
    }
    return "udp";
}

MediaResult<StunServer> parseStunServer(std::string_view text) {
    if (text.starts_with("stun:")) {
        text.remove_prefix(5);
    }
    StunServer server;
    if (auto problem = splitHostPort(text, "stun_server", server.host, server.port)) {
        return mediaFail(MediaErrc::InvalidArgument, *problem + " (expected HOST[:PORT])");
    }
    return server;
}

MediaResult<TurnServer> parseTurnServer(std::string_view text) {
    TurnServer server;
    const char *expected = " (expected turn:HOST[:PORT][?transport=udp|tcp] or turns:HOST[:PORT])";
    if (text.starts_with("turns:")) {
        text.remove_prefix(6);
        server.transport = TurnTransport::Tls;
        server.port = 5349;
    } else if (text.starts_with("turn:")) {
        text.remove_prefix(5);
    } else {
        return mediaFail(MediaErrc::InvalidArgument,
                         std::string("turn_server must start with turn: or turns:") + expected);
    }
    const auto query = text.find('?');
    if (query != std::string_view::npos) {
        const std::string_view parameter = text.substr(query + 1);
        text = text.substr(0, query);
        if (parameter == "transport=udp" && server.transport != TurnTransport::Tls) {
            server.transport = TurnTransport::Udp;
        } else if (parameter == "transport=tcp") {
            if (server.transport != TurnTransport::Tls) {
                server.transport = TurnTransport::Tcp;
            }
        } else {
            return mediaFail(MediaErrc::InvalidArgument,
                             "turn_server: the only parameter is transport=udp or transport=tcp "
                             "(turns: is always TLS over TCP)" +
                                 std::string(expected));
        }
    }
    if (auto problem = splitHostPort(text, "turn_server", server.host, server.port)) {
        return mediaFail(MediaErrc::InvalidArgument, *problem + expected);
    }
    return server;
}

std::string formatTurnServer(const TurnServer &server) {
    if (server.transport == TurnTransport::Tls) {
        return "turns:" + server.host + ":" + std::to_string(server.port);
    }
    std::string uri = "turn:" + server.host + ":" + std::to_string(server.port);
    if (server.transport == TurnTransport::Tcp) {
        uri += "?transport=tcp";
    }
    return uri;
}

std::string formatStunServer(const StunServer &server) {
    return server.host + ":" + std::to_string(server.port);
}

} // namespace napkin::media
