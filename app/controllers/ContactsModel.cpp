#include "app/controllers/ContactsModel.h"

#include "app/controllers/JsonFileStore.h"
#include "crypto/NameMatch.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

namespace napkin::app {

namespace {

constexpr int formatVersion = 1;
constexpr int maxNameLength = 200;

} // namespace

ContactsModel::ContactsModel(QString path, QObject *parent)
    : QAbstractListModel(parent), m_path(std::move(path)) {}

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
    beginResetModel();
    m_contacts.clear();
    QString warning;
    if (!m_path.isEmpty()) {
        JsonFileStore store(m_path);
        auto loaded = store.load();
        warning = loaded.warning;
        if (loaded.document) {
            const QJsonObject root = loaded.document->object();
            const QJsonValue list = root.value(QStringLiteral("contacts"));
            if (!loaded.document->isObject() ||
                root.value(QStringLiteral("version")).toInt() != formatVersion || !list.isArray()) {
                warning = store.moveAside(
                    tr("it is not a Napkin address book (version %1)").arg(formatVersion));
            } else {
                const QJsonArray array = list.toArray();
                std::vector<Contact> contacts;
                for (int i = 0; i < array.size() && i < maxContacts; ++i) {
                    const QJsonObject o = array.at(i).toObject();
                    const QString name = o.value(QStringLiteral("name")).toString();
                    QString why;
                    const QString address =
                        normaliseAddress(o.value(QStringLiteral("address")).toString(), &why);
                    if (!array.at(i).isObject() || name.size() > maxNameLength ||
                        address.isEmpty()) {
                        contacts.clear();
                        warning = store.moveAside(
                            tr("contact %1 has no usable name and address").arg(i + 1));
                        break;
                    }
                    contacts.push_back({name, address});
                }
                m_contacts = std::move(contacts);
            }
        }
    }
    endResetModel();
    Q_EMIT countChanged();
    if (!warning.isEmpty()) {
        Q_EMIT this->warning(warning);
    }
    return warning;
}

QString ContactsModel::add(const QString &name, const QString &address) {
    const QString trimmed = name.trimmed();
    if (trimmed.size() > maxNameLength) {
        return tr("The name is too long (at most %1 characters).").arg(maxNameLength);
    }
    QString error;
    const QString normalised = normaliseAddress(address, &error);
    if (normalised.isEmpty()) {
        return error;
    }
    for (const auto &c : m_contacts) {
        if (c.address.compare(normalised, Qt::CaseInsensitive) == 0) {
            return tr("%1 is already in your contacts as \"%2\".").arg(normalised, c.name);
        }
    }
    if (count() >= maxContacts) {
        return tr("The address book is full (%1 contacts).").arg(maxContacts);
    }
    const int row = count();
    beginInsertRows({}, row, row);
    m_contacts.push_back({trimmed.isEmpty() ? normalised.mid(4) : trimmed, normalised});
    endInsertRows();
    Q_EMIT countChanged();
    save();
    return m_lastError;
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
    QJsonObject root{{QStringLiteral("version"), formatVersion},
                     {QStringLiteral("contacts"), list}};
    m_lastError = JsonFileStore(m_path).save(QJsonDocument(root));
    if (!m_lastError.isEmpty()) {
        Q_EMIT warning(m_lastError);
    }
}

int ContactsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : count();
}

QVariant ContactsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() < 0 || index.row() >= count()) {
        return {};
    }
    const Contact &c = m_contacts[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return c.name;
    case AddressRole:
        return c.address;
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactsModel::roleNames() const {
    return {{NameRole, "name"}, {AddressRole, "address"}};
}

} // namespace napkin::app
