// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The device certificates the user knows about on their own address: the
// ones this client enrolled, and the ones the user acknowledged. Anything else
// that shows up in the own set is an "unknown device on your address".
// Persisted as a small text file in the profile's state directory.

#include "sipcore/discovery/DiscoveryError.h"

#include <QString>

#include <map>

namespace napkin::discovery {

class KnownDevices {
public:
    enum class Origin { Ours, Acknowledged };

    /// `path` empty: kept in memory only.
    explicit KnownDevices(QString path = {});

    /// Reads the file; a missing file is an empty list. LocalFailure when it
    /// cannot be read or a line is malformed (the line number is in the message).
    [[nodiscard]] DiscoveryResult<void> load();
    /// Writes the file atomically, mode 0600.
    [[nodiscard]] DiscoveryResult<void> save() const;

    void markOurs(const QString &fingerprint);
    void acknowledge(const QString &fingerprint);
    [[nodiscard]] bool isKnown(const QString &fingerprint) const;
    [[nodiscard]] bool isOurs(const QString &fingerprint) const;
    [[nodiscard]] std::size_t size() const { return m_entries.size(); }

    /// "sha256:" and 64 lower-case hex digits.
    [[nodiscard]] static bool isFingerprint(const QString &text);

private:
    QString m_path;
    std::map<QString, Origin> m_entries;
};

} // namespace napkin::discovery
