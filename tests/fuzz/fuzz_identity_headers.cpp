// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the identity-body header checks on their own: in a call
// they run only behind a valid signature, so fuzz_secure_body's mutations
// never reach them. The input is two header blocks separated by a blank line:
// the headers the caller signed, then those of the message that carried them.
//
//   From: <sip:alice@a.example>;tag=1928301774
//   ...
//
//   From: "Alice" <sip:alice@a.example>;tag=1928301774
//   ...

#include "sipcore/IdentityBody.h"
#include "tests/fuzz/FuzzTarget.h"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

using namespace napkin::sip;
using napkin::fuzz::check;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

/// "Name: value" lines into the headers an identity body covers, as Sofia
/// hands them over (values only; unknown names ignored).
IdentityHeaders headersOf(std::string_view block) {
    IdentityHeaders h;
    while (!block.empty()) {
        const std::size_t eol = block.find('\n');
        const std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 1);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string_view name = trim(line.substr(0, colon));
        const std::string value(trim(line.substr(colon + 1)));
        if (name == "From" || name == "f") {
            h.from = value;
        } else if (name == "To" || name == "t") {
            h.to = value;
        } else if (name == "Call-ID" || name == "i") {
            h.callId = value;
        } else if (name == "CSeq") {
            h.cseq = value;
        } else if (name == "Date") {
            h.date = value;
        } else if (name == "Contact" || name == "m") {
            h.contact = value;
        }
    }
    return h;
}

void checkPair(const IdentityHeaders &signed_, const IdentityHeaders &actual) {
    const auto fixedNow = std::chrono::system_clock::from_time_t(1796083200); // 2026-12-01
    std::vector<std::chrono::system_clock::time_point> times = {fixedNow};
    if (auto date = parseSipDate(signed_.date)) {
        times.push_back(*date); // the clocks agree: the date check passes
    }
    for (const auto now : times) {
        auto result = checkIdentityBody(signed_, actual, now);
        if (!result) {
            check(!result.error().message.empty());
        }
    }
}

void checkNameAddr(std::string_view a, std::string_view b) {
    const auto pa = parseNameAddr(a);
    const auto pb = parseNameAddr(b);
    if (pa) {
        check(!pa->uri.empty());
    }
    if (pa && pb) {
        // URI equality is an equivalence: symmetric, whatever the parameters.
        check(sipUrisEqual(pa->uri, pb->uri) == sipUrisEqual(pb->uri, pa->uri));
    }
    check(sipUrisEqual(a, b) == sipUrisEqual(b, a));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    std::size_t split = input.find("\n\n");
    std::size_t skip = 2;
    if (const std::size_t crlf = input.find("\r\n\r\n"); crlf < split) {
        split = crlf;
        skip = 4;
    }
    const std::string_view signedBlock = input.substr(0, split);
    const std::string_view actualBlock =
        split == std::string_view::npos ? std::string_view() : input.substr(split + skip);

    const IdentityHeaders signed_ = headersOf(signedBlock);
    const IdentityHeaders actual = headersOf(actualBlock);
    checkPair(signed_, actual);
    checkPair(signed_, signed_);

    // The signed block as the identity body that would carry it.
    const std::string entity =
        "Content-Type: message/sipfrag\r\n\r\n" + std::string(signedBlock) + "\r\n";
    if (auto parsed = parseIdentityBody(entity)) {
        checkPair(*parsed, actual);
    }

    checkNameAddr(signed_.from, actual.from);
    checkNameAddr(signed_.to, actual.to);
    checkNameAddr(signed_.contact, actual.contact);

    for (const auto &date : {signed_.date, actual.date}) {
        if (auto when = parseSipDate(date)) {
            // Formatting and reading again gives the same instant.
            const auto again = parseSipDate(formatSipDate(*when));
            check(again && *again == *when);
        }
    }
    return 0;
}
