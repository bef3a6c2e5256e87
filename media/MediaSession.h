// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One call's audio: SRTP over one UDP socket (symmetric RTP; RTCP multiplexed
// on it when rtcp-mux was negotiated, else on the next port), Opus or G.711,
// RFC 4733 DTMF, an adaptive jitter buffer, RTCP reports. Everything runs on
// the session's own thread; the public methods are thread-safe and never block
// on the network.
//
//   MediaSession s;
//   auto port = s.open("192.0.2.1", 0, false);   // before the SDP is written
//   ... negotiate with makeOffer/answerOffer/applyAnswer ...
//   s.start(config);                             // config.media = negotiated
//   s.sendDtmf('5'); s.setMuted(true); s.setDirection(MediaDirection::SendOnly);
//   s.stop();

#include "media/AudioCodec.h"
#include "media/AudioPort.h"
#include "media/JitterBuffer.h"
#include "media/OfferAnswer.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace napkin::media {

class AudioProcessor;
class PacketTransport;

/// The figures a call shows and tests check. Loss and jitter of what we
/// receive come from our own counters; the peer's view of what we send comes
/// from its RTCP reports.
struct MediaStatistics {
    CodecId codec = CodecId::Opus;
    SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
    MediaDirection direction = MediaDirection::SendRecv;
    bool muted = false;
    bool flowing = false; ///< authenticated media arrived in the last 2 s

    std::uint64_t packetsSent = 0;
    std::uint64_t octetsSent = 0; ///< RTP payload octets
    std::uint64_t packetsReceived = 0;
    std::uint64_t octetsReceived = 0;
    std::int64_t packetsLost = 0; ///< expected minus received (RFC 3550)
    double lossFraction = 0;      ///< packetsLost / expected, 0..1
    double jitterMs = 0;          ///< interarrival jitter of what we receive

    std::optional<double> remoteLossFraction; ///< the peer's last report about us
    std::int64_t remotePacketsLost = 0;
    double remoteJitterMs = 0;
    std::optional<double> roundTripMs; ///< from RTCP LSR/DLSR

    std::uint64_t authenticationFailures = 0; ///< SRTP/SRTCP packets that failed their tag
    std::uint64_t replays = 0;
    std::uint64_t malformed = 0;
    std::uint64_t unknownPayloadType = 0;
    std::uint64_t rtcpSent = 0;
    std::uint64_t rtcpReceived = 0;
    std::uint64_t dtmfSent = 0;
    std::uint64_t dtmfReceived = 0;

    JitterBufferStats jitterBuffer;
    std::uint64_t framesDecoded = 0;
    std::uint64_t framesFec = 0;       ///< lost frames rebuilt by Opus FEC
    std::uint64_t framesConcealed = 0; ///< lost or late frames concealed (PLC)
};

/// What the session reports. Delivered on the media thread: the callback must
/// be quick and thread-safe (post it to your own thread, e.g. with
/// QMetaObject::invokeMethod(..., Qt::QueuedConnection)).
struct MediaEvent {
    enum class Kind {
        Started,        ///< the thread runs; media may not flow yet
        Flowing,        ///< authenticated media started (or resumed) arriving
        Stalled,        ///< no media for 2 s (peer gone, network down, or hold)
        DtmfReceived,   ///< `digit` is set
        SourceFinished, ///< the audio source ended (a file played out)
        Error,          ///< `message` says what; the session keeps running
        Stopped,
    };
    Kind kind = Kind::Started;
    CodecId codec = CodecId::Opus;
    SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
    std::uint64_t packetsSent = 0;
    std::uint64_t packetsReceived = 0;
    bool flowing = false;
    char digit = 0;
    std::string message;
};

struct MediaSessionConfig {
    NegotiatedMedia media;
    std::shared_ptr<AudioSource> source; ///< null: send silence
    std::shared_ptr<AudioSink> sink;     ///< null: discard
    /// Optional echo cancellation / noise suppression (see EchoCanceller).
    std::shared_ptr<AudioProcessor> processor;
    std::function<void(const MediaEvent &)> onEvent;
    EncoderOptions encoder;
    JitterBufferConfig jitterBuffer; ///< clock and frame size are set from the codec
    unsigned rtcpIntervalMs = 5000;  ///< mean; randomised by +-50 % (RFC 3550)
    unsigned stallTimeoutMs = 2000;
    std::string cname; ///< RTCP CNAME; empty: a random one
    /// When set (ICE), RTP and multiplexed RTCP go through it instead of the
    /// session's own UDP socket, and the peer's address is not latched.
    std::shared_ptr<PacketTransport> transport;
};

class MediaSession {
public:
    MediaSession();
    ~MediaSession();
    MediaSession(const MediaSession &) = delete;
    MediaSession &operator=(const MediaSession &) = delete;

    /// Binds the RTP socket (and, with `separateRtcp`, RTCP on the next port)
    /// so that the port can go into the SDP. Port 0 picks a free one. Returns
    /// the RTP port. Socket error when it is taken.
    [[nodiscard]] MediaResult<std::uint16_t> open(const std::string &localAddress,
                                                  std::uint16_t port, bool separateRtcp = false);

    /// Starts the media thread. Opens the socket(s) on the wildcard address
    /// if open() was not called. Fails with State (already running),
    /// InvalidArgument, Srtp or Codec.
    [[nodiscard]] MediaResult<void> start(MediaSessionConfig config);
    /// Sends RTCP BYE and stops the thread; idempotent.
    void stop();

    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] std::uint16_t localPort() const;

    /// Sends silence (packets keep flowing) while muted.
    void setMuted(bool muted);
    /// Hold and resume: what we do from now on (sendonly/inactive to hold).
    void setDirection(MediaDirection direction);
    /// Queues an RFC 4733 digit; State when telephone-event was not negotiated.
    [[nodiscard]] MediaResult<void> sendDtmf(char digit, unsigned durationMs = 100);

    /// A consistent snapshot, refreshed every 20 ms.
    [[nodiscard]] MediaStatistics statistics() const;

private:
    class Engine;
    std::unique_ptr<Engine> m_engine;
};

} // namespace napkin::media
