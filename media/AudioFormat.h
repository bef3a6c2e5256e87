// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <cstddef>

namespace napkin::media {

/// Inside the engine all audio is 16-bit mono PCM at 48 kHz in 20 ms frames;
/// codecs and files convert at the edges.
inline constexpr int kSampleRate = 48000;
inline constexpr std::size_t kFrameMs = 20;
inline constexpr std::size_t kFrameSamples = kSampleRate / 1000 * kFrameMs; // 960
/// The longest frame a decoder may produce (Opus: 120 ms).
inline constexpr std::size_t kMaxDecodedSamples = 5760;

} // namespace napkin::media
