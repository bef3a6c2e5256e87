// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A strict parser and builder for the SDP (RFC 4566) of audio calls. It
// understands what Napkin negotiates (rtpmap, fmtp, crypto, direction, ptime,
// rtcp, rtcp-mux, and ICE's ice-ufrag, ice-pwd, candidate); any other well-formed attribute is kept
// but ignored, as RFC 4566 section 5.13 requires. A parsed description may hold keys: never log it,
// and never log formatSdp() output.

#include "media/MediaError.h"
#include "media/SdesCrypto.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace napkin::media {

/// Which way media flows, from the point of view of the side that wrote it.
enum class MediaDirection { SendRecv, SendOnly, RecvOnly, Inactive };

[[nodiscard]] std::string_view directionName(MediaDirection direction);
/// What the other side does when one side does `direction` (sendonly <-> recvonly).
[[nodiscard]] MediaDirection reverseDirection(MediaDirection direction);
/// The direction allowed by both (e.g. sendrecv and recvonly give recvonly).
[[nodiscard]] MediaDirection intersectDirections(MediaDirection a, MediaDirection b);
[[nodiscard]] constexpr bool directionSends(MediaDirection d) {
    return d == MediaDirection::SendRecv || d == MediaDirection::SendOnly;
}
[[nodiscard]] constexpr bool directionReceives(MediaDirection d) {
    return d == MediaDirection::SendRecv || d == MediaDirection::RecvOnly;
}

/// An "IN IP4 a.b.c.d" or "IN IP6 ..." address: always a literal IP.
struct SdpConnection {
    std::string address;
    bool ipv6 = false;
};

/// o= line.
struct SdpOrigin {
    std::string username = "-";
    std::uint64_t sessionId = 0;
    std::uint64_t sessionVersion = 0;
    std::string address; ///< may be a host name (not used for media)
    bool ipv6 = false;
};

/// One RTP payload format of an m= line: from a=rtpmap, or the static table.
struct RtpFormat {
    int payloadType = 0;
    std::string encoding; ///< as written, e.g. "opus", "PCMU", "telephone-event"
    std::uint32_t clockRate = 0;
    unsigned channels = 1;
    std::string fmtp; ///< a=fmtp parameters, empty when absent
};

struct SdpMedia {
    std::string type; ///< "audio", "video", ...
    std::uint16_t port = 0;
    std::string protocol;             ///< "RTP/SAVP", "RTP/AVP", ...
    std::vector<std::string> formats; ///< the m= line's format tokens, in order
    /// For RTP protocols: one entry per format, in the m= line's order.
    std::vector<RtpFormat> rtpFormats;
    std::optional<SdpConnection> connection;
    std::vector<CryptoAttribute> crypto;
    /// Suite names of well-formed a=crypto lines whose suite Napkin does not
    /// know; an offer may carry them next to ones it does.
    std::vector<std::string> unknownCryptoSuites;
    std::optional<MediaDirection> direction;
    std::optional<unsigned> ptime;
    std::optional<unsigned> maxptime;
    bool rtcpMux = false;
    std::optional<std::uint16_t> rtcpPort; ///< a=rtcp
    /// RFC 8839 ICE attributes (media level; the session-level ufrag and
    /// password apply when these are absent, see SessionDescription::iceOf).
    std::optional<std::string> iceUfrag;
    std::optional<std::string> icePwd; ///< authenticates connectivity checks: never log
    /// a=candidate values without "candidate:", syntax checked (RFC 8839 5.1).
    std::vector<std::string> candidates;
    /// Well-formed attributes Napkin does not act on, as (name, value).
    std::vector<std::pair<std::string, std::string>> otherAttributes;

    [[nodiscard]] const RtpFormat *format(int payloadType) const;
    [[nodiscard]] bool isRtp() const { return protocol.starts_with("RTP/"); }
    [[nodiscard]] bool isSecureRtp() const {
        return protocol == "RTP/SAVP" || protocol == "RTP/SAVPF";
    }
};

struct SessionDescription {
    SdpOrigin origin;
    std::string sessionName = "-";
    std::optional<SdpConnection> connection;
    std::optional<MediaDirection> direction;
    std::vector<SdpMedia> media;
    std::optional<std::string> iceUfrag; ///< session-level a=ice-ufrag
    std::optional<std::string> icePwd;   ///< session-level a=ice-pwd
    std::vector<std::pair<std::string, std::string>> otherAttributes;

    /// The media-level direction, else the session-level one, else sendrecv.
    [[nodiscard]] MediaDirection directionOf(const SdpMedia &m) const;
    /// The media-level connection, else the session-level one (parseSdp
    /// guarantees one of them for every m= line).
    [[nodiscard]] const SdpConnection *connectionOf(const SdpMedia &m) const;
    /// The ICE ufrag and password that apply to `m` (media level, else
    /// session level); nullopt when the stream does not do ICE (RFC 8839
    /// requires both, and at least one candidate).
    [[nodiscard]] std::optional<std::pair<std::string, std::string>> iceOf(const SdpMedia &m) const;
};

/// Limits that keep a hostile description cheap to reject.
inline constexpr std::size_t kMaxSdpSize = 32 * 1024;
inline constexpr std::size_t kMaxSdpLine = 4096;
inline constexpr std::size_t kMaxSdpMedia = 8;
inline constexpr std::size_t kMaxSdpFormats = 64;
inline constexpr std::size_t kMaxSdpCandidates = 32; ///< per m= line

/// Parses an SDP body. Lines end in CRLF (a bare LF is tolerated). Fails with
/// MalformedSdp (syntax, order, missing lines, an attribute that does not
/// parse), MalformedCrypto/UnsupportedCrypto (a bad a=crypto of a known suite),
/// or UnsupportedSdp (multicast, host names, port counts). Messages name the
/// line number and never quote a=crypto content.
[[nodiscard]] MediaResult<SessionDescription> parseSdp(std::string_view text);

/// Writes a description with CRLF line ends. Holds keys when it has a=crypto.
[[nodiscard]] std::string formatSdp(const SessionDescription &sdp);

} // namespace napkin::media
