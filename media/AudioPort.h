// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where the media session takes its audio from and where it plays it: 16-bit
// mono PCM at 48 kHz, 20 ms at a time, always called on the media thread.

#include "media/AudioFormat.h"

#include <cstdint>
#include <span>

namespace napkin::media {

class AudioSource {
public:
    virtual ~AudioSource() = default;
    /// Fills one frame of kFrameSamples samples. Returns false once the
    /// source has ended (a file played out); it then fills silence.
    virtual bool read(std::span<std::int16_t> frame) = 0;
};

class AudioSink {
public:
    virtual ~AudioSink() = default;
    /// Takes one frame of decoded audio.
    virtual void write(std::span<const std::int16_t> frame) = 0;
};

/// A sine tone: the test signal (1 kHz at -12 dBFS by default).
class ToneSource final : public AudioSource {
public:
    explicit ToneSource(double frequencyHz = 1000.0, double amplitude = 0.25)
        : m_frequency(frequencyHz), m_amplitude(amplitude) {}
    bool read(std::span<std::int16_t> frame) override;

private:
    double m_frequency;
    double m_amplitude; ///< of full scale, 0..1
    double m_phase = 0;
};

/// Silence forever.
class SilenceSource final : public AudioSource {
public:
    bool read(std::span<std::int16_t> frame) override;
};

/// Discards what it is given.
class NullSink final : public AudioSink {
public:
    void write(std::span<const std::int16_t>) override {}
};

} // namespace napkin::media
