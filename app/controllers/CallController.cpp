// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/CallController.h"

#include "crypto/Certificate.h"
#include "sipcore/Call.h"

#include <QRegularExpression>

#include <cmath>

namespace napkin::app {

namespace {

QString text(const std::string &s) {
    return QString::fromStdString(s);
}

/// "sip:alice@a.example" -> "alice@a.example".
QString bareAddress(const QString &aor) {
    if (aor.startsWith(QLatin1String("sip:"))) {
        return aor.mid(4);
    }
    if (aor.startsWith(QLatin1String("sips:"))) {
        return aor.mid(5);
    }
    return aor;
}

CallController::State stateOf(sip::Call::State state, CallController::State current) {
    switch (state) {
    case sip::Call::State::Checking:
        return CallController::State::Checking;
    case sip::Call::State::Calling:
        return CallController::State::Calling;
    case sip::Call::State::Ringing:
        return CallController::State::Ringing;
    case sip::Call::State::Answering:
        return CallController::State::Connecting;
    case sip::Call::State::Active:
        return CallController::State::Active;
    case sip::Call::State::Ending:
        return current; // ended() follows
    case sip::Call::State::Ended:
        return CallController::State::Ended;
    }
    return current;
}

} // namespace

CallController::CallController(sip::Call *call, QObject *parent)
    : QObject(parent), m_call(call),
      m_direction(call->direction() == sip::Call::Direction::Incoming ? Direction::Incoming
                                                                      : Direction::Outgoing),
      m_peer(text(call->peer())), m_state(stateOf(call->state(), State::Calling)),
      m_started(QDateTime::currentDateTimeUtc()) {
    m_quality = qualityTextFor(nullptr);
    m_notE2eReason = text(call->notEndToEndReason());
    follow();
}

CallController::CallController(Direction direction, QString peer, QObject *parent)
    : QObject(parent), m_direction(direction), m_peer(std::move(peer)),
      m_state(direction == Direction::Incoming ? State::Checking : State::Calling),
      m_started(QDateTime::currentDateTimeUtc()) {
    m_quality = qualityTextFor(nullptr);
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &CallController::tick);
}

CallController::~CallController() = default;

sip::Call *CallController::call() const {
    return m_call.data();
}

void CallController::follow() {
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, &CallController::tick);
    sip::Call *call = m_call;
    connect(call, &sip::Call::stateChanged, this, [this](sip::Call::State state) {
        if (state == sip::Call::State::Ended) {
            return; // ended() carries the reason
        }
        applyState(stateOf(state, m_state));
    });
    connect(call, &sip::Call::identityChecked, this,
            [this](const sip::IdentityVerdict &verdict) { applyIdentity(verdict); });
    connect(call, &sip::Call::mediaReady, this,
            [this](const sip::NegotiatedMedia &media, bool endToEnd) {
                const QString reason = m_call ? text(m_call->notEndToEndReason()) : QString();
                applyMedia(text(media.codec), text(media.srtpSuite), endToEnd, reason,
                           media.localHold);
            });
    connect(call, &sip::Call::mediaPath, this, [this](const media::IcePath &path) {
        m_mediaPath = mediaPathTextFor(path);
        Q_EMIT changed();
    });
    connect(call, &sip::Call::mediaPathFailed, this, [this](const QString &why) {
        m_mediaPath = why.isEmpty() ? why : why.at(0).toUpper() + why.mid(1);
        Q_EMIT changed();
    });
    connect(call, &sip::Call::plainCallConsentNeeded, this,
            &CallController::plainCallConsentNeeded);
    connect(call, &sip::Call::dtmfReceived, this,
            [this](char digit) { Q_EMIT dtmfReceived(QString(QChar::fromLatin1(digit))); });
    connect(call, &sip::Call::holdChanged, this,
            [this](bool localHold, bool remoteHold) { applyHold(localHold, remoteHold); });
    connect(call, &sip::Call::ended, this, [this](const sip::CallEnd &end) {
        QString outcome;
        if (m_wasActive) {
            outcome = QStringLiteral("answered");
        } else if (m_rejectedHere || end.code == sip::CallErrc::Declined ||
                   end.code == sip::CallErrc::IdentityRejected) {
            outcome = QStringLiteral("rejected");
        } else if (end.code == sip::CallErrc::Cancelled || end.code == sip::CallErrc::None) {
            outcome = QStringLiteral("missed");
        } else {
            outcome = QStringLiteral("failed");
        }
        QString reason;
        if (end.code == sip::CallErrc::None) {
            reason = end.byPeer ? tr("%1 hung up").arg(bareAddress(m_peer)) : tr("You hung up");
        } else if (m_rejectedHere) {
            reason = tr("You declined the call");
        } else {
            reason = text(end.reason);
            if (!reason.isEmpty()) {
                reason[0] = reason[0].toUpper();
            }
        }
        applyEnd(reason, outcome);
    });
    if (call->verdict().kind != sip::IdentityVerdict::Kind::Unsigned ||
        !call->verdict().reason.empty()) {
        applyIdentity(call->verdict());
    }
}

