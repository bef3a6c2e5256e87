// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Keeps this device's certificate enrolled at the user's certificate service:
// loads or creates the device identity, PUTs the certificate with Digest
// authentication, re-enrols with a fresh key at two thirds of the
// certificate's lifetime (and at every start when the key is not kept), and
// retries failures with exponential backoff and jitter: transient ones soon,
// ones only the user can fix (password, policy) rarely. When the enrolled
// certificate expires or the service stops listing it, it is dropped
// (certificateLost) and a fresh key is enrolled.
//
// Key continuity (review M2): a normal renewal, while the enrolled
// certificate is valid and listed, signs the new key with the old one
// (crypto/KeyContinuity.h), so that certd lets it replace the old
// certificate and contacts keep calling it the same device. A certificate
// that was lost (expired, or no longer listed: perhaps revoked because it
// leaked) never vouches for its successor: that one is a new device.

#include "crypto/Certificate.h"
#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/Backoff.h"
#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/KeyStore.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace napkin::discovery {

class ServiceClient;

struct EnrolmentSettings {
    QString aor;         ///< "sip:alice@a.example"
    QByteArray username; ///< Digest user name; the AOR's user part when empty
    QString instanceUrn; ///< this device's "urn:uuid:..."; keep it stable across runs
    QString displayName; ///< certificate CN; the user part when empty
    std::chrono::seconds lifetime{std::chrono::hours(24 * 7)};
    crypto::KeyType keyType = crypto::KeyType::Ec;
    BackoffPolicy retry; ///< transient failures: the service is down, busy or unreachable
    /// Failures only the user or operator can fix (wrong password, refused by
    /// policy): still retried, but rarely, so that a stale password does not
    /// get the account throttled at the service. setPassword() retries at once.
    BackoffPolicy needsUserRetry{std::chrono::minutes(15), std::chrono::hours(6)};
    /// The clock new certificates are issued by (empty: the system clock).
    /// Tests set it back to get certificates that expire within seconds.
    std::function<std::chrono::system_clock::time_point()> issueClock;
};

class Enroller : public QObject {
    Q_OBJECT
public:
    /// Where the key being enrolled came from; it decides what happens
    /// around its PUT.
    enum class CandidateOrigin {
        Stored,    ///< loaded from the key store: sent only once the service
                   ///< says it still lists it (checkStoredCandidate)
        Listed,    ///< stored, and the service still lists it: sent again as is
        Vouched,   ///< a new key its predecessor vouched for (a renewal)
        Unvouched, ///< a new key nothing vouched for: once enrolled, the other
                   ///< certificates of this instance are revoked
    };
    enum class State {
        Idle,           ///< not started, or stopped
        Loading,        ///< reading the key store
        Enrolling,      ///< a PUT is in flight
        Enrolled,       ///< the service has our current certificate
        WaitingToRetry, ///< a transient failure; a retry is scheduled
        /// A failure that needs the user (password, policy, key store, no
        /// address): retried on the long needsUserRetry backoff, at once after
        /// setPassword(); never retried when the address or password is missing.
        Failed,
    };
    Q_ENUM(State)

    /// Why the enrolled certificate was dropped.
    enum class Loss {
        Expired,   ///< past its notAfter
        NotListed, ///< the service no longer lists it (revoked or removed)
    };
    Q_ENUM(Loss)

    Enroller(ServiceClient &client, KeyStore &keys, EnrolmentSettings settings,
             QObject *parent = nullptr);
    ~Enroller() override;

    /// The SIP password. Kept in memory only, used only hashed. After a
    /// failure (Failed or WaitingToRetry) the next attempt starts at once.
    void setPassword(const QByteArray &password);

    /// Loads the stored identity (a fresh one when there is none, it is past
    /// its renewal time, or the store does not keep keys) and enrols it.
    void start();
    /// Cancels timers and ignores answers still in flight.
    void stop();
    /// Enrols a fresh key now (also leaves Failed after the user fixed things).
    void renewNow();

    /// The service does not list `fingerprint` (DeviceWatch::ownDeviceMissing).
    /// When it is the enrolled certificate, it is dropped (certificateLost),
    /// removed from the key store so that no start enrols it again, and a
    /// fresh key is enrolled (at once unless an attempt is already scheduled).
    void ownCertificateNotListed(const QString &fingerprint);

