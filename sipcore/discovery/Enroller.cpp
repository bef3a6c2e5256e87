// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/Enroller.h"

#include "crypto/KeyContinuity.h"
#include "sipcore/discovery/AuthenticatedRequest.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DiscoveryLog.h"
#include "sipcore/discovery/OwnListing.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/ServiceProblem.h"

#include <QPointer>

namespace napkin::discovery {

namespace {

/// Failures that retrying soon cannot fix: they wait for the user or the
/// operator, so they are retried only on the long needsUserRetry backoff.
bool needsUser(const DiscoveryError &error) {
    switch (error.code) {
    case DiscoveryErrc::AuthFailed:
    case DiscoveryErrc::Forbidden:
    case DiscoveryErrc::Rejected:
    case DiscoveryErrc::InvalidAddress:
    case DiscoveryErrc::LocalFailure:
    case DiscoveryErrc::Cancelled:
    case DiscoveryErrc::AddressNotAllowed: // the profile must change first
        return true;
    case DiscoveryErrc::HttpError:
        return error.httpStatus >= 400 && error.httpStatus < 500 && error.httpStatus != 408 &&
               error.httpStatus != 429;
    default:
        return false;
    }
}

/// QTimer takes an int of milliseconds; a day is far below its limit.
int timerMs(std::chrono::milliseconds delay) {
    return static_cast<int>(std::clamp<qint64>(delay.count(), 0, 24LL * 3600 * 1000));
}

} // namespace

Enroller::Enroller(ServiceClient &client, KeyStore &keys, EnrolmentSettings settings,
                   QObject *parent)
    : QObject(parent), m_client(client), m_keys(keys), m_settings(std::move(settings)) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Enroller::onTimer);
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &Enroller::onExpiryTimer);
    if (auto parsed = crypto::parseAor(m_settings.aor.toStdString())) {
        m_aor = std::move(parsed).value();
        if (m_settings.username.isEmpty()) {
            m_settings.username = QByteArray::fromStdString(m_aor->user);
        }
    }
}

Enroller::~Enroller() = default;

void Enroller::setPassword(const QByteArray &password) {
    m_session = std::make_shared<DigestSession>(m_settings.username, password);
    if (m_state == State::Failed || m_state == State::WaitingToRetry) {
        retryNow();
    }
}

std::optional<std::chrono::system_clock::time_point> Enroller::nextAttempt() const {
    if ((m_state == State::WaitingToRetry || m_state == State::Failed) && m_timer.isActive()) {
        return m_nextAttempt;
    }
    return std::nullopt;
}

std::chrono::system_clock::time_point
Enroller::renewalTimeOf(const crypto::Certificate &certificate) {
    const auto from = certificate.notBefore();
    const auto to = certificate.notAfter();
    return from + (to - from) * 2 / 3;
}

std::optional<crypto::Certificate> Enroller::certificate() const {
    if (m_current) {
        return m_current->certificate;
    }
    return std::nullopt;
}

const crypto::PrivateKey *Enroller::privateKey() const {
    return m_current ? &m_current->key : nullptr;
}

void Enroller::setState(State state) {
    if (m_state != state) {
        m_state = state;
        Q_EMIT stateChanged(state);
    }
}

