// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Reception statistics for one RTP source, as RFC 3550 appendix A defines
// them: extended sequence numbers, expected/lost counts, loss fraction per
// report interval and interarrival jitter.

#include "media/RtcpPacket.h"

#include <cstdint>

namespace napkin::media {

class RtpReceiveStats {
public:
    explicit RtpReceiveStats(std::uint32_t clockRate) : m_clockRate(clockRate) {}

    /// Records a packet. `arrivalSeconds` is a monotonic clock reading.
    /// Returns false for a packet that looks like it belongs to a restarted
    /// or unrelated sequence (a jump beyond RFC 3550's dropout limits) that
    /// has not been confirmed yet by a following packet.
    bool onPacket(std::uint16_t sequence, std::uint32_t timestamp, double arrivalSeconds);

    /// A report block for `ssrc`; resets the per-interval loss fraction.
    /// `lastSr`/`lastSrArrival` describe the peer's last SR (0 when none).
    [[nodiscard]] ReportBlock makeReport(std::uint32_t ssrc, std::uint32_t lastSr,
                                         double lastSrArrivalSeconds, double nowSeconds);

    [[nodiscard]] bool started() const { return m_started; }
    [[nodiscard]] std::uint64_t received() const { return m_received; }
    [[nodiscard]] std::uint64_t expected() const;
    /// Expected minus received; negative with duplicates.
    [[nodiscard]] std::int64_t lost() const;
    /// The loss fraction of the last completed report interval, 0..1.
    [[nodiscard]] double lastFractionLost() const { return m_lastFraction / 256.0; }
    [[nodiscard]] double jitterMs() const { return m_jitter / m_clockRate * 1000.0; }
    [[nodiscard]] std::uint32_t extendedHighest() const { return m_cycles + m_maxSeq; }

private:
    void resync(std::uint16_t sequence);

    std::uint32_t m_clockRate;
    bool m_started = false;
    std::uint16_t m_maxSeq = 0;
    std::uint32_t m_cycles = 0; ///< shifted count of sequence wraps
    std::uint32_t m_baseSeq = 0;
    std::uint32_t m_badSeq = 0x10000 + 1; ///< sequence that would confirm a restart
    std::uint64_t m_received = 0;
    std::uint64_t m_expectedPrior = 0;
    std::uint64_t m_receivedPrior = 0;
    std::uint8_t m_lastFraction = 0;
    double m_jitter = 0; ///< timestamp units
    double m_lastTransit = 0;
    bool m_haveTransit = false;
};

} // namespace napkin::media