    /// Revokes one of the user's devices (DELETE with Digest). The callback
    /// runs later; errors as for enrolment, HttpError 404 when not enrolled.
    void revoke(const QString &fingerprint, std::function<void(DiscoveryResult<void>)> done);

    [[nodiscard]] State state() const { return m_state; }
    /// Where the key being enrolled came from (meaningful while one is).
    [[nodiscard]] CandidateOrigin candidateOrigin() const { return m_candidateOrigin; }
    [[nodiscard]] const std::optional<DiscoveryError> &lastError() const { return m_lastError; }
    /// The enrolled certificate, once Enrolled (and while renewing).
    [[nodiscard]] std::optional<crypto::Certificate> certificate() const;
    /// The key of the enrolled certificate, for signing and decryption.
    [[nodiscard]] const crypto::PrivateKey *privateKey() const;
    /// When the next renewal is due (valid when Enrolled).
    [[nodiscard]] std::chrono::system_clock::time_point renewalTime() const { return m_renewAt; }
    [[nodiscard]] int consecutiveFailures() const { return m_failures; }
    /// When the next attempt starts: valid in WaitingToRetry and in Failed
    /// with a retry scheduled; nullopt otherwise.
    [[nodiscard]] std::optional<std::chrono::system_clock::time_point> nextAttempt() const;

    /// Two thirds into the certificate's validity.
    [[nodiscard]] static std::chrono::system_clock::time_point
    renewalTimeOf(const crypto::Certificate &certificate);

Q_SIGNALS:
    void stateChanged(napkin::discovery::Enroller::State state);
    /// The service accepted our certificate (first time, or after renewal).
    void enrolled(const QString &fingerprint);
    /// An attempt failed; `retryIn` is zero when no retry is scheduled.
    void enrolmentFailed(const napkin::discovery::DiscoveryError &error,
                         std::chrono::milliseconds retryIn);
    /// The enrolled certificate must no longer be used (expired or not
    /// listed); certificate() is empty until the next enrolled().
    void certificateLost(const QString &fingerprint, napkin::discovery::Enroller::Loss why);

private:
    void setState(State state);
    /// `previous`: the identity to vouch for the new key; the enrolled one
    /// (while valid) when null.
    void enrol(bool freshKey, const crypto::DeviceIdentity *previous = nullptr);
    void sendPut();
    /// Asks whether the service still lists the stored candidate: PUT it
    /// again if so, enrol a fresh key if not, retry later if it cannot say.
    void checkStoredCandidate();
    /// After an enrolment without a key continuity proof: revokes the other
    /// certificates of this device's instance that the service still lists.
    void retireUnvouchedPredecessors();
    void handlePut(DiscoveryResult<HttpResponse> result);
    void handleFailure(DiscoveryError error);
    /// Failed with no retry: only a new start() or setPassword() can help.
    void giveUp(DiscoveryError error);
    void retryNow();
    /// The next attempt: the waiting candidate while it is fresh, else a new key.
    void attempt();
    void scheduleRenewal();
    void scheduleExpiry();
    void onTimer();
    void onExpiryTimer();
    void loseCertificate(Loss why);
    [[nodiscard]] DiscoveryResult<crypto::DeviceIdentity>
    createIdentity(const crypto::DeviceIdentity *previous) const;
    /// The enrolled identity while its certificate is valid: the one that
    /// may vouch for a renewal. Null after a loss.
    [[nodiscard]] const crypto::DeviceIdentity *vouchingIdentity() const;

    ServiceClient &m_client;
    KeyStore &m_keys;
    EnrolmentSettings m_settings;
    std::optional<crypto::Aor> m_aor;
    std::shared_ptr<DigestSession> m_session;
    std::optional<crypto::DeviceIdentity> m_current;   ///< enrolled
    std::optional<crypto::DeviceIdentity> m_candidate; ///< being enrolled
    CandidateOrigin m_candidateOrigin = CandidateOrigin::Vouched;
    State m_state = State::Idle;
    std::optional<DiscoveryError> m_lastError;
    std::chrono::system_clock::time_point m_renewAt{};
    QTimer m_timer;       ///< renewal or the next retry
    QTimer m_expiryTimer; ///< the enrolled certificate's notAfter
    std::optional<std::chrono::system_clock::time_point> m_nextAttempt;
    int m_failures = 0;
    quint64 m_generation = 0; ///< answers from before stop() carry an older one
};

} // namespace napkin::discovery