void Enroller::start() {
    m_timer.stop();
    ++m_generation;
    m_failures = 0;
    if (!m_aor) {
        giveUp(discoveryError(DiscoveryErrc::InvalidAddress,
                              QStringLiteral("'%1' is not a SIP address.").arg(m_settings.aor)));
        return;
    }
    if (!m_session) {
        giveUp(discoveryError(
            DiscoveryErrc::AuthFailed,
            QStringLiteral("No password is configured for %1.").arg(m_settings.aor)));
        return;
    }
    setState(State::Loading);
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    m_keys.load(m_settings.aor,
                [self, generation](DiscoveryResult<std::optional<crypto::DeviceIdentity>> r) {
                    if (!self || self->m_generation != generation) {
                        return;
                    }
                    if (!r.ok()) {
                        self->handleFailure(r.error());
                        return;
                    }
                    auto &stored = r.value();
                    const auto now = std::chrono::system_clock::now();
                    if (stored && stored->certificate.checkValidAt(now) &&
                        stored->key.matches(stored->certificate)) {
                        // Once the service says it still lists it (it may have been
                        // revoked while this device was off): sent again while fresh
                        // (a PUT of the same certificate changes nothing), or, when due
                        // for renewal, the key that vouches for its successor.
                        self->m_candidate = std::move(*stored);
                        self->m_candidateOrigin = CandidateOrigin::Stored;
                        self->checkStoredCandidate();
                        return;
                    }
                    self->enrol(true);
                });
}

void Enroller::checkStoredCandidate() {
    setState(State::Enrolling);
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    const QString fingerprint = fingerprintOf(m_candidate->certificate);
    askListed(m_client, *m_aor, fingerprint,
              [self, generation, fingerprint](DiscoveryResult<bool> listed) {
                  if (!self || self->m_generation != generation || !self->m_candidate) {
                      return;
                  }
                  if (!listed.ok()) {
                      // Not sent again until the service says it still lists it.
                      qCWarning(lcDiscovery).noquote()
                          << "cannot check whether" << fingerprint
                          << "is still listed; it is not sent again until it is:"
                          << listed.error().message;
                      self->handleFailure(listed.error());
                      return;
                  }
                  if (listed.value()) {
                      self->m_candidateOrigin = CandidateOrigin::Listed;
                      if (std::chrono::system_clock::now() <
                          renewalTimeOf(self->m_candidate->certificate)) {
                          self->sendPut();
                          return;
                      }
                      // Due for renewal: a normal renewal, vouched for by the stored key.
                      const crypto::DeviceIdentity previous = std::move(*self->m_candidate);
                      self->m_candidate.reset();
                      self->enrol(true, &previous);
                      return;
                  }
                  // Revoked (or lost) while this device was off: never send
                  // that key again; it may have been revoked because it leaked.
                  qCWarning(lcDiscovery).noquote()
                      << "the service no longer lists this device's stored certificate"
                      << fingerprint << "- enrolling a new key";
                  self->m_keys.remove(self->m_settings.aor, [](DiscoveryResult<void> removed) {
                      if (!removed.ok()) {
                          qCWarning(lcDiscovery) << removed.error().message;
                      }
                  });
                  self->m_candidate.reset();
                  self->enrol(true);
              });
}

void Enroller::retireUnvouchedPredecessors() {
    // A key its predecessor vouched for replaced it at the service. One
    // enrolled without a proof (no key kept, or the old one lost) was added
    // beside the certificates of this device's instance that the service
    // still lists; those have no key any more (or a lost one): revoke them,
    // so that they do not pile up to the service's device limit.
    const auto urn = m_current->certificate.instanceUrn();
    if (!urn) {
        return;
    }
    const QString current = fingerprintOf(m_current->certificate);
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    askSet(m_client, *m_aor,
           [self, generation, current,
            urn = *urn](DiscoveryResult<std::vector<crypto::Certificate>> set) {
               if (!self || self->m_generation != generation || !set.ok()) {
                   return; // tried again after the next enrolment without a proof
               }
               for (const auto &certificate : set.value()) {
                   const QString fingerprint = fingerprintOf(certificate);
                   if (certificate.instanceUrn() != urn || fingerprint == current) {
                       continue;
                   }
                   qCInfo(lcDiscovery) << "revoking" << fingerprint
                                       << "- an earlier certificate of this device's instance";
                   self->revoke(fingerprint, [fingerprint](DiscoveryResult<void> revoked) {
                       if (!revoked.ok()) {
                           qCWarning(lcDiscovery).noquote() << "could not revoke" << fingerprint
                                                            << ":" << revoked.error().message;
                       }
                   });
               }
           });
}

