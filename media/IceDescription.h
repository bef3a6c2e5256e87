// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// ICE as SDP carries it (RFC 8839): our ufrag, password and candidates for
// an offer or answer, and the peer's. Plain data; IceSession makes and uses it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::media {

enum class CandidateKind { Host, ServerReflexive, PeerReflexive, Relayed };

/// "host", "srflx", "prflx", "relay" (RFC 8839 names).
[[nodiscard]] std::string_view candidateKindName(CandidateKind kind);

/// What our side puts into its SDP: RFC 8839 attributes and the default
/// candidate for c= and m= (the server-reflexive one when there is one, else
/// the host one; never the relay, so that a plain peer can still reach us
/// through a home router that keeps its mappings).
struct IceLocal {
    std::string ufrag;
    std::string pwd;                     ///< authenticates connectivity checks: only in sealed SDP
    std::vector<std::string> candidates; ///< a=candidate values (without "candidate:")
    std::string defaultAddress;
    std::uint16_t defaultPort = 0;
    std::vector<CandidateKind> kinds; ///< the kinds gathered, for reports
};

/// The peer's attributes from its SDP.
struct IceRemote {
    std::string ufrag;
    std::string pwd;
    std::vector<std::string> candidates; ///< a=candidate values (without "candidate:")
    [[nodiscard]] bool operator==(const IceRemote &) const = default;
};

/// The pair the checks selected, for the call's reports.
struct IcePath {
    CandidateKind local = CandidateKind::Host;
    CandidateKind remote = CandidateKind::Host;
    std::string transport = "udp"; ///< "udp" or "tcp" (of the local candidate's base)
    std::string relay;             ///< the TURN server's host when local is relay
    unsigned gatherMs = 0;         ///< from the session's start to gathering done
    unsigned checkMs = 0;          ///< from the peer's candidates to this pair
};

} // namespace napkin::media
