// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SipBody.h"

namespace napkin::sip {

crypto::MimeBody bodyOf(const sip_t *sip) {
    crypto::MimeBody body;
    if (sip == nullptr) {
        return body;
    }
    if (sip->sip_content_type != nullptr) {
        body.contentType = headerText(sip->sip_content_type);
    }
    if (sip->sip_payload != nullptr && sip->sip_payload->pl_len > 0) {
        const auto *data = reinterpret_cast<const std::uint8_t *>(sip->sip_payload->pl_data);
        body.body.assign(data, data + sip->sip_payload->pl_len);
    }
    return body;
}

BodyTags::BodyTags(const crypto::MimeBody &body)
    : m_home(makeHome()), m_type(body.contentType), m_tags{{TAG_END()}, {TAG_END()}, {TAG_END()}} {
    if (body.body.empty() && m_type.empty()) {
        return;
    }
    sip_payload_t *payload = sip_payload_create(m_home.get(), body.body.data(), body.body.size());
    m_tags[0] = tagi_t{SIPTAG_CONTENT_TYPE_STR(m_type.c_str())};
    m_tags[1] = tagi_t{SIPTAG_PAYLOAD(payload)};
}

} // namespace napkin::sip
