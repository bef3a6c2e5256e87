// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/RtpReceiveStats.h"

#include <algorithm>
#include <cmath>

namespace napkin::media {

namespace {
constexpr std::uint16_t kMaxDropout = 3000;
constexpr std::uint16_t kMaxMisorder = 100;
constexpr std::uint32_t kSeqMod = 1u << 16;
} // namespace

void RtpReceiveStats::resync(std::uint16_t sequence) {
    m_baseSeq = sequence;
    m_maxSeq = sequence;
    m_cycles = 0;
    m_badSeq = kSeqMod + 1;
    m_received = 0;
    m_expectedPrior = 0;
    m_receivedPrior = 0;
    m_haveTransit = false;
}

bool RtpReceiveStats::onPacket(std::uint16_t sequence, std::uint32_t timestamp,
                               double arrivalSeconds) {
    if (!m_started) {
        m_started = true;
        resync(sequence);
        m_baseSeq = sequence;
    } else {
        const std::uint16_t delta = static_cast<std::uint16_t>(sequence - m_maxSeq);
        if (delta < kMaxDropout) {
            if (sequence < m_maxSeq) {
                m_cycles += kSeqMod; // wrapped
            }
            m_maxSeq = sequence;
        } else if (delta <= kSeqMod - kMaxMisorder) {
            // A big jump: believe it only when the next packet follows it.
            if (sequence == m_badSeq) {
                resync(sequence);
            } else {
                m_badSeq = (std::uint32_t{sequence} + 1) & (kSeqMod - 1);
                return false;
            }
        }
        // else: a duplicate or reordered packet, counted below.
    }
    ++m_received;

    // Interarrival jitter, RFC 3550 A.8, in timestamp units.
    const double arrival = arrivalSeconds * m_clockRate;
    const double transit = arrival - static_cast<double>(timestamp);
    if (m_haveTransit) {
        // Timestamps wrap at 2^32: take the difference modulo 2^32.
        double d = transit - m_lastTransit;
        d = std::remainder(d, 4294967296.0);
        m_jitter += (std::fabs(d) - m_jitter) / 16.0;
    }
    m_lastTransit = transit;
    m_haveTransit = true;
    return true;
}

std::uint64_t RtpReceiveStats::expected() const {
    if (!m_started) {
        return 0;
    }
    return std::uint64_t{extendedHighest()} - m_baseSeq + 1;
}

std::int64_t RtpReceiveStats::lost() const {
    return static_cast<std::int64_t>(expected()) - static_cast<std::int64_t>(m_received);
}

ReportBlock RtpReceiveStats::makeReport(std::uint32_t ssrc, std::uint32_t lastSr,
                                        double lastSrArrivalSeconds, double nowSeconds) {
    ReportBlock b;
    b.ssrc = ssrc;
    const std::uint64_t exp = expected();
    const std::int64_t expectedInterval = static_cast<std::int64_t>(exp - m_expectedPrior);
    const std::int64_t receivedInterval = static_cast<std::int64_t>(m_received - m_receivedPrior);
    m_expectedPrior = exp;
    m_receivedPrior = m_received;
    const std::int64_t lostInterval = expectedInterval - receivedInterval;
    m_lastFraction = expectedInterval <= 0 || lostInterval <= 0
                         ? 0
                         : static_cast<std::uint8_t>(
                               std::min<std::int64_t>(255, (lostInterval << 8) / expectedInterval));
    b.fractionLost = m_lastFraction;
    b.cumulativeLost =
        static_cast<std::int32_t>(std::clamp<std::int64_t>(lost(), -0x800000, 0x7fffff));
    b.extendedHighestSequence = extendedHighest();
    b.jitter = static_cast<std::uint32_t>(m_jitter);
    b.lastSenderReport = lastSr;
    if (lastSr != 0) {
        const double delay = std::max(0.0, nowSeconds - lastSrArrivalSeconds);
        b.delaySinceLastSenderReport = static_cast<std::uint32_t>(delay * 65536.0);
    }
    return b;
}

} // namespace napkin::media
