#pragma once

// The SdpNegotiator of real calls: SDP offer/answer, SDES-SRTP and the media
// thread from media/ (napkin_media_core). Every offer and answer carries fresh
// keys; a new negotiation (hold, resume) restarts the media session on the
// same port with the new keys.

#include "sipcore/SdpNegotiator.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <string>

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
};

class MediaSdpFactory final : public QObject, public SdpNegotiatorFactory {
    Q_OBJECT
public:
    explicit MediaSdpFactory(MediaSettings settings, QObject *parent = nullptr);
    [[nodiscard]] std::unique_ptr<SdpNegotiator> create() override;

private:
    MediaSettings m_settings;
};

} // namespace napkin::sip
