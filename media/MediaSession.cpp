// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/MediaSession.h"

#include "crypto/Encoding.h"
#include "media/AudioProcessor.h"
#include "media/MediaLog.h"
#include "media/PacketTransport.h"
#include "media/RtcpPacket.h"
#include "media/RtpLatch.h"
#include "media/RtpPacket.h"
#include "media/RtpReceiveStats.h"
#include "media/SrtpSession.h"
#include "media/TelephoneEvent.h"
#include "media/UdpSocket.h"

#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

namespace napkin::media {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

template <typename T> T randomValue() {
    T value{};
    if (RAND_bytes(reinterpret_cast<unsigned char *>(&value), sizeof value) != 1) {
        value = static_cast<T>(Clock::now().time_since_epoch().count());
    }
    return value;
}

std::string randomCname() {
    const auto value = randomValue<std::uint64_t>();
    return crypto::toHex(
               crypto::ByteView(reinterpret_cast<const std::uint8_t *>(&value), sizeof value)) +
           "@napkin";
}

struct FdCloser {
    int fd = -1;
    ~FdCloser() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

constexpr std::size_t kMaxDatagram = 2048;

} // namespace

class MediaSession::Engine {
public:
    Engine() { m_wake.fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

    MediaResult<std::uint16_t> open(const std::string &address, std::uint16_t port,
                                    bool separateRtcp);
    MediaResult<void> start(MediaSessionConfig config);
    void stop();

    // Shared with other threads.
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_muted{false};
    std::atomic<bool> m_dtmfAvailable{false};
    std::atomic<MediaDirection> m_direction{MediaDirection::SendRecv};
    mutable std::mutex m_mutex;
    std::deque<std::pair<char, unsigned>> m_dtmfRequests; // guarded by m_mutex
    MediaStatistics m_snapshot;                           // guarded by m_mutex
    UdpSocket m_rtp;
    UdpSocket m_rtcp;
    std::uint16_t m_localPort = 0;

private:
    void run();
    void tick(Clock::time_point now);
    void sendAudio();
    void playout();
    void sendRtcp(Clock::time_point now, bool bye);
    void drain(UdpSocket &socket, bool rtcpSocket, Clock::time_point now);
    /// Reads what the transport (ICE) holds; no latching, ICE chose the path.
    void drainTransport(Clock::time_point now);
    void drainAll(Clock::time_point now);
    [[nodiscard]] bool sendDatagram(std::span<const std::uint8_t> packet, bool rtcp);
    /// Counts a packet that SRTP rejected, by why it was rejected.
    void countRejected(MediaErrc code);
    void onRtp(std::vector<std::uint8_t> &packet, const SocketAddress &from, Clock::time_point now);
    void onRtcp(std::vector<std::uint8_t> &packet, Clock::time_point now);
    void sendPacket(const RtpHeader &header, std::span<const std::uint8_t> payload);
    void emit(MediaEvent::Kind kind, std::string message = {}, char digit = 0);
    void publish();
    void scheduleRtcp(Clock::time_point now);

    FdCloser m_wake;
    std::thread m_thread;
    MediaSessionConfig m_config;
    std::optional<SrtpSession> m_srtp;
    std::unique_ptr<AudioEncoder> m_encoder;
    std::unique_ptr<AudioDecoder> m_decoder;
    std::optional<JitterBuffer> m_jitter;
    std::optional<RtpReceiveStats> m_receiveStats;
    std::optional<TelephoneEventSender> m_dtmfSender;
    TelephoneEventReceiver m_dtmfReceiver;
    SocketAddress m_remoteRtp;
    SocketAddress m_remoteRtcp;
    RtpLatch m_latch;
    MediaStatistics m_stats; // media thread's working copy

    std::uint32_t m_ssrc = 0;
    std::uint16_t m_sequence = 0;
    std::uint32_t m_timestamp = 0;
    bool m_marker = true;
    bool m_wasSending = false;
    std::uint32_t m_rtcpPackets = 0;
    std::uint32_t m_rtcpOctets = 0;
    bool m_sentSinceReport = false;
    std::optional<std::uint32_t> m_remoteSsrc;
    std::uint32_t m_lastSr = 0;
    double m_lastSrArrival = 0;
    Clock::time_point m_lastReceive{};
    Clock::time_point m_nextRtcp{};
    bool m_sourceEnded = false;
    std::vector<std::int16_t> m_playout; // decoded audio not yet played
    std::vector<std::uint8_t> m_sendBuffer;
    std::uint64_t m_sendErrors = 0;
};

MediaResult<std::uint16_t> MediaSession::Engine::open(const std::string &address,
                                                      std::uint16_t port, bool separateRtcp) {
    if (m_running) {
        return mediaFail(MediaErrc::State, "the media session is already running");
    }
    m_rtp.close();
    m_rtcp.close();
    if (!separateRtcp) {
        auto s = UdpSocket::bind(address, port);
        if (!s) {
            return fail(s.error());
        }
        m_rtp = std::move(*s);
        m_localPort = m_rtp.localPort();
        return m_localPort;
    }
    // RTP on an even port and RTCP on the next one (RFC 3550 section 11).
    for (int attempt = 0; attempt < 32; ++attempt) {
        auto s = UdpSocket::bind(address, port);
        if (!s) {
            return fail(s.error());
        }
        const std::uint16_t p = s->localPort();
        if (port == 0 && (p % 2 != 0 || p == 65535)) {
            continue;
        }
        auto r = UdpSocket::bind(address, static_cast<std::uint16_t>(p + 1));
        if (!r) {
            if (port != 0) {
                return fail(r.error());
            }
            continue;
        }
        m_rtp = std::move(*s);
        m_rtcp = std::move(*r);
        m_localPort = p;
        return p;
    }
    return mediaFail(MediaErrc::Socket, "no free pair of UDP ports for RTP and RTCP");
}

MediaResult<void> MediaSession::Engine::start(MediaSessionConfig config) {
    if (m_running) {
        return mediaFail(MediaErrc::State, "the media session is already running");
    }
    if (m_thread.joinable()) {
        m_thread.join();
    }
    if (m_wake.fd < 0) {
        return mediaFail(MediaErrc::Internal,
                         "cannot create the media thread's wake-up descriptor");
    }
    const NegotiatedMedia &n = config.media;
    auto remote = SocketAddress::fromIp(n.remoteAddress, n.remotePort);
    if (!remote) {
        return fail(remote.error());
    }
    if (n.remotePort == 0) {
        return mediaFail(MediaErrc::InvalidArgument, "the remote RTP port is 0 (stream rejected)");
    }
    m_remoteRtp = *remote;
    m_remoteRtcp = *remote;
    m_latch = RtpLatch();
    m_remoteRtcp.setPort(n.rtcpMux ? n.remotePort : n.remoteRtcpPort);
    if (config.transport) {
        // ICE carries RTP and (multiplexed) RTCP: no socket of our own.
        m_rtp.close();
        m_rtcp.close();
    } else if (!m_rtp.isOpen()) {
        const std::string any = remote->family() == AF_INET6 ? "::" : "0.0.0.0";
        if (auto opened = open(any, 0, !n.rtcpMux); !opened) {
            return fail(opened.error());
        }
    }
    if (!config.transport && !n.rtcpMux && !m_rtcp.isOpen()) {
        // Opened for rtcp-mux but the peer did not take it: try the next port.
        const std::string any = remote->family() == AF_INET6 ? "::" : "0.0.0.0";
        if (auto r = UdpSocket::bind(any, static_cast<std::uint16_t>(m_localPort + 1))) {
            m_rtcp = std::move(*r);
        } else {
            mediaLog(LogLevel::Warning,
                     "media: no RTCP socket on the next port; RTCP is send-only");
        }
    }

    auto srtp = SrtpSession::create(n.suite, SrtpKeyParams{n.sendKey, n.sendKeyLifetime},
                                    SrtpKeyParams{n.receiveKey, n.receiveKeyLifetime});
    if (!srtp) {
        return fail(srtp.error());
    }
    auto encoder = makeEncoder(n.codec, config.encoder);
    if (!encoder) {
        return fail(encoder.error());
    }
    auto decoder = makeDecoder(n.codec);
    if (!decoder) {
        return fail(decoder.error());
    }
    m_srtp.emplace(std::move(*srtp));
    m_encoder = std::move(*encoder);
    m_decoder = std::move(*decoder);
    JitterBufferConfig jb = config.jitterBuffer;
    jb.clockRate = codecClockRate(n.codec);
    jb.frameTimestamps = m_encoder->timestampsPerFrame();
    m_jitter.emplace(jb);
    m_receiveStats.emplace(codecClockRate(n.codec));
    m_dtmfAvailable = n.sendEventPayloadType.has_value();
    if (n.sendEventPayloadType) {
        m_dtmfSender.emplace(n.eventClockRate);
    } else {
        m_dtmfSender.reset();
    }
    m_dtmfReceiver = TelephoneEventReceiver();
    if (config.cname.empty()) {
        config.cname = randomCname();
    }
    m_config = std::move(config);

    m_ssrc = randomValue<std::uint32_t>();
    m_sequence = randomValue<std::uint16_t>();
    m_timestamp = randomValue<std::uint32_t>();
    m_marker = true;
    m_wasSending = false;
    m_rtcpPackets = 0;
    m_rtcpOctets = 0;
    m_remoteSsrc.reset();
    m_lastSr = 0;
    m_sourceEnded = false;
    m_playout.clear();
    m_stats = MediaStatistics{};
    m_stats.codec = n.codec;
    m_stats.suite = n.suite;
    m_direction = n.direction;
    m_stop = false;
    {
        std::lock_guard lock(m_mutex);
        m_dtmfRequests.clear();
        m_snapshot = m_stats;
    }
    m_running = true;
    m_thread = std::thread([this] { run(); });
    return {};
}

void MediaSession::Engine::stop() {
    if (!m_thread.joinable()) {
        return;
    }
    m_stop = true;
    const std::uint64_t one = 1;
    (void)!::write(m_wake.fd, &one, sizeof one);
    m_thread.join();
    m_running = false;
}

void MediaSession::Engine::emit(MediaEvent::Kind kind, std::string message, char digit) {
    if (!m_config.onEvent) {
        return;
    }
    MediaEvent e;
    e.kind = kind;
    e.codec = m_stats.codec;
    e.suite = m_stats.suite;
    e.packetsSent = m_stats.packetsSent;
    e.packetsReceived = m_stats.packetsReceived;
    e.flowing = m_stats.flowing;
    e.digit = digit;
    e.message = std::move(message);
    m_config.onEvent(e);
}

void MediaSession::Engine::scheduleRtcp(Clock::time_point now) {
    // RFC 3550 section 6.3.1: randomise to 0.5-1.5 times the interval.
    const double factor = 0.5 + (randomValue<std::uint16_t>() / 65535.0);
    m_nextRtcp = now + std::chrono::microseconds(
                           static_cast<std::int64_t>(m_config.rtcpIntervalMs * 1000.0 * factor));
}

void MediaSession::Engine::run() {
    pthread_setname_np(pthread_self(), "napkin-media");
    const auto frame = std::chrono::milliseconds(kFrameMs);
    auto next = Clock::now();
    // The first report goes out early so that RTT is known soon.
    m_nextRtcp = next + std::chrono::milliseconds(std::min(500u, m_config.rtcpIntervalMs / 2));
    emit(MediaEvent::Kind::Started);
    mediaLog(LogLevel::Info, "media: started " + std::string(codecName(m_stats.codec)) + " over " +
                                 std::string(suiteName(m_stats.suite)) + " to " +
                                 m_remoteRtp.toString());
    bool readEarly = false; // the sockets were read since the last tick
    while (!m_stop) {
        // One wake-up per 20 ms: the sockets are read right before each tick
        // (playout only happens at ticks, so reading earlier gains nothing),
        // with kernel timestamps for when packets really arrived. This halves
        // the wake-ups, which dominate the CPU cost on virtual machines.
        // Until media flows (at the start, and after a stall) the sockets are
        // watched as well: the first authenticated packet is then reported
        // when it arrives, not up to a tick later, and call set-up is that
        // much shorter. At most one such early read per tick: packets that
        // fail SRTP (stale keys, a flood) cannot keep the thread busy.
        pollfd fds[3] = {{m_wake.fd, POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        nfds_t watched = 1;
        if (!m_stats.flowing && !readEarly) {
            if (m_config.transport) {
                fds[watched++].fd = m_config.transport->readableFd();
            } else {
                fds[watched++].fd = m_rtp.fd();
            }
            if (m_rtcp.isOpen()) {
                fds[watched++].fd = m_rtcp.fd();
            }
        }
        const auto wait = std::max(Clock::duration::zero(), next - Clock::now());
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
        timespec timeout{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        const int ready = ::ppoll(fds, watched, &timeout, nullptr);
        if (ready > 0 && (fds[0].revents & POLLIN) != 0) {
            std::uint64_t value = 0;
            (void)!::read(m_wake.fd, &value, sizeof value);
            continue; // stop requested (checked by the loop)
        }
        const auto now = Clock::now();
        if (now < next) {
            if (ready > 0) {
                drainAll(now);
                readEarly = true;
            }
            continue;
        }
        readEarly = false;
        drainAll(now);
        tick(now);
        next += frame;
        if (now - next > std::chrono::milliseconds(200)) {
            next = now + frame; // we were suspended: do not burst to catch up
        }
    }
    sendRtcp(Clock::now(), true);
    m_stats.flowing = false;
    publish();
    emit(MediaEvent::Kind::Stopped);
    mediaLog(LogLevel::Info, "media: stopped");
}

void MediaSession::Engine::drainAll(Clock::time_point now) {
    if (m_config.transport) {
        drainTransport(now);
        return;
    }
    drain(m_rtp, false, now);
    if (m_rtcp.isOpen()) {
        drain(m_rtcp, true, now);
    }
}

void MediaSession::Engine::drainTransport(Clock::time_point now) {
    std::uint8_t buffer[kMaxDatagram];
    for (int i = 0; i < 64; ++i) {
        const std::size_t n = m_config.transport->receive(buffer);
        if (n == 0) {
            return;
        }
        std::vector<std::uint8_t> packet(buffer, buffer + n);
        if (isRtcpPacket(packet)) {
            onRtcp(packet, now);
        } else {
            onRtp(packet, m_remoteRtp, now);
        }
    }
}

bool MediaSession::Engine::sendDatagram(std::span<const std::uint8_t> packet, bool rtcp) {
    if (m_config.transport) {
        // Without rtcp-mux ICE has no second component: RTCP is not sent.
        if (rtcp && !m_config.media.rtcpMux) {
            return false;
        }
        if (!m_config.transport->send(packet)) {
            if (m_sendErrors++ % 500 == 0) {
                mediaLog(LogLevel::Warning, "media: ICE has no working path yet");
            }
            return false;
        }
        return true;
    }
    if (rtcp) {
        UdpSocket &socket = m_config.media.rtcpMux || !m_rtcp.isOpen() ? m_rtp : m_rtcp;
        return static_cast<bool>(socket.sendTo(packet, m_remoteRtcp));
    }
    if (auto ok = m_rtp.sendTo(packet, m_remoteRtp); !ok) {
        if (m_sendErrors++ % 500 == 0) {
            mediaLog(LogLevel::Warning, "media: " + ok.error().message);
        }
        return false;
    }
    return true;
}

void MediaSession::Engine::drain(UdpSocket &socket, bool rtcpSocket, Clock::time_point now) {
    std::uint8_t buffer[kMaxDatagram];
    // Kernel wall-clock arrival times, mapped onto the monotonic clock.
    const auto wallNow = std::chrono::system_clock::now();
    for (int i = 0; i < 64; ++i) {
        SocketAddress from;
        std::chrono::system_clock::time_point arrivalWall = wallNow;
        auto n = socket.receiveFrom(buffer, from, &arrivalWall);
        const auto arrival =
            now - std::clamp<Clock::duration>(
                      std::chrono::duration_cast<Clock::duration>(wallNow - arrivalWall),
                      Clock::duration::zero(), std::chrono::seconds(1));
        if (!n) {
            ++m_stats.malformed;
            continue;
        }
        if (*n == 0) {
            return;
        }
        std::vector<std::uint8_t> packet(buffer, buffer + *n);
        if (rtcpSocket || (m_config.media.rtcpMux && isRtcpPacket(packet))) {
            onRtcp(packet, arrival);
        } else {
            onRtp(packet, from, arrival);
        }
    }
}

void MediaSession::Engine::countRejected(MediaErrc code) {
    if (code == MediaErrc::AuthenticationFailed) {
        ++m_stats.authenticationFailures;
    } else if (code == MediaErrc::Replay) {
        ++m_stats.replays;
    } else {
        ++m_stats.malformed;
    }
}

void MediaSession::Engine::onRtp(std::vector<std::uint8_t> &packet, const SocketAddress &from,
                                 Clock::time_point now) {
    const bool fromCurrent = from == m_remoteRtp;
    if (auto ok = m_srtp->unprotectRtp(packet); !ok) {
        if (fromCurrent && ok.error().code == MediaErrc::Replay) {
            m_latch.onFromCurrent(); // the original of a packet someone raced
        }
        countRejected(ok.error().code);
        return;
    }
    auto rtp = parseRtp(packet);
    if (!rtp) {
        ++m_stats.malformed;
        return;
    }
    const RtpHeader &h = rtp->header;
    // Symmetric RTP: answer to where the peer's packets really come from
    // (NAT), but only once several in a row come from there (RtpLatch).
    if (fromCurrent) {
        m_latch.onFromCurrent();
    } else if (m_latch.onAuthenticatedElsewhere(from, h.sequence) == RtpLatch::Decision::Move) {
        mediaLog(LogLevel::Info, "media: peer moved to " + from.toString());
        m_remoteRtp = from;
        if (m_config.media.rtcpMux) {
            m_remoteRtcp = from;
        }
    }
    if (m_remoteSsrc != h.ssrc) {
        if (m_remoteSsrc) {
            m_jitter->reset(); // a new source: its timestamps mean nothing to the old one
            m_receiveStats.emplace(codecClockRate(m_config.media.codec));
        }
        m_remoteSsrc = h.ssrc;
    }
    ++m_stats.packetsReceived;
    m_stats.octetsReceived += rtp->payload.size();
    m_receiveStats->onPacket(h.sequence, h.timestamp, seconds(now));
    m_lastReceive = now;
    if (!m_stats.flowing) {
        m_stats.flowing = true;
        emit(MediaEvent::Kind::Flowing);
    }
    if (h.payloadType == m_config.media.receivePayloadType) {
        if (directionReceives(m_direction.load())) {
            m_jitter->insert(h.timestamp, rtp->payload, m_decoder->payloadDuration(rtp->payload));
        }
    } else if (m_config.media.receiveEventPayloadType &&
               h.payloadType == *m_config.media.receiveEventPayloadType) {
        auto event = parseTelephoneEvent(rtp->payload);
        if (!event) {
            ++m_stats.malformed;
            return;
        }
        if (auto digit = m_dtmfReceiver.onPacket(h.timestamp, *event)) {
            ++m_stats.dtmfReceived;
            emit(MediaEvent::Kind::DtmfReceived, {}, digit->digit);
        }
    } else if (h.payloadType != 13) { // comfort noise is fine to ignore
        ++m_stats.unknownPayloadType;
    }
}

void MediaSession::Engine::onRtcp(std::vector<std::uint8_t> &packet, Clock::time_point now) {
    if (auto ok = m_srtp->unprotectRtcp(packet); !ok) {
        countRejected(ok.error().code);
        return;
    }
    auto rtcp = parseRtcp(packet);
    if (!rtcp) {
        ++m_stats.malformed;
        return;
    }
    ++m_stats.rtcpReceived;
    if (rtcp->senderInfo) {
        m_lastSr = ntpMiddle(rtcp->senderInfo->ntpTimestamp);
        m_lastSrArrival = seconds(now);
    }
    for (const ReportBlock &b : rtcp->reports) {
        if (b.ssrc != m_ssrc) {
            continue;
        }
        m_stats.remoteLossFraction = b.fractionLost / 256.0;
        m_stats.remotePacketsLost = b.cumulativeLost;
        m_stats.remoteJitterMs = b.jitter * 1000.0 / codecClockRate(m_config.media.codec);
        if (b.lastSenderReport != 0) {
            // The report arrived at `now` (kernel time), a little before we
            // got to it: take the arrival time, in 1/65536 s.
            const double lag = std::chrono::duration<double>(Clock::now() - now).count();
            const std::uint32_t arrival =
                ntpMiddle(ntpNow()) - static_cast<std::uint32_t>(lag * 65536.0);
            const std::uint32_t rtt = arrival - b.lastSenderReport - b.delaySinceLastSenderReport;
            if (rtt < 0x80000000u) {
                m_stats.roundTripMs = rtt * 1000.0 / 65536.0;
            }
        }
        // More reported loss: more redundancy in the Opus stream.
        m_encoder->setExpectedLossPercent(
            std::max(10, static_cast<int>(b.fractionLost * 100 / 256) + 5));
    }
    if (rtcp->bye && m_stats.flowing) {
        m_stats.flowing = false;
        emit(MediaEvent::Kind::Stalled, "the peer sent RTCP BYE");
    }
}

void MediaSession::Engine::sendPacket(const RtpHeader &header,
                                      std::span<const std::uint8_t> payload) {
    writeRtp(m_sendBuffer, header, payload);
    if (auto ok = m_srtp->protectRtp(m_sendBuffer); !ok) {
        if (m_sendErrors++ == 0) {
            emit(MediaEvent::Kind::Error, ok.error().message);
        }
        return;
    }
    if (!sendDatagram(m_sendBuffer, false)) {
        return;
    }
    ++m_stats.packetsSent;
    m_stats.octetsSent += payload.size();
    ++m_rtcpPackets;
    m_rtcpOctets += static_cast<std::uint32_t>(payload.size());
    m_sentSinceReport = true;
}

void MediaSession::Engine::sendAudio() {
    std::int16_t frame[kFrameSamples];
    if (m_config.source) {
        if (!m_config.source->read(frame) && !m_sourceEnded) {
            m_sourceEnded = true;
            emit(MediaEvent::Kind::SourceFinished);
        }
    } else {
        std::fill(std::begin(frame), std::end(frame), 0);
    }
    if (m_config.processor) {
        m_config.processor->processCapture(frame);
    }
    if (m_muted) {
        std::fill(std::begin(frame), std::end(frame), 0);
    }
    const bool sending = directionSends(m_direction.load());
    if (sending && !m_wasSending) {
        m_marker = true; // a talkspurt starts after hold
    }
    m_wasSending = sending;
    if (sending) {
        {
            std::lock_guard lock(m_mutex);
            while (!m_dtmfRequests.empty() && m_dtmfSender) {
                auto [digit, ms] = m_dtmfRequests.front();
                m_dtmfRequests.pop_front();
                if (m_dtmfSender->queue(digit, ms)) {
                    ++m_stats.dtmfSent;
                }
            }
        }
        std::optional<TelephoneEventPacket> event;
        if (m_dtmfSender) {
            event = m_dtmfSender->next(m_timestamp);
        }
        if (event) {
            RtpHeader h{event->marker, *m_config.media.sendEventPayloadType, m_sequence++,
                        event->timestamp, m_ssrc};
            const auto payload = writeTelephoneEvent(event->payload);
            sendPacket(h, payload);
        } else {
            std::uint8_t payload[1500];
            auto n = m_encoder->encode(frame, payload);
            if (n) {
                RtpHeader h{m_marker, m_config.media.sendPayloadType, m_sequence++, m_timestamp,
                            m_ssrc};
                m_marker = false;
                sendPacket(h, std::span<const std::uint8_t>(payload, *n));
            } else if (m_sendErrors++ == 0) {
                emit(MediaEvent::Kind::Error, n.error().message);
            }
        }
    }
    m_timestamp += m_encoder->timestampsPerFrame();
}

void MediaSession::Engine::playout() {
    std::int16_t decoded[kMaxDecodedSamples];
    const bool receiving = directionReceives(m_direction.load());
    while (m_playout.size() < kFrameSamples) {
        if (!receiving) {
            m_playout.resize(kFrameSamples, 0);
            break;
        }
        PlayoutFrame f = m_jitter->pop();
        std::size_t n = kFrameSamples;
        switch (f.kind) {
        case PlayoutKind::NotStarted:
            std::fill_n(decoded, kFrameSamples, 0);
            break;
        case PlayoutKind::Packet: {
            auto r = m_decoder->decode(f.payload, decoded);
            if (r && *r > 0) {
                n = *r;
                ++m_stats.framesDecoded;
            } else {
                m_decoder->conceal(std::span<std::int16_t>(decoded, kFrameSamples));
                ++m_stats.framesConcealed;
            }
            break;
        }
        case PlayoutKind::Fec: {
            auto r =
                m_decoder->decodeFec(f.payload, std::span<std::int16_t>(decoded, kFrameSamples));
            if (r && *r > 0) {
                n = *r;
                ++m_stats.framesFec;
            } else {
                m_decoder->conceal(std::span<std::int16_t>(decoded, kFrameSamples));
                ++m_stats.framesConcealed;
            }
            break;
        }
        case PlayoutKind::Conceal:
            m_decoder->conceal(std::span<std::int16_t>(decoded, kFrameSamples));
            ++m_stats.framesConcealed;
            break;
        }
        m_playout.insert(m_playout.end(), decoded, decoded + n);
    }
    const std::span<const std::int16_t> out(m_playout.data(), kFrameSamples);
    if (m_config.processor) {
        m_config.processor->analyzePlayout(out);
    }
    if (m_config.sink) {
        m_config.sink->write(out);
    }
    m_playout.erase(m_playout.begin(), m_playout.begin() + kFrameSamples);
}

void MediaSession::Engine::sendRtcp(Clock::time_point now, bool bye) {
    RtcpCompound c;
    c.senderSsrc = m_ssrc;
    if (m_sentSinceReport) {
        c.senderInfo = SenderInfo{ntpNow(), m_timestamp, m_rtcpPackets, m_rtcpOctets};
        m_sentSinceReport = false;
    }
    if (m_remoteSsrc && m_receiveStats->started()) {
        c.reports.push_back(
            m_receiveStats->makeReport(*m_remoteSsrc, m_lastSr, m_lastSrArrival, seconds(now)));
    }
    c.cname = m_config.cname;
    c.bye = bye;
    std::vector<std::uint8_t> packet = buildRtcp(c);
    if (auto ok = m_srtp->protectRtcp(packet); !ok) {
        return;
    }
    if (sendDatagram(packet, true)) {
        ++m_stats.rtcpSent;
    }
}

void MediaSession::Engine::tick(Clock::time_point now) {
    playout();
    sendAudio();
    if (now >= m_nextRtcp) {
        sendRtcp(now, false);
        scheduleRtcp(now);
    }
    if (m_stats.flowing &&
        now - m_lastReceive > std::chrono::milliseconds(m_config.stallTimeoutMs)) {
        m_stats.flowing = false;
        emit(MediaEvent::Kind::Stalled,
             "no media from the peer for " + std::to_string(m_config.stallTimeoutMs / 1000) + " s");
    }
    publish();
}

void MediaSession::Engine::publish() {
    m_stats.direction = m_direction.load();
    m_stats.muted = m_muted.load();
    m_stats.packetsLost = m_receiveStats->lost();
    const auto expected = m_receiveStats->expected();
    m_stats.lossFraction =
        expected == 0 ? 0.0
                      : std::max<double>(0.0, static_cast<double>(m_stats.packetsLost) / expected);
    m_stats.jitterMs = m_receiveStats->jitterMs();
    m_stats.jitterBuffer = m_jitter->stats();
    std::lock_guard lock(m_mutex);
    m_snapshot = m_stats;
}

MediaSession::MediaSession() : m_engine(std::make_unique<Engine>()) {}

MediaSession::~MediaSession() {
    stop();
}

MediaResult<std::uint16_t> MediaSession::open(const std::string &localAddress, std::uint16_t port,
                                              bool separateRtcp) {
    return m_engine->open(localAddress, port, separateRtcp);
}

MediaResult<void> MediaSession::start(MediaSessionConfig config) {
    return m_engine->start(std::move(config));
}

void MediaSession::stop() {
    m_engine->stop();
}

bool MediaSession::isRunning() const {
    return m_engine->m_running.load();
}

std::uint16_t MediaSession::localPort() const {
    return m_engine->m_localPort;
}

void MediaSession::setMuted(bool muted) {
    m_engine->m_muted = muted;
}

void MediaSession::setDirection(MediaDirection direction) {
    m_engine->m_direction = direction;
}

MediaResult<void> MediaSession::sendDtmf(char digit, unsigned durationMs) {
    if (!dtmfEventCode(digit)) {
        return mediaFail(MediaErrc::InvalidArgument, "DTMF digits are 0-9, *, # and A-D");
    }
    if (durationMs < 40 || durationMs > 5000) {
        return mediaFail(MediaErrc::InvalidArgument, "a DTMF digit lasts 40 to 5000 ms");
    }
    if (!m_engine->m_running) {
        return mediaFail(MediaErrc::State, "the media session is not running");
    }
    if (!m_engine->m_dtmfAvailable) {
        return mediaFail(MediaErrc::State, "the peer did not accept telephone-event (RFC 4733)");
    }
    std::lock_guard lock(m_engine->m_mutex);
    m_engine->m_dtmfRequests.emplace_back(digit, durationMs);
    return {};
}

MediaStatistics MediaSession::statistics() const {
    std::lock_guard lock(m_engine->m_mutex);
    return m_engine->m_snapshot;
}

} // namespace napkin::media
