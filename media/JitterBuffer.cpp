// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/JitterBuffer.h"

#include "media/RtpPacket.h"

#include <algorithm>

namespace napkin::media {

JitterBuffer::JitterBuffer(JitterBufferConfig config) : m_config(config) {
    if (m_config.frameTimestamps == 0) {
        m_config.frameTimestamps = m_config.clockRate / 50;
    }
}

void JitterBuffer::reset() {
    m_entries.clear();
    m_haveReference = false;
    m_started = false;
    m_underrunsInRow = 0;
    m_stalled = 0;
    m_windowPops = 0;
    m_windowMinLevel = ~0u;
    m_windowUnderrun = false;
    m_shrinkPending = 0;
}

unsigned JitterBuffer::levelFrames() const {
    if (m_entries.empty() || !m_started) {
        return static_cast<unsigned>(m_entries.size());
    }
    const auto &last = *m_entries.rbegin();
    const std::int64_t span = last.first + last.second.duration - m_playout;
    return span <= 0 ? 0
                     : static_cast<unsigned>((span + m_config.frameTimestamps - 1) /
                                             m_config.frameTimestamps);
}

void JitterBuffer::insert(std::uint32_t timestamp, std::span<const std::uint8_t> payload,
                          std::uint32_t duration) {
    if (payload.empty()) {
        return;
    }
    if (!m_haveReference) {
        m_haveReference = true;
        m_lastTimestamp = timestamp;
        m_lastExtended = std::int64_t{1} << 40; // room to go back without going negative
    }
    const std::int64_t extended = m_lastExtended + timestampDistance(timestamp, m_lastTimestamp);
    if (extended > m_lastExtended) {
        m_lastExtended = extended;
        m_lastTimestamp = timestamp;
    }
    if (m_started && extended < m_playout) {
        ++m_stats.late;
        return;
    }
    const std::size_t maxFrames = std::max<std::size_t>(2, m_config.maxDelayMs / 20);
    if (m_started &&
        extended - m_playout > static_cast<std::int64_t>(maxFrames * m_config.frameTimestamps)) {
        // A jump far beyond what we would ever buffer (the sender restarted
        // its clock, e.g. after hold): start over from this packet.
        m_entries.clear();
        m_started = false;
        m_stalled = 0;
        m_underrunsInRow = 0;
        ++m_stats.dropped;
    }
    if (m_entries.contains(extended)) {
        ++m_stats.duplicates;
        return;
    }
    ++m_stats.inserted;
    const std::uint32_t d = duration == 0 ? m_config.frameTimestamps : duration;
    m_entries.emplace(extended, Entry{{payload.begin(), payload.end()}, timestamp, d});

    // Hard cap: never hold more than maxDelayMs, in count or in time
    // span; drop the oldest.
    const auto maxSpan = static_cast<std::int64_t>(maxFrames * m_config.frameTimestamps);
    while (!m_entries.empty() && (m_entries.size() > maxFrames ||
                                  m_entries.rbegin()->first - m_entries.begin()->first > maxSpan)) {
        auto oldest = m_entries.begin();
        if (m_started) {
            m_playout = std::max(m_playout, oldest->first + oldest->second.duration);
        }
        m_entries.erase(oldest);
        ++m_stats.dropped;
    }
}

void JitterBuffer::endOfPop(unsigned level, bool underrun) {
    m_stats.delayMs = level * 20;
    m_averageDelay += (m_stats.delayMs - m_averageDelay) / 16.0;
    m_stats.averageDelayMs = static_cast<unsigned>(m_averageDelay + 0.5);
    m_windowMinLevel = std::min(m_windowMinLevel, level);
    m_windowUnderrun = m_windowUnderrun || underrun;
    if (m_shrinkPending > 0 && level >= 2) {
        // Give back one spare frame per pop, not all at once: one 20 ms
        // skip at a time is barely audible.
        auto next = m_entries.find(m_playout);
        if (next != m_entries.end()) {
            m_playout += next->second.duration;
            m_entries.erase(next);
            ++m_stats.dropped;
        }
        --m_shrinkPending;
    }
    if (++m_windowPops < m_config.shrinkWindowFrames) {
        return;
    }
    // A whole window in which a spare frame was always buffered and the
    // buffer never ran dry: the extra delay was never needed.
    if (!m_windowUnderrun && m_windowMinLevel >= 2) {
        m_shrinkPending = std::min(m_windowMinLevel - 1, 8u);
    }
    m_windowPops = 0;
    m_windowMinLevel = ~0u;
    m_windowUnderrun = false;
}

PlayoutFrame JitterBuffer::pop() {
    PlayoutFrame out;
    if (!m_started) {
        if (m_entries.empty()) {
            return out;
        }
        m_started = true;
        m_playout = m_entries.begin()->first;
        m_underrunsInRow = 0;
        m_stalled = 0;
    }
    while (true) {
        auto due = m_entries.find(m_playout);
        if (due != m_entries.end()) {
            const unsigned level = levelFrames();
            out.kind = PlayoutKind::Packet;
            out.timestamp = due->second.timestamp;
            out.payload = std::move(due->second.payload);
            m_playout += due->second.duration;
            m_entries.erase(due);
            m_underrunsInRow = 0;
            m_stalled = 0;
            ++m_stats.played;
            endOfPop(level, false);
            return out;
        }
        // Drop anything behind the playout point (a shrink or a long packet
        // may have skipped past it).
        while (!m_entries.empty() && m_entries.begin()->first < m_playout) {
            m_entries.erase(m_entries.begin());
            ++m_stats.late;
        }
        if (m_entries.empty()) {
            // Nothing due and nothing after: a late packet or a pause. Conceal
            // and wait for it; after a while treat it as a pause and restart.
            ++m_stats.underruns;
            if (++m_underrunsInRow >= m_config.restartAfterFrames) {
                m_started = false;
                out.kind = PlayoutKind::NotStarted;
                return out;
            }
            ++m_stalled;
            out.kind = PlayoutKind::Conceal;
            ++m_stats.concealed;
            endOfPop(0, true);
            return out;
        }
        if (m_stalled == 0) {
            break;
        }
        // A later packet came but the due one did not: it was lost, and the
        // slot we waited in was already concealed. Skip it rather than play
        // it late, so that a loss on a clean network does not add delay.
        m_playout += m_config.frameTimestamps;
        --m_stalled;
    }
    m_underrunsInRow = 0;
    const unsigned level = levelFrames();
    auto next = m_entries.find(m_playout + m_config.frameTimestamps);
    if (next != m_entries.end()) {
        out.kind = PlayoutKind::Fec;
        out.payload = next->second.payload; // the packet stays for its own turn
        out.timestamp =
            static_cast<std::uint32_t>(next->second.timestamp - m_config.frameTimestamps);
        ++m_stats.fecRecovered;
    } else {
        out.kind = PlayoutKind::Conceal;
        ++m_stats.concealed;
    }
    m_playout += m_config.frameTimestamps;
    endOfPop(level, false); // a loss, not a delay problem
    return out;
}

} // namespace napkin::media
