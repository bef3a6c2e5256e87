// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/HistoryModel.h"

#include "crypto/Result.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace napkin::app {

namespace {

constexpr int formatVersion = 1;
constexpr int maxPeerLength = 512;
constexpr int maxDurationSeconds = 31 * 24 * 3600;

QString directionName(CallController::Direction direction) {
    return direction == CallController::Direction::Incoming ? QStringLiteral("incoming")
                                                            : QStringLiteral("outgoing");
}

QString verdictName(CallController::Verdict verdict) {
    switch (verdict) {
    case CallController::Verdict::Pending:
        return QStringLiteral("pending");
    case CallController::Verdict::Verified:
        return QStringLiteral("verified");
    case CallController::Verdict::NewDevice:
        return QStringLiteral("new-device");
    case CallController::Verdict::Unverified:
        return QStringLiteral("unverified");
    case CallController::Verdict::Failed:
        return QStringLiteral("failed");
    case CallController::Verdict::Unverifiable:
        return QStringLiteral("unverifiable");
    }
    return QStringLiteral("pending");
}

std::optional<CallController::Verdict> verdictFromName(const QString &name) {
    for (auto v : {CallController::Verdict::Pending, CallController::Verdict::Verified,
                   CallController::Verdict::NewDevice, CallController::Verdict::Unverified,
                   CallController::Verdict::Failed, CallController::Verdict::Unverifiable}) {
        if (verdictName(v) == name) {
            return v;
        }
    }
    return std::nullopt;
}

bool isOutcome(const QString &outcome) {
    return outcome == QLatin1String("answered") || outcome == QLatin1String("missed") ||
           outcome == QLatin1String("rejected") || outcome == QLatin1String("failed");
}

QString outcomeText(const QString &outcome) {
    if (outcome == QLatin1String("answered")) {
        return HistoryModel::tr("Answered");
    }
    if (outcome == QLatin1String("missed")) {
        return HistoryModel::tr("Missed");
    }
    if (outcome == QLatin1String("rejected")) {
        return HistoryModel::tr("Rejected");
    }
    return HistoryModel::tr("Failed");
}

/// One entry of the file, or the reason it is not one.
Result<HistoryEntry, QString> entryFrom(const QJsonValue &value, int index) {
    const auto bad = [index](const QString &what) {
        return fail(HistoryModel::tr("entry %1 %2").arg(index + 1).arg(what));
    };
    if (!value.isObject()) {
        return bad(HistoryModel::tr("is not an object"));
    }
    const QJsonObject o = value.toObject();
    HistoryEntry e;
    const QJsonValue peer = o.value(QStringLiteral("peer"));
    if (!peer.isString() || peer.toString().isEmpty() || peer.toString().size() > maxPeerLength) {
        return bad(HistoryModel::tr("has no usable peer address"));
    }
    e.peer = peer.toString();
    const QString direction = o.value(QStringLiteral("direction")).toString();
    if (direction == QLatin1String("incoming")) {
        e.direction = CallController::Direction::Incoming;
    } else if (direction == QLatin1String("outgoing")) {
        e.direction = CallController::Direction::Outgoing;
    } else {
        return bad(HistoryModel::tr("has no direction (incoming or outgoing)"));
    }
    e.started =
        QDateTime::fromString(o.value(QStringLiteral("started")).toString(), Qt::ISODateWithMs);
    if (!e.started.isValid()) {
        return bad(HistoryModel::tr("has no valid start time"));
    }
    const QJsonValue duration = o.value(QStringLiteral("duration"));
    const double seconds = duration.toDouble(-1);
    if (!duration.isDouble() || seconds < 0 || seconds > maxDurationSeconds ||
        seconds != static_cast<double>(static_cast<int>(seconds))) {
        return bad(HistoryModel::tr("has no valid duration"));
    }
    e.durationSeconds = static_cast<int>(seconds);
    const auto verdict = verdictFromName(o.value(QStringLiteral("verdict")).toString());
    if (!verdict) {
        return bad(HistoryModel::tr("has an unknown verdict"));
    }
    e.verdict = *verdict;
    const QJsonValue e2e = o.value(QStringLiteral("e2e"));
    if (!e2e.isBool()) {
        return bad(HistoryModel::tr("does not say whether it was end-to-end"));
    }
    e.endToEnd = e2e.toBool();
    e.outcome = o.value(QStringLiteral("outcome")).toString();
    if (!isOutcome(e.outcome)) {
        return bad(HistoryModel::tr("has an unknown outcome"));
    }
    return e;
}

} // namespace

