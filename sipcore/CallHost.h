// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What a call needs from the agent that owns it, and nothing more. The agent
// (UserAgent) implements it; a Call never reaches into its owner otherwise.

#include "crypto/Certificate.h"
#include "sipcore/DigestRealm.h"
#include "sipcore/IdentityVerdict.h"

#include <string>

struct sip_s;

namespace napkin::sip {

class Call;

class CallHost {
public:
    virtual ~CallHost() = default;

    /// This account's From header with `tag`: "Alice" <sip:alice@a.example>;tag=...
    [[nodiscard]] virtual std::string fromHeader(const std::string &tag) const = 0;
    /// The Contact this device puts in its requests.
    [[nodiscard]] virtual const std::string &contact() const = 0;
    /// nua's credentials ("Digest:\"realm\":user:password") answering the
    /// 401/407 `challenge` from `asker` (in words: "b.example's proxy"), or
    /// why this account does not answer it (a realm not its own).
    [[nodiscard]] virtual Result<std::string, RealmRefusal>
    credentialsFor(const sip_s *challenge, const std::string &asker) const = 0;
    /// `device`, vouched for by `aor`'s domain, signed this call: the verdict
    /// (Verified, or VerifiedNewDevice when the address used other devices
    /// before), with the sighting remembered.
    [[nodiscard]] virtual IdentityVerdict verifiedDevice(const std::string &aor,
                                                         const crypto::Certificate &device) = 0;
    /// This account's address of record ("sip:bob@b.example").
    [[nodiscard]] virtual const std::string &accountAor() const = 0;
    /// A signed request identified by `key` (its signed Call-ID, From and
    /// CSeq) verified now: false when the same one was seen within the
    /// signature window (a replay).
    [[nodiscard]] virtual bool firstSighting(const std::string &key) = 0;
    /// This device saw a verified device of `aor` before (in any call).
    [[nodiscard]] virtual bool sawVerified(const std::string &aor) const = 0;
    /// `call` reported ended(): the host gives its handle back and deletes it later.
    virtual void callEnded(Call *call) = 0;
};

} // namespace napkin::sip
