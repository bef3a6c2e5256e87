// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One call as the UI shows it: who, which way, how far it got, whether the
// peer's identity was verified and the media is end-to-end, in words. A thin
// QObject over sip::Call; every text shown to people goes through tr().

#include "media/IceDescription.h"
#include "sipcore/IdentityVerdict.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <optional>

namespace napkin::sip {
class Call;
struct CallEnd;
struct NegotiatedMedia;
} // namespace napkin::sip

namespace napkin::media {
struct MediaStatistics;
}

namespace napkin::app {

class CallController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString peer READ peer NOTIFY changed)
    Q_PROPERTY(Direction direction READ direction CONSTANT)
    Q_PROPERTY(State state READ state NOTIFY changed)
    Q_PROPERTY(QString stateText READ stateText NOTIFY changed)
    Q_PROPERTY(Verdict verdict READ verdict NOTIFY changed)
    Q_PROPERTY(QString verdictTitle READ verdictTitle NOTIFY changed)
    Q_PROPERTY(QString verdictDetail READ verdictDetail NOTIFY changed)
    Q_PROPERTY(QString vouchingDomain READ vouchingDomain NOTIFY changed)
    Q_PROPERTY(QString deviceName READ deviceName NOTIFY changed)
    Q_PROPERTY(QString fingerprintGroups READ fingerprintGroups NOTIFY changed)
    Q_PROPERTY(bool endToEnd READ endToEnd NOTIFY changed)
    Q_PROPERTY(QString securityText READ securityText NOTIFY changed)
    Q_PROPERTY(QString srtpSuite READ srtpSuite NOTIFY changed)
    Q_PROPERTY(QString codec READ codec NOTIFY changed)
    Q_PROPERTY(bool muted READ muted WRITE setMuted NOTIFY changed)
    Q_PROPERTY(bool onHold READ onHold WRITE setOnHold NOTIFY changed)
    Q_PROPERTY(bool heldByPeer READ heldByPeer NOTIFY changed)
    Q_PROPERTY(int durationSeconds READ durationSeconds NOTIFY changed)
    Q_PROPERTY(QString qualityText READ qualityText NOTIFY changed)
    Q_PROPERTY(QString mediaPathText READ mediaPathText NOTIFY changed)
    Q_PROPERTY(QString endReason READ endReason NOTIFY changed)
    Q_PROPERTY(QDateTime started READ started CONSTANT)
    Q_PROPERTY(QString outcome READ outcome NOTIFY changed)
