// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Message bodies in and out of nua: read the body of a received message, and
// attach one to a request or response. Include only from .cpp files: it
// pulls in Sofia's C headers.

#include "crypto/Smime.h"
#include "sipcore/SofiaPtr.h"

#include <string>

namespace napkin::sip {

/// The body of `sip` with its Content-Type; empty when it has none (or
/// `sip` is null).
[[nodiscard]] crypto::MimeBody bodyOf(const sip_t *sip);

/// The tags that attach a body (Content-Type and payload) to a nua request
/// or response; nothing for an empty body. Pass `TAG_NEXT(tags.list())` as
/// the last tag: nua copies them, so the object may go right after the call.
class BodyTags {
public:
    explicit BodyTags(const crypto::MimeBody &body);
    BodyTags(const BodyTags &) = delete;
    BodyTags &operator=(const BodyTags &) = delete;

    [[nodiscard]] const tagi_t *list() const { return m_tags; }

private:
    HomePtr m_home;
    std::string m_type;
    tagi_t m_tags[3];
};

} // namespace napkin::sip
