// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/AudioRing.h"

#include <algorithm>

namespace napkin::media {

void AudioRing::write(std::span<const std::int16_t> samples) {
    std::lock_guard lock(m_mutex);
    m_samples.insert(m_samples.end(), samples.begin(), samples.end());
    if (m_samples.size() > m_capacity) {
        const std::size_t excess = m_samples.size() - m_capacity;
        m_samples.erase(m_samples.begin(), m_samples.begin() + static_cast<std::ptrdiff_t>(excess));
        m_dropped += excess;
    }
}

std::size_t AudioRing::read(std::span<std::int16_t> out) {
    std::lock_guard lock(m_mutex);
    const std::size_t n = std::min(out.size(), m_samples.size());
    std::copy_n(m_samples.begin(), n, out.begin());
    m_samples.erase(m_samples.begin(), m_samples.begin() + static_cast<std::ptrdiff_t>(n));
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), 0);
    m_padded += out.size() - n;
    return n;
}

void AudioRing::clear() {
    std::lock_guard lock(m_mutex);
    m_samples.clear();
}

std::size_t AudioRing::size() const {
    std::lock_guard lock(m_mutex);
    return m_samples.size();
}

std::uint64_t AudioRing::droppedSamples() const {
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

std::uint64_t AudioRing::paddedSamples() const {
    std::lock_guard lock(m_mutex);
    return m_padded;
}

} // namespace napkin::media
