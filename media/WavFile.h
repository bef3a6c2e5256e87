// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// 16-bit PCM WAV files for headless calls and tests: a source that plays a
// file (converted to 48 kHz mono) and a sink that records one.

#include "media/AudioPort.h"
#include "media/MediaError.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace napkin::media {

struct WavInfo {
    int sampleRate = 0;
    int channels = 0;
    std::size_t frames = 0; ///< samples per channel in the file
};

/// Files larger than this are refused (about 35 minutes of 48 kHz stereo).
inline constexpr std::size_t kMaxWavBytes = 400u * 1024 * 1024;

/// Parses a WAV image: PCM (or WAVE_FORMAT_EXTENSIBLE PCM), 16-bit, mono or
/// stereo, 8-192 kHz. Returns 48 kHz mono (stereo is averaged, other rates
/// are resampled). AudioFormat for anything else, with what was found.
[[nodiscard]] MediaResult<std::vector<std::int16_t>> decodeWav(std::span<const std::uint8_t> bytes,
                                                               WavInfo *info = nullptr);
[[nodiscard]] MediaResult<std::vector<std::int16_t>> readWavFile(const std::string &path,
                                                                 WavInfo *info = nullptr);

struct FileCloser {
    void operator()(std::FILE *f) const {
        if (f != nullptr) {
            std::fclose(f);
        }
    }
};

/// Writes a 16-bit PCM WAV file; the header's sizes are fixed up by close()
/// (or the destructor).
class WavWriter {
public:
    [[nodiscard]] static MediaResult<WavWriter> create(const std::string &path,
                                                       int sampleRate = 48000, int channels = 1);
    WavWriter(WavWriter &&) noexcept = default;
    WavWriter &operator=(WavWriter &&) noexcept = default;
    ~WavWriter();

    [[nodiscard]] MediaResult<void> write(std::span<const std::int16_t> samples);
    [[nodiscard]] MediaResult<void> close();

private:
    WavWriter() = default;
    std::unique_ptr<std::FILE, FileCloser> m_file;
    std::uint64_t m_dataBytes = 0;
    int m_sampleRate = 48000;
    int m_channels = 1;
};

/// Plays a WAV file, once or in a loop.
class WavFileSource final : public AudioSource {
public:
    [[nodiscard]] static MediaResult<std::shared_ptr<WavFileSource>> open(const std::string &path,
                                                                          bool loop = false);
    explicit WavFileSource(std::vector<std::int16_t> samples, bool loop = false)
        : m_samples(std::move(samples)), m_loop(loop) {}
    bool read(std::span<std::int16_t> frame) override;

private:
    std::vector<std::int16_t> m_samples;
    std::size_t m_position = 0;
    bool m_loop;
};

/// Records to a 48 kHz mono WAV file. Write errors are remembered and the
/// rest is dropped; finish() reports them.
class WavFileSink final : public AudioSink {
public:
    [[nodiscard]] static MediaResult<std::shared_ptr<WavFileSink>> create(const std::string &path);
    void write(std::span<const std::int16_t> frame) override;
    /// Closes the file; the first error met, if any.
    [[nodiscard]] MediaResult<void> finish();

private:
    explicit WavFileSink(WavWriter writer) : m_writer(std::move(writer)) {}
    WavWriter m_writer;
    std::optional<MediaError> m_error;
    bool m_finished = false;
};

} // namespace napkin::media
