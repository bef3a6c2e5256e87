// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The devices each contact has called from (or answered with), so that a
// verified call from a device never seen before for that address can say so:
// news, not an alarm. A device is its instance URN when the certificate
// carries one, else its fingerprint. A URN alone proves nothing (it is public,
// in every published certificate; review M2), so for a URN the certificate
// last seen verified is kept too: a new key counts as the same device only
// when the new certificate carries a key continuity proof by that
// certificate's key (crypto/KeyContinuity.h).
//
// Kept as a small text file (0600, written atomically) in the profile's
// state directory, one line per device:
//   <aor> <fingerprint>                                 a device without URN
//   <aor> <urn> <fingerprint> <base64 certificate DER>  a device with URN
// Lines "<aor> <urn>" (files before key continuity) load as "known device,
// key unknown": its next key is news once, then remembered.

#include "crypto/Certificate.h"
#include "sipcore/IdentityVerdict.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace napkin::sip {

struct SignerProof;

class SeenDevices {
public:
    /// How a sighting relates to what was seen before.
    enum class Sighting {
        FirstContact, ///< no device of this address was seen before
        Known,        ///< this device was seen before for this address (same key)
        Renewed,      ///< a known device with a new key that its previous key vouched for
        NewDevice,    ///< the address used other devices before, never this one
        NewKey,       ///< a known device URN with a new key its previous key did not vouch
                      ///< for (or whose previous key was not recorded)
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

    /// Records that `aor` used `device` (a URN or fingerprint, without its
    /// certificate) and says whether that was news.
    Sighting record(const std::string &aor, const std::string &device);
    /// Records that `aor` used the device of `certificate` (verified) and
    /// says whether that was news; remembers the certificate of a URN device.
    Sighting recordCertificate(const std::string &aor, const crypto::Certificate &certificate);
    /// The certificate last seen verified for a URN device, if recorded.
    [[nodiscard]] std::optional<crypto::Certificate> lastCertificate(const std::string &aor,
                                                                     const std::string &urn) const;
    [[nodiscard]] bool knows(const std::string &aor, const std::string &device) const;
    /// Some device of `aor` was seen verified before.
    [[nodiscard]] bool knowsAddress(const std::string &aor) const;
    [[nodiscard]] std::size_t contactCount() const { return m_devices.size(); }

    /// The instance URN of the certificate, else its fingerprint.
    [[nodiscard]] static std::string deviceKeyOf(const crypto::Certificate &certificate);

private:
    using Devices = std::map<std::string, std::optional<crypto::Certificate>>;
    std::string m_path;
    std::map<std::string, Devices> m_devices;
    bool m_unsaved = false; ///< a device was recorded and not written yet
};

/// The verdict for a signer whose signature checked out: Verified (first
/// contact, a known device, or a known device renewed with a key continuity
/// proof), or VerifiedNewDevice when `aor` used other devices before, or when
/// a known device URN comes with a key its previous key did not vouch for
/// (then `reason` says so). Records the sighting (the caller saves the store).
[[nodiscard]] IdentityVerdict verifiedVerdict(const std::string &aor,
                                              const crypto::Certificate &signer, SeenDevices &seen);

} // namespace napkin::sip
