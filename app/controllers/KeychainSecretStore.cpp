// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/KeychainSecretStore.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusReply>
#include <QLoggingCategory>
#include <QMetaObject>

#include <qt6keychain/keychain.h>

Q_LOGGING_CATEGORY(lcKeychain, "napkin.keychain")

namespace napkin::app {

namespace {

const QString kSecretService = QStringLiteral("org.freedesktop.secrets");

/// Why no keychain can be used right now, or empty. Asks the bus daemon
/// only (never the keychain), so it answers quickly even when a keychain
/// would have to prompt.
QString probeKeychain() {
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        const QString detail = bus.lastError().message();
        return QCoreApplication::translate(
                   "KeychainSecretStore",
                   "No D-Bus session bus is reachable, so the system keychain cannot be "
                   "used%1.")
            .arg(detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(detail));
    }
    QDBusConnectionInterface *daemon = bus.interface();
    if (daemon == nullptr) {
        return QCoreApplication::translate("KeychainSecretStore",
                                           "The D-Bus session bus does not answer.");
    }
    const QDBusReply<bool> registered = daemon->isServiceRegistered(kSecretService);
    if (registered.isValid() && registered.value()) {
        return {};
    }
    const QDBusReply<QStringList> activatable = daemon->activatableServiceNames();
    if (activatable.isValid() && activatable.value().contains(kSecretService)) {
        return {};
    }
    return QCoreApplication::translate(
        "KeychainSecretStore",
        "No keychain service (Secret Service, e.g. gnome-keyring or KWallet) runs in this "
        "session.");
}

} // namespace

QString KeychainSecretStore::defaultService() {
    return QStringLiteral("org.napkin.Napkin");
}

KeychainSecretStore::KeychainSecretStore(QString service, QObject *parent)
    : QObject(parent), m_service(std::move(service)) {
    recheck();
}

KeychainSecretStore::~KeychainSecretStore() = default;

void KeychainSecretStore::recheck() {
    m_reason = probeKeychain();
    if (!m_reason.isEmpty()) {
        qCInfo(lcKeychain) << "keychain: not available:" << m_reason;
    }
}

QString KeychainSecretStore::passwordKey(const QString &aor) {
    return QStringLiteral("password %1").arg(aor.trimmed());
}

QString KeychainSecretStore::turnPasswordKey(const QString &aor) {
    return QStringLiteral("turn-password %1").arg(aor.trimmed());
}

void KeychainSecretStore::readPassword(const QString &aor, ReadCallback done) {
    readSecret(passwordKey(aor), std::move(done));
}

void KeychainSecretStore::writePassword(const QString &aor, const QByteArray &password,
                                        DoneCallback done) {
    writeSecret(passwordKey(aor), password, std::move(done));
}

void KeychainSecretStore::deletePassword(const QString &aor, DoneCallback done) {
    deleteSecret(passwordKey(aor), std::move(done));
}

void KeychainSecretStore::readTurnPassword(const QString &aor, ReadCallback done) {
    readSecret(turnPasswordKey(aor), std::move(done));
}

void KeychainSecretStore::writeTurnPassword(const QString &aor, const QByteArray &password,
                                            DoneCallback done) {
    writeSecret(turnPasswordKey(aor), password, std::move(done));
}

void KeychainSecretStore::deleteTurnPassword(const QString &aor, DoneCallback done) {
    deleteSecret(turnPasswordKey(aor), std::move(done));
}

SecretError KeychainSecretStore::errorOf(const QKeychain::Job &job) {
    const QString detail = job.errorString();
    switch (job.error()) {
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return {SecretErrc::AccessDenied,
                tr("The system keychain refused access (is it locked?): %1").arg(detail)};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        m_reason = tr("The system keychain cannot be used: %1").arg(detail);
        return {SecretErrc::Unavailable, m_reason};
    default:
        return {SecretErrc::Failed, tr("The system keychain failed: %1").arg(detail)};
    }
}

void KeychainSecretStore::failLater(DoneCallback done) {
    QMetaObject::invokeMethod(
        this,
        [this, done = std::move(done)] {
            done(fail(SecretError{SecretErrc::Unavailable, m_reason}));
        },
        Qt::QueuedConnection);
}

void KeychainSecretStore::failLater(ReadCallback done) {
    QMetaObject::invokeMethod(
        this,
        [this, done = std::move(done)] {
            done(fail(SecretError{SecretErrc::Unavailable, m_reason}));
        },
        Qt::QueuedConnection);
}

// Jobs are not children of the store: a running job must outlive it (the
// backend still holds a pointer to it), and deletes itself once finished.
// The connection's context is the store, so a result that arrives after
// the store is gone is dropped.

void KeychainSecretStore::readSecret(const QString &key, ReadCallback done) {
    if (!available()) {
        failLater(std::move(done));
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this,
            [this, done = std::move(done)](QKeychain::Job *finished) {
                auto *read = static_cast<QKeychain::ReadPasswordJob *>(finished);
                if (read->error() == QKeychain::NoError) {
                    done(std::optional<QByteArray>(read->binaryData()));
                } else if (read->error() == QKeychain::EntryNotFound) {
                    done(std::optional<QByteArray>());
                } else {
                    done(fail(errorOf(*read)));
                }
            });
    job->start();
}

void KeychainSecretStore::writeSecret(const QString &key, const QByteArray &data,
                                      DoneCallback done) {
    if (!available()) {
        failLater(std::move(done));
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setBinaryData(data);
    connect(job, &QKeychain::Job::finished, this,
            [this, done = std::move(done)](QKeychain::Job *finished) {
                if (finished->error() == QKeychain::NoError) {
                    done({});
                } else {
                    done(fail(errorOf(*finished)));
                }
            });
    job->start();
}

void KeychainSecretStore::deleteSecret(const QString &key, DoneCallback done) {
    if (!available()) {
        failLater(std::move(done));
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this,
            [this, done = std::move(done)](QKeychain::Job *finished) {
                if (finished->error() == QKeychain::NoError ||
                    finished->error() == QKeychain::EntryNotFound) {
                    done({});
                } else {
                    done(fail(errorOf(*finished)));
                }
            });
    job->start();
}

} // namespace napkin::app