HistoryModel::HistoryModel(QString path, QObject *parent)
    : JsonListModel(std::move(path), QStringLiteral("calls"), formatVersion, parent) {}

QString HistoryModel::load() {
    return loadRows(m_entries, maxEntries,
                    tr("it is not a Napkin call history (version %1)").arg(formatVersion),
                    entryFrom);
}

void HistoryModel::add(const HistoryEntry &entry) {
    beginInsertRows({}, 0, 0);
    m_entries.insert(m_entries.begin(), entry);
    endInsertRows();
    if (count() > maxEntries) {
        beginRemoveRows({}, maxEntries, count() - 1);
        m_entries.resize(maxEntries);
        endRemoveRows();
    }
    Q_EMIT countChanged();
    save();
}

HistoryEntry HistoryModel::entryOf(const CallController &call) {
    HistoryEntry e;
    e.peer = call.peer();
    e.direction = call.direction();
    e.started = call.started();
    e.durationSeconds = call.durationSeconds();
    e.verdict = call.verdict();
    e.endToEnd = call.endToEnd();
    e.outcome = call.outcome().isEmpty() ? QStringLiteral("failed") : call.outcome();
    return e;
}

void HistoryModel::clear() {
    beginResetModel();
    m_entries.clear();
    endResetModel();
    Q_EMIT countChanged();
    save();
}

void HistoryModel::save() {
    QJsonArray calls;
    for (const auto &e : m_entries) {
        calls.append(
            QJsonObject{{QStringLiteral("peer"), e.peer},
                        {QStringLiteral("direction"), directionName(e.direction)},
                        {QStringLiteral("started"), e.started.toUTC().toString(Qt::ISODateWithMs)},
                        {QStringLiteral("duration"), e.durationSeconds},
                        {QStringLiteral("verdict"), verdictName(e.verdict)},
                        {QStringLiteral("e2e"), e.endToEnd},
                        {QStringLiteral("outcome"), e.outcome}});
    }
    saveList(calls);
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const {
    const HistoryEntry *row = rowAt(m_entries, index);
    if (row == nullptr) {
        return {};
    }
    const HistoryEntry &e = *row;
    switch (role) {
    case Qt::DisplayRole:
    case PeerRole:
        return e.peer;
    case DirectionRole:
        return static_cast<int>(e.direction);
    case StartedRole:
        return e.started;
    case DurationRole:
        return e.durationSeconds;
    case VerdictRole:
        return static_cast<int>(e.verdict);
    case EndToEndRole:
        return e.endToEnd;
    case OutcomeRole:
        return e.outcome;
    case VerdictTitleRole:
        return CallController::verdictTitleFor(e.verdict);
    case OutcomeTextRole:
        return outcomeText(e.outcome);
    default:
        return {};
    }
}

QHash<int, QByteArray> HistoryModel::roleNames() const {
    return {{PeerRole, "peer"},
            {DirectionRole, "direction"},
            {StartedRole, "started"},
            {DurationRole, "duration"},
            {VerdictRole, "verdict"},
            {EndToEndRole, "endToEnd"},
            {OutcomeRole, "outcome"},
            {VerdictTitleRole, "verdictTitle"},
            {OutcomeTextRole, "outcomeText"}};
}

} // namespace napkin::app
