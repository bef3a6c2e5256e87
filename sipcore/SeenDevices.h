#pragma once

// The devices each contact has called from (or answered with), so that a
// verified call from a device never seen before for that address can say so:
// news, not an alarm. Kept as a small text file in the profile's state
// directory: one "<aor> <device>" line per device, where the device is its
// instance URN when the certificate carries one (so that re-enrolment with a
// fresh key is still the same device) and its fingerprint otherwise.

#include "crypto/Certificate.h"
#include "sipcore/IdentityVerdict.h"

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace napkin::sip {

struct SignerProof;

class SeenDevices {
public:
    /// How a sighting relates to what was seen before.
    enum class Sighting {
        FirstContact, ///< no device of this address was seen before
        Known,        ///< this device was seen before for this address
        NewDevice,    ///< the address used other devices before, never this one
    };

    /// `path` empty: kept in memory only.
    explicit SeenDevices(std::string path = {});

    /// Reads the file; a missing file is an empty store. An error (with the
    /// line number) when it cannot be read or a line is malformed; the store
    /// is then left empty.
    [[nodiscard]] Result<void, std::string> load();
    /// Writes the file atomically (mode 0600) when a sighting was recorded
    /// since the last successful save (or load). Does nothing when
    /// memory-only, or when nothing changed: a known device costs no write.
    [[nodiscard]] Result<void, std::string> save();

    /// Records that `aor` used `device` and says whether that was news.
    Sighting record(const std::string &aor, const std::string &device);
    [[nodiscard]] bool knows(const std::string &aor, const std::string &device) const;
    /// Some device of `aor` was seen verified before.
    [[nodiscard]] bool knowsAddress(const std::string &aor) const;
    [[nodiscard]] std::size_t contactCount() const { return m_devices.size(); }

    /// The instance URN of the certificate, else its fingerprint.
    [[nodiscard]] static std::string deviceKeyOf(const crypto::Certificate &certificate);

private:
    std::string m_path;
    std::map<std::string, std::set<std::string>> m_devices;
    bool m_unsaved = false; ///< a device was recorded and not written yet
};

/// The verdict for a signer whose signature checked out: Verified, or
/// VerifiedNewDevice when `aor` used other devices before. Records the
/// sighting (the caller saves the store).
[[nodiscard]] IdentityVerdict verifiedVerdict(const std::string &aor,
                                              const crypto::Certificate &signer, SeenDevices &seen);

} // namespace napkin::sip
