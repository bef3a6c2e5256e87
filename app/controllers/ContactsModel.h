// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The address book: a name and an address of record per row, kept as JSON in
// <data dir>/contacts.json (atomic writes; a file that does not parse is
// moved aside to contacts.json.bad with a warning).

#include "app/controllers/JsonListModel.h"
#include "crypto/Result.h"

#include <QString>

#include <vector>

namespace napkin::app {

struct Contact {
    QString name;
    QString address; ///< normalised: "sip:bob@b.example"
};

class ContactsModel : public JsonListModel {
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, AddressRole };
    Q_ENUM(Role)

    static constexpr int maxContacts = 10000;

    /// `path` empty: memory only.
    explicit ContactsModel(QString path = {}, QObject *parent = nullptr);

    /// Reads the file; a warning in words when it was unusable and moved aside.
    QString load();
    /// Adds a contact and saves. The reason in words when the name or address
    /// is not acceptable, or when saving failed (the contact is then added
    /// but not yet saved).
    [[nodiscard]] Q_INVOKABLE Result<void, QString> add(const QString &name,
                                                        const QString &address);
    Q_INVOKABLE void remove(int row);

    /// "bob@b.example" or "sip:bob@b.example" -> "sip:bob@b.example"; the
    /// reason in words in `error` (and an empty result) when it is not an address.
    [[nodiscard]] static QString normaliseAddress(const QString &text, QString *error = nullptr);

    [[nodiscard]] int count() const override { return static_cast<int>(m_contacts.size()); }
    [[nodiscard]] const std::vector<Contact> &contacts() const { return m_contacts; }

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

private:
    void save();

    std::vector<Contact> m_contacts;
};

} // namespace napkin::app
