// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/OfferAnswer.h"

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <algorithm>

namespace napkin::media {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
               };
               return lower(x) == lower(y);
           });
}

std::optional<CodecId> codecOf(const RtpFormat &f) {
    if (iequals(f.encoding, "opus") && f.clockRate == 48000 && f.channels <= 2) {
        return CodecId::Opus;
    }
    if (iequals(f.encoding, "PCMU") && f.clockRate == 8000 && f.channels == 1) {
        return CodecId::Pcmu;
    }
    if (iequals(f.encoding, "PCMA") && f.clockRate == 8000 && f.channels == 1) {
        return CodecId::Pcma;
    }
    return std::nullopt;
}

bool isEvent(const RtpFormat &f) {
    return iequals(f.encoding, "telephone-event") && f.channels == 1;
}

RtpFormat formatFor(CodecId codec) {
    switch (codec) {
    case CodecId::Opus:
        return RtpFormat{kOpusPayloadType, "opus", 48000, 2, "minptime=10;useinbandfec=1"};
    case CodecId::Pcmu:
        return RtpFormat{0, "PCMU", 8000, 1, {}};
    case CodecId::Pcma:
        return RtpFormat{8, "PCMA", 8000, 1, {}};
    }
    return {};
}

std::uint64_t randomSessionId() {
    std::uint64_t id = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&id), sizeof id) != 1) {
        return 1;
    }
    return (id >> 2) | 1; // fits in a signed 64-bit number, never 0
}

/// The first a=crypto tag of an offer: random, so that an answer from another
/// call (or an earlier offer) cannot name a tag this offer uses by chance.
std::uint32_t randomFirstCryptoTag() {
    std::uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&v), sizeof v) != 1) {
        return 1;
    }
    return 1 + v % 999'999'000U; // up to 9 digits (RFC 4568), room for the other suites
}

MediaResult<SdpConnection> localConnection(const std::string &address) {
    SdpConnection c{address, address.find(':') != std::string::npos};
    unsigned char buf[16];
    if (inet_pton(c.ipv6 ? AF_INET6 : AF_INET, address.c_str(), buf) != 1) {
        return mediaFail(MediaErrc::InvalidArgument,
                         "the local media address must be a literal IP address");
    }
    return c;
}

MediaResult<void> checkOptions(const LocalMediaOptions &options) {
    if (options.port == 0) {
        return mediaFail(MediaErrc::InvalidArgument, "the local RTP port must not be 0");
    }
    if (options.codecs.empty() || options.suites.empty()) {
        return mediaFail(MediaErrc::InvalidArgument,
                         "at least one codec and one SRTP suite are needed");
    }
    if (options.ptimeMs != 20) {
        return mediaFail(MediaErrc::InvalidArgument, "Napkin sends 20 ms packets only");
    }
    return {};
}

SessionDescription baseDescription(const SdpConnection &c, std::uint64_t version) {
    SessionDescription sdp;
    sdp.origin = SdpOrigin{"-", randomSessionId(), version, c.address, c.ipv6};
    sdp.connection = c;
    return sdp;
}

std::string listEncodings(const SdpMedia &m) {
    std::string out;
    for (const auto &f : m.rtpFormats) {
        if (!isEvent(f)) {
            out += (out.empty() ? "" : ", ") + f.encoding + '/' + std::to_string(f.clockRate);
        }
    }
    return out.empty() ? "none" : out;
}

const RtpFormat *pickEvent(const SdpMedia &m, std::uint32_t clockRate) {
    const RtpFormat *any = nullptr;
    for (const auto &f : m.rtpFormats) {
        if (isEvent(f)) {
            if (f.clockRate == clockRate) {
                return &f;
            }
            if (any == nullptr) {
                any = &f;
            }
        }
    }
    return any;
}

void writeIce(const LocalMediaOptions &options, SdpMedia &m) {
    if (!options.ice) {
        return;
    }
    m.iceUfrag = options.ice->ufrag;
    m.icePwd = options.ice->pwd;
    m.candidates = options.ice->candidates;
}

