// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// RAII owners for Sofia-SIP handles, and the few conversions every nua user
// needs. Include only from .cpp files: it pulls in Sofia's C headers.

#include <sofia-sip/su_config.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_alloc.h>

#include <memory>
#include <string>

namespace napkin::sip {

struct HomeDeleter {
    void operator()(su_home_t *home) const noexcept { su_home_unref(home); }
};
/// A temporary allocation home; nua_* calls copy their tags, so it may go
/// right after the call.
using HomePtr = std::unique_ptr<su_home_t, HomeDeleter>;

[[nodiscard]] inline HomePtr makeHome() {
    return HomePtr(static_cast<su_home_t *>(su_home_new(sizeof(su_home_t))));
}

/// A header's value as text (without the name), or empty when absent.
template <typename H> [[nodiscard]] std::string headerText(const H *header) {
    if (header == nullptr) {
        return {};
    }
    HomePtr home = makeHome();
    // Sofia's header structs all begin with the common part; this is its API.
    char *text = sip_header_as_string(home.get(), reinterpret_cast<const sip_header_t *>(header));
    return text != nullptr ? std::string(text) : std::string();
}

} // namespace napkin::sip
