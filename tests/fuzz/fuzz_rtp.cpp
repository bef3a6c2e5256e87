// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for what arrives on the media socket: RTP headers, compound
// RTCP, RFC 4733 events, SRTP/SRTCP unprotect with a fixed key, and the
// jitter buffer and reception statistics fed with the parsed packets.

#include "media/JitterBuffer.h"
#include "media/RtcpPacket.h"
#include "media/RtpPacket.h"
#include "media/RtpReceiveStats.h"
#include "media/SrtpSession.h"
#include "media/TelephoneEvent.h"
#include "media/WavFile.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>
#include <optional>
#include <vector>

using namespace napkin::media;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

SrtpSession &srtp() {
    static std::optional<SrtpSession> session = [] {
        const SecretBytes key(std::vector<std::uint8_t>(30, 0x42));
        return std::optional<SrtpSession>(
            SrtpSession::create(SrtpSuite::AesCm128HmacSha1_80, {key, {}}, {key, {}}).value());
    }();
    return *session;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);

    if (auto rtp = parseRtp(input)) {
        check(rtp->payload.data() >= data &&
              rtp->payload.data() + rtp->payload.size() <= data + size);
        std::vector<std::uint8_t> rebuilt;
        writeRtp(rebuilt, rtp->header, rtp->payload);
        auto again = parseRtp(rebuilt);
        check(again.ok() && again->header.sequence == rtp->header.sequence &&
              again->payload.size() == rtp->payload.size());
        (void)parseTelephoneEvent(rtp->payload);
    }
    if (auto rtcp = parseRtcp(input)) {
        check(rtcp->reports.size() <= 31 * (size / 4));
        auto again = parseRtcp(buildRtcp(*rtcp));
        check(again.ok() && again->senderSsrc == rtcp->senderSsrc);
    }

    std::vector<std::uint8_t> packet(input.begin(), input.end());
    (void)srtp().unprotectRtp(packet);
    packet.assign(input.begin(), input.end());
    (void)srtp().unprotectRtcp(packet);

    // Treat the input as a stream of 6-byte (timestamp, sequence) records
    // driving the jitter buffer and the statistics.
    JitterBuffer jb;
    RtpReceiveStats stats(48000);
    const std::uint8_t payload[] = {1, 2, 3};
    for (std::size_t i = 0; i + 6 <= size; i += 6) {
        const std::uint32_t ts = static_cast<std::uint32_t>(data[i] << 24 | data[i + 1] << 16 |
                                                            data[i + 2] << 8 | data[i + 3]);
        const auto seq = static_cast<std::uint16_t>(data[i + 4] << 8 | data[i + 5]);
        jb.insert(ts, payload, (data[i + 5] & 3) * 480u);
        stats.onPacket(seq, ts, static_cast<double>(i) * 0.001);
        if ((data[i] & 1) != 0) {
            (void)jb.pop();
        }
        check(jb.levelFrames() <= 2 * 400 / 20 + 2); // bounded by the 400 ms cap
    }
    (void)stats.makeReport(1, 0, 0, 1);

    (void)decodeWav(input);
    return 0;
}
