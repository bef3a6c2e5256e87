// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The libFuzzer entry point every fuzz target defines. Built with
// -fsanitize=fuzzer (NAPKIN_FUZZ) libFuzzer drives it; otherwise FuzzMain.cpp
// replays a corpus and fixed-seed mutations of it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace napkin::fuzz {

/// A property of the code under test: when it fails, abort, so that both
/// drivers report the input.
inline void check(bool property) {
    if (!property) {
        std::abort();
    }
}

} // namespace napkin::fuzz
