#include "app/controllers/AccountTest.h"

#include "app/controllers/AccountController.h"
#include "app/engine/Engine.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QTemporaryDir>

namespace napkin::app {

namespace {

QByteArray quoted(const char *key, const QString &value) {
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QByteArray(key) + " = \"" + escaped.toUtf8() + "\"\n";
}

} // namespace

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
    QByteArray ini = "[account]\n";
    ini += quoted("aor", QString::fromStdString(aor->uri()));
    ini += quoted("registrar", setup.registrar.trimmed().isEmpty() ? QStringLiteral("sip:") + domain
                                                                   : setup.registrar.trimmed());
    if (!setup.outboundProxy.trimmed().isEmpty()) {
        ini += quoted("outbound_proxy", setup.outboundProxy.trimmed());
    }
    ini += "[network]\n";
    if (!setup.dnsServer.trimmed().isEmpty()) {
        ini += quoted("dns_server", setup.dnsServer.trimmed());
    }
    if (!setup.caFile.trimmed().isEmpty()) {
        ini += quoted("ca_file", setup.caFile.trimmed());
    }
    ini += "[certificates]\nlifetime_days = 1\ncache_ttl = 0\nkey_storage = none\n";
    ini += quoted("state_dir", m_state->path());
    ini += "[sip]\n";
    ini += quoted("transport",
                  setup.transport.isEmpty() ? QStringLiteral("udp") : setup.transport.toLower());
    const QString path = m_state->filePath(QStringLiteral("test.ini"));
    auto profile = discovery::Profile::parse(ini, path);
    if (!profile) {
        Q_EMIT finished(false, profile.error().message);
        return;
    }
    auto sip = sip::SipProfile::parse(ini.toStdString(), path.toStdString());
    if (!sip) {
        Q_EMIT finished(false, QString::fromStdString(sip.error()));
        return;
    }
    engine::EngineConfig config;
    config.profile = profile.value();
    config.sip = sip.value();
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
