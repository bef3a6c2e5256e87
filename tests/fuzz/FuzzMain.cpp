// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Standalone fuzz driver for builds without libFuzzer, so that ctest runs
// every fuzz target under ASan/UBSan: first each file of the corpus as it is,
// then a reproducible series of mutations of those files (fixed seed).
//
//   fuzz_x CORPUS_DIR [--iterations N] [--seed S] [--max-size BYTES]
//
// A crash, sanitizer report or hang fails the test. On a crash or report the
// failing input is written to ./fuzz-crash-<target>.bin so that it can be
// replayed (put it in a directory and pass that with --iterations 0); a hang
// is reproduced by running with the same seed.

#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NAPKIN_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(NAPKIN_HAS_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace {

using Input = std::vector<std::uint8_t>;

// The input being run, written out only if the process dies on it (writing
// every input to disk would cost more than running most of them).
const Input *g_current = nullptr;
char g_crashPath[512] = "fuzz-crash.bin";

void dumpCurrentInput() {
    if (g_current == nullptr) {
        return;
    }
    const int fd = ::open(g_crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        const ssize_t written = ::write(fd, g_current->data(), g_current->size());
        ::close(fd);
        if (written >= 0) {
            static constexpr char note[] = "fuzz: the failing input is in ";
            (void)!::write(2, note, sizeof note - 1);
            (void)!::write(2, g_crashPath, std::strlen(g_crashPath));
            (void)!::write(2, "\n", 1);
        }
    }
    g_current = nullptr;
}

extern "C" void onFatalSignal(int sig) {
    dumpCurrentInput();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void installCrashHandlers() {
#if defined(__SANITIZE_ADDRESS__) || defined(NAPKIN_HAS_ASAN)
    // The sanitizers report memory errors and UB and then die: hook that.
    __sanitizer_set_death_callback(dumpCurrentInput);
#else
    std::signal(SIGSEGV, onFatalSignal);
    std::signal(SIGBUS, onFatalSignal);
    std::signal(SIGFPE, onFatalSignal);
#endif
    std::signal(SIGABRT, onFatalSignal); // a target's own property checks
    std::signal(SIGILL, onFatalSignal);
}

void run(const Input &input) {
    g_current = &input;
    LLVMFuzzerTestOneInput(input.data(), input.size());
    g_current = nullptr;
}

std::vector<Input> loadCorpus(const std::filesystem::path &dir, std::size_t maxSize) {
    std::vector<std::filesystem::path> files;
    for (const auto &entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file()) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end()); // a stable order keeps runs reproducible
    std::vector<Input> corpus;
    for (const auto &file : files) {
        std::ifstream f(file, std::ios::binary);
        Input data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (data.size() <= maxSize) {
            corpus.push_back(std::move(data));
        }
    }
    return corpus;
}

/// Byte sequences that matter to MIME and DER parsers.
const std::vector<std::string_view> kTokens = {"\r\n",
                                               "\n",
                                               "\r\n\r\n",
                                               "--",
                                               ":",
                                               ";",
                                               "=",
                                               "\"",
                                               "\\",
                                               " ",
                                               "\t",
                                               std::string_view("\0", 1),
                                               "boundary=",
                                               "Content-Type: ",
                                               "Content-Transfer-Encoding: base64\r\n",
                                               "multipart/signed",
                                               "application/pkcs7-mime",
                                               "\x30\x80",
                                               std::string_view("\x00\x00", 2),
                                               "\x81\xff",
                                               "\x84\xff\xff\xff\xff",
                                               "\xa0",
                                               "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02",
                                               "====",
                                               "AAAA"};

class Mutator {
public:
    Mutator(std::uint64_t seed, std::size_t maxSize) : m_rng(seed), m_maxSize(maxSize) {}

