// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SofiaFixes.h"

#include <sofia-sip/sip.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <string>

// nua's client request is private to the library; the guard never looks
// inside it, it only uses its address as a key.
struct nua_client_request;

extern "C" __attribute__((visibility("default"))) int
nua_client_response(nua_client_request *cr, int status, char const *phrase, sip_t const *sip);

namespace {

using ResponseFunction = int (*)(nua_client_request *, int, char const *, sip_t const *);

ResponseFunction libraryResponse() {
    static const ResponseFunction function = [] {
        void *symbol = dlsym(RTLD_NEXT, "nua_client_response");
        if (symbol == nullptr) {
            // Cannot happen while libsofia-sip-ua is linked; without it there
            // is nothing to forward to and no safe way to go on.
            std::fputs("napkin: Sofia-SIP's nua_client_response is missing\n", stderr);
            std::abort();
        }
        return reinterpret_cast<ResponseFunction>(symbol);
    }();
    return function;
}

/// The INVITE client requests that have had a 2xx, newest last. A request's
/// address may be reused after nua frees it, so it only matches together with
/// the Call-ID and CSeq number of the response that answered it.
class AnsweredInvites {
public:
    void remember(const nua_client_request *request, const sip_t &sip) {
        std::lock_guard lock(m_mutex);
        Entry &entry = m_entries[m_next];
        m_next = (m_next + 1) % m_entries.size();
        entry.request = request;
        entry.sequence = sip.sip_cseq->cs_seq;
        entry.callId.assign(sip.sip_call_id->i_id);
    }

    [[nodiscard]] bool contains(const nua_client_request *request, const sip_t &sip) const {
        std::lock_guard lock(m_mutex);
        for (const Entry &entry : m_entries) {
            if (entry.request == request && entry.sequence == sip.sip_cseq->cs_seq &&
                entry.callId == sip.sip_call_id->i_id) {
                return true;
            }
        }
        return false;
    }

private:
    struct Entry {
        const nua_client_request *request = nullptr;
        std::uint32_t sequence = 0;
        std::string callId;
    };
    mutable std::mutex m_mutex;
    std::array<Entry, 64> m_entries{};
    std::size_t m_next = 0;
};

AnsweredInvites &answeredInvites() {
    static AnsweredInvites invites;
    return invites;
}

bool isInviteResponse(sip_t const *sip) {
    return sip != nullptr && sip->sip_cseq != nullptr &&
           sip->sip_cseq->cs_method == sip_method_invite && sip->sip_call_id != nullptr &&
           sip->sip_call_id->i_id != nullptr;
}

} // namespace

// Runs on nua's stack thread, for every response to every client request.
extern "C" int nua_client_response(nua_client_request *cr, int status, char const *phrase,
                                   sip_t const *sip) {
    if (cr != nullptr && isInviteResponse(sip)) {
        if (status >= 200 && status < 300) {
            answeredInvites().remember(cr, *sip);
        } else if (status >= 100 && status < 200 && answeredInvites().contains(cr, *sip)) {
            return 0; // a provisional after the final response: RFC 3261 17.1.1.2
        }
    }
    return libraryResponse()(cr, status, phrase, sip);
}

namespace napkin::sip {

bool lateProvisionalGuardActive() {
    void *resolved = dlsym(RTLD_DEFAULT, "nua_client_response");
    return resolved != nullptr && resolved == reinterpret_cast<void *>(&nua_client_response) &&
           dlsym(RTLD_NEXT, "nua_client_response") != nullptr;
}

} // namespace napkin::sip
