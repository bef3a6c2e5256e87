// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Whether the user's certificate service still lists one of this device's
// certificates: asked before a stored certificate is sent again at start-up,
// so that a device revoked while it was switched off does not put the revoked
// key back on the list (the service would accept the PUT: the password is
// still good). An unauthenticated GET of the address's set, as any caller
// makes.

#include "crypto/Certificate.h"
#include "crypto/NameMatch.h"
#include "sipcore/discovery/DiscoveryError.h"

#include <QString>

#include <functional>
#include <vector>

namespace napkin::discovery {

class ServiceClient;
struct HttpResponse;

/// "/search-cgi?sip=user%40host": where the service keeps `aor`'s set.
[[nodiscard]] QByteArray searchTarget(const crypto::Aor &aor);

/// Listed or not, from the service's answer to GET /search-cgi?sip=ADDRESS:
/// a set that names `fingerprint` (true), a set without it or "no
/// certificate for this address" (false), or an error (anything else,
/// including a 404 for a domain the service does not serve).
[[nodiscard]] DiscoveryResult<bool> listedIn(const HttpResponse &response, const crypto::Aor &aor,
                                             const QString &fingerprint);

/// The certificates the service lists for `aor` (empty when it lists none).
[[nodiscard]] DiscoveryResult<std::vector<crypto::Certificate>>
listedSet(const HttpResponse &response, const crypto::Aor &aor);

/// Asks the service of `aor`'s domain for its set; `done` runs later, once.
void askSet(ServiceClient &client, const crypto::Aor &aor,
            std::function<void(DiscoveryResult<std::vector<crypto::Certificate>>)> done);

/// Asks the service of `aor`'s domain; `done` runs later, once.
void askListed(ServiceClient &client, const crypto::Aor &aor, const QString &fingerprint,
               std::function<void(DiscoveryResult<bool>)> done);

} // namespace napkin::discovery
