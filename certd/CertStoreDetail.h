#pragma once

// Shared by the SQLite and PostgreSQL stores: what an enrolment does, decided
// from the AOR's current (unexpired) devices inside the locked transaction.

#include "certd/CertStore.h"

namespace napkin::certd::detail {

struct ExistingDevice {
    std::int64_t id = 0;
    std::string fingerprint;
    std::optional<std::string> instanceUrn;
};

struct EnrolPlan {
    EnrolOutcome outcome;
    std::optional<std::int64_t> refreshId; ///< same certificate again: only refresh enrolled_at
    std::optional<std::int64_t> replaceId; ///< same instance URN: delete this one, insert the new
};

[[nodiscard]] EnrolPlan planEnrol(const std::vector<ExistingDevice> &existing,
                                  const DeviceRecord &device, int maxDevices);

} // namespace napkin::certd::detail
