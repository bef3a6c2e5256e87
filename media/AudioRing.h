// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A bounded, thread-safe FIFO of 16-bit samples between an audio device's
// thread and the media thread. When the writer runs ahead (clock drift, a
// stalled reader) the oldest samples are dropped; when the reader runs ahead
// it gets silence. Both are counted.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

namespace napkin::media {

class AudioRing {
public:
    explicit AudioRing(std::size_t capacity) : m_capacity(capacity) {}

    /// Appends; drops the oldest samples beyond the capacity.
    void write(std::span<const std::int16_t> samples);
    /// Fills `out`; pads with silence when short. Returns the samples that
    /// were real (not padding).
    std::size_t read(std::span<std::int16_t> out);
    /// Drops everything (e.g. after a device change).
    void clear();

    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] std::uint64_t droppedSamples() const;
    [[nodiscard]] std::uint64_t paddedSamples() const;

private:
    mutable std::mutex m_mutex;
    std::deque<std::int16_t> m_samples;
    std::size_t m_capacity;
    std::uint64_t m_dropped = 0;
    std::uint64_t m_padded = 0;
};

} // namespace napkin::media
