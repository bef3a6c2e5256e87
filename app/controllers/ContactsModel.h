#pragma once

// The address book: a name and an address of record per row, kept as JSON in
// <data dir>/contacts.json (atomic writes; a file that does not parse is
// moved aside to contacts.json.bad with a warning).

#include <QAbstractListModel>
#include <QString>

#include <vector>

namespace napkin::app {

struct Contact {
    QString name;
    QString address; ///< normalised: "sip:bob@b.example"
};

class ContactsModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)
public:
    enum Role { NameRole = Qt::UserRole + 1, AddressRole };
    Q_ENUM(Role)

    static constexpr int maxContacts = 10000;

    /// `path` empty: memory only.
    explicit ContactsModel(QString path = {}, QObject *parent = nullptr);

    /// Reads the file; a warning in words when it was unusable and moved aside.
    QString load();
    /// Adds a contact. Returns the reason in words when the name or address
    /// is not acceptable (empty on success). Saves.
    Q_INVOKABLE QString add(const QString &name, const QString &address);
    Q_INVOKABLE void remove(int row);

    /// "bob@b.example" or "sip:bob@b.example" -> "sip:bob@b.example"; the
    /// reason in words in `error` (and an empty result) when it is not an address.
    [[nodiscard]] static QString normaliseAddress(const QString &text, QString *error = nullptr);

    [[nodiscard]] int count() const { return static_cast<int>(m_contacts.size()); }
    [[nodiscard]] const std::vector<Contact> &contacts() const { return m_contacts; }
    [[nodiscard]] const QString &lastError() const { return m_lastError; }

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void countChanged();
    void warning(const QString &message);

private:
    void save();

    QString m_path;
    std::vector<Contact> m_contacts;
    QString m_lastError;
};

} // namespace napkin::app
