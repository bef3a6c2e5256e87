// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Shared by the SQLite and PostgreSQL stores: what an enrolment does, decided
// from the AOR's current (unexpired) devices inside the locked transaction.

#include "certd/CertStore.h"

namespace napkin::certd::detail {

struct ExistingDevice {
    std::int64_t id = 0;
    std::string fingerprint;
    std::optional<std::string> instanceUrn;
    crypto::Bytes der;
};

struct EnrolPlan {
    EnrolOutcome outcome;
    std::optional<std::int64_t> refreshId; ///< same certificate again: only refresh enrolled_at
    std::optional<std::int64_t> replaceId; ///< same instance URN and vouched for: delete this one
    /// Same instance URN but no key continuity proof by it: its fingerprint.
    /// The new certificate is added beside it (or refused at the limit).
    std::optional<std::string> urnConflict;
};

/// A certificate with the instance URN of an enrolled one replaces it only
/// when it carries a key continuity proof by that one's key (review M2: URNs
/// are public, so a URN alone would let a password holder evict a device).
[[nodiscard]] EnrolPlan planEnrol(const std::vector<ExistingDevice> &existing,
                                  const DeviceRecord &device, int maxDevices);

} // namespace napkin::certd::detail
