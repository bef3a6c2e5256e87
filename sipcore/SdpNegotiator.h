// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The media side of a call as the SIP layer sees it: produce and consume SDP
// offers and answers (with SDES a=crypto keys) and start or stop media.
// Call and UserAgent never parse SDP: they hand it to an SdpNegotiator, which
// the agent gets from an injected factory. Both factories in sipcore
// (MediaSdpFactory, KeysOnlySdpFactory) negotiate through SdpExchange with
// media/'s SDP parser and offer/answer rules; only what they start differs.

#include "crypto/Result.h"
#include "media/IceDescription.h"
#include "media/MediaError.h"
#include "media/MediaSession.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::sip {

struct SdpError {
    /// What went wrong, as media/ classifies it (e.g. InsecureMedia,
    /// NoCommonCodec, MalformedSdp); State for a request out of turn.
    media::MediaErrc code;
    std::string message; ///< in words; never contains key material
};

template <typename T> using SdpResult = Result<T, SdpError>;

/// What offer and answer agreed on (no keys).
struct NegotiatedMedia {
    std::string codec;     ///< "opus/48000/2"
    std::string srtpSuite; ///< "AES_CM_128_HMAC_SHA1_80"
    std::string remoteAddress;
    std::uint16_t remotePort = 0;
    bool localHold = false;  ///< we asked the peer to stop sending... or we stopped
    bool remoteHold = false; ///< the peer put us on hold
    bool audio = false;      ///< audio actually flows (false: keys agreed, no media engine)
};

/// One call's media. Every offer carries fresh SRTP keys.
class SdpNegotiator {
public:
    virtual ~SdpNegotiator() = default;

    /// A new offer; `hold` makes it a=sendonly.
    [[nodiscard]] virtual SdpResult<std::string> createOffer(bool hold) = 0;
    /// The answer to the peer's offer; `hold` makes it at most a=sendonly.
    [[nodiscard]] virtual SdpResult<std::string> createAnswer(std::string_view offer,
                                                              bool hold) = 0;
    /// The peer's answer to our last offer.
    [[nodiscard]] virtual SdpResult<void> acceptAnswer(std::string_view answer) = 0;
    /// The agreed media, once offer and answer are both known.
    [[nodiscard]] virtual std::optional<NegotiatedMedia> negotiated() const = 0;
    /// Stops media (call ended). Idempotent.
    virtual void stop() = 0;
    /// `changed(flowing)` runs on the caller's thread whenever authenticated
    /// media starts or stops arriving. Engines without media never call it.
    virtual void onFlowing(std::function<void(bool flowing)> changed) { (void)changed; }

    // In-call media controls. The defaults suit engines without media
    // (keys only): nothing to mute, no digits, no statistics.

    /// Starts what our SDP needs before it can be written: ICE gathering
    /// (host, STUN and TURN candidates). `offer` is the peer's, when it made
    /// the first offer (a plain peer's offer without ICE needs nothing);
    /// `weOffer` says whether this side will make the first offer (ICE's
    /// controlling agent, RFC 8445 6.1.1: libnice fixes the role when it
    /// starts gathering).
    /// `ready` runs on the caller's thread once createOffer/createAnswer
    /// will carry every candidate gathered within the deadline; at once when
    /// there is nothing to gather. Calling it again does nothing.
    virtual void prepare(std::optional<std::string_view> offer, bool weOffer,
                         std::function<void()> ready) {
        (void)offer;
        (void)weOffer;
        if (ready) {
            ready();
        }
    }
    /// prepare() has finished (or was never needed).
    [[nodiscard]] virtual bool prepared() const { return true; }
    /// `connected(path)` runs on the caller's thread when ICE selected a
    /// pair (again after a restart); `failed(why)` when no pair worked
    /// within the deadline. Engines without ICE never call them.
    virtual void onMediaPath(std::function<void(const media::IcePath &path)> connected,
                             std::function<void(const std::string &why)> failed) {
        (void)connected;
        (void)failed;
    }

    /// Sends silence instead of the microphone (kept across re-negotiations).
    virtual void setMuted(bool muted) { (void)muted; }
    [[nodiscard]] virtual bool muted() const { return false; }
    /// Sends one RFC 4733 digit ('0'-'9', '*', '#', 'A'-'D') on the running media.
    [[nodiscard]] virtual SdpResult<void> sendDtmf(char digit) {
        (void)digit;
        return fail(
            SdpError{media::MediaErrc::State, "this call has no audio, so it cannot send tones"});
    }
    /// The running media's figures (nullopt: no media runs).
    [[nodiscard]] virtual std::optional<media::MediaStatistics> statistics() const {
        return std::nullopt;
    }
    /// `received(digit)` runs on the caller's thread for every RFC 4733 digit
    /// the peer sends. Engines without media never call it.
    virtual void onDtmf(std::function<void(char digit)> received) { (void)received; }
};

class SdpNegotiatorFactory {
public:
    virtual ~SdpNegotiatorFactory() = default;
    [[nodiscard]] virtual std::unique_ptr<SdpNegotiator> create() = 0;
};

} // namespace napkin::sip
