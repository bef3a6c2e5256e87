// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The SdpNegotiator of real calls: SDP offer/answer, SDES-SRTP and the media
// thread from media/ (napkin_media_core). Every offer and answer carries fresh
// keys; a new negotiation (hold, resume) restarts the media session on the
// same port (or the same ICE session) with the new keys.
//
// ICE: prepare() starts an IceSession (libnice) whose candidates go into
// every offer and answer (RFC 8839); media then runs over the pair ICE
// selects. A peer whose SDP has no ICE gets the default candidate in c=/m=
// and is sent to at its own c=/m= address. A plain offer that arrives before
// prepare() (a plain phone's INVITE) is answered without ICE, from the
// session's own UDP socket with RTP latching.

#include "media/IceServers.h"
#include "sipcore/SdpNegotiator.h"

#include <QObject>
#include <QPointer>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace napkin::media {
class AudioSource;
class AudioSink;
} // namespace napkin::media

namespace napkin::sip {

struct MediaSettings {
    std::string address = "127.0.0.1"; ///< local IP for the RTP socket and c=
    /// Audio for each call (null, or returning null: silence / discard).
    std::function<std::shared_ptr<media::AudioSource>()> source;
    std::function<std::shared_ptr<media::AudioSink>()> sink;
    /// STUN and TURN for ICE ([network] stun_server, turn_server...).
    media::IceServers iceServers;
    /// Resolves a STUN/TURN host name to IPv4 literals (blocking; called on
    /// an ICE thread). Null: literal addresses only.
    std::function<std::vector<std::string>(const std::string &host)> resolve;
    /// ICE: how long gathering may hold up our SDP (host candidates always
    /// go out), and how long the checks may take before "no media path".
    std::chrono::milliseconds iceGatherDeadline{3000};
    std::chrono::milliseconds iceCheckDeadline{10000};
    /// False: no ICE at all (plain c=/m= and RTP latching, as before ICE).
    bool ice = true;
};

class MediaSdpFactory final : public QObject, public SdpNegotiatorFactory {
    Q_OBJECT
public:
    /// Starts initialising libsrtp on a helper thread: its start-up self-tests
    /// take 5-15 ms (50-150 ms before SrtpSession kept NSS loaded), and the
    /// first call would otherwise pay them between the 200 OK and its ACK.
    explicit MediaSdpFactory(MediaSettings settings, QObject *parent = nullptr);
    ~MediaSdpFactory() override;
    [[nodiscard]] std::unique_ptr<SdpNegotiator> create() override;

private:
    MediaSettings m_settings;
    std::thread m_warmUp;
};

} // namespace napkin::sip
