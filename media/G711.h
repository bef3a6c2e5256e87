// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// ITU-T G.711 companding (mu-law for PCMU, A-law for PCMA), written here
// because it is a few lines of arithmetic.

#include <cstdint>
#include <span>

namespace napkin::media::g711 {

[[nodiscard]] std::uint8_t linearToUlaw(std::int16_t sample);
[[nodiscard]] std::int16_t ulawToLinear(std::uint8_t code);
[[nodiscard]] std::uint8_t linearToAlaw(std::int16_t sample);
[[nodiscard]] std::int16_t alawToLinear(std::uint8_t code);

/// Whole buffers; `out` must be as long as `in`.
void encodeUlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void decodeUlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
void encodeAlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void decodeAlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);

} // namespace napkin::media::g711
