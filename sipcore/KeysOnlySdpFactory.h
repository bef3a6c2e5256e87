// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// SDP negotiation without media: what `napkin-cli agent --no-audio` and the
// sipcore tests run. Offers and answers come from the same code as real calls
// (SdpExchange over media/'s SDP, SDES and offer/answer rules), so a call
// agrees on codec and keys end to end; only the media session is left out.

#include "sipcore/SdpNegotiator.h"

namespace napkin::sip {

/// A negotiator without a media engine: it writes and checks SDES-SRTP audio
/// SDP exactly as MediaSdpFactory does, with real random keys, but opens no
/// socket and sends no audio (NegotiatedMedia::audio stays false).
class KeysOnlySdpFactory final : public SdpNegotiatorFactory {
public:
    /// `address` (a literal IP) goes into c= and o=; the RTP port the SDP
    /// names is `firstPort`, then every second port upwards (nothing binds it).
    explicit KeysOnlySdpFactory(std::string address = "127.0.0.1", std::uint16_t firstPort = 40000);
    [[nodiscard]] std::unique_ptr<SdpNegotiator> create() override;

private:
    std::string m_address;
    std::uint16_t m_nextPort;
};

} // namespace napkin::sip