void Enroller::stop() {
    m_timer.stop();
    m_expiryTimer.stop();
    ++m_generation;
    m_candidate.reset();
    setState(State::Idle);
}

void Enroller::renewNow() {
    m_timer.stop();
    ++m_generation;
    m_failures = 0;
    enrol(true);
}

const crypto::DeviceIdentity *Enroller::vouchingIdentity() const {
    if (m_current && m_current->certificate.checkValidAt(std::chrono::system_clock::now())) {
        return &*m_current;
    }
    return nullptr;
}

DiscoveryResult<crypto::DeviceIdentity>
Enroller::createIdentity(const crypto::DeviceIdentity *previous) const {
    crypto::IdentityOptions options;
    options.aor = m_aor->uri();
    options.displayName = m_settings.displayName.toStdString();
    if (!m_settings.instanceUrn.isEmpty()) {
        options.instanceUrn = m_settings.instanceUrn.toStdString();
    }
    options.keyType = m_settings.keyType;
    options.lifetime = m_settings.lifetime;
    if (m_settings.issueClock) {
        options.now = m_settings.issueClock();
    }
    auto identity = crypto::createDeviceIdentity(options, previous);
    if (!identity && previous != nullptr &&
        identity.error().code == crypto::CryptoErrc::InvalidArgument) {
        // The settings changed (another instance or address): the old key
        // cannot vouch for that, so this is a new device.
        identity = crypto::createDeviceIdentity(options);
    }
    if (!identity) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot create this device's certificate: %1.")
                                       .arg(QString::fromStdString(identity.error().message))));
    }
    return std::move(identity).value();
}

void Enroller::enrol(bool freshKey, const crypto::DeviceIdentity *previous) {
    if (!m_aor || !m_session) {
        start(); // reports what is missing
        return;
    }
    if (freshKey || !m_candidate) {
        const crypto::DeviceIdentity *vouch = previous != nullptr ? previous : vouchingIdentity();
        auto identity = createIdentity(vouch);
        if (!identity.ok()) {
            handleFailure(identity.error());
            return;
        }
        m_candidate = std::move(identity).value();
        m_candidateOrigin =
            vouch == nullptr ? CandidateOrigin::Unvouched : CandidateOrigin::Vouched;
    }
    sendPut();
}

void Enroller::sendPut() {
    setState(State::Enrolling);
    HttpRequest request;
    request.method = "PUT";
    request.target = searchTarget(*m_aor);
    request.setHeader("Content-Type", "application/pkix-cert");
    const auto der = m_candidate->certificate.toDer();
    request.body =
        QByteArray(reinterpret_cast<const char *>(der.data()), static_cast<qsizetype>(der.size()));
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    qCInfo(lcDiscovery) << "enrolling" << fingerprintOf(m_candidate->certificate) << "for"
                        << m_settings.aor;
    sendWithDigest(m_client, QString::fromStdString(m_aor->host), m_session, std::move(request),
                   [self, generation](DiscoveryResult<HttpResponse> r) {
                       if (self && self->m_generation == generation) {
                           self->handlePut(std::move(r));
                       }
                   });
}

void Enroller::handlePut(DiscoveryResult<HttpResponse> result) {
    if (!result.ok()) {
        handleFailure(result.error());
        return;
    }
    const HttpResponse &response = result.value();
    if (response.status != 200 && response.status != 201) {
        handleFailure(errorFromResponse(
            response,
            QStringLiteral("enrolling this device's certificate for %1").arg(aorText(*m_aor))));
        return;
    }
    m_current = std::move(m_candidate);
    m_candidate.reset();
    m_failures = 0;
    m_lastError.reset();
    m_renewAt = renewalTimeOf(m_current->certificate);
    const QString fingerprint = fingerprintOf(m_current->certificate);
    qCInfo(lcDiscovery) << "enrolled" << fingerprint << "for" << m_settings.aor << "- renewal at"
                        << isoTime(m_renewAt);
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    m_keys.save(m_settings.aor, *m_current, [self, generation](DiscoveryResult<void> saved) {
        if (self && self->m_generation == generation && !saved.ok()) {
            // Enrolled all the same; the next start will enrol a fresh key.
            qCWarning(lcDiscovery) << saved.error().message;
            self->m_lastError = saved.error();
        }
    });
    setState(State::Enrolled);
    scheduleRenewal();
    scheduleExpiry();
    if (m_candidateOrigin == CandidateOrigin::Unvouched) {
        retireUnvouchedPredecessors();
    }
    Q_EMIT enrolled(fingerprint);
}

