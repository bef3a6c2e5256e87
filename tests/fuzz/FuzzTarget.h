#pragma once

// The libFuzzer entry point every fuzz target defines. Built with
// -fsanitize=fuzzer (NAPKIN_FUZZ) libFuzzer drives it; otherwise FuzzMain.cpp
// replays a corpus and fixed-seed mutations of it.

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);
