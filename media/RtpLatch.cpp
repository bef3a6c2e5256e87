// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/RtpLatch.h"

namespace napkin::media {

namespace {

/// RFC 3550 sequence arithmetic: `next` follows `last` within half the space.
bool follows(std::uint16_t last, std::uint16_t next) {
    const auto ahead = static_cast<std::uint16_t>(next - last);
    return ahead != 0 && ahead < 0x8000;
}

} // namespace

RtpLatch::Decision RtpLatch::onAuthenticatedElsewhere(const SocketAddress &from,
                                                      std::uint16_t sequence) {
    if (m_candidate && m_candidate->address == from &&
        follows(m_candidate->lastSequence, sequence)) {
        m_candidate->lastSequence = sequence;
        ++m_candidate->packets;
    } else {
        m_candidate = Candidate{from, sequence, 1};
    }
    if (m_candidate->packets >= kPacketsToMove) {
        m_candidate.reset();
        return Decision::Move;
    }
    return Decision::Stay;
}

} // namespace napkin::media
