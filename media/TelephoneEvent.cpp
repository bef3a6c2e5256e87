// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/TelephoneEvent.h"

namespace napkin::media {

MediaResult<TelephoneEventPayload> parseTelephoneEvent(std::span<const std::uint8_t> payload) {
    // A packet may carry redundant older events (RFC 4733 section 2.5.1.4
    // uses RFC 2198 for that, a different payload type); ours is exactly 4.
    if (payload.size() != 4) {
        return mediaFail(MediaErrc::MalformedRtp, "telephone-event payload must be 4 bytes");
    }
    TelephoneEventPayload out;
    out.event = payload[0];
    out.end = (payload[1] & 0x80) != 0;
    out.volume = payload[1] & 0x3f;
    out.duration = static_cast<std::uint16_t>((payload[2] << 8) | payload[3]);
    return out;
}

std::array<std::uint8_t, 4> writeTelephoneEvent(const TelephoneEventPayload &e) {
    return {e.event, static_cast<std::uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3f)),
            static_cast<std::uint8_t>(e.duration >> 8), static_cast<std::uint8_t>(e.duration)};
}

std::optional<std::uint8_t> dtmfEventCode(char digit) {
    if (digit >= '0' && digit <= '9') {
        return static_cast<std::uint8_t>(digit - '0');
    }
    if (digit == '*') {
        return 10;
    }
    if (digit == '#') {
        return 11;
    }
    if (digit >= 'A' && digit <= 'D') {
        return static_cast<std::uint8_t>(12 + digit - 'A');
    }
    if (digit >= 'a' && digit <= 'd') {
        return static_cast<std::uint8_t>(12 + digit - 'a');
    }
    return std::nullopt;
}

std::optional<char> dtmfDigit(std::uint8_t event) {
    static constexpr char kDigits[] = "0123456789*#ABCD";
    if (event < 16) {
        return kDigits[event];
    }
    return std::nullopt;
}

MediaResult<void> TelephoneEventSender::queue(char digit, unsigned durationMs) {
    auto code = dtmfEventCode(digit);
    if (!code) {
        return mediaFail(MediaErrc::InvalidArgument, "DTMF digits are 0-9, *, # and A-D");
    }
    if (durationMs < 40 || durationMs > 5000) {
        return mediaFail(MediaErrc::InvalidArgument, "a DTMF digit lasts 40 to 5000 ms");
    }
    if (m_queue.size() >= 64) {
        return mediaFail(MediaErrc::InvalidArgument, "too many DTMF digits queued");
    }
    m_queue.push_back(Pending{*code, durationMs});
    return {};
}

std::optional<TelephoneEventPacket> TelephoneEventSender::next(std::uint32_t audioTimestamp) {
    const std::uint32_t tick = m_clockRate / 50; // 20 ms
    if (!m_current) {
        if (m_pauseTicks > 0) {
            --m_pauseTicks;
            return std::nullopt;
        }
        if (m_queue.empty()) {
            return std::nullopt;
        }
        const Pending p = m_queue.front();
        m_queue.pop_front();
        const auto target =
            static_cast<std::uint32_t>(std::uint64_t{p.durationMs} * m_clockRate / 1000);
        m_current =
            Current{p.event, audioTimestamp, std::min<std::uint32_t>(target, 0xffff), tick, 0};
        TelephoneEventPacket out;
        out.marker = true;
        out.timestamp = audioTimestamp;
        out.payload = TelephoneEventPayload{p.event, false, 10, static_cast<std::uint16_t>(tick)};
        return out;
    }
    Current &c = *m_current;
    TelephoneEventPacket out;
    out.timestamp = c.timestamp;
    if (c.elapsed + tick < c.target) {
        c.elapsed += tick;
        out.payload =
            TelephoneEventPayload{c.event, false, 10, static_cast<std::uint16_t>(c.elapsed)};
        return out;
    }
    // The end packet, three times for robustness (RFC 4733 section 2.5.1.4).
    out.payload = TelephoneEventPayload{c.event, true, 10, static_cast<std::uint16_t>(c.target)};
    if (++c.endsSent == 3) {
        m_current.reset();
        m_pauseTicks = 2;
    }
    return out;
}

std::optional<ReceivedDtmf> TelephoneEventReceiver::onPacket(std::uint32_t timestamp,
                                                             const TelephoneEventPayload &payload) {
    // Late or repeated packets of a recent event must not report it again.
    for (std::uint32_t seen : m_recent) {
        if (seen == timestamp) {
            return std::nullopt;
        }
    }
    m_recent.push_back(timestamp);
    if (m_recent.size() > 16) {
        m_recent.pop_front();
    }
    auto digit = dtmfDigit(payload.event);
    if (!digit) {
        return std::nullopt;
    }
    return ReceivedDtmf{*digit, timestamp};
}

} // namespace napkin::media
