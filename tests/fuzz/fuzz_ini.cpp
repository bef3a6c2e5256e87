// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for crypto::IniFile, the reader of the account profile and
// napkin-certd's --config: no crash on any bytes, errors name a line of the
// input, and what it reads, written again by IniWriter, reads back the same.

#include "crypto/IniFile.h"
#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

using namespace napkin::crypto;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

IniSchema schema(bool otherSectionsAllowed) {
    return IniSchema{{{"account", "aor"},
                      {"account", "password"},
                      {"account", "display_name"},
                      {"certificates", "cache_ttl"},
                      {"sip", "listen"},
                      {"server", "listen"},
                      {"server", "domains"}},
                     otherSectionsAllowed};
}

void roundTrip(std::string_view text, const IniSchema &rules) {
    auto file = IniFile::parse(text, "fuzz.ini", rules);
    if (!file) {
        const auto lines = std::count(text.begin(), text.end(), '\n') + 1;
        check(file.error().line >= 0 && file.error().line <= lines);
        check(!file.error().what.empty());
        return;
    }
    IniWriter writer;
    for (const auto &section : file->sections()) {
        writer.section(section.name);
        for (const auto &entry : section.entries) {
            check(entry.line >= 1);
            check(file->find(section.name, entry.key) == &entry);
            writer.quoted(entry.key, entry.value);
        }
    }
    auto written = writer.finish();
    if (!written) {
        return; // a value with a carriage return inside: INI cannot hold it quoted
    }
    auto again = IniFile::parse(*written, "again.ini", rules);
    check(again.ok());
    for (const auto &section : file->sections()) {
        for (const auto &entry : section.entries) {
            const auto *back = again->find(section.name, entry.key);
            check(back != nullptr && back->value == entry.value);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    static const IniSchema strict = schema(false);
    static const IniSchema lenient = schema(true);
    roundTrip(text, strict);
    roundTrip(text, lenient);
    return 0;
}
