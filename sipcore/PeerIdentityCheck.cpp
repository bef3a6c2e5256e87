// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/PeerIdentityCheck.h"

namespace napkin::sip {

namespace {

PeerJudgement failed(const std::string &aor, const SecureBodyError &error) {
    return {IdentityVerdict::failedBecause(aor, error.code, error.message), std::nullopt};
}

} // namespace

PeerIdentityCheck::PeerIdentityCheck(CertificateSource &certificates, CallHost &host,
                                     std::string aor)
    : m_certificates(certificates), m_host(host), m_aor(std::move(aor)) {}

PeerIdentityCheck::~PeerIdentityCheck() {
    *m_alive = false;
}

void PeerIdentityCheck::fetch() {
    if (m_fetch != Fetch::NotStarted) {
        return;
    }
    m_fetch = Fetch::Running;
    std::weak_ptr<bool> alive = m_alive;
    m_certificates.fetch(m_aor, [this, alive](Set set) {
        if (!alive.expired()) {
            onSet(std::move(set));
        }
    });
}

void PeerIdentityCheck::judge(crypto::MimeBody body, BodyCheck check, Done done) {
    Pending pending{std::move(body), std::move(check), std::move(done)};
    if (m_fetch == Fetch::Done) {
        judgeWith(*m_set, std::move(pending));
        return;
    }
    m_pending = std::move(pending);
    fetch();
}

void PeerIdentityCheck::protection(std::function<void(PeerProtection)> done) {
    if (m_fetch == Fetch::Done) {
        done(protectionNow());
        return;
    }
    m_protectionWaiters.push_back(std::move(done));
    fetch();
}

PeerProtection PeerIdentityCheck::protectionNow() const {
    const auto aor = crypto::parseAor(m_aor);
    const std::string address = aor ? aor->user + "@" + aor->host : m_aor;
    const std::string domain = aor ? aor->host : m_aor;
    if (m_set && *m_set && !m_set->value().empty()) {
        return {true, domain + " publishes certificates for " + address, false};
    }
    if (m_host.sawVerified(m_aor)) {
        return {true, "this device has had verified calls with " + address + " before", false};
    }
    if (m_set && !*m_set && m_set->error().kind == SourceError::Kind::Failed) {
        return {true,
                "whether " + domain + " publishes certificates for " + address +
                    " could not be checked (" + m_set->error().message + ")",
                true};
    }
    return {false, {}, false};
}

void PeerIdentityCheck::onSet(Set set) {
    m_fetch = Fetch::Done;
    m_set = std::move(set);
    auto waiters = std::move(m_protectionWaiters);
    m_protectionWaiters.clear();
    std::weak_ptr<bool> alive = m_alive;
    for (auto &waiter : waiters) {
        if (alive.expired()) {
            return;
        }
        waiter(protectionNow());
    }
    if (m_pending) {
        Pending pending = std::move(*m_pending);
        m_pending.reset();
        judgeWith(*m_set, std::move(pending));
    }
}

void PeerIdentityCheck::judgeWith(const Set &set, Pending pending) {
    if (set) {
        checkPublished(set.value(), std::move(pending));
        return;
    }
    const SourceError &error = set.error();
    if (error.kind == SourceError::Kind::Empty) {
        // The service answered that it lists no device for the address: a
        // body signed in its name is signed by a device it does not list.
        checkPublished({}, std::move(pending));
        return;
    }
    // No service at the peer's domain, or its certificates could not be had:
    // nothing vouches for the signer. The body must still be sound against
    // the certificate it carries (which must name the peer), so a tampered
    // body is not mistaken for a merely unchecked one; the verdict never gets
    // better than Unsigned (no service) or Unverifiable (could not check).
    const bool noService = error.kind == SourceError::Kind::NoService;
    const auto verdict = [&] {
        return noService ? IdentityVerdict::unsignedBecause(m_aor, error.message)
                         : IdentityVerdict::unverifiableBecause(
                               m_aor, "the signature could not be checked: " + error.message);
    };
    auto claimed = claimedSigner(pending.body);
    if (!claimed) {
        pending.done({verdict(), std::nullopt});
        return;
    }
    const crypto::Certificate only[] = {*claimed};
    auto checked = pending.check(only);
    if (!checked) {
        pending.done(failed(m_aor, checked.error()));
        return;
    }
    pending.done({verdict(), std::move(checked).value()});
}

void PeerIdentityCheck::checkPublished(std::vector<crypto::Certificate> set, Pending pending) {
    auto first = pending.check(set);
    if (first) {
        auto verdict = m_host.verifiedDevice(m_aor, first->signer.certificate);
        pending.done({std::move(verdict), std::move(first).value()});
        return;
    }
    auto claimed = first.error().code == IdentityFailure::SignerNotListed
                       ? claimedSigner(pending.body)
                       : std::nullopt;
    if (!claimed) {
        pending.done(failed(m_aor, first.error()));
        return;
    }
    // The signer is missing from the set (a cached one, or a device enrolled
    // a moment ago): ask the service about that certificate once.
    std::weak_ptr<bool> alive = m_alive;
    m_certificates.refreshIfUnknown(
        m_aor, claimed->fingerprint(),
        [this, alive, first = std::move(first).error(), set = std::move(set),
         pending = std::move(pending)](SourceResult<crypto::Certificate> refreshed) mutable {
            if (alive.expired()) {
                return;
            }
            if (!refreshed) {
                first.message +=
                    " (asked the certificate service again: " + refreshed.error().message + ")";
                pending.done(failed(m_aor, first));
                return;
            }
            set.push_back(std::move(refreshed).value());
            auto second = pending.check(set);
            if (!second) {
                pending.done(failed(m_aor, second.error()));
                return;
            }
            auto verdict = m_host.verifiedDevice(m_aor, second->signer.certificate);
            pending.done({std::move(verdict), std::move(second).value()});
        });
}

} // namespace napkin::sip