std::optional<IceRemote> remoteIce(const SessionDescription &sdp, const SdpMedia &m) {
    auto credentials = sdp.iceOf(m);
    if (!credentials) {
        return std::nullopt;
    }
    return IceRemote{std::move(credentials->first), std::move(credentials->second), m.candidates};
}

} // namespace

MediaResult<PendingOffer> makeOffer(const LocalMediaOptions &options) {
    if (auto ok = checkOptions(options); !ok) {
        return fail(ok.error());
    }
    auto c = localConnection(options.address);
    if (!c) {
        return fail(c.error());
    }
    PendingOffer out{baseDescription(*c, options.sessionVersion), options};
    SdpMedia m;
    m.type = "audio";
    m.port = options.port;
    m.protocol = "RTP/SAVP";
    bool narrowband = false;
    bool opus = false;
    for (CodecId codec : options.codecs) {
        RtpFormat f = formatFor(codec);
        if (m.format(f.payloadType) != nullptr) {
            continue;
        }
        (codec == CodecId::Opus ? opus : narrowband) = true;
        m.formats.push_back(std::to_string(f.payloadType));
        m.rtpFormats.push_back(f);
    }
    if (options.telephoneEvent) {
        // RFC 4733 events share the audio clock: offer one per clock rate.
        if (opus) {
            m.formats.push_back(std::to_string(kEvent48kPayloadType));
            m.rtpFormats.push_back({kEvent48kPayloadType, "telephone-event", 48000, 1, "0-15"});
        }
        if (narrowband) {
            m.formats.push_back(std::to_string(kEvent8kPayloadType));
            m.rtpFormats.push_back({kEvent8kPayloadType, "telephone-event", 8000, 1, "0-15"});
        }
    }
    m.ptime = options.ptimeMs;
    m.rtcpMux = options.rtcpMux;
    std::uint32_t tag = randomFirstCryptoTag();
    for (SrtpSuite suite : options.suites) {
        auto crypto = makeCryptoAttribute(tag++, suite);
        if (!crypto) {
            return fail(crypto.error());
        }
        m.crypto.push_back(std::move(*crypto));
    }
    m.direction = options.direction;
    writeIce(options, m);
    out.sdp.media.push_back(std::move(m));
    return out;
}

