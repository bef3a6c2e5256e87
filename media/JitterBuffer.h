// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// An adaptive jitter buffer for one audio stream. It is driven by its
// playout clock alone (pop() every 20 ms), which keeps it deterministic:
// - it starts playing as soon as the first packet is there (minimum delay);
// - when the packet due is late and nothing after it has arrived, it conceals
//   and waits (the delay grows by one frame: growth only under jitter);
// - when a later packet is there, the due one counts as lost and is rebuilt
//   from the next packet's FEC, or concealed; if we had already concealed
//   its slot while waiting, it is skipped instead (a loss on a clean network
//   must not add delay);
// - when for a whole window (0.5 s) at least n spare frames were always
//   buffered and it never ran dry, it drops those n frames, one per pop (the
//   delay shrinks back, quickly after a burst).

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace napkin::media {

struct JitterBufferConfig {
    std::uint32_t clockRate = 48000;
    std::uint32_t frameTimestamps = 960; ///< RTP timestamp units per 20 ms
    unsigned maxDelayMs = 400;           ///< frames beyond this are dropped
    unsigned shrinkWindowFrames = 25;    ///< 0.5 s of 20 ms frames
    unsigned restartAfterFrames = 10;    ///< underruns in a row that mean the stream paused
};

enum class PlayoutKind {
    NotStarted, ///< nothing received yet (or the stream paused): play silence
    Packet,     ///< decode `payload`
    Fec,        ///< rebuild the lost frame from `payload`, the next packet
    Conceal,    ///< run the decoder's loss concealment
};

struct PlayoutFrame {
    PlayoutKind kind = PlayoutKind::NotStarted;
    std::vector<std::uint8_t> payload;
    std::uint32_t timestamp = 0;
};

struct JitterBufferStats {
    std::uint64_t inserted = 0;
    std::uint64_t played = 0;
    std::uint64_t fecRecovered = 0; ///< lost frames handed out with the next packet for FEC
    std::uint64_t concealed = 0;    ///< lost frames concealed (no FEC)
    std::uint64_t underruns = 0;    ///< pops with nothing due and nothing after it (delay grew)
    std::uint64_t late = 0;         ///< packets that came after their playout time
    std::uint64_t duplicates = 0;
    std::uint64_t dropped = 0;   ///< frames dropped to shrink the delay or on overflow
    unsigned delayMs = 0;        ///< buffered audio at the last pop
    unsigned averageDelayMs = 0; ///< smoothed delayMs
};

class JitterBuffer {
public:
    explicit JitterBuffer(JitterBufferConfig config = {});

    /// Adds a packet. `duration` in timestamp units, 0 for one frame.
    void insert(std::uint32_t timestamp, std::span<const std::uint8_t> payload,
                std::uint32_t duration = 0);
    /// What to play for the next 20 ms.
    [[nodiscard]] PlayoutFrame pop();
    /// Forgets everything (e.g. the peer's SSRC changed).
    void reset();

    [[nodiscard]] const JitterBufferStats &stats() const { return m_stats; }
    /// Frames buffered from the playout point to the newest packet.
    [[nodiscard]] unsigned levelFrames() const;

private:
    struct Entry {
        std::vector<std::uint8_t> payload;
        std::uint32_t timestamp;
        std::uint32_t duration;
    };
    void endOfPop(unsigned level, bool underrun);

    JitterBufferConfig m_config;
    std::map<std::int64_t, Entry> m_entries; ///< by extended timestamp
    bool m_haveReference = false;
    std::int64_t m_lastExtended = 0;
    std::uint32_t m_lastTimestamp = 0;
    bool m_started = false;
    std::int64_t m_playout = 0; ///< extended timestamp due next
    unsigned m_underrunsInRow = 0;
    unsigned m_stalled = 0; ///< slots concealed while waiting for the due packet
    unsigned m_windowPops = 0;
    unsigned m_windowMinLevel = ~0u;
    bool m_windowUnderrun = false;
    unsigned m_shrinkPending = 0; ///< spare frames still to drop
    double m_averageDelay = 0;
    JitterBufferStats m_stats;
};

} // namespace napkin::media
