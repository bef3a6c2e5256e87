// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Who signed a body from the peer, judged the same way by both ends of a
// call: the caller judging the 200 OK's sealed offer, the callee judging the
// INVITE's signed identity body.
//
//   fetch the peer's published set (once per call; the caller starts it while
//   its INVITE is on the way)
//   no service at the peer's domain  -> the body must still verify against the
//                                       certificate it carries, which must name
//                                       the peer; the verdict is Unsigned
//                                       (nothing vouches for it), or Failed
//   the set could not be had         -> as with no service, but the verdict
//   (DNS, TLS, timeout, 5xx...)         is Unverifiable: not checked, which is
//                                       not the same as forged
//   the service lists no device      -> checked against an empty set: Failed
//   a set                            -> check against it; a signer missing from
//                                       it is asked about once more; Verified
//                                       (the sighting remembered), or Failed
//
// A claimed signer is only ever used to open or check a body; it never makes
// a verdict better than Unsigned (or Unverifiable).

#include "sipcore/CallHost.h"
#include "sipcore/CallPolicy.h"
#include "sipcore/CertificateSource.h"
#include "sipcore/SecureBody.h"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace napkin::sip {

/// What a body check proved: its signer, and the SDP it carried (sealed bodies).
struct CheckedBody {
    SignerProof signer;
    std::optional<std::string> sdp;     ///< decrypted: never log it
    std::optional<BodyBinding> binding; ///< a sealed body's, once checked
};

/// The outcome of a judgement: the verdict, and the checked body when the
/// body verified against a certificate (published, or the one it carries
/// when the domain has no service).
struct PeerJudgement {
    IdentityVerdict verdict;
    std::optional<CheckedBody> body;
};

class PeerIdentityCheck {
public:
    /// Checks the body against the certificates given.
    using BodyCheck =
        std::function<SecureBodyResult<CheckedBody>(std::span<const crypto::Certificate>)>;
    using Done = std::function<void(PeerJudgement)>;

    /// `aor` is the peer's address of record ("sip:bob@b.example").
    PeerIdentityCheck(CertificateSource &certificates, CallHost &host, std::string aor);
    ~PeerIdentityCheck();
    PeerIdentityCheck(const PeerIdentityCheck &) = delete;
    PeerIdentityCheck &operator=(const PeerIdentityCheck &) = delete;

    /// Starts fetching the peer's set (only once; judge() starts it too).
    void fetch();
    /// Judges `body` with `check` once the set is known (one judgement at a
    /// time). `done` runs once, possibly before judge() returns, and never
    /// after the object is destroyed.
    void judge(crypto::MimeBody body, BodyCheck check, Done done);
    /// Whether the peer is protected for this call: its domain published a
    /// non-empty set for the address (waits for the fetch), or this device
    /// saw a verified device of the address before. `done` runs once,
    /// possibly before protection() returns, never after destruction.
    void protection(std::function<void(PeerProtection)> done);

private:
    using Set = SourceResult<std::vector<crypto::Certificate>>;
    struct Pending {
        crypto::MimeBody body;
        BodyCheck check;
        Done done;
    };

    void onSet(Set set);
    [[nodiscard]] PeerProtection protectionNow() const;
    void judgeWith(const Set &set, Pending pending);
    void checkPublished(std::vector<crypto::Certificate> set, Pending pending);

    CertificateSource &m_certificates;
    CallHost &m_host;
    std::string m_aor;
    enum class Fetch { NotStarted, Running, Done };
    Fetch m_fetch = Fetch::NotStarted;
    std::optional<Set> m_set; ///< once Done
    std::optional<Pending> m_pending;
    std::vector<std::function<void(PeerProtection)>> m_protectionWaiters;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace napkin::sip
