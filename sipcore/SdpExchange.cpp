// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SdpExchange.h"

namespace napkin::sip {

namespace {

std::string codecText(media::CodecId codec) {
    switch (codec) {
    case media::CodecId::Opus:
        return "opus/48000/2";
    case media::CodecId::Pcmu:
        return "PCMU/8000";
    case media::CodecId::Pcma:
        return "PCMA/8000";
    }
    return "unknown";
}

/// `peer` is the direction the peer wrote: a peer that will not receive
/// from us (sendonly, inactive) has put us on hold.
SdpAgreement agreement(media::NegotiatedMedia negotiated, media::MediaDirection peer,
                       bool localHold) {
    NegotiatedMedia summary;
    summary.codec = codecText(negotiated.codec);
    summary.srtpSuite = std::string(media::suiteName(negotiated.suite));
    summary.remoteAddress = negotiated.remoteAddress;
    summary.remotePort = negotiated.remotePort;
    summary.localHold = localHold;
    summary.remoteHold = !media::directionReceives(peer);
    summary.audio = false;
    return SdpAgreement{std::move(negotiated), std::move(summary)};
}

} // namespace

SdpError sdpError(const media::MediaError &error) {
    return SdpError{error.code, error.message};
}

SdpExchange::SdpExchange(std::string address, PortSource port)
    : m_address(std::move(address)), m_port(std::move(port)) {}

SdpResult<std::string> SdpExchange::createOffer(bool hold) {
    auto options = localOptions(hold);
    if (!options) {
        return fail(std::move(options).error());
    }
    auto offer = media::makeOffer(*options);
    if (!offer) {
        return fail(sdpError(offer.error()));
    }
    std::string text = media::formatSdp(offer->sdp);
    m_pending = std::move(offer).value();
    return text;
}

SdpResult<SdpAnswer> SdpExchange::createAnswer(std::string_view offerText, bool hold) {
    auto offer = media::parseSdp(offerText);
    if (!offer) {
        return fail(sdpError(offer.error()));
    }
    auto options = localOptions(hold);
    if (!options) {
        return fail(std::move(options).error());
    }
    auto answer = media::answerOffer(*offer, *options);
    if (!answer) {
        return fail(sdpError(answer.error()));
    }
    // answerOffer() answered the first active RTP audio stream.
    media::MediaDirection peer = media::MediaDirection::SendRecv;
    for (const auto &m : offer->media) {
        if (m.type == "audio" && m.port != 0 && m.isRtp()) {
            peer = offer->directionOf(m);
            break;
        }
    }
    std::string text = media::formatSdp(answer->sdp);
    return SdpAnswer{std::move(text), agreement(std::move(answer->media), peer, hold)};
}

SdpResult<SdpAgreement> SdpExchange::acceptAnswer(std::string_view answerText) {
    if (!m_pending) {
        return fail(
            SdpError{media::MediaErrc::State, "an answer arrived, but no offer is outstanding"});
    }
    auto answer = media::parseSdp(answerText);
    if (!answer) {
        return fail(sdpError(answer.error()));
    }
    auto negotiated = media::applyAnswer(*m_pending, *answer);
    if (!negotiated) {
        return fail(sdpError(negotiated.error()));
    }
    // applyAnswer() checked that the first stream is the audio we offered.
    const media::MediaDirection peer = answer->directionOf(answer->media.front());
    const bool hold = m_pending->options.direction == media::MediaDirection::SendOnly;
    m_pending.reset();
    return agreement(std::move(negotiated).value(), peer, hold);
}

SdpResult<media::LocalMediaOptions> SdpExchange::localOptions(bool hold) {
    media::LocalMediaOptions options;
    if (auto ice = m_ice ? m_ice() : std::nullopt; ice && !ice->defaultAddress.empty()) {
        options.address = ice->defaultAddress;
        options.port = ice->defaultPort;
        options.ice = std::move(ice);
    } else {
        auto port = m_port();
        if (!port) {
            return fail(std::move(port).error());
        }
        options.address = m_address;
        options.port = *port;
    }
    options.direction = hold ? media::MediaDirection::SendOnly : media::MediaDirection::SendRecv;
    options.sessionVersion = ++m_version;
    return options;
}

} // namespace napkin::sip
