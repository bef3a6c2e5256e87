// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Acoustic echo cancellation, noise suppression and a high-pass filter from
// the WebRTC audio processing module (Debian's libwebrtc-audio-processing,
// 0.3). Chosen over speexdsp because its AEC is delay-agnostic (it finds the
// device round-trip itself, which Qt Multimedia does not report reliably) and
// its noise suppressor is the one most softphones ship; speexdsp's AEC needs
// the echo delay to be known within its filter length.

#include "media/AudioProcessor.h"
#include "media/MediaError.h"

#include <memory>

namespace webrtc {
class AudioProcessing;
}

namespace napkin::media {

struct EchoCancellerOptions {
    bool echoCancellation = true;
    bool noiseSuppression = true;
    bool highPassFilter = true;
    /// A first guess of the loudspeaker-to-microphone delay; the canceller
    /// refines it (delay-agnostic mode).
    int deviceDelayMs = 60;
};

class EchoCanceller final : public AudioProcessor {
public:
    [[nodiscard]] static MediaResult<std::shared_ptr<EchoCanceller>>
    create(EchoCancellerOptions options = {});
    ~EchoCanceller() override;

    void analyzePlayout(std::span<const std::int16_t> frame) override;
    void processCapture(std::span<std::int16_t> frame) override;

    /// Processing errors so far (a frame that failed passes unchanged).
    [[nodiscard]] int errors() const { return m_errors; }

private:
    EchoCanceller() = default;
    std::unique_ptr<webrtc::AudioProcessing> m_apm;
    EchoCancellerOptions m_options;
    int m_errors = 0;
};

} // namespace napkin::media