MediaResult<AnswerResult> answerOffer(const SessionDescription &offer,
                                      const LocalMediaOptions &options) {
    if (auto ok = checkOptions(options); !ok) {
        return fail(ok.error());
    }
    auto c = localConnection(options.address);
    if (!c) {
        return fail(c.error());
    }
    std::optional<std::size_t> audioIndex;
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        if (offer.media[i].type == "audio" && offer.media[i].port != 0 && offer.media[i].isRtp()) {
            audioIndex = i;
            break;
        }
    }
    if (!audioIndex) {
        return mediaFail(MediaErrc::UnsupportedSdp, "the offer has no active RTP audio stream");
    }
    const SdpMedia &om = offer.media[*audioIndex];
    if (!om.isSecureRtp()) {
        return mediaFail(MediaErrc::InsecureMedia, "the offer proposes unencrypted audio (" +
                                                       om.protocol +
                                                       "); Napkin only accepts SRTP (RTP/SAVP)");
    }

    const RtpFormat *chosen = nullptr;
    CodecId codec = CodecId::Opus;
    for (const auto &f : om.rtpFormats) {
        auto id = codecOf(f);
        if (id &&
            std::find(options.codecs.begin(), options.codecs.end(), *id) != options.codecs.end()) {
            chosen = &f;
            codec = *id;
            break;
        }
    }
    if (chosen == nullptr) {
        return mediaFail(MediaErrc::NoCommonCodec,
                         "no common audio codec: the peer offers " + listEncodings(om));
    }
    const CryptoAttribute *offeredCrypto = nullptr;
    for (const auto &cr : om.crypto) {
        if (std::find(options.suites.begin(), options.suites.end(), cr.suite) !=
            options.suites.end()) {
            offeredCrypto = &cr;
            break;
        }
    }
    if (offeredCrypto == nullptr) {
        std::string names;
        for (const auto &cr : om.crypto) {
            names += (names.empty() ? "" : ", ") + std::string(suiteName(cr.suite));
        }
        for (const auto &n : om.unknownCryptoSuites) {
            names += (names.empty() ? "" : ", ") + n;
        }
        return mediaFail(MediaErrc::NoCommonSuite, "no common SRTP crypto suite: the peer offers " +
                                                       (names.empty() ? "none" : names));
    }
    auto ourCrypto = makeCryptoAttribute(offeredCrypto->tag, offeredCrypto->suite);
    if (!ourCrypto) {
        return fail(ourCrypto.error());
    }

    AnswerResult out{baseDescription(*c, options.sessionVersion), {}};
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        const SdpMedia &src = offer.media[i];
        SdpMedia m;
        m.type = src.type;
        m.protocol = src.protocol;
        if (i != *audioIndex) {
            m.port = 0; // rejected (RFC 3264 section 6)
            m.formats = {src.formats.front()};
            if (!src.rtpFormats.empty()) {
                m.rtpFormats = {src.rtpFormats.front()};
            }
            out.sdp.media.push_back(std::move(m));
            continue;
        }
        m.port = options.port;
        RtpFormat f = *chosen;
        if (codec == CodecId::Opus) {
            f.fmtp = "useinbandfec=1";
        }
        m.formats.push_back(std::to_string(f.payloadType));
        m.rtpFormats.push_back(f);
        const RtpFormat *event =
            options.telephoneEvent ? pickEvent(om, codecClockRate(codec)) : nullptr;
        if (event != nullptr) {
            m.formats.push_back(std::to_string(event->payloadType));
            m.rtpFormats.push_back(*event);
            out.media.sendEventPayloadType = static_cast<std::uint8_t>(event->payloadType);
            out.media.receiveEventPayloadType = static_cast<std::uint8_t>(event->payloadType);
            out.media.eventClockRate = event->clockRate;
        }
        m.ptime = options.ptimeMs;
        m.rtcpMux = om.rtcpMux && options.rtcpMux;
        m.crypto.push_back(*ourCrypto);
        m.direction =
            intersectDirections(reverseDirection(offer.directionOf(om)), options.direction);
        out.media.direction = *m.direction;
        out.media.rtcpMux = m.rtcpMux;
        // RFC 8839 section 4.2: no ICE in an answer to an offer without it.
        out.media.remoteIce = remoteIce(offer, om);
        if (out.media.remoteIce) {
            writeIce(options, m);
        }
        out.sdp.media.push_back(std::move(m));
    }

    NegotiatedMedia &n = out.media;
    n.remoteAddress = offer.connectionOf(om)->address;
    n.remotePort = om.port;
    n.remoteRtcpPort =
        n.rtcpMux ? om.port : om.rtcpPort.value_or(static_cast<std::uint16_t>(om.port + 1));
    n.codec = codec;
    n.sendPayloadType = static_cast<std::uint8_t>(chosen->payloadType);
    n.receivePayloadType = n.sendPayloadType;
    n.suite = offeredCrypto->suite;
    n.sendKey = ourCrypto->keySalt;
    n.receiveKey = offeredCrypto->keySalt;
    n.receiveKeyLifetime = offeredCrypto->lifetime;
    n.ptimeMs = options.ptimeMs;
    return out;
}

