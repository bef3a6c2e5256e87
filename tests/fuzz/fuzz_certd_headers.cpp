// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the request headers certd reads before anyone has
// authenticated: Accept (which certificate set format), If-None-Match,
// Content-Type and Host (which Digest realm). The input is one header value;
// If-None-Match compares its first line with the entity tag after it.

#include "certd/CertdService.h"
#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace napkin::certd;
using napkin::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view value(reinterpret_cast<const char *>(data), size);

    (void)acceptsPemChain(value);
    check(!acceptsPemChain(std::nullopt));

    const std::string type = mediaType(value);
    check(type.find(';') == std::string::npos);
    check(mediaType(type) == type);
    check(std::none_of(type.begin(), type.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));

    const std::size_t eol = value.find('\n');
    const std::string_view ifNoneMatch = value.substr(0, eol);
    const std::string_view etag =
        eol == std::string_view::npos ? std::string_view("\"3f2a\"") : value.substr(eol + 1);
    (void)ifNoneMatchMatches(ifNoneMatch, etag);
    (void)ifNoneMatchMatches(value, "W/\"3f2a\"");
    check(ifNoneMatchMatches(std::string(ifNoneMatch) + ", *", etag));
    check(ifNoneMatchMatches(std::string(ifNoneMatch) + ", \"3f2a\"", "\"3f2a\""));

    const std::vector<std::string> domains = {"a.example", "b.example"};
    const std::string realm = realmForHost(value, domains);
    check(std::find(domains.begin(), domains.end(), realm) != domains.end());
    check(realmForHost(std::nullopt, domains) == domains.front());
    return 0;
}
