// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/MediaSdpFactory.h"

#include "media/IceSession.h"
#include "media/MediaSession.h"
#include "media/Sdp.h"
#include "media/SrtpSession.h"
#include "media/UdpSocket.h"
#include "sipcore/SdpExchange.h"
#include "sipcore/SipLog.h"

#include <QMetaObject>

#include <atomic>

namespace napkin::sip {

namespace {

class MediaNegotiator final : public SdpNegotiator {
public:
    explicit MediaNegotiator(const MediaSettings &settings)
        : m_settings(withAddress(settings)), m_auto(settings.address == kAutoAddress),
          m_exchange(m_settings.address, [this] { return localPort(); }),
          m_context(std::make_unique<QObject>()) {
        m_exchange.setIceSource([this]() -> std::optional<media::IceLocal> {
            if (!m_ice) {
                return std::nullopt;
            }
            return m_ice->local();
        });
    }

    ~MediaNegotiator() override {
        stop();
        m_ice.reset();
    }

    void prepare(std::optional<std::string_view> offer, bool weOffer,
                 std::function<void()> ready) override {
        if (m_preparation != Preparation::NotAsked) {
            return; // asked before
        }
        if (m_port != 0) {
            // A plain socket is already in our SDP: nothing to gather.
            if (ready) {
                ready();
            }
            return;
        }
        if (!m_settings.ice || (offer && !offersIce(*offer))) {
            m_preparation = Preparation::Ready;
            if (ready) {
                ready();
            }
            return;
        }
        m_ready = std::move(ready);
        media::IceSessionConfig config;
        // "auto": host candidates on every interface but loopback.
        config.localAddress = m_auto ? std::string() : m_settings.address;
        config.servers = m_settings.iceServers;
        config.resolve = m_settings.resolve;
        config.gatherDeadline = m_settings.iceGatherDeadline;
        config.controlling = weOffer && !offer;
        config.checkDeadline = m_settings.iceCheckDeadline;
        QPointer<QObject> context(m_context.get());
        config.onEvent = [context, this](const media::IceEvent &event) {
            // On the ICE thread: hand it to ours, where `this` may be gone.
            QMetaObject::invokeMethod(
                context.data(),
                [context, this, event] {
                    if (context) {
                        onIceEvent(event);
                    }
                },
                Qt::QueuedConnection);
        };
        auto ice = media::IceSession::create(std::move(config));
        if (!ice) {
            qCWarning(lcSip).noquote()
                << "ICE could not start, media goes without it:" << logText(ice.error().message);
            m_preparation = Preparation::Ready;
            finishPreparing();
            return;
        }
        m_ice = std::move(ice).value();
        m_preparation = Preparation::Gathering;
    }

    [[nodiscard]] bool prepared() const override { return m_preparation != Preparation::Gathering; }

    void onMediaPath(std::function<void(const media::IcePath &)> connected,
                     std::function<void(const std::string &)> failed) override {
        m_pathConnected = std::move(connected);
        m_pathFailed = std::move(failed);
    }

    SdpResult<std::string> createOffer(bool hold) override { return m_exchange.createOffer(hold); }

    SdpResult<std::string> createAnswer(std::string_view offer, bool hold) override {
        auto answer = m_exchange.createAnswer(offer, hold);
        if (!answer) {
            return fail(std::move(answer).error());
        }
        if (auto started = startWith(std::move(answer->agreement), false); !started) {
            return fail(std::move(started).error());
        }
        return std::move(answer->sdp);
    }

    SdpResult<void> acceptAnswer(std::string_view answer) override {
        auto agreed = m_exchange.acceptAnswer(answer);
        if (!agreed) {
            return fail(std::move(agreed).error());
        }
        return startWith(std::move(agreed).value(), true);
    }

    [[nodiscard]] std::optional<NegotiatedMedia> negotiated() const override { return m_media; }

    void stop() override {
        m_session.stop();
        m_exchange.reset();
    }

    void onFlowing(std::function<void(bool)> changed) override { m_flowing = std::move(changed); }

    void setMuted(bool muted) override {
        m_muted = muted;
        m_session.setMuted(muted);
    }

    [[nodiscard]] bool muted() const override { return m_muted; }

    SdpResult<void> sendDtmf(char digit) override {
        if (auto sent = m_session.sendDtmf(digit); !sent) {
            return fail(sdpError(sent.error()));
        }
        return {};
    }

    [[nodiscard]] std::optional<media::MediaStatistics> statistics() const override {
        if (!m_session.isRunning()) {
            return std::nullopt;
        }
        return m_session.statistics();
    }

    void onDtmf(std::function<void(char)> received) override { m_dtmf = std::move(received); }

private:
    /// `media_address = auto`: the address the default route leaves from,
    /// decided per call (the laptop may have changed networks).
    static MediaSettings withAddress(MediaSettings settings) {
        if (settings.address == kAutoAddress) {
            settings.address = media::defaultRouteAddress();
        }
        return settings;
    }

    /// The peer's offer asks for ICE (or cannot be read: the answer will say why).
    static bool offersIce(std::string_view offer) {
        auto sdp = media::parseSdp(offer);
        if (!sdp) {
            return true;
        }
        for (const auto &m : sdp->media) {
            if (m.type == "audio" && m.port != 0 && m.isRtp()) {
                return sdp->iceOf(m).has_value();
            }
        }
        return false;
    }