void Enroller::handleFailure(DiscoveryError error) {
    qCWarning(lcDiscovery) << "enrolment failed:" << errcName(error.code) << error.message;
    if (error.code == DiscoveryErrc::Cancelled) {
        giveUp(std::move(error));
        return;
    }
    m_lastError = error;
    const bool waitForUser = needsUser(error);
    auto delay = backoffDelay(waitForUser ? m_settings.needsUserRetry : m_settings.retry,
                              m_failures, systemUniformRandom());
    // A busy or throttling service (429, 503) says when to come back.
    delay = std::max<std::chrono::milliseconds>(delay, error.retryAfter);
    delay = std::chrono::milliseconds(timerMs(delay));
    ++m_failures;
    m_nextAttempt = std::chrono::system_clock::now() + delay;
    setState(waitForUser ? State::Failed : State::WaitingToRetry);
    m_timer.start(timerMs(delay));
    qCInfo(lcDiscovery) << "next enrolment attempt for" << m_settings.aor << "at"
                        << isoTime(*m_nextAttempt);
    Q_EMIT enrolmentFailed(error, delay);
}

void Enroller::giveUp(DiscoveryError error) {
    qCWarning(lcDiscovery) << "enrolment stopped:" << errcName(error.code) << error.message;
    m_lastError = error;
    m_timer.stop();
    m_nextAttempt.reset();
    setState(State::Failed);
    Q_EMIT enrolmentFailed(error, std::chrono::milliseconds(0));
}

void Enroller::retryNow() {
    m_timer.stop();
    ++m_generation;
    m_failures = 0;
    m_nextAttempt.reset();
    if (!m_current && !m_candidate) {
        start(); // nothing loaded yet (the password was missing): load the store first
    } else {
        attempt();
    }
}

void Enroller::attempt() {
    // A key that waited through a long outage may be due for renewal itself,
    // or expired (the service refuses those): send it only while it is fresh.
    if (m_candidate && std::chrono::system_clock::now() < renewalTimeOf(m_candidate->certificate)) {
        if (m_candidateOrigin == CandidateOrigin::Stored) {
            checkStoredCandidate();
            return;
        }
        sendPut();
    } else {
        enrol(true);
    }
}

void Enroller::scheduleRenewal() {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        m_renewAt - std::chrono::system_clock::now());
    // Wake at least hourly: the wall clock may jump (suspend, NTP), and a
    // QTimer interval is an int of milliseconds.
    const qint64 ms = std::clamp<qint64>(remaining.count(), 0, 3600 * 1000);
    m_timer.start(static_cast<int>(ms));
}

void Enroller::scheduleExpiry() {
    if (!m_current) {
        m_expiryTimer.stop();
        return;
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        m_current->certificate.notAfter() - std::chrono::system_clock::now());
    // Hourly at least, as for renewal; onExpiryTimer checks the clock again.
    m_expiryTimer.start(static_cast<int>(std::clamp<qint64>(remaining.count(), 0, 3600 * 1000)));
}