QString CallController::stateText() const {
    switch (m_state) {
    case State::Checking:
        return tr("Checking the caller's identity…");
    case State::Calling:
        return tr("Calling…");
    case State::Ringing:
        return m_direction == Direction::Incoming ? tr("Incoming call") : tr("Ringing…");
    case State::Connecting:
        return tr("Connecting…");
    case State::Active:
        if (m_onHold) {
            return tr("On hold");
        }
        return m_heldByPeer ? tr("On hold by the other side") : tr("Connected");
    case State::Ended:
        return m_endReason.isEmpty() ? tr("Call ended") : tr("Call ended: %1").arg(m_endReason);
    }
    return {};
}

QString CallController::verdictDetail() const {
    if (!m_identity) {
        return m_direction == Direction::Incoming
                   ? tr("Checking who is calling…")
                   : tr("The answering device's identity is checked when it answers.");
    }
    return verdictDetailFor(*m_identity);
}

QString CallController::securityText() const {
    if (m_state != State::Active && m_codec.isEmpty()) {
        return m_state == State::Ended ? securityTextFor(m_endToEnd, m_notE2eReason)
                                       : tr("Security is settled when the call connects");
    }
    return securityTextFor(m_endToEnd, m_notE2eReason);
}

void CallController::answer() {
    if (!m_call) {
        Q_EMIT requestFailed(tr("This call is over."));
        return;
    }
    if (m_direction != Direction::Incoming || m_state != State::Ringing) {
        Q_EMIT requestFailed(tr("Only a ringing incoming call can be answered."));
        return;
    }
    m_call->answer();
}

void CallController::reject() {
    if (!m_call) {
        return;
    }
    if (m_direction != Direction::Incoming || m_wasActive) {
        hangUp();
        return;
    }
    m_rejectedHere = true;
    m_call->reject(603, "Decline");
}

void CallController::hangUp() {
    if (m_call) {
        m_call->hangUp();
    }
}

void CallController::allowPlainCall() {
    if (m_call) {
        m_call->allowPlainCall();
    }
}

void CallController::refusePlainCall() {
    if (m_call) {
        m_call->refusePlainCall();
    }
}

void CallController::setMuted(bool muted) {
    if (m_call) {
        m_call->setMuted(muted);
        muted = m_call->muted() || (muted && m_state != State::Active);
    }
    if (m_muted != muted) {
        m_muted = muted;
        Q_EMIT changed();
    }
}

void CallController::setOnHold(bool hold) {
    if (!m_call || m_state != State::Active) {
        if (hold) {
            Q_EMIT requestFailed(tr("Only a connected call can be put on hold."));
        }
        return;
    }
    if (hold == m_onHold) {
        return;
    }
    if (hold) {
        m_call->hold();
    } else {
        m_call->resume();
    }
}

void CallController::sendDtmf(const QString &digit) {
    static const QRegularExpression valid(QStringLiteral("^[0-9*#A-Da-d]$"));
    if (!valid.match(digit).hasMatch()) {
        Q_EMIT requestFailed(tr("\"%1\" is not a telephone key (0-9, *, #, A-D).").arg(digit));
        return;
    }
    if (!m_call) {
        Q_EMIT requestFailed(tr("This call is over."));
        return;
    }
    if (auto sent = m_call->sendDtmf(digit.toUpper().at(0).toLatin1()); !sent) {
        Q_EMIT requestFailed(tr("The tone was not sent: %1").arg(sent.error()));
    }
}