    void finishPreparing() {
        if (auto ready = std::exchange(m_ready, nullptr)) {
            ready();
        }
    }

    void onIceEvent(const media::IceEvent &event) {
        switch (event.kind) {
        case media::IceEvent::Kind::GatheringDone:
            m_preparation = Preparation::Ready;
            finishPreparing();
            return;
        case media::IceEvent::Kind::Connected:
            if (m_pathConnected) {
                m_pathConnected(event.path);
            }
            return;
        case media::IceEvent::Kind::Failed:
            if (m_pathFailed) {
                m_pathFailed(event.message + (m_settings.iceServers.turn
                                                  ? " (not even through the TURN relay)"
                                                  : ": configure a TURN server"));
            }
            return;
        }
    }

    /// The peer's ICE, or its plain address: where media goes from now on.
    SdpResult<void> aimIce(const media::NegotiatedMedia &agreed, bool controlling) {
        auto aimed = agreed.remoteIce
                         ? m_ice->setRemote(*agreed.remoteIce, controlling)
                         : m_ice->setPlainRemote(agreed.remoteAddress, agreed.remotePort);
        if (!aimed) {
            return fail(sdpError(aimed.error()));
        }
        return {};
    }

    /// The RTP socket opens with the first offer or answer and stays for
    /// the call: hold and resume keep the port.
    SdpResult<std::uint16_t> localPort() {
        if (m_port == 0) {
            auto port = m_session.open(m_settings.address, 0);
            if (!port) {
                return fail(sdpError(port.error()));
            }
            m_port = *port;
        }
        return m_port;
    }

    /// `weOffered`: this side made the offer (ICE's controlling agent).
    SdpResult<void> startWith(SdpAgreement agreed, bool weOffered) {
        NegotiatedMedia summary = std::move(agreed.summary);
        // New keys: the SRTP contexts start over (same socket, same port).
        m_session.stop();
        media::MediaSessionConfig config;
        if (m_ice) {
            if (auto aimed = aimIce(agreed.media, weOffered); !aimed) {
                return aimed;
            }
            config.transport = m_ice;
        }
        config.media = std::move(agreed.media);
        if (m_settings.source) {
            config.source = m_settings.source();
        }
        if (m_settings.sink) {
            config.sink = m_settings.sink();
        }
        QPointer<QObject> context(m_context.get());
        auto *flowing = &m_flowing;
        auto *dtmf = &m_dtmf;
        config.onEvent = [context, flowing, dtmf](const media::MediaEvent &event) {
            if (event.kind == media::MediaEvent::Kind::DtmfReceived) {
                const char digit = event.digit;
                QMetaObject::invokeMethod(
                    context.data(),
                    [context, dtmf, digit] {
                        if (context && *dtmf) {
                            (*dtmf)(digit);
                        }
                    },
                    Qt::QueuedConnection);
                return;
            }
            if (event.kind != media::MediaEvent::Kind::Flowing &&
                event.kind != media::MediaEvent::Kind::Stalled) {
                return;
            }
            const bool now = event.kind == media::MediaEvent::Kind::Flowing;
            // On the media thread: hand it to the main thread, where the
            // negotiator (and `flowing`) may already be gone.
            QMetaObject::invokeMethod(
                context.data(),
                [context, flowing, now] {
                    if (context && *flowing) {
                        (*flowing)(now);
                    }
                },
                Qt::QueuedConnection);
        };
        if (auto started = m_session.start(std::move(config)); !started) {
            qCWarning(lcSip).noquote()
                << "media could not start:" << logText(started.error().message);
            return fail(sdpError(started.error()));
        }
        // A restarted session (hold, resume) keeps the user's mute.
        m_session.setMuted(m_muted);
        summary.audio = true;
        m_media = summary;
        return {};
    }

    MediaSettings m_settings;
    bool m_auto = false;
    std::shared_ptr<media::IceSession> m_ice; ///< outlives m_session's thread
    /// How far prepare() got: never asked, ICE gathering, or done (or nothing
    /// to gather).
    enum class Preparation { NotAsked, Gathering, Ready };
    Preparation m_preparation = Preparation::NotAsked;
    std::function<void()> m_ready;
    std::function<void(const media::IcePath &)> m_pathConnected;
    std::function<void(const std::string &)> m_pathFailed;
    media::MediaSession m_session;
    std::uint16_t m_port = 0;
    SdpExchange m_exchange;
    std::optional<NegotiatedMedia> m_media;
    std::function<void(bool)> m_flowing;
    std::function<void(char)> m_dtmf;
    bool m_muted = false;
    /// Lives on the main thread; queued media events die with it.
    std::unique_ptr<QObject> m_context;
};

} // namespace

MediaSdpFactory::MediaSdpFactory(MediaSettings settings, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)) {
    // A call that needs it first simply waits for it (std::call_once inside).
    m_warmUp = std::thread([] { (void)media::SrtpSession::initLibrary(); });
}

MediaSdpFactory::~MediaSdpFactory() {
    if (m_warmUp.joinable()) {
        m_warmUp.join();
    }
}

std::unique_ptr<SdpNegotiator> MediaSdpFactory::create() {
    return std::make_unique<MediaNegotiator>(m_settings);
}

} // namespace napkin::sip
