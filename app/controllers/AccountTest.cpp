// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/AccountTest.h"

#include "app/controllers/AccountController.h"
#include "app/controllers/AppSettings.h"
#include "app/engine/Engine.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QFileInfo>
#include <QTemporaryDir>

namespace napkin::app {

AccountTest::AccountTest(QObject *parent) : QObject(parent) {
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        conclude(false, tr("No answer within %1 seconds: check the address, the registrar and "
                           "the network.")
                            .arg(m_timeoutMs / 1000));
    });
}

AccountTest::~AccountTest() = default;

void AccountTest::run(const AccountSetup &setup) {
    if (m_engine) {
        // The old engine is abandoned; its destructor ends what it started.
        m_engine.reset();
    }
    m_registered = m_enrolled = m_concluding = m_ok = false;
    m_message.clear();
    m_state = std::make_unique<QTemporaryDir>();
    auto aor = crypto::parseAor(setup.address.trimmed().toStdString());
    if (!aor) {
        Q_EMIT finished(
            false, tr("\"%1\" is not an address such as alice@example.org.").arg(setup.address));
        return;
    }
    if (setup.password.isEmpty()) {
        Q_EMIT finished(false, tr("Enter the password of %1.").arg(setup.address));
        return;
    }
    const QString domain = QString::fromStdString(aor->host);
    if (const QString problem = AppSettings::dnsServerProblem(setup.dnsServer.trimmed());
        !problem.isEmpty()) {
        Q_EMIT finished(false, problem);
        return;
    }
    discovery::Profile profile;
    profile.path = m_state->filePath(QStringLiteral("test.ini"));
    profile.aor = QString::fromStdString(aor->uri());
    profile.username = QByteArray::fromStdString(aor->user);
    profile.registrar = setup.registrar.trimmed().isEmpty() ? QStringLiteral("sip:") + domain
                                                            : setup.registrar.trimmed();
    profile.outboundProxy = setup.outboundProxy.trimmed();
    if (auto dns = discovery::Profile::parseDnsServer(setup.dnsServer.trimmed()); dns) {
        profile.dnsServer = dns->address;
        profile.dnsPort = dns->port;
    }
    if (!setup.caFile.trimmed().isEmpty()) {
        profile.caFile = QFileInfo(setup.caFile.trimmed()).absoluteFilePath();
    }
    profile.allowPrivateServices = setup.allowPrivateServices;
    // A memory-only key with a one-day certificate, fetched sets never cached.
    profile.certificateLifetime = std::chrono::hours(24);
    profile.cacheTtl = std::chrono::seconds(0);
    profile.keyStorage = discovery::Profile::KeyStorage::None;
    profile.stateDir = m_state->path();
    sip::SipProfile sip;
    sip.transport = (setup.transport.isEmpty() ? QStringLiteral("udp") : setup.transport.toLower())
                        .toStdString();
    if (auto checked = sip.check(); !checked) {
        Q_EMIT finished(false, QString::fromStdString(checked.error()));
        return;
    }
    engine::EngineConfig config;
    config.profile = profile;
    config.sip = sip;
    config.password = setup.password.toUtf8();
    config.noAudio = true;
    config.watchDevices = false;
    config.keyStore = std::make_unique<discovery::MemoryKeyStore>();
    auto created = engine::Engine::create(std::move(config));
    if (!created) {
        Q_EMIT finished(false, created.error().message);
        return;
    }
    m_engine = std::move(created).value();
    engine::Engine *e = m_engine.get();
    const QString registrarHost = domain;
    connect(e, &engine::Engine::registrationChanged, this,
            [this, registrarHost](sip::UserAgent::Registration state, const QString &message) {
                if (state == sip::UserAgent::Registration::Registered) {
                    m_registered = true;
                    Q_EMIT progress(tr("Registered at %1.").arg(registrarHost));
                    checkDone();
                } else if (state == sip::UserAgent::Registration::Failed) {
                    conclude(false, AccountController::registrationTextFor(
                                        AccountController::RegistrationState::Failed, registrarHost,
                                        message));
                }
            });
    connect(e, &engine::Engine::enrolled, this, [this, domain](const QString &, const QDateTime &) {
        m_enrolled = true;
        Q_EMIT progress(tr("Certificate published at %1.").arg(domain));
        checkDone();
    });
    connect(e, &engine::Engine::enrolmentError, this,
            [this, domain](const discovery::DiscoveryError &error, qint64) {
                if (error.code == discovery::DiscoveryErrc::NoService) {
                    conclude(false, tr("%1 publishes no certificates: calls from this account "
                                       "could not be end-to-end.")
                                        .arg(domain));
                } else {
                    conclude(false,
                             tr("The certificate could not be published: %1").arg(error.message));
                }
            });
    connect(e, &engine::Engine::shutdownFinished, this, [this] {
        m_timeout.stop();
        if (m_engine) {
            m_engine.release()->deleteLater();
        }
        m_state.reset();
        Q_EMIT runningChanged();
        Q_EMIT finished(m_ok, m_message);
    });
    if (auto started = e->start(); !started) {
        m_engine.reset();
        Q_EMIT finished(false, started.error().message);
        return;
    }
    Q_EMIT runningChanged();
    Q_EMIT progress(tr("Connecting to %1…").arg(domain));
    m_timeout.start(m_timeoutMs);
}

void AccountTest::checkDone() {
    if (!m_registered || !m_enrolled || m_concluding || !m_engine) {
        return;
    }
    // The test's certificate must not stay on the address as an "unknown
    // device": take it back before saying yes.
    const QString fingerprint = m_engine->ownFingerprint();
    QPointer<AccountTest> self(this);
    m_engine->revoke(fingerprint, [self](engine::EngineResult<void> revoked) {
        if (!self) {
            return;
        }
        if (revoked) {
            self->conclude(true, tr("The account works: registered, and certificates can be "
                                    "published."));
        } else {
            self->conclude(true, tr("The account works, but the test certificate could not be "
                                    "removed again (%1); it expires within a day.")
                                     .arg(revoked.error().message));
        }
    });
}

void AccountTest::cancel() {
    conclude(false, tr("Cancelled"));
}

void AccountTest::conclude(bool ok, const QString &message) {
    if (m_concluding || !m_engine) {
        return;
    }
    m_concluding = true;
    m_ok = ok;
    m_message = message;
    m_timeout.stop();
    m_engine->shutdown();
}

} // namespace napkin::app
