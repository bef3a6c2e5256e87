#include "sipcore/MediaSdpFactory.h"

#include "media/MediaSession.h"
#include "media/OfferAnswer.h"
#include "media/Sdp.h"
#include "media/SrtpSession.h"
#include "sipcore/SipLog.h"

#include <QMetaObject>

#include <atomic>

namespace napkin::sip {

namespace {

SdpError sdpError(const media::MediaError &error) {
    return SdpError{error.message};
}

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

class MediaNegotiator final : public SdpNegotiator {
public:
    explicit MediaNegotiator(const MediaSettings &settings)
        : m_settings(settings), m_context(std::make_unique<QObject>()) {}

    ~MediaNegotiator() override { stop(); }

    SdpResult<std::string> createOffer(bool hold) override {
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
        m_localHold = hold;
        return text;
    }

    SdpResult<std::string> createAnswer(std::string_view offerText, bool hold) override {
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
        m_localHold = hold;
        if (auto started = startWith(std::move(answer->media)); !started) {
            return fail(std::move(started).error());
        }
        return media::formatSdp(answer->sdp);
    }

    SdpResult<void> acceptAnswer(std::string_view answerText) override {
        if (!m_pending) {
            return fail(SdpError{"an answer arrived, but no offer is outstanding"});
        }
        auto answer = media::parseSdp(answerText);
        if (!answer) {
            return fail(sdpError(answer.error()));
        }
        auto negotiated = media::applyAnswer(*m_pending, *answer);
        if (!negotiated) {
            return fail(sdpError(negotiated.error()));
        }
        m_pending.reset();
        return startWith(std::move(negotiated).value());
    }

    [[nodiscard]] std::optional<NegotiatedMedia> negotiated() const override { return m_media; }

    void stop() override {
        m_session.stop();
        m_pending.reset();
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
    SdpResult<media::LocalMediaOptions> localOptions(bool hold) {
        if (m_port == 0) {
            auto port = m_session.open(m_settings.address, 0);
            if (!port) {
                return fail(sdpError(port.error()));
            }
            m_port = *port;
        }
        media::LocalMediaOptions options;
        options.address = m_settings.address;
        options.port = m_port;
        options.direction =
            hold ? media::MediaDirection::SendOnly : media::MediaDirection::SendRecv;
        options.sessionVersion = ++m_version;
        return options;
    }

    SdpResult<void> startWith(media::NegotiatedMedia negotiated) {
        NegotiatedMedia summary;
        summary.codec = codecText(negotiated.codec);
        summary.srtpSuite = std::string(media::suiteName(negotiated.suite));
        summary.remoteAddress = negotiated.remoteAddress;
        summary.remotePort = negotiated.remotePort;
        summary.localHold = m_localHold;
        summary.remoteHold = !media::directionReceives(negotiated.direction) && !m_localHold;
        // New keys: the SRTP contexts start over (same socket, same port).
        m_session.stop();
        media::MediaSessionConfig config;
        config.media = std::move(negotiated);
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
                << "media could not start:" << started.error().message.c_str();
            return fail(sdpError(started.error()));
        }
        // A restarted session (hold, resume) keeps the user's mute.
        m_session.setMuted(m_muted);
        summary.audio = true;
        m_media = summary;
        return {};
    }

    MediaSettings m_settings;
    media::MediaSession m_session;
    std::uint16_t m_port = 0;
    std::uint64_t m_version = 0;
    std::optional<media::PendingOffer> m_pending;
    std::optional<NegotiatedMedia> m_media;
    bool m_localHold = false;
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
