// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/MediaSdpFactory.h"

#include "media/MediaSession.h"
#include "media/SrtpSession.h"
#include "sipcore/SdpExchange.h"
#include "sipcore/SipLog.h"

#include <QMetaObject>

#include <atomic>

namespace napkin::sip {

namespace {

class MediaNegotiator final : public SdpNegotiator {
public:
    explicit MediaNegotiator(const MediaSettings &settings)
        : m_settings(settings), m_exchange(settings.address, [this] { return localPort(); }),
          m_context(std::make_unique<QObject>()) {}

    ~MediaNegotiator() override { stop(); }

    SdpResult<std::string> createOffer(bool hold) override { return m_exchange.createOffer(hold); }

    SdpResult<std::string> createAnswer(std::string_view offer, bool hold) override {
        auto answer = m_exchange.createAnswer(offer, hold);
        if (!answer) {
            return fail(std::move(answer).error());
        }
        if (auto started = startWith(std::move(answer->agreement)); !started) {
            return fail(std::move(started).error());
        }
        return std::move(answer->sdp);
    }

    SdpResult<void> acceptAnswer(std::string_view answer) override {
        auto agreed = m_exchange.acceptAnswer(answer);
        if (!agreed) {
            return fail(std::move(agreed).error());
        }
        return startWith(std::move(agreed).value());
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

    SdpResult<void> startWith(SdpAgreement agreed) {
        NegotiatedMedia summary = std::move(agreed.summary);
        // New keys: the SRTP contexts start over (same socket, same port).
        m_session.stop();
        media::MediaSessionConfig config;
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
