#pragma once

// SDP negotiation without a media engine, until media/ provides the real one.

#include "sipcore/SdpNegotiator.h"

namespace napkin::sip {

/// A negotiator without a media engine: it writes and checks SDES-SRTP
/// audio SDP (Opus, AES_CM_128_HMAC_SHA1_80/32) with real random keys, so a
/// call agrees on keys end to end, but sends no audio.
class KeysOnlySdpFactory final : public SdpNegotiatorFactory {
public:
    /// `address` goes into c= and o=; ports are taken from `firstPort` upwards.
    explicit KeysOnlySdpFactory(std::string address = "127.0.0.1", std::uint16_t firstPort = 40000);
    [[nodiscard]] std::unique_ptr<SdpNegotiator> create() override;

private:
    std::string m_address;
    std::uint16_t m_nextPort;
};

} // namespace napkin::sip