public:
    enum class Direction { Incoming, Outgoing };
    Q_ENUM(Direction)
    enum class State { Checking, Calling, Ringing, Connecting, Active, Ended };
    Q_ENUM(State)
    enum class Verdict { Pending, Verified, NewDevice, Unverified, Failed, Unverifiable };
    Q_ENUM(Verdict)

    /// Follows `call` (owned by the user agent) until it ends.
    explicit CallController(sip::Call *call, QObject *parent = nullptr);
    /// A controller without a SIP call, fed through the apply*() methods
    /// (tests, and calls that failed before they started).
    CallController(Direction direction, QString peer, QObject *parent = nullptr);
    ~CallController() override;

    [[nodiscard]] QString peer() const { return m_peer; }
    [[nodiscard]] Direction direction() const { return m_direction; }
    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] QString stateText() const;
    [[nodiscard]] Verdict verdict() const { return m_verdict; }
    [[nodiscard]] QString verdictTitle() const { return verdictTitleFor(m_verdict); }
    [[nodiscard]] QString verdictDetail() const;
    [[nodiscard]] QString vouchingDomain() const { return m_vouchingDomain; }
    [[nodiscard]] QString deviceName() const { return m_deviceName; }
    [[nodiscard]] QString fingerprintGroups() const { return m_fingerprintGroups; }
    [[nodiscard]] bool endToEnd() const { return m_endToEnd; }
    [[nodiscard]] QString securityText() const;
    [[nodiscard]] QString srtpSuite() const { return m_srtpSuite; }
    [[nodiscard]] QString codec() const { return m_codec; }
    [[nodiscard]] bool muted() const { return m_muted; }
    [[nodiscard]] bool onHold() const { return m_onHold; }
    /// The other side put this call on hold (its re-INVITE said sendonly or
    /// inactive); shown as "On hold by the other side".
    [[nodiscard]] bool heldByPeer() const { return m_heldByPeer; }
    [[nodiscard]] int durationSeconds() const { return m_duration; }
    [[nodiscard]] QString qualityText() const { return m_quality; }
    /// "Direct", "Through your network's public address", "Relayed by
    /// turn.a.example", or why there is no path; empty until ICE decided.
    [[nodiscard]] QString mediaPathText() const { return m_mediaPath; }
    [[nodiscard]] QString endReason() const { return m_endReason; }
    /// When the call was created (placed or received).
    [[nodiscard]] QDateTime started() const { return m_started; }
    /// "answered", "missed", "rejected" or "failed" once Ended; empty before.
    [[nodiscard]] QString outcome() const { return m_outcome; }
    /// The SIP call (null when it is gone or there never was one).
    [[nodiscard]] sip::Call *call() const;

    Q_INVOKABLE void answer();
    Q_INVOKABLE void reject();
    Q_INVOKABLE void hangUp();
    /// The answer to plainCallConsentNeeded(): call in clear (marked not
    /// end-to-end), or end the call.
    Q_INVOKABLE void allowPlainCall();
    Q_INVOKABLE void refusePlainCall();
    Q_INVOKABLE void setMuted(bool muted);
    Q_INVOKABLE void setOnHold(bool hold);
    /// One digit: 0-9, *, #, A-D. Anything else is refused (dtmfFailed()).
    Q_INVOKABLE void sendDtmf(const QString &digit);

    /// The verdict of a sip::IdentityVerdict.
    [[nodiscard]] static Verdict verdictOf(const sip::IdentityVerdict &verdict);
    /// "Verified", "New device", "Unverified", "Verification failed" (and
    /// "Checking identity..." while Pending).
    [[nodiscard]] static QString verdictTitleFor(Verdict verdict);
    /// The sentence under the title, for a judged verdict.
    [[nodiscard]] static QString verdictDetailFor(const sip::IdentityVerdict &verdict);
    /// "End-to-end encrypted" or "Not end-to-end: <reason>".
    [[nodiscard]] static QString securityTextFor(bool endToEnd, const QString &reason);
    /// The security panel's words for the pair ICE selected.
    [[nodiscard]] static QString mediaPathTextFor(const media::IcePath &path);
    /// Loss, jitter and round trip from RTCP, or "No quality data yet".
    [[nodiscard]] static QString qualityTextFor(const media::MediaStatistics *statistics);
    /// The device's name: its instance URN if that is a canonical urn:uuid: UUID (anything
    /// else is ignored), else a short fingerprint.
    [[nodiscard]] static QString deviceNameFor(const QString &instanceUrn,
                                               const QString &fingerprint);
    /// "sha256:3f2a91c0..." -> "3F2A 91C0 ..."; empty for anything else.
    [[nodiscard]] static QString fingerprintGroupsFor(const QString &fingerprint);

    // Fed by the SIP call (or by tests).
    void applyIdentity(const sip::IdentityVerdict &verdict);
    void applyMedia(const QString &codec, const QString &srtpSuite, bool endToEnd,
                    const QString &notEndToEndReason, bool localHold);
    void applyState(State state);
    void applyHold(bool localHold, bool remoteHold);
    void applyEnd(const QString &reason, const QString &outcome);

Q_SIGNALS:
    /// Any property changed.
    void changed();
    void ended();
    /// A request could not be carried out (in words).
    void requestFailed(const QString &message);
    /// The peer sent a DTMF digit.
    void dtmfReceived(const QString &digit);
    /// The callee is known to use end-to-end security, yet can only be
    /// reached in clear right now: ask the person `question` (default: no);
    /// nothing leaves in clear before allowPlainCall().
    void plainCallConsentNeeded(const QString &question);

private:
    void follow();
    void tick();

    QPointer<sip::Call> m_call;
    Direction m_direction;
    QString m_peer;
    State m_state;
    Verdict m_verdict = Verdict::Pending;
    std::optional<sip::IdentityVerdict> m_identity;
    QString m_vouchingDomain;
    QString m_deviceName;
    QString m_fingerprintGroups;
    bool m_endToEnd = false;
    QString m_notE2eReason;
    QString m_srtpSuite;
    QString m_codec;
    bool m_muted = false;
    bool m_onHold = false;
    bool m_heldByPeer = false;
    int m_duration = 0;
    QString m_quality;
    QString m_mediaPath;
    QString m_endReason;
    QString m_outcome;
    QDateTime m_started;
    bool m_wasActive = false;
    bool m_rejectedHere = false;
    QTimer m_clock;
};

} // namespace napkin::app
