// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Where the user agent gets a peer's published device certificates. The
// agent uses napkin_discovery's CertificateDirectory (DirectoryCertificates);
// tests may use a fixed table (FixedCertificates). Callbacks always run later
// on the caller's thread, never inside the call.

#include "crypto/Certificate.h"
#include "crypto/Result.h"

#include <functional>
#include <string>
#include <vector>

namespace napkin::sip {

struct SourceError {
    enum class Kind {
        NoService, ///< the domain publishes no certificate service: calls are unsigned
        NotListed, ///< the service does not list the certificate asked about
        Empty,     ///< the service answered: it publishes no certificate for the address
        Failed,    ///< could not be had: the service or DNS is down, timed out, or answered
                   ///< nonsense. Says nothing about the peer (an identity "not checked").
    };
    Kind kind = Kind::Failed;
    std::string message; ///< in words, naming the domain
};

template <typename T> using SourceResult = Result<T, SourceError>;

class CertificateSource {
public:
    using SetCallback = std::function<void(SourceResult<std::vector<crypto::Certificate>>)>;
    using CertificateCallback = std::function<void(SourceResult<crypto::Certificate>)>;

    virtual ~CertificateSource() = default;

    /// The published set of `aor` ("sip:bob@b.example"), from a cache when fresh.
    virtual void fetch(const std::string &aor, SetCallback done) = 0;
    /// Signalling showed `fingerprint` for `aor` and the set lacked it: the
    /// certificate if the service lists it when asked again now, NotListed
    /// otherwise.
    virtual void refreshIfUnknown(const std::string &aor, const std::string &fingerprint,
                                  CertificateCallback done) = 0;
    /// The source for fetches that someone else's request starts (an incoming
    /// INVITE names any domain it likes). A source that limits how often it
    /// asks a domain's service (DirectoryCertificates) charges those to their
    /// own budget, so that a flood of INVITEs never starves this device's own
    /// calls; this one by default.
    [[nodiscard]] virtual CertificateSource &forPeerRequests() { return *this; }
};

} // namespace napkin::sip