MediaResult<NegotiatedMedia> applyAnswer(const PendingOffer &offer,
                                         const SessionDescription &answer) {
    if (answer.media.size() != offer.sdp.media.size() || offer.sdp.media.empty()) {
        return mediaFail(MediaErrc::AnswerMismatch, "the answer has " +
                                                        std::to_string(answer.media.size()) +
                                                        " media streams; the offer had " +
                                                        std::to_string(offer.sdp.media.size()));
    }
    const SdpMedia &om = offer.sdp.media.front();
    const SdpMedia &am = answer.media.front();
    if (am.type != om.type) {
        return mediaFail(MediaErrc::AnswerMismatch, "the answer's first stream is not audio");
    }
    if (am.protocol != om.protocol) {
        return mediaFail(am.isSecureRtp() ? MediaErrc::AnswerMismatch : MediaErrc::InsecureMedia,
                         "the answer uses " + am.protocol + " instead of " + om.protocol);
    }
    if (am.port == 0) {
        return mediaFail(MediaErrc::NoCommonCodec, "the peer rejected the audio stream");
    }

    NegotiatedMedia n;
    const RtpFormat *chosen = nullptr;
    for (const auto &f : am.rtpFormats) {
        if (!isEvent(f)) {
            chosen = &f;
            break;
        }
    }
    std::optional<CodecId> codec = chosen != nullptr ? codecOf(*chosen) : std::nullopt;
    const RtpFormat *ours = nullptr;
    if (codec) {
        for (const auto &f : om.rtpFormats) {
            if (codecOf(f) == codec) {
                ours = &f;
            }
        }
    }
    if (ours == nullptr) {
        return mediaFail(MediaErrc::AnswerMismatch,
                         "the answer picked a codec we did not offer: " + listEncodings(am));
    }
    n.codec = *codec;
    n.sendPayloadType = static_cast<std::uint8_t>(chosen->payloadType);
    n.receivePayloadType = static_cast<std::uint8_t>(ours->payloadType);
    if (offer.options.telephoneEvent) {
        if (const RtpFormat *event = pickEvent(am, codecClockRate(n.codec))) {
            for (const auto &f : om.rtpFormats) {
                if (isEvent(f) && f.clockRate == event->clockRate) {
                    n.sendEventPayloadType = static_cast<std::uint8_t>(event->payloadType);
                    n.receiveEventPayloadType = static_cast<std::uint8_t>(f.payloadType);
                    n.eventClockRate = event->clockRate;
                }
            }
        }
    }

    if (am.crypto.empty()) {
        return mediaFail(MediaErrc::NoCommonSuite, "the answer carries no usable a=crypto key");
    }
    if (am.crypto.size() != 1 || !am.unknownCryptoSuites.empty()) {
        return mediaFail(MediaErrc::AnswerMismatch, "the answer must carry exactly one a=crypto");
    }
    const CryptoAttribute &theirs = am.crypto.front();
    const CryptoAttribute *mine = nullptr;
    for (const auto &cr : om.crypto) {
        if (cr.tag == theirs.tag) {
            mine = &cr;
        }
    }
    if (mine == nullptr || mine->suite != theirs.suite) {
        return mediaFail(MediaErrc::AnswerMismatch,
                         "the answer's a=crypto does not match an offered tag and suite");
    }
    n.suite = theirs.suite;
    n.sendKey = mine->keySalt;
    n.sendKeyLifetime = mine->lifetime;
    n.receiveKey = theirs.keySalt;
    n.receiveKeyLifetime = theirs.lifetime;

    const SdpConnection *c = answer.connectionOf(am);
    n.remoteAddress = c->address;
    n.remotePort = am.port;
    n.rtcpMux = om.rtcpMux && am.rtcpMux;
    n.remoteRtcpPort =
        n.rtcpMux ? am.port : am.rtcpPort.value_or(static_cast<std::uint16_t>(am.port + 1));
    n.direction =
        intersectDirections(reverseDirection(answer.directionOf(am)), offer.options.direction);
    n.ptimeMs = offer.options.ptimeMs;
    if (offer.options.ice) {
        n.remoteIce = remoteIce(answer, am);
    }
    return n;
}

} // namespace napkin::media
