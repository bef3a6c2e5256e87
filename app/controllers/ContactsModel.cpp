// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/ContactsModel.h"

#include "crypto/NameMatch.h"
#include "crypto/Result.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

namespace napkin::app {

namespace {

constexpr int formatVersion = 1;
constexpr int maxNameLength = 200;

/// One contact of the file, or the reason it is not one.
Result<Contact, QString> contactFrom(const QJsonValue &value, int index) {
    const QJsonObject o = value.toObject();
    const QString name = o.value(QStringLiteral("name")).toString();
    const QString address =
        ContactsModel::normaliseAddress(o.value(QStringLiteral("address")).toString());
    if (!value.isObject() || name.size() > maxNameLength || address.isEmpty()) {
        return fail(ContactsModel::tr("contact %1 has no usable name and address").arg(index + 1));
    }
    return Contact{name, address};
}

} // namespace

ContactsModel::ContactsModel(QString path, QObject *parent)
    : JsonListModel(std::move(path), QStringLiteral("contacts"), formatVersion, parent) {}

QString ContactsModel::normaliseAddress(const QString &text, QString *error) {
    QString address = text.trimmed();
    if (address.isEmpty()) {
        if (error != nullptr) {
            *error = tr("Enter an address such as bob@example.org.");
        }
        return {};
    }
    if (address.size() > 512) {
        if (error != nullptr) {
            *error = tr("The address is too long.");
        }
        return {};
    }
    auto aor = crypto::parseAor(address.toStdString());
    if (!aor) {
        if (error != nullptr) {
            *error = tr("\"%1\" is not an address such as bob@example.org: %2")
                         .arg(text.trimmed(), QString::fromStdString(aor.error().message));
        }
        return {};
    }
    return QString::fromStdString(aor->uri());
}

QString ContactsModel::load() {
    return loadRows(m_contacts, maxContacts,
                    tr("it is not a Napkin address book (version %1)").arg(formatVersion),
                    contactFrom);
}

Result<void, QString> ContactsModel::add(const QString &name, const QString &address) {
    const QString trimmed = name.trimmed();
    if (trimmed.size() > maxNameLength) {
        return fail(tr("The name is too long (at most %1 characters).").arg(maxNameLength));
    }
    QString error;
    const QString normalised = normaliseAddress(address, &error);
    if (normalised.isEmpty()) {
        return fail(error);
    }
    for (const auto &c : m_contacts) {
        if (c.address.compare(normalised, Qt::CaseInsensitive) == 0) {
            return fail(tr("%1 is already in your contacts as \"%2\".").arg(normalised, c.name));
        }
    }
    if (count() >= maxContacts) {
        return fail(tr("The address book is full (%1 contacts).").arg(maxContacts));
    }
    const int row = count();
    beginInsertRows({}, row, row);
    m_contacts.push_back({trimmed.isEmpty() ? normalised.mid(4) : trimmed, normalised});
    endInsertRows();
    Q_EMIT countChanged();
    save();
    if (!lastError().isEmpty()) {
        return fail(lastError());
    }
    return {};
}

void ContactsModel::remove(int row) {
    if (row < 0 || row >= count()) {
        return;
    }
    beginRemoveRows({}, row, row);
    m_contacts.erase(m_contacts.begin() + row);
    endRemoveRows();
    Q_EMIT countChanged();
    save();
}

void ContactsModel::save() {
    QJsonArray list;
    for (const auto &c : m_contacts) {
        list.append(
            QJsonObject{{QStringLiteral("name"), c.name}, {QStringLiteral("address"), c.address}});
    }
    saveList(list);
}

QVariant ContactsModel::data(const QModelIndex &index, int role) const {
    const Contact *c = rowAt(m_contacts, index);
    if (c == nullptr) {
        return {};
    }
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return c->name;
    case AddressRole:
        return c->address;
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactsModel::roleNames() const {
    return {{NameRole, "name"}, {AddressRole, "address"}};
}

} // namespace napkin::app
