// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/WavFile.h"

#include "media/Resampler.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace napkin::media {

namespace {

std::uint32_t le32(const std::uint8_t *p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
}
std::uint16_t le16(const std::uint8_t *p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

void put32(std::uint8_t *p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}
void put16(std::uint8_t *p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}

std::array<std::uint8_t, 44> header(int rate, int channels, std::uint32_t dataBytes) {
    std::array<std::uint8_t, 44> h{};
    std::memcpy(h.data(), "RIFF", 4);
    put32(h.data() + 4, 36 + dataBytes);
    std::memcpy(h.data() + 8, "WAVEfmt ", 8);
    put32(h.data() + 16, 16);
    put16(h.data() + 20, 1);
    put16(h.data() + 22, static_cast<std::uint16_t>(channels));
    put32(h.data() + 24, static_cast<std::uint32_t>(rate));
    put32(h.data() + 28, static_cast<std::uint32_t>(rate * channels * 2));
    put16(h.data() + 32, static_cast<std::uint16_t>(channels * 2));
    put16(h.data() + 34, 16);
    std::memcpy(h.data() + 36, "data", 4);
    put32(h.data() + 40, dataBytes);
    return h;
}

} // namespace

MediaResult<std::vector<std::int16_t>> decodeWav(std::span<const std::uint8_t> bytes,
                                                 WavInfo *info) {
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 ||
        std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
        return mediaFail(MediaErrc::AudioFormat, "not a WAV file (no RIFF/WAVE header)");
    }
    bool haveFmt = false;
    int channels = 0;
    int rate = 0;
    std::span<const std::uint8_t> data;
    bool haveData = false;
    std::size_t pos = 12;
    while (pos + 8 <= bytes.size() && !haveData) {
        const std::uint8_t *chunk = bytes.data() + pos;
        const std::size_t size = le32(chunk + 4);
        if (size > bytes.size() - pos - 8) {
            return mediaFail(MediaErrc::AudioFormat,
                             "WAV chunk runs past the end of the file (truncated?)");
        }
        const std::uint8_t *body = chunk + 8;
        if (std::memcmp(chunk, "fmt ", 4) == 0) {
            if (size < 16) {
                return mediaFail(MediaErrc::AudioFormat, "WAV fmt chunk is too short");
            }
            std::uint16_t format = le16(body);
            channels = le16(body + 2);
            rate = static_cast<int>(le32(body + 4));
            const int blockAlign = le16(body + 12);
            const int bits = le16(body + 14);
            if (format == 0xfffe) {
                if (size < 40) {
                    return mediaFail(MediaErrc::AudioFormat,
                                     "WAV extensible fmt chunk is too short");
                }
                format = le16(body + 24); // first two bytes of the sub-format GUID
            }
            if (format != 1) {
                return mediaFail(MediaErrc::AudioFormat,
                                 "WAV audio format " + std::to_string(format) + " is not PCM");
            }
            if (bits != 16) {
                return mediaFail(MediaErrc::AudioFormat,
                                 "WAV has " + std::to_string(bits) +
                                     "-bit samples; only 16-bit PCM is supported");
            }
            if (channels != 1 && channels != 2) {
                return mediaFail(MediaErrc::AudioFormat,
                                 "WAV has " + std::to_string(channels) +
                                     " channels; only mono and stereo are supported");
            }
            if (rate < 8000 || rate > 192000) {
                return mediaFail(MediaErrc::AudioFormat, "WAV sample rate " + std::to_string(rate) +
                                                             " Hz is outside 8-192 kHz");
            }
            if (blockAlign != channels * 2) {
                return mediaFail(MediaErrc::AudioFormat,
                                 "WAV block alignment does not match its format");
            }
            haveFmt = true;
        } else if (std::memcmp(chunk, "data", 4) == 0) {
            if (!haveFmt) {
                return mediaFail(MediaErrc::AudioFormat,
                                 "WAV data chunk comes before the fmt chunk");
            }
            data = std::span<const std::uint8_t>(body, size);
            haveData = true;
        }
        pos += 8 + size + (size & 1);
    }
    if (!haveFmt || !haveData) {
        return mediaFail(MediaErrc::AudioFormat, "WAV file has no fmt or no data chunk");
    }
    const std::size_t frames = data.size() / (2 * static_cast<std::size_t>(channels));
    std::vector<std::int16_t> mono(frames);
    for (std::size_t i = 0; i < frames; ++i) {
        const std::uint8_t *p = data.data() + i * 2 * static_cast<std::size_t>(channels);
        int v = static_cast<std::int16_t>(le16(p));
        if (channels == 2) {
            v = (v + static_cast<std::int16_t>(le16(p + 2))) / 2;
        }
        mono[i] = static_cast<std::int16_t>(v);
    }
    if (info != nullptr) {
        *info = WavInfo{rate, channels, frames};
    }
    if (rate == kSampleRate) {
        return mono;
    }
    auto resampler = Resampler::create(rate, kSampleRate, 1, 5);
    if (!resampler) {
        return fail(resampler.error());
    }
    std::vector<std::int16_t> out;
    out.reserve(frames * kSampleRate / static_cast<std::size_t>(rate) + 64);
    resampler->process(mono, out);
    return out;
}

