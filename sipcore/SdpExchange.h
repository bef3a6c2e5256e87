// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The offer/answer half that every SdpNegotiator in sipcore shares: SDP text
// in and out through media/'s parser and RFC 3264 rules (media/OfferAnswer.h),
// the outstanding offer with its keys, and the o= version. It opens no socket
// and starts no media; its owner decides what to do with an agreement.

#include "media/OfferAnswer.h"
#include "sipcore/SdpNegotiator.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::sip {

/// The media library's error as an SdpError, code and words kept.
[[nodiscard]] SdpError sdpError(const media::MediaError &error);

/// What offer and answer agreed on.
struct SdpAgreement {
    media::NegotiatedMedia media; ///< holds both keys: never log it
    NegotiatedMedia summary;      ///< no keys; `audio` is false until media runs
};

/// Our answer to a peer's offer and what it agrees on.
struct SdpAnswer {
    std::string sdp; ///< holds our key: goes only into a sealed body
    SdpAgreement agreement;
};

class SdpExchange {
public:
    /// Gives our RTP port for the next offer or answer (called each time,
    /// after the peer's SDP has parsed); fails if no port can be had.
    using PortSource = std::function<SdpResult<std::uint16_t>()>;

    /// Gives our ICE attributes for the next offer or answer, or nullopt
    /// when this side does no ICE; the default candidate then replaces
    /// `address` and the port source.
    using IceSource = std::function<std::optional<media::IceLocal>()>;

    /// `address` (a literal IP) goes into c= and o=.
    SdpExchange(std::string address, PortSource port);
    void setIceSource(IceSource ice) { m_ice = std::move(ice); }

    /// A new offer with fresh keys; `hold` makes it a=sendonly. It stays
    /// outstanding until acceptAnswer() or reset().
    [[nodiscard]] SdpResult<std::string> createOffer(bool hold);
    /// Answers the peer's offer with a fresh key; `hold` makes it at most sendonly.
    [[nodiscard]] SdpResult<SdpAnswer> createAnswer(std::string_view offer, bool hold);
    /// Checks the peer's answer against the outstanding offer, which it settles.
    [[nodiscard]] SdpResult<SdpAgreement> acceptAnswer(std::string_view answer);
    /// Forgets the outstanding offer and its keys.
    void reset() { m_pending.reset(); }

private:
    [[nodiscard]] SdpResult<media::LocalMediaOptions> localOptions(bool hold);

    std::string m_address;
    PortSource m_port;
    IceSource m_ice;
    std::uint64_t m_version = 0;
    std::optional<media::PendingOffer> m_pending;
};

} // namespace napkin::sip
