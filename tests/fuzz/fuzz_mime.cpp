// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for the MIME parser: entity splitting, Content-Type parsing,
// multipart splitting, canonicalisation and base64, with round-trip checks
// that abort when a property breaks.

#include "crypto/Encoding.h"
#include "crypto/Mime.h"
#include "tests/fuzz/FuzzTarget.h"

#include <algorithm>
#include <cstdlib>

using namespace napkin::crypto;

namespace {

void check(bool property) {
    if (!property) {
        std::abort();
    }
}

void contentTypeRoundTrip(std::string_view value) {
    auto ct = parseContentType(value);
    if (!ct) {
        return;
    }
    auto again = parseContentType(formatContentType(*ct));
    check(again.ok() && again->type == ct->type && again->subtype == ct->subtype &&
          again->parameters == ct->parameters);
}

void splitAndRebuild(ByteView body, std::string_view boundary) {
    auto parts = splitMultipart(body, boundary);
    if (!parts) {
        return;
    }
    check(!parts->empty() && parts->size() <= kDefaultMaxParts);
    for (const auto &part : *parts) {
        check(part.data() >= body.data() && part.data() + part.size() <= body.data() + body.size());
        (void)parseMimeEntity(part);
    }
    auto rebuilt = buildMultipart(*parts, boundary);
    if (rebuilt) {
        auto again = splitMultipart(rebuilt->body, boundary);
        check(again.ok() && again->size() == parts->size());
        for (std::size_t i = 0; i < parts->size(); ++i) {
            check(std::equal((*again)[i].begin(), (*again)[i].end(), (*parts)[i].begin(),
                             (*parts)[i].end()));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const ByteView input(data, size);
    if (auto entity = parseMimeEntity(input)) {
        check(entity->headers.size() <= kMaxMimeHeaders);
        if (auto type = entity->header("Content-Type")) {
            contentTypeRoundTrip(*type);
            if (auto ct = parseContentType(*type)) {
                if (auto boundary = ct->parameter("boundary")) {
                    splitAndRebuild(entity->body, *boundary);
                }
            }
        }
    }
    contentTypeRoundTrip(asText(input.first(std::min<std::size_t>(size, 2 * kMaxMimeHeaderLine))));
    splitAndRebuild(input, "b");

    const Bytes canonical = canonicalizeLineEnds(input);
    check(hasCanonicalLineEnds(canonical));
    check(canonicalizeLineEnds(canonical) == canonical);

    if (auto decoded = decodeBase64(asText(input), kMimeBase64)) {
        auto again = decodeBase64(encodeBase64Lines(*decoded), kMimeBase64);
        check(again.ok() && *again == *decoded);
    }
    // The strict forms (SDES keys, certd nonces) read one token each.
    for (const Base64Rules &rules : {kTokenBase64, kUrlBase64}) {
        if (auto decoded = decodeBase64(asText(input), rules)) {
            auto again = decodeBase64(encodeBase64(*decoded, rules), rules);
            check(again.ok() && *again == *decoded);
        }
    }
    return 0;
}