MediaResult<std::vector<std::int16_t>> readWavFile(const std::string &path, WavInfo *info) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return mediaFail(MediaErrc::Io, "cannot open " + path);
    }
    const auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0 || static_cast<std::size_t>(size) > kMaxWavBytes) {
        return mediaFail(MediaErrc::AudioFormat, path + " is larger than 400 MiB");
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char *>(bytes.data()), size)) {
        return mediaFail(MediaErrc::Io, "cannot read " + path);
    }
    auto out = decodeWav(bytes, info);
    if (!out) {
        return mediaFail(out.error().code, path + ": " + out.error().message);
    }
    return out;
}

MediaResult<WavWriter> WavWriter::create(const std::string &path, int sampleRate, int channels) {
    if (sampleRate < 8000 || sampleRate > 192000 || channels < 1 || channels > 2) {
        return mediaFail(MediaErrc::InvalidArgument, "WAV writer format out of range");
    }
    WavWriter w;
    w.m_file.reset(std::fopen(path.c_str(), "wb"));
    if (!w.m_file) {
        return mediaFail(MediaErrc::Io, "cannot create " + path + ": " + std::strerror(errno));
    }
    w.m_sampleRate = sampleRate;
    w.m_channels = channels;
    const auto h = header(sampleRate, channels, 0);
    if (std::fwrite(h.data(), 1, h.size(), w.m_file.get()) != h.size()) {
        return mediaFail(MediaErrc::Io, "cannot write " + path);
    }
    return w;
}

WavWriter::~WavWriter() {
    (void)close();
}

MediaResult<void> WavWriter::write(std::span<const std::int16_t> samples) {
    if (!m_file) {
        return mediaFail(MediaErrc::State, "the WAV file is closed");
    }
    if (m_dataBytes + samples.size() * 2 > 0xfffffff0ULL) {
        return mediaFail(MediaErrc::Io, "WAV file would exceed 4 GiB");
    }
    std::vector<std::uint8_t> bytes(samples.size() * 2);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        put16(bytes.data() + 2 * i, static_cast<std::uint16_t>(samples[i]));
    }
    if (std::fwrite(bytes.data(), 1, bytes.size(), m_file.get()) != bytes.size()) {
        return mediaFail(MediaErrc::Io, "writing the WAV file failed");
    }
    m_dataBytes += bytes.size();
    return {};
}

MediaResult<void> WavWriter::close() {
    if (!m_file) {
        return {};
    }
    const auto h = header(m_sampleRate, m_channels, static_cast<std::uint32_t>(m_dataBytes));
    const bool ok = std::fseek(m_file.get(), 0, SEEK_SET) == 0 &&
                    std::fwrite(h.data(), 1, h.size(), m_file.get()) == h.size();
    const bool closed = std::fclose(m_file.release()) == 0;
    if (!ok || !closed) {
        return mediaFail(MediaErrc::Io, "finishing the WAV file failed");
    }
    return {};
}

MediaResult<std::shared_ptr<WavFileSource>> WavFileSource::open(const std::string &path,
                                                                bool loop) {
    auto samples = readWavFile(path);
    if (!samples) {
        return fail(samples.error());
    }
    return std::make_shared<WavFileSource>(std::move(*samples), loop);
}

bool WavFileSource::read(std::span<std::int16_t> frame) {
    std::size_t filled = 0;
    while (filled < frame.size()) {
        if (m_position >= m_samples.size()) {
            if (!m_loop || m_samples.empty()) {
                std::fill(frame.begin() + static_cast<std::ptrdiff_t>(filled), frame.end(), 0);
                return filled > 0;
            }
            m_position = 0;
        }
        const std::size_t n = std::min(frame.size() - filled, m_samples.size() - m_position);
        std::copy_n(m_samples.begin() + static_cast<std::ptrdiff_t>(m_position), n,
                    frame.begin() + static_cast<std::ptrdiff_t>(filled));
        m_position += n;
        filled += n;
    }
    return true;
}

MediaResult<std::shared_ptr<WavFileSink>> WavFileSink::create(const std::string &path) {
    auto writer = WavWriter::create(path, kSampleRate, 1);
    if (!writer) {
        return fail(writer.error());
    }
    return std::shared_ptr<WavFileSink>(new WavFileSink(std::move(*writer)));
}

void WavFileSink::write(std::span<const std::int16_t> frame) {
    if (m_error || m_finished) {
        return;
    }
    if (auto ok = m_writer.write(frame); !ok) {
        m_error = ok.error();
    }
}

MediaResult<void> WavFileSink::finish() {
    m_finished = true;
    if (auto ok = m_writer.close(); !ok && !m_error) {
        m_error = ok.error();
    }
    if (m_error) {
        return fail(*m_error);
    }
    return {};
}

} // namespace napkin::media