CallController::Verdict CallController::verdictOf(const sip::IdentityVerdict &verdict) {
    switch (verdict.kind) {
    case sip::IdentityVerdict::Kind::Verified:
        return Verdict::Verified;
    case sip::IdentityVerdict::Kind::VerifiedNewDevice:
        return Verdict::NewDevice;
    case sip::IdentityVerdict::Kind::Unsigned:
        return Verdict::Unverified;
    case sip::IdentityVerdict::Kind::Failed:
        return Verdict::Failed;
    case sip::IdentityVerdict::Kind::Unverifiable:
        return Verdict::Unverifiable;
    }
    return Verdict::Failed;
}

QString CallController::verdictTitleFor(Verdict verdict) {
    switch (verdict) {
    case Verdict::Pending:
        return tr("Checking identity…");
    case Verdict::Verified:
        return tr("Verified");
    case Verdict::NewDevice:
        return tr("New device");
    case Verdict::Unverified:
        return tr("Unverified");
    case Verdict::Failed:
        return tr("Verification failed");
    case Verdict::Unverifiable:
        return tr("Could not check");
    }
    return {};
}

QString CallController::verdictDetailFor(const sip::IdentityVerdict &v) {
    const QString device = deviceNameFor(text(v.instanceUrn), text(v.signerFingerprint));
    const QString address = bareAddress(text(v.aor));
    switch (v.kind) {
    case sip::IdentityVerdict::Kind::Verified:
        return tr("%1 vouches for this device (%2)").arg(text(v.vouchingDomain), device);
    case sip::IdentityVerdict::Kind::VerifiedNewDevice:
        if (!v.reason.empty()) {
            // Review M2: a known device name with a key its old key did not vouch for.
            return tr("A device called %1 called before with another key, and that key did not "
                      "vouch for this one: treat it as a new device")
                .arg(device);
        }
        return tr("First time this device calls as %1").arg(address);
    case sip::IdentityVerdict::Kind::Unsigned:
        return tr("No signature: the caller's identity is not confirmed");
    case sip::IdentityVerdict::Kind::Unverifiable:
        return tr("The certificate service of %1 could not be reached, so this identity could "
                  "not be checked. That is not a sign of forgery, but nothing confirms it.")
            .arg(address.section(QLatin1Char('@'), 1));
    case sip::IdentityVerdict::Kind::Failed:
        break;
    }
    switch (v.failure) {
    case sip::IdentityFailure::Malformed:
        return tr("The signature could not be read.");
    case sip::IdentityFailure::BadSignature:
        return tr("The call was altered on the way: it does not match its signature.");
    case sip::IdentityFailure::SignerNotListed:
        return tr("It was signed by a device that the domain of %1 does not list.").arg(address);
    case sip::IdentityFailure::WrongAddress:
        return tr("It was signed by a device of another address than %1.").arg(address);
    case sip::IdentityFailure::CertificateInvalid:
        return tr("The signing device's certificate has expired or is not valid yet.");
    case sip::IdentityFailure::HeaderMismatch:
        return tr("Who is calling whom, or when, was altered on the way.");
    case sip::IdentityFailure::DateOutOfRange:
        return tr("The signature's date is too far from this computer's clock.");
    case sip::IdentityFailure::NotForThisDevice:
        return tr("The call was encrypted for another device.");
    case sip::IdentityFailure::DecryptFailed:
        return tr("The call's encrypted part could not be opened.");
    case sip::IdentityFailure::CertificatesUnavailable:
        return tr("The certificate service of %1 could not be reached, so the signature "
                  "could not be checked.")
            .arg(address.section(QLatin1Char('@'), 1));
    case sip::IdentityFailure::Replayed:
        return tr("This signed call was already received once: someone replayed it.");
    case sip::IdentityFailure::StrippedSignature:
        return tr("%1 is known to sign its calls, but this call was not signed: someone on the "
                  "path may have removed the signature.")
            .arg(address);
    case sip::IdentityFailure::Internal:
        return tr("This device could not check the signature.");
    case sip::IdentityFailure::None:
        break;
    }
    return v.reason.empty() ? tr("The identity could not be verified.") : text(v.reason);
}

QString CallController::securityTextFor(bool endToEnd, const QString &reason) {
    if (endToEnd) {
        return tr("End-to-end encrypted");
    }
    return reason.isEmpty() ? tr("Not end-to-end") : tr("Not end-to-end: %1").arg(reason);
}

