// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/RtpPacket.h"

namespace napkin::media {

namespace {

std::uint16_t read16(const std::uint8_t *p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t read32(const std::uint8_t *p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

} // namespace

MediaResult<RtpView> parseRtp(std::span<const std::uint8_t> packet) {
    if (packet.size() < kRtpHeaderSize) {
        return mediaFail(MediaErrc::MalformedRtp, "RTP packet is shorter than its 12-byte header");
    }
    const std::uint8_t *p = packet.data();
    if ((p[0] >> 6) != 2) {
        return mediaFail(MediaErrc::MalformedRtp, "RTP packet is not version 2");
    }
    const bool padding = (p[0] & 0x20) != 0;
    const bool extension = (p[0] & 0x10) != 0;
    const std::size_t csrcCount = p[0] & 0x0f;
    RtpView out;
    out.header.marker = (p[1] & 0x80) != 0;
    out.header.payloadType = p[1] & 0x7f;
    out.header.sequence = read16(p + 2);
    out.header.timestamp = read32(p + 4);
    out.header.ssrc = read32(p + 8);
    std::size_t offset = kRtpHeaderSize + 4 * csrcCount;
    if (offset > packet.size()) {
        return mediaFail(MediaErrc::MalformedRtp, "RTP CSRC list runs past the packet");
    }
    if (extension) {
        if (offset + 4 > packet.size()) {
            return mediaFail(MediaErrc::MalformedRtp, "RTP header extension runs past the packet");
        }
        const std::size_t words = read16(p + offset + 2);
        offset += 4 + 4 * words;
        if (offset > packet.size()) {
            return mediaFail(MediaErrc::MalformedRtp, "RTP header extension runs past the packet");
        }
    }
    std::size_t end = packet.size();
    if (padding) {
        const std::size_t pad = p[end - 1];
        if (pad == 0 || pad > end - offset) {
            return mediaFail(MediaErrc::MalformedRtp, "RTP padding count is invalid");
        }
        end -= pad;
    }
    out.payload = packet.subspan(offset, end - offset);
    return out;
}

void writeRtp(std::vector<std::uint8_t> &out, const RtpHeader &h,
              std::span<const std::uint8_t> payload) {
    out.resize(kRtpHeaderSize + payload.size());
    std::uint8_t *p = out.data();
    p[0] = 0x80;
    p[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payloadType & 0x7f));
    p[2] = static_cast<std::uint8_t>(h.sequence >> 8);
    p[3] = static_cast<std::uint8_t>(h.sequence);
    for (int i = 0; i < 4; ++i) {
        p[4 + i] = static_cast<std::uint8_t>(h.timestamp >> (24 - 8 * i));
        p[8 + i] = static_cast<std::uint8_t>(h.ssrc >> (24 - 8 * i));
    }
    std::copy(payload.begin(), payload.end(), p + kRtpHeaderSize);
}

bool isRtcpPacket(std::span<const std::uint8_t> packet) {
    return packet.size() >= 2 && packet[1] >= 192 && packet[1] <= 223;
}

} // namespace napkin::media