void Enroller::onExpiryTimer() {
    if (!m_current) {
        return;
    }
    if (std::chrono::system_clock::now() < m_current->certificate.notAfter()) {
        scheduleExpiry();
        return;
    }
    qCWarning(lcDiscovery) << "this device's certificate" << fingerprintOf(m_current->certificate)
                           << "for" << m_settings.aor << "expired";
    loseCertificate(Loss::Expired);
}

void Enroller::ownCertificateNotListed(const QString &fingerprint) {
    if (!m_current || fingerprintOf(m_current->certificate) != fingerprint.toLower()) {
        return; // an older certificate, or already dropped
    }
    qCWarning(lcDiscovery) << "the service no longer lists this device's certificate" << fingerprint
                           << "for" << m_settings.aor;
    // Never enrol this key again: it may have been revoked because it leaked.
    m_keys.remove(m_settings.aor, [](DiscoveryResult<void> removed) {
        if (!removed.ok()) {
            qCWarning(lcDiscovery) << removed.error().message;
        }
    });
    loseCertificate(Loss::NotListed);
}

void Enroller::loseCertificate(Loss why) {
    const QString fingerprint = fingerprintOf(m_current->certificate);
    m_current.reset();
    m_expiryTimer.stop();
    QPointer<Enroller> self(this);
    Q_EMIT certificateLost(fingerprint, why);
    if (!self || m_state == State::Idle) {
        return;
    }
    // Enrolled: only the renewal timer was pending, so enrol a fresh key now.
    // Otherwise an attempt is in flight or scheduled (its key is a fresh one,
    // never the lost one) and keeps its place in the backoff; but a candidate
    // that the lost key vouched for must not be sent: the lost key may be
    // one that was revoked because it leaked.
    const bool vouchedByLost = m_candidate && [&] {
        auto proof = crypto::keyContinuityOf(m_candidate->certificate);
        return !proof.ok() || proof->has_value();
    }();
    if (m_state == State::Enrolled) {
        m_timer.stop();
        m_failures = 0;
        m_candidate.reset();
        enrol(true);
    } else if (vouchedByLost && m_state == State::Enrolling) {
        ++m_generation; // ignore the answer to that PUT
        m_candidate.reset();
        enrol(true);
    } else if (vouchedByLost) {
        m_candidate.reset(); // the scheduled attempt makes a fresh key
    }
}

void Enroller::onTimer() {
    if (m_state == State::WaitingToRetry || m_state == State::Failed) {
        m_nextAttempt.reset();
        attempt();
        return;
    }
    if (m_state == State::Enrolled) {
        if (std::chrono::system_clock::now() >= m_renewAt) {
            qCInfo(lcDiscovery) << "renewing the device certificate of" << m_settings.aor;
            enrol(true);
        } else {
            scheduleRenewal();
        }
    }
}

void Enroller::revoke(const QString &fingerprint, std::function<void(DiscoveryResult<void>)> done) {
    if (!m_aor || !m_session) {
        QTimer::singleShot(0, this, [done = std::move(done), aor = m_settings.aor] {
            done(fail(discoveryError(DiscoveryErrc::AuthFailed,
                                     QStringLiteral("No valid address or password configured "
                                                    "for %1.")
                                         .arg(aor))));
        });
        return;
    }
    HttpRequest request;
    request.method = "DELETE";
    request.target = searchTarget(*m_aor) + "&fingerprint=" +
                     percentEncodeQueryValue(fingerprint.trimmed().toLower().toLatin1());
    const crypto::Aor aor = *m_aor;
    const QString fp = fingerprint;
    sendWithDigest(
        m_client, QString::fromStdString(aor.host), m_session, std::move(request),
        [done = std::move(done), aor, fp](DiscoveryResult<HttpResponse> r) {
            if (!r.ok()) {
                done(fail(r.error()));
            } else if (r->status == 200 || r->status == 204) {
                done({});
            } else {
                done(fail(errorFromResponse(
                    r.value(), QStringLiteral("revoking %1 of %2").arg(fp, aorText(aor)))));
            }
        });
}

} // namespace napkin::discovery