    Input mutate(const std::vector<Input> &corpus) {
        Input out = corpus.empty() ? Input{} : corpus[pick(corpus.size())];
        const std::size_t rounds = 1 + pick(4);
        for (std::size_t i = 0; i < rounds; ++i) {
            step(out, corpus);
        }
        if (out.size() > m_maxSize) {
            out.resize(m_maxSize);
        }
        return out;
    }

private:
    std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(m_rng() % n); }
    std::uint8_t byte() { return static_cast<std::uint8_t>(m_rng()); }

    void step(Input &out, const std::vector<Input> &corpus) {
        switch (pick(8)) {
        case 0: // flip one bit
            if (!out.empty()) {
                out[pick(out.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
            }
            break;
        case 1: // overwrite a byte
            if (!out.empty()) {
                out[pick(out.size())] = byte();
            }
            break;
        case 2: { // insert random bytes
            const std::size_t at = pick(out.size() + 1);
            const std::size_t n = 1 + pick(8);
            for (std::size_t k = 0; k < n; ++k) {
                out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), byte());
            }
            break;
        }
        case 3: { // delete a range
            if (out.empty()) {
                break;
            }
            const std::size_t at = pick(out.size());
            const std::size_t n = 1 + pick(std::min<std::size_t>(out.size() - at, 64));
            out.erase(out.begin() + static_cast<std::ptrdiff_t>(at),
                      out.begin() + static_cast<std::ptrdiff_t>(at + n));
            break;
        }
        case 4: { // duplicate a range
            if (out.empty()) {
                break;
            }
            const std::size_t at = pick(out.size());
            const std::size_t n = 1 + pick(std::min<std::size_t>(out.size() - at, 256));
            Input chunk(out.begin() + static_cast<std::ptrdiff_t>(at),
                        out.begin() + static_cast<std::ptrdiff_t>(at + n));
            out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)),
                       chunk.begin(), chunk.end());
            break;
        }
        case 5: // truncate
            out.resize(pick(out.size() + 1));
            break;
        case 6: { // insert a token
            const auto token = kTokens[pick(kTokens.size())];
            out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)),
                       token.begin(), token.end());
            break;
        }
        default: { // splice in part of another corpus input
            if (corpus.empty()) {
                break;
            }
            const Input &other = corpus[pick(corpus.size())];
            if (other.empty()) {
                break;
            }
            const std::size_t from = pick(other.size());
            const std::size_t n = 1 + pick(other.size() - from);
            const std::size_t at = pick(out.size() + 1);
            out.insert(out.begin() + static_cast<std::ptrdiff_t>(at),
                       other.begin() + static_cast<std::ptrdiff_t>(from),
                       other.begin() + static_cast<std::ptrdiff_t>(from + n));
            break;
        }
        }
    }

    std::mt19937_64 m_rng;
    std::size_t m_maxSize;
};

int usage(const char *self) {
    std::cerr << "usage: " << self
              << " CORPUS_DIR [--iterations N] [--seed S] [--max-size BYTES]\n";
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        return usage(argv[0]);
    }
    std::filesystem::path corpusDir = argv[1];
    unsigned long long iterations = 1000;
    unsigned long long seed = 1;
    std::size_t maxSize = 256 * 1024;
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            return usage(argv[0]);
        }
        const unsigned long long value = std::strtoull(argv[++i], nullptr, 10);
        if (arg == "--iterations") {
            iterations = value;
        } else if (arg == "--seed") {
            seed = value;
        } else if (arg == "--max-size") {
            maxSize = static_cast<std::size_t>(value);
        } else {
            return usage(argv[0]);
        }
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(corpusDir, ec)) {
        std::cerr << corpusDir << " is not a directory\n";
        return 2;
    }
    const std::string crashPath =
        "fuzz-crash-" + std::filesystem::path(argv[0]).filename().string() + ".bin";
    std::snprintf(g_crashPath, sizeof g_crashPath, "%s", crashPath.c_str());
    installCrashHandlers();

    const auto corpus = loadCorpus(corpusDir, maxSize);
    run(Input{}); // the empty input is always worth a try
    for (const auto &input : corpus) {
        run(input);
    }
    Mutator mutator(seed, maxSize);
    for (unsigned long long i = 0; i < iterations; ++i) {
        run(mutator.mutate(corpus));
    }
    std::cout << "ran " << corpus.size() << " corpus inputs and " << iterations
              << " mutations (seed " << seed << ") without a finding\n";
    return 0;
}