QString CallController::mediaPathTextFor(const media::IcePath &path) {
    QString words;
    if (path.local == media::CandidateKind::Relayed) {
        words = tr("Relayed by %1")
                    .arg(text(path.relay.empty() ? std::string("your TURN server") : path.relay));
    } else if (path.remote == media::CandidateKind::Relayed) {
        words = tr("Relayed by the other side's TURN server");
    } else if (path.local == media::CandidateKind::ServerReflexive ||
               path.local == media::CandidateKind::PeerReflexive) {
        words = tr("Through your network's public address");
    } else {
        words = tr("Direct");
    }
    if (path.transport == "tcp") {
        words += tr(" (over TCP)");
    }
    return words;
}

QString CallController::qualityTextFor(const media::MediaStatistics *s) {
    if (s == nullptr || (s->packetsReceived == 0 && !s->remoteLossFraction)) {
        return tr("No quality data yet");
    }
    QString words = tr("Loss %1 %, jitter %2 ms")
                        .arg(s->lossFraction * 100.0, 0, 'f', 1)
                        .arg(std::lround(s->jitterMs));
    if (s->roundTripMs) {
        words += tr(", round trip %1 ms").arg(std::lround(*s->roundTripMs));
    }
    return words;
}

QString CallController::deviceNameFor(const QString &instanceUrn, const QString &fingerprint) {
    // Certificate::instanceUrn() already drops a URN that is not a UUID; this name is shown
    // in the badge, the device list and the unknown-device alert, so check once more.
    if (auto canonical = crypto::normaliseInstanceUrn(instanceUrn.toStdString())) {
        return text(*canonical);
    }
    const QString groups = fingerprintGroupsFor(fingerprint);
    if (groups.isEmpty()) {
        return tr("unknown device");
    }
    return groups.left(19) + QStringLiteral("…");
}

QString CallController::fingerprintGroupsFor(const QString &fingerprint) {
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]+$"));
    QString digits = fingerprint;
    if (digits.startsWith(QLatin1String("sha256:"), Qt::CaseInsensitive)) {
        digits = digits.mid(7);
    }
    if (digits.isEmpty() || !hex.match(digits).hasMatch()) {
        return {};
    }
    digits = digits.toUpper();
    QStringList groups;
    for (qsizetype i = 0; i < digits.size(); i += 4) {
        groups.append(digits.mid(i, 4));
    }
    return groups.join(QLatin1Char(' '));
}

void CallController::applyIdentity(const sip::IdentityVerdict &verdict) {
    m_identity = verdict;
    m_verdict = verdictOf(verdict);
    m_vouchingDomain = text(verdict.vouchingDomain);
    m_deviceName = deviceNameFor(text(verdict.instanceUrn), text(verdict.signerFingerprint));
    m_fingerprintGroups = fingerprintGroupsFor(text(verdict.signerFingerprint));
    Q_EMIT changed();
}

void CallController::applyMedia(const QString &codec, const QString &srtpSuite, bool endToEnd,
                                const QString &notEndToEndReason, bool localHold) {
    m_codec = codec;
    m_srtpSuite = srtpSuite;
    m_endToEnd = endToEnd;
    m_notE2eReason = endToEnd ? QString() : notEndToEndReason;
    m_onHold = localHold;
    Q_EMIT changed();
}

void CallController::applyHold(bool localHold, bool remoteHold) {
    if (m_onHold != localHold || m_heldByPeer != remoteHold) {
        m_onHold = localHold;
        m_heldByPeer = remoteHold;
        Q_EMIT changed();
    }
}

void CallController::applyState(State state) {
    if (state == m_state) {
        return;
    }
    m_state = state;
    if (state == State::Active) {
        m_wasActive = true;
        m_clock.start();
    } else {
        m_clock.stop();
    }
    Q_EMIT changed();
}

void CallController::applyEnd(const QString &reason, const QString &outcome) {
    if (m_state == State::Ended && !m_outcome.isEmpty()) {
        return;
    }
    m_endReason = reason;
    m_outcome = outcome;
    m_state = State::Ended;
    m_clock.stop();
    m_call.clear();
    Q_EMIT changed();
    Q_EMIT ended();
}

void CallController::tick() {
    if (m_state != State::Active) {
        return;
    }
    ++m_duration;
    if (m_call) {
        const auto statistics = m_call->statistics();
        m_quality = qualityTextFor(statistics ? &*statistics : nullptr);
    }
    Q_EMIT changed();
}

} // namespace napkin::app
