// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SIP through a home router (NAT): keep-alive OPTIONS to the registrar and a
// re-registration when the router's mapping changed.
//
// The registrar (deploy/kamailio) stores the address a REGISTER came from
// (fix_nated_register), so calls reach the device through the router's
// mapping as long as that mapping lives. Routers drop idle UDP mappings
// after 30 s to a few minutes; an OPTIONS every keepaliveInterval keeps it
// open. When the mapping was lost anyway (router reboot, a timeout shorter
// than the interval), the next OPTIONS makes a new one, usually on another
// public port: its answer's Via received/rport (RFC 3581) then differ from
// those of the last REGISTER's answer, and the device registers again at
// once, so the registrar learns the new mapping.

#include "sipcore/SipLog.h"
#include "sipcore/UserAgent.h"

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_tag.h>

namespace napkin::sip {

namespace {

/// "address:port" the top Via of a response says the request came from.
std::string viaSource(const sip_t *response) {
    if (response == nullptr || response->sip_via == nullptr ||
        response->sip_via->v_host == nullptr) {
        return {};
    }
    const sip_via_t *v = response->sip_via;
    const char *host =
        v->v_received != nullptr && v->v_received[0] != '\0' ? v->v_received : v->v_host;
    const char *port = v->v_rport != nullptr && v->v_rport[0] != '\0' ? v->v_rport
                       : v->v_port != nullptr                         ? v->v_port
                                                                      : "5060";
    return std::string(host) + ":" + port;
}

} // namespace

void UserAgent::notePublicAddress(const sip_s *response) {
    const std::string seen = viaSource(response);
    if (seen.empty() || seen == m_publicAddress) {
        return;
    }
    const sip_via_t *v = response->sip_via;
    const bool nat = v->v_received != nullptr && v->v_received[0] != '\0';
    qCInfo(lcSip).noquote() << "the registrar sees this device at" << logText(seen)
                            << (nat ? "(behind NAT)" : "");
    m_publicAddress = seen;
}

void UserAgent::startKeepalive() {
    if (m_settings.keepaliveInterval.count() <= 0 || m_settings.registrar.empty() ||
        m_shuttingDown) {
        return;
    }
    if (m_keepaliveTimer == nullptr) {
        m_keepaliveTimer = new QTimer(this);
        connect(m_keepaliveTimer, &QTimer::timeout, this, &UserAgent::sendKeepalive);
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_settings.keepaliveInterval);
    m_keepaliveTimer->setInterval(static_cast<int>(ms.count()));
    if (!m_keepaliveTimer->isActive()) {
        m_keepaliveTimer->start();
    }
}

void UserAgent::stopKeepalive() {
    if (m_keepaliveTimer != nullptr) {
        m_keepaliveTimer->stop();
    }
}

void UserAgent::sendKeepalive() {
    if (m_nua == nullptr || m_shuttingDown || m_registration != Registration::Registered ||
        m_keepalivePhase == KeepalivePhase::AwaitingAnswer) {
        return;
    }
    if (!m_keepalive) {
        m_keepalive.reset(nua_handle(m_nua, nullptr, SIPTAG_TO_STR(m_settings.registrar.c_str()),
                                     SIPTAG_FROM_STR(m_settings.aor.c_str()), TAG_END()));
        if (!m_keepalive) {
            qCWarning(lcSip) << "cannot create the keep-alive handle";
            return;
        }
    }
    m_keepalivePhase = KeepalivePhase::AwaitingAnswer;
    nua_options(m_keepalive.get(), NUTAG_URL(m_settings.registrar.c_str()), TAG_END());
}

void UserAgent::onKeepaliveResponse(int status, const char *phrase, const sip_s *sip) {
    if (status < 200) {
        return;
    }
    m_keepalivePhase = KeepalivePhase::Idle;
    const std::string seen = viaSource(sip);
    if (seen.empty()) {
        // No answer at all (nta's own 408/503): the registrar or the path is
        // down; the next keep-alive tries again.
        qCDebug(lcSip).noquote() << "keep-alive got no answer:" << status
                                 << logText(phrase ? phrase : "");
        return;
    }
    if (m_publicAddress.empty() || seen == m_publicAddress || m_shuttingDown ||
        m_registration != Registration::Registered) {
        return;
    }
    qCInfo(lcSip).noquote() << "NAT mapping changed: the registrar saw this device at"
                            << logText(m_publicAddress) << "and now at" << logText(seen)
                            << "- registering again";
    m_publicAddress.clear(); // the REGISTER's answer sets it again
    sendRegister();
}

} // namespace napkin::sip
