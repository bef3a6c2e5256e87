// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/G711.h"

#include <bit>
#include <cassert>

namespace napkin::media::g711 {

namespace {
constexpr int kUlawBias = 0x84;
constexpr int kUlawClip = 32635;

/// Position of the highest set bit of v (v > 0).
int topBit(int v) {
    return std::bit_width(static_cast<unsigned>(v)) - 1;
}
} // namespace

std::uint8_t linearToUlaw(std::int16_t sample) {
    int v = sample;
    const int sign = v < 0 ? 0x80 : 0;
    if (v < 0) {
        v = -v;
    }
    if (v > kUlawClip) {
        v = kUlawClip;
    }
    v += kUlawBias;                     // now 0x84 .. 0x7fff
    const int exponent = topBit(v) - 7; // 0..7
    const int mantissa = (v >> (exponent + 3)) & 0x0f;
    return static_cast<std::uint8_t>(~(sign | (exponent << 4) | mantissa));
}

std::int16_t ulawToLinear(std::uint8_t code) {
    const int u = static_cast<std::uint8_t>(~code);
    const int exponent = (u >> 4) & 0x07;
    const int mantissa = u & 0x0f;
    const int magnitude = (((mantissa << 3) + kUlawBias) << exponent) - kUlawBias;
    return static_cast<std::int16_t>((u & 0x80) != 0 ? -magnitude : magnitude);
}

std::uint8_t linearToAlaw(std::int16_t sample) {
    int v = sample;
    int mask = 0xd5; // positive: sign bit set, then the even bits inverted
    if (v < 0) {
        mask = 0x55;
        v = -v - 1;
    }
    if (v > 32767) {
        v = 32767;
    }
    int code;
    if (v < 256) {
        code = v >> 4;
    } else {
        const int exponent = topBit(v) - 7; // 1..7
        code = (exponent << 4) | ((v >> (exponent + 3)) & 0x0f);
    }
    return static_cast<std::uint8_t>(code ^ mask);
}

std::int16_t alawToLinear(std::uint8_t code) {
    const int a = code ^ 0x55;
    const int exponent = (a >> 4) & 0x07;
    const int mantissa = a & 0x0f;
    int magnitude =
        exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    return static_cast<std::int16_t>((a & 0x80) != 0 ? magnitude : -magnitude);
}

void encodeUlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
    assert(out.size() >= in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[i] = linearToUlaw(in[i]);
    }
}

void decodeUlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
    assert(out.size() >= in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[i] = ulawToLinear(in[i]);
    }
}

void encodeAlaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
    assert(out.size() >= in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[i] = linearToAlaw(in[i]);
    }
}

void decodeAlaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
    assert(out.size() >= in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[i] = alawToLinear(in[i]);
    }
}

} // namespace napkin::media::g711
