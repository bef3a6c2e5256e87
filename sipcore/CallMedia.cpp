// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Call's in-call media controls: mute, DTMF, statistics. They go straight to
// the call's SdpNegotiator, which owns the media session.

#include "sipcore/Call.h"

namespace napkin::sip {

namespace {

bool isDtmfDigit(char digit) {
    return (digit >= '0' && digit <= '9') || digit == '*' || digit == '#' ||
           (digit >= 'A' && digit <= 'D');
}

} // namespace

void Call::setMuted(bool muted) {
    if (m_sdp) {
        m_sdp->setMuted(muted);
    }
}

bool Call::muted() const {
    return m_sdp && m_sdp->muted();
}

Result<void, QString> Call::sendDtmf(char digit) {
    if (!isDtmfDigit(digit)) {
        return fail(QStringLiteral("'%1' is not a telephone key (0-9, *, #, A-D)")
                        .arg(QChar::fromLatin1(digit)));
    }
    if (m_state != State::Active || !m_sdp) {
        return fail(QStringLiteral("tones can only be sent during an active call"));
    }
    if (auto sent = m_sdp->sendDtmf(digit); !sent) {
        return fail(QString::fromStdString(sent.error().message));
    }
    return {};
}

std::optional<media::MediaStatistics> Call::statistics() const {
    if (!m_sdp) {
        return std::nullopt;
    }
    return m_sdp->statistics();
}

} // namespace napkin::sip
