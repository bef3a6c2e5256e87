// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RFC 4733 telephone-event (DTMF) payloads: the wire format, a sender that
// turns a digit into the packet train the RFC asks for, and a receiver that
// reports each event once however many of its packets arrive.

#include "media/MediaError.h"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

namespace napkin::media {

struct TelephoneEventPayload {
    std::uint8_t event = 0; ///< 0-9, 10 '*', 11 '#', 12-15 'A'-'D'
    bool end = false;
    std::uint8_t volume = 10;   ///< -dBm0, 0..63
    std::uint16_t duration = 0; ///< timestamp units
};

[[nodiscard]] MediaResult<TelephoneEventPayload>
parseTelephoneEvent(std::span<const std::uint8_t> payload);
[[nodiscard]] std::array<std::uint8_t, 4> writeTelephoneEvent(const TelephoneEventPayload &event);

/// '0'-'9', '*', '#', 'A'-'D' (also lower case) to the event code.
[[nodiscard]] std::optional<std::uint8_t> dtmfEventCode(char digit);
/// The character for an event code 0-15; nullopt for other events.
[[nodiscard]] std::optional<char> dtmfDigit(std::uint8_t event);

/// One packet the sender wants on the wire.
struct TelephoneEventPacket {
    bool marker = false;         ///< first packet of an event
    std::uint32_t timestamp = 0; ///< the event's start, constant for all its packets
    TelephoneEventPayload payload;
};

/// Sends queued digits, one per call of next() per 20 ms tick: a first
/// packet with the marker bit, updates every 20 ms, then the end packet three
/// times, then a 40 ms pause before the next digit.
class TelephoneEventSender {
public:
    /// `clockRate` of the telephone-event payload type.
    explicit TelephoneEventSender(std::uint32_t clockRate = 8000) : m_clockRate(clockRate) {}

    /// Queues a digit; InvalidArgument for a character that is not DTMF or a
    /// duration outside 40..5000 ms.
    [[nodiscard]] MediaResult<void> queue(char digit, unsigned durationMs);

    /// True while an event is being sent (the session then sends no audio).
    [[nodiscard]] bool active() const { return m_current.has_value(); }
    [[nodiscard]] bool idle() const { return !m_current && m_queue.empty() && m_pauseTicks == 0; }

    /// Called every 20 ms with the audio timestamp of this tick.
    [[nodiscard]] std::optional<TelephoneEventPacket> next(std::uint32_t audioTimestamp);

private:
    struct Pending {
        std::uint8_t event;
        unsigned durationMs;
    };
    struct Current {
        std::uint8_t event;
        std::uint32_t timestamp;
        std::uint32_t target;  ///< duration to reach, timestamp units
        std::uint32_t elapsed; ///< duration sent so far
        int endsSent;
    };
    std::uint32_t m_clockRate;
    std::deque<Pending> m_queue;
    std::optional<Current> m_current;
    int m_pauseTicks = 0;
};

/// A digit the peer sent.
struct ReceivedDtmf {
    char digit;
    std::uint32_t timestamp;
};

class TelephoneEventReceiver {
public:
    /// Returns the digit the first time a packet of a new event arrives
    /// (events are told apart by RTP timestamp); nullopt for repeats, updates
    /// and non-DTMF events.
    [[nodiscard]] std::optional<ReceivedDtmf> onPacket(std::uint32_t timestamp,
                                                       const TelephoneEventPayload &payload);

private:
    std::deque<std::uint32_t> m_recent; ///< timestamps of recent events
};

} // namespace napkin::media
