// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/RtcpPacket.h"

#include <algorithm>
#include <chrono>

namespace napkin::media {

namespace {

constexpr std::uint8_t kSr = 200;
constexpr std::uint8_t kRr = 201;
constexpr std::uint8_t kSdes = 202;
constexpr std::uint8_t kBye = 203;

std::uint32_t read32(const std::uint8_t *p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}

void put32(std::vector<std::uint8_t> &out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void header(std::vector<std::uint8_t> &out, std::size_t count, std::uint8_t type) {
    out.push_back(static_cast<std::uint8_t>(0x80 | (count & 0x1f)));
    out.push_back(type);
    out.push_back(0); // length, patched by finish()
    out.push_back(0);
}

void finish(std::vector<std::uint8_t> &out, std::size_t start) {
    while ((out.size() - start) % 4 != 0) {
        out.push_back(0);
    }
    const std::size_t words = (out.size() - start) / 4 - 1;
    out[start + 2] = static_cast<std::uint8_t>(words >> 8);
    out[start + 3] = static_cast<std::uint8_t>(words);
}

ReportBlock readBlock(const std::uint8_t *p) {
    ReportBlock b;
    b.ssrc = read32(p);
    b.fractionLost = p[4];
    std::uint32_t lost = (std::uint32_t{p[5]} << 16) | (std::uint32_t{p[6]} << 8) | p[7];
    b.cumulativeLost = (lost & 0x800000) != 0 ? static_cast<std::int32_t>(lost | 0xff000000u)
                                              : static_cast<std::int32_t>(lost);
    b.extendedHighestSequence = read32(p + 8);
    b.jitter = read32(p + 12);
    b.lastSenderReport = read32(p + 16);
    b.delaySinceLastSenderReport = read32(p + 20);
    return b;
}

} // namespace

MediaResult<RtcpCompound> parseRtcp(std::span<const std::uint8_t> packet) {
    RtcpCompound out;
    std::size_t offset = 0;
    bool first = true;
    while (offset < packet.size()) {
        if (packet.size() - offset < 4) {
            return mediaFail(MediaErrc::MalformedRtcp, "RTCP packet ends inside a header");
        }
        const std::uint8_t *p = packet.data() + offset;
        if ((p[0] >> 6) != 2) {
            return mediaFail(MediaErrc::MalformedRtcp, "RTCP packet is not version 2");
        }
        const std::size_t count = p[0] & 0x1f;
        const std::uint8_t type = p[1];
        const std::size_t length = (std::size_t{p[2]} << 8 | p[3]) * 4 + 4;
        if (length > packet.size() - offset) {
            return mediaFail(MediaErrc::MalformedRtcp, "RTCP length runs past the packet");
        }
        std::size_t end = length;
        if ((p[0] & 0x20) != 0) {
            if (offset + length != packet.size() || p[length - 1] == 0 ||
                p[length - 1] > length - 4) {
                return mediaFail(MediaErrc::MalformedRtcp, "RTCP padding is invalid");
            }
            end -= p[length - 1];
        }
        if (first && type != kSr && type != kRr) {
            return mediaFail(MediaErrc::MalformedRtcp,
                             "a compound RTCP packet must start with SR or RR");
        }
        if (type == kSr || type == kRr) {
            const std::size_t fixed = type == kSr ? 28 : 8;
            if (end < fixed + 24 * count) {
                return mediaFail(MediaErrc::MalformedRtcp,
                                 "RTCP report is shorter than its blocks");
            }
            if (first) {
                out.senderSsrc = read32(p + 4);
                if (type == kSr) {
                    SenderInfo info;
                    info.ntpTimestamp = (std::uint64_t{read32(p + 8)} << 32) | read32(p + 12);
                    info.rtpTimestamp = read32(p + 16);
                    info.packetCount = read32(p + 20);
                    info.octetCount = read32(p + 24);
                    out.senderInfo = info;
                }
            }
            for (std::size_t i = 0; i < count; ++i) {
                out.reports.push_back(readBlock(p + fixed + 24 * i));
            }
        } else if (type == kSdes) {
            std::size_t pos = 4;
            for (std::size_t chunk = 0; chunk < count; ++chunk) {
                if (pos + 4 > end) {
                    return mediaFail(MediaErrc::MalformedRtcp,
                                     "RTCP SDES chunk runs past the packet");
                }
                const std::uint32_t ssrc = read32(p + pos);
                pos += 4;
                while (true) {
                    if (pos >= end) {
                        return mediaFail(MediaErrc::MalformedRtcp,
                                         "RTCP SDES items are not terminated");
                    }
                    const std::uint8_t item = p[pos];
                    if (item == 0) {
                        pos = (pos + 4) & ~std::size_t{3}; // to the next word after the null item
                        break;
                    }
                    if (pos + 2 > end || pos + 2 + p[pos + 1] > end) {
                        return mediaFail(MediaErrc::MalformedRtcp,
                                         "RTCP SDES item runs past the packet");
                    }
                    if (item == 1 && ssrc == out.senderSsrc) {
                        out.cname.assign(reinterpret_cast<const char *>(p + pos + 2), p[pos + 1]);
                    }
                    pos += 2 + p[pos + 1];
                }
            }
        } else if (type == kBye) {
            if (end < 4 + 4 * count) {
                return mediaFail(MediaErrc::MalformedRtcp,
                                 "RTCP BYE is shorter than its SSRC list");
            }
            out.bye = true;
        } else if (type < 192 || type > 223) {
            return mediaFail(MediaErrc::MalformedRtcp,
                             "RTCP packet type " + std::to_string(type) + " is not an RTCP type");
        }
        // Other RTCP types (APP, feedback, XR) are skipped.
        offset += length;
        first = false;
    }
    if (first) {
        return mediaFail(MediaErrc::MalformedRtcp, "RTCP packet is empty");
    }
    return out;
}

std::vector<std::uint8_t> buildRtcp(const RtcpCompound &c) {
    std::vector<std::uint8_t> out;
    out.reserve(128);
    const std::size_t blocks = std::min<std::size_t>(c.reports.size(), 31);
    header(out, blocks, c.senderInfo ? kSr : kRr);
    put32(out, c.senderSsrc);
    if (c.senderInfo) {
        put32(out, static_cast<std::uint32_t>(c.senderInfo->ntpTimestamp >> 32));
        put32(out, static_cast<std::uint32_t>(c.senderInfo->ntpTimestamp));
        put32(out, c.senderInfo->rtpTimestamp);
        put32(out, c.senderInfo->packetCount);
        put32(out, c.senderInfo->octetCount);
    }
    for (std::size_t i = 0; i < blocks; ++i) {
        const ReportBlock &b = c.reports[i];
        put32(out, b.ssrc);
        const std::int32_t lost = std::clamp(b.cumulativeLost, -0x800000, 0x7fffff);
        put32(out, (std::uint32_t{b.fractionLost} << 24) |
                       (static_cast<std::uint32_t>(lost) & 0xffffff));
        put32(out, b.extendedHighestSequence);
        put32(out, b.jitter);
        put32(out, b.lastSenderReport);
        put32(out, b.delaySinceLastSenderReport);
    }
    finish(out, 0);

    const std::size_t sdes = out.size();
    header(out, 1, kSdes);
    put32(out, c.senderSsrc);
    const std::size_t cnameLength = std::min<std::size_t>(c.cname.size(), 255);
    out.push_back(1);
    out.push_back(static_cast<std::uint8_t>(cnameLength));
    out.insert(out.end(), c.cname.begin(),
               c.cname.begin() + static_cast<std::ptrdiff_t>(cnameLength));
    out.push_back(0); // end of the item list; finish() pads to a word
    finish(out, sdes);

    if (c.bye) {
        const std::size_t bye = out.size();
        header(out, 1, kBye);
        put32(out, c.senderSsrc);
        finish(out, bye);
    }
    return out;
}

std::uint64_t ntpNow() {
    using namespace std::chrono;
    const auto since = system_clock::now().time_since_epoch();
    const auto micros = duration_cast<microseconds>(since).count();
    const std::uint64_t seconds = static_cast<std::uint64_t>(micros / 1000000) + 2208988800ULL;
    const std::uint64_t fraction = (static_cast<std::uint64_t>(micros % 1000000) << 32) / 1000000;
    return (seconds << 32) | fraction;
}

} // namespace napkin::media
