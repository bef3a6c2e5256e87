// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The call history: one row per call, newest first, kept as JSON in
// <data dir>/history.json (written atomically after every change). A file
// that does not parse is moved aside (history.json.bad) with a warning; the
// app never crashes on it and never overwrites it silently.

#include "app/controllers/CallController.h"
#include "app/controllers/JsonListModel.h"

#include <QDateTime>
#include <QString>

#include <vector>

namespace napkin::app {

struct HistoryEntry {
    QString peer; ///< "sip:bob@b.example"
    CallController::Direction direction = CallController::Direction::Outgoing;
    QDateTime started;
    int durationSeconds = 0;
    CallController::Verdict verdict = CallController::Verdict::Pending;
    bool endToEnd = false;
    QString outcome; ///< answered | missed | rejected | failed
};

class HistoryModel : public JsonListModel {
    Q_OBJECT
public:
    enum Role {
        PeerRole = Qt::UserRole + 1,
        DirectionRole,    ///< int: CallController::Direction
        StartedRole,      ///< QDateTime
        DurationRole,     ///< int seconds
        VerdictRole,      ///< int: CallController::Verdict
        EndToEndRole,     ///< bool
        OutcomeRole,      ///< "answered", "missed", "rejected", "failed"
        VerdictTitleRole, ///< the verdict in words
        OutcomeTextRole,  ///< the outcome in words
    };
    Q_ENUM(Role)

    /// At most this many calls are kept (the oldest go first).
    static constexpr int maxEntries = 1000;

    /// `path` empty: memory only.
    explicit HistoryModel(QString path = {}, QObject *parent = nullptr);

    /// Reads the file (a missing file is an empty history). Returns a warning
    /// in words when the file was unusable and moved aside; empty otherwise.
    QString load();
    /// Adds a finished call at the top and saves.
    void add(const HistoryEntry &entry);
    /// The entry of a finished call.
    [[nodiscard]] static HistoryEntry entryOf(const CallController &call);
    Q_INVOKABLE void clear();

    [[nodiscard]] int count() const override { return static_cast<int>(m_entries.size()); }
    [[nodiscard]] const std::vector<HistoryEntry> &entries() const { return m_entries; }

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

private:
    void save();

    std::vector<HistoryEntry> m_entries;
};

} // namespace napkin::app
