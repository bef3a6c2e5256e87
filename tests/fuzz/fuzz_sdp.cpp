// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for SDP and SDES: the SDP parser, a=crypto parsing, and the
// offer/answer logic on whatever parses, with round-trip checks that abort
// when a property breaks.

#include "media/OfferAnswer.h"
#include "media/Sdp.h"
#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

using namespace napkin::media;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);

    if (auto crypto = parseCryptoAttribute(text)) {
        check(crypto->keySalt.size() == keySaltLength(crypto->suite));
        auto again = parseCryptoAttribute(formatCryptoAttribute(*crypto));
        check(again.ok() && again->keySalt.equals(crypto->keySalt) && again->tag == crypto->tag &&
              again->lifetime == crypto->lifetime);
    }

    auto sdp = parseSdp(text);
    if (!sdp) {
        check(!sdp.error().message.empty());
        return 0;
    }
    check(sdp->media.size() <= kMaxSdpMedia);
    for (const auto &m : sdp->media) {
        check(sdp->connectionOf(m) != nullptr);
        check(m.candidates.size() <= kMaxSdpCandidates);
        check(!sdp->iceOf(m) || !m.candidates.empty());
        check(!m.isRtp() || m.rtpFormats.size() == m.formats.size());
    }
    // What we write, we read back the same.
    const std::string written = formatSdp(*sdp);
    auto again = parseSdp(written);
    check(again.ok());
    check(formatSdp(*again) == written);

    LocalMediaOptions options;
    options.address = "192.0.2.1";
    options.port = 40000;
    options.ice = IceLocal{"abcd",
                           "0123456789012345678901",
                           {"1 1 UDP 5 192.0.2.1 40000 typ host"},
                           "192.0.2.1",
                           40000,
                           {}};
    if (auto answer = answerOffer(*sdp, options)) {
        // ICE in the answer exactly when the offer had it.
        const bool answered = !answer->sdp.media.empty() &&
                              std::any_of(answer->sdp.media.begin(), answer->sdp.media.end(),
                                          [](const SdpMedia &m) { return !m.candidates.empty(); });
        check(answered == answer->media.remoteIce.has_value());
        check(answer->media.sendKey.size() == keySaltLength(answer->media.suite));
        check(answer->media.receiveKey.size() == keySaltLength(answer->media.suite));
        check(parseSdp(formatSdp(answer->sdp)).ok());
    }
    if (auto offer = makeOffer(options)) {
        (void)applyAnswer(*offer, *sdp);
    }
    return 0;
}
