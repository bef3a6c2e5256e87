// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A request that needs the user's password (enrol, revoke): HTTP Digest
// against the certificate service, answering its challenge and retrying once
// more when the service says the nonce went stale.

#include "sipcore/discovery/DigestAuth.h"
#include "sipcore/discovery/ServiceClient.h"

#include <memory>

namespace napkin::discovery {

/// Sends `request` to `domain`'s service with Digest credentials from
/// `session`. The callback gets the final response (a 401 when the
/// credentials are wrong), or AuthFailed when the service's challenge is
/// malformed or offers nothing we support, or the transport's error.
void sendWithDigest(ServiceClient &client, const QString &domain,
                    std::shared_ptr<DigestSession> session, HttpRequest request,
                    ServiceClient::ResponseCallback done);

} // namespace napkin::discovery
