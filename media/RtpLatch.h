// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "media/UdpSocket.h"

#include <cstdint>
#include <optional>

namespace napkin::media {

/// Symmetric RTP (answering to where the peer's packets really come from,
/// for NAT) without letting one copied packet move the stream. Review L8: a
/// sniffer that re-sends a just-seen SRTP packet from its own address, and
/// wins the race against the original, gets an authenticated packet in (the
/// original is then the one libsrtp drops as a replay). Moving on that one
/// packet would send our media to the sniffer.
///
/// The rule: move to a new source only after kPacketsToMove authenticated
/// packets from it with increasing sequence numbers, and nothing from the
/// current address in between. A replay from the current address counts as
/// "still there": it is what the raced original looks like.
class RtpLatch {
public:
    static constexpr int kPacketsToMove = 3;

    enum class Decision {
        Stay, ///< keep sending where we send
        Move, ///< the peer has moved to the packet's source
    };

    /// A packet from the current peer address: authenticated, or dropped as a
    /// replay of one already seen.
    void onFromCurrent() { m_candidate.reset(); }

    /// An authenticated packet with RTP `sequence` from `from`, which is not
    /// the current peer address.
    [[nodiscard]] Decision onAuthenticatedElsewhere(const SocketAddress &from,
                                                    std::uint16_t sequence);

private:
    struct Candidate {
        SocketAddress address;
        std::uint16_t lastSequence = 0;
        int packets = 0;
    };
    std::optional<Candidate> m_candidate;
};

} // namespace napkin::media
