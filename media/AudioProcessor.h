// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Near-end processing between the device and the encoder: echo cancellation
// and noise suppression. The media thread calls both methods every 20 ms,
// the playout first, so the canceller knows what the loudspeaker is playing.

#include <cstdint>
#include <span>

namespace napkin::media {

class AudioProcessor {
public:
    virtual ~AudioProcessor() = default;
    /// The far end: the frame about to be played.
    virtual void analyzePlayout(std::span<const std::int16_t> frame) = 0;
    /// The near end: the captured frame, cleaned in place.
    virtual void processCapture(std::span<std::int16_t> frame) = 0;
};

} // namespace napkin::media
