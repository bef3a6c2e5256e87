#include "sipcore/discovery/Enroller.h"

#include "sipcore/discovery/AuthenticatedRequest.h"
#include "sipcore/discovery/CertificateSet.h"
#include "sipcore/discovery/DiscoveryLog.h"
#include "sipcore/discovery/ServiceClient.h"
#include "sipcore/discovery/ServiceProblem.h"

#include <QPointer>

namespace napkin::discovery {

namespace {

/// Failures that retrying cannot fix until the user or operator acts.
bool isPermanent(const DiscoveryError &error) {
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

QByteArray queryTarget(const crypto::Aor &aor) {
    return QByteArray("/search-cgi?sip=") +
           percentEncodeQueryValue(QByteArray::fromStdString(aor.address()));
}

} // namespace

Enroller::Enroller(ServiceClient &client, KeyStore &keys, EnrolmentSettings settings,
                   QObject *parent)
    : QObject(parent), m_client(client), m_keys(keys), m_settings(std::move(settings)) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Enroller::onTimer);
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
        handleFailure(
            discoveryError(DiscoveryErrc::InvalidAddress,
                           QStringLiteral("'%1' is not a SIP address.").arg(m_settings.aor)));
        return;
    }
    if (!m_session) {
        handleFailure(discoveryError(
            DiscoveryErrc::AuthFailed,
            QStringLiteral("No password is configured for %1.").arg(m_settings.aor)));
        return;
    }
    setState(State::Loading);
    const quint64 generation = m_generation;
    QPointer<Enroller> self(this);
    m_keys.load(m_settings.aor, [self, generation](
                                    DiscoveryResult<std::optional<crypto::DeviceIdentity>> r) {
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
            now < renewalTimeOf(stored->certificate) && stored->key.matches(stored->certificate)) {
            // Still fresh: make sure the service has it (a PUT of the same
            // certificate is answered 200 and changes nothing).
            self->m_candidate = std::move(*stored);
            self->sendPut();
            return;
        }
        self->enrol(true);
    });
}

void Enroller::stop() {
    m_timer.stop();
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

DiscoveryResult<crypto::DeviceIdentity> Enroller::createIdentity() const {
    crypto::IdentityOptions options;
    options.aor = m_aor->uri();
    options.displayName = m_settings.displayName.toStdString();
    if (!m_settings.instanceUrn.isEmpty()) {
        options.instanceUrn = m_settings.instanceUrn.toStdString();
    }
    options.keyType = m_settings.keyType;
    options.lifetime = m_settings.lifetime;
    auto identity = crypto::createDeviceIdentity(options);
    if (!identity) {
        return fail(discoveryError(DiscoveryErrc::LocalFailure,
                                   QStringLiteral("Cannot create this device's certificate: %1.")
                                       .arg(QString::fromStdString(identity.error().message))));
    }
    return std::move(identity).value();
}

void Enroller::enrol(bool freshKey) {
    if (!m_aor || !m_session) {
        start(); // reports what is missing
        return;
    }
    if (freshKey || !m_candidate) {
        auto identity = createIdentity();
        if (!identity.ok()) {
            handleFailure(identity.error());
            return;
        }
        m_candidate = std::move(identity).value();
    }
    sendPut();
}

void Enroller::sendPut() {
    setState(State::Enrolling);
    HttpRequest request;
    request.method = "PUT";
    request.target = queryTarget(*m_aor);
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
    Q_EMIT enrolled(fingerprint);
}

void Enroller::handleFailure(DiscoveryError error) {
    qCWarning(lcDiscovery) << "enrolment failed:" << errcName(error.code) << error.message;
    m_lastError = error;
    if (isPermanent(error)) {
        m_timer.stop();
        setState(State::Failed);
        Q_EMIT enrolmentFailed(error, std::chrono::milliseconds(0));
        return;
    }
    const auto delay = backoffDelay(m_settings.retry, m_failures, systemUniformRandom());
    ++m_failures;
    setState(State::WaitingToRetry);
    m_timer.start(static_cast<int>(std::min<qint64>(delay.count(), 3600 * 1000)));
    Q_EMIT enrolmentFailed(error, delay);
}

void Enroller::scheduleRenewal() {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        m_renewAt - std::chrono::system_clock::now());
    // Wake at least hourly: the wall clock may jump (suspend, NTP), and a
    // QTimer interval is an int of milliseconds.
    const qint64 ms = std::clamp<qint64>(remaining.count(), 0, 3600 * 1000);
    m_timer.start(static_cast<int>(ms));
}

void Enroller::onTimer() {
    if (m_state == State::WaitingToRetry) {
        if (m_candidate) {
            sendPut();
        } else {
            enrol(true);
        }
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
    request.target = queryTarget(*m_aor) + "&fingerprint=" +
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
