// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// SDP offer/answer (RFC 3264) for one secure audio stream: Napkin always
// offers RTP/SAVP with SDES keys and never accepts plain RTP.

#include "media/CodecId.h"
#include "media/IceDescription.h"
#include "media/Sdp.h"

#include <optional>
#include <vector>

namespace napkin::media {

/// What this side is willing to do, in order of preference.
struct LocalMediaOptions {
    std::string address;    ///< our IP address for c= (literal)
    std::uint16_t port = 0; ///< our RTP port
    std::vector<CodecId> codecs = {CodecId::Opus, CodecId::Pcmu, CodecId::Pcma};
    std::vector<SrtpSuite> suites = {SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AeadAes128Gcm,
                                     SrtpSuite::AesCm128HmacSha1_32};
    bool telephoneEvent = true;                          ///< offer/accept RFC 4733 DTMF
    MediaDirection direction = MediaDirection::SendRecv; ///< e.g. sendonly to hold
    unsigned ptimeMs = 20;
    bool rtcpMux = true; ///< offer/accept RTCP on the RTP port
    /// ICE attributes to write (RFC 8839); `address` and `port` are then the
    /// default candidate's. An answer carries them only when the offer did.
    std::optional<IceLocal> ice;
    std::uint64_t sessionVersion = 1; ///< o= version; bump it for a re-offer
};

/// The outcome of a negotiation: everything MediaSession needs.
struct NegotiatedMedia {
    std::string remoteAddress;
    std::uint16_t remotePort = 0;
    std::uint16_t remoteRtcpPort = 0; ///< == remotePort when rtcpMux
    bool rtcpMux = false;
    CodecId codec = CodecId::Opus;
    std::uint8_t sendPayloadType = 0;                    ///< the peer's number for the codec
    std::uint8_t receivePayloadType = 0;                 ///< ours
    std::optional<std::uint8_t> sendEventPayloadType;    ///< telephone-event, peer's number
    std::optional<std::uint8_t> receiveEventPayloadType; ///< telephone-event, ours
    std::uint32_t eventClockRate = 8000;
    SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
    SecretBytes sendKey;    ///< our master key||salt: we protect with it
    SecretBytes receiveKey; ///< the peer's master key||salt
    std::optional<std::uint64_t> sendKeyLifetime;
    std::optional<std::uint64_t> receiveKeyLifetime;
    MediaDirection direction = MediaDirection::SendRecv; ///< what WE do
    unsigned ptimeMs = 20;
    /// The peer's ICE attributes, when both sides do ICE.
    std::optional<IceRemote> remoteIce;
};

/// An offer we sent, kept until its answer comes back (it holds our keys).
struct PendingOffer {
    SessionDescription sdp;
    LocalMediaOptions options;
};

struct AnswerResult {
    SessionDescription sdp;
    NegotiatedMedia media;
};

/// Payload types Napkin uses in its own offers.
inline constexpr std::uint8_t kOpusPayloadType = 111;
inline constexpr std::uint8_t kEvent48kPayloadType = 101;
inline constexpr std::uint8_t kEvent8kPayloadType = 100;

/// An offer with one RTP/SAVP audio stream: the options' codecs, one a=crypto
/// per suite, each with a fresh random key.
[[nodiscard]] MediaResult<PendingOffer> makeOffer(const LocalMediaOptions &options);

/// Answers an offer: the first offered codec we support, the first offered
/// suite we support (with a fresh key of ours), other m= lines rejected with
/// port 0. Fails with InsecureMedia (no RTP/SAVP audio), NoCommonCodec,
/// NoCommonSuite or UnsupportedSdp.
[[nodiscard]] MediaResult<AnswerResult> answerOffer(const SessionDescription &offer,
                                                    const LocalMediaOptions &options);

/// Checks an answer against our offer and gives the negotiated media; fails
/// with AnswerMismatch, InsecureMedia, NoCommonCodec (audio rejected) or
/// NoCommonSuite.
[[nodiscard]] MediaResult<NegotiatedMedia> applyAnswer(const PendingOffer &offer,
                                                       const SessionDescription &answer);

} // namespace napkin::media
