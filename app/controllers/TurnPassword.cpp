// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/TurnPassword.h"

#include "app/controllers/SecretStore.h"

#include <QPointer>
#include <QTimer>

namespace napkin::app {

TurnPassword::TurnPassword(SecretStore *store, QObject *parent) : QObject(parent), m_store(store) {}

TurnPassword::~TurnPassword() = default;

void TurnPassword::set(const QByteArray &password) {
    if (m_password != password) {
        m_password = password;
        Q_EMIT changed();
    }
}

void TurnPassword::later(Done done, const QString &problem) {
    QTimer::singleShot(0, this, [done = std::move(done), problem] { done(problem); });
}

void TurnPassword::load(const QString &aor, Done done) {
    if (m_store == nullptr || !m_store->available()) {
        later(std::move(done),
              m_store == nullptr
                  ? tr("No keychain: the TURN password is not kept between starts.")
                  : tr("No keychain (%1): the TURN password is not kept between starts.")
                        .arg(m_store->unavailableReason()));
        return;
    }
    QPointer<TurnPassword> guard(this);
    m_store->readTurnPassword(aor, [guard, done = std::move(done)](
                                       SecretResult<std::optional<QByteArray>> read) {
        if (!guard) {
            return;
        }
        if (!read) {
            done(tr("The keychain did not give the TURN password: %1").arg(read.error().message));
            return;
        }
        if (read.value()) {
            guard->set(*read.value());
        }
        done(QString());
    });
}

void TurnPassword::store(const QString &aor, const QByteArray &password, Done done) {
    set(password);
    if (m_store == nullptr || !m_store->available()) {
        later(std::move(done),
              tr("No keychain%1: the TURN password is used until Napkin quits and is not "
                 "written anywhere.")
                  .arg(m_store == nullptr
                           ? QString()
                           : QStringLiteral(" (%1)").arg(m_store->unavailableReason())));
        return;
    }
    QPointer<TurnPassword> guard(this);
    m_store->writeTurnPassword(aor, password,
                               [guard, done = std::move(done)](SecretResult<void> written) {
                                   if (!guard) {
                                       return;
                                   }
                                   done(written ? QString()
                                                : tr("The TURN password was not stored in the "
                                                     "keychain (%1); it is used until Napkin "
                                                     "quits.")
                                                      .arg(written.error().message));
                               });
}

void TurnPassword::forget(const QString &aor, Done done) {
    set({});
    if (m_store == nullptr || !m_store->available()) {
        later(std::move(done), QString());
        return;
    }
    QPointer<TurnPassword> guard(this);
    m_store->deleteTurnPassword(aor, [guard, done = std::move(done)](SecretResult<void> deleted) {
        if (!guard) {
            return;
        }
        done(deleted ? QString()
                     : tr("The old TURN password could not be removed from the keychain: %1")
                           .arg(deleted.error().message));
    });
}

} // namespace napkin::app
