// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Two (or more) real Sofia-SIP user agents in one test process, over
// loopback, without any proxy: one Party per agent, with everything it needs
// and a record of what its calls reported.

#include "crypto/DeviceIdentity.h"
#include "sipcore/FixedCertificates.h"
#include "sipcore/KeysOnlySdpFactory.h"
#include "sipcore/SofiaRoot.h"
#include "sipcore/UserAgent.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <string>
#include <vector>

namespace napkin::sip::testing {

inline std::shared_ptr<const crypto::DeviceIdentity> makeIdentity(const std::string &aor,
                                                                  const std::string &instance) {
    crypto::IdentityOptions options;
    options.aor = aor;
    options.instanceUrn = instance;
    auto identity = crypto::createDeviceIdentity(options);
    if (!identity) {
        qFatal("cannot create an identity: %s", identity.error().message.c_str());
    }
    return std::make_shared<const crypto::DeviceIdentity>(std::move(identity).value());
}

/// One agent with everything it needs, and a record of what it reported.
struct Party {
    Party(SofiaRoot &root, CertificateSource &certificates, const std::string &aor,
          PolicySettings policy = {}, int maxCheckingCalls = 16)
        : media("127.0.0.1", 42000),
          agent(root, settingsFor(aor, policy, maxCheckingCalls), certificates, media, seen) {
        QObject::connect(&agent, &UserAgent::incomingCall, &agent, [this](Call *call) {
            incoming.push_back(call);
            watch(call);
        });
        QObject::connect(&agent, &UserAgent::outgoingCall, &agent,
                         [this](Call *call) { watch(call); });
    }

    static UserAgentSettings settingsFor(const std::string &aor, PolicySettings policy,
                                         int maxCheckingCalls = 16) {
        UserAgentSettings s;
        s.maxCheckingCalls = maxCheckingCalls;
        s.aor = aor;
        s.bindUrl = "sip:127.0.0.1:*";
        s.instanceUrn =
            "urn:uuid:00000000-0000-4000-8000-" + std::to_string(aor.size()) + "00000000000";
        s.policy = policy;
        return s;
    }

    void watch(Call *call) {
        QObject::connect(call, &Call::stateChanged, &agent, [this, call](Call::State state) {
            states.push_back(state);
            if (state == Call::State::Ringing && autoAnswer &&
                call->direction() == Call::Direction::Incoming) {
                call->answer();
            }
        });
        QObject::connect(call, &Call::identityChecked, &agent,
                         [this](const IdentityVerdict &v) { verdicts.push_back(v); });
        QObject::connect(call, &Call::mediaReady, &agent,
                         [this](const NegotiatedMedia &m, bool e2e) {
                             media_.push_back(m);
                             e2es.push_back(e2e);
                         });
        QObject::connect(call, &Call::ended, &agent,
                         [this](const CallEnd &end) { ends.push_back(end); });
        QObject::connect(call, &Call::plainCallConsentNeeded, &agent,
                         [this](const QString &question) { questions.push_back(question); });
    }

    /// "sip:bob@127.0.0.1:PORT": where a direct INVITE reaches this agent.
    [[nodiscard]] std::string directUri() const {
        const std::string &c = agent.contact();
        const auto start = c.find('<') + 1;
        const auto end = c.find('>');
        std::string uri = c.substr(start, end - start);
        return uri;
    }

    KeysOnlySdpFactory media;
    SeenDevices seen;
    UserAgent agent;
    bool autoAnswer = true;
    std::vector<Call *> incoming;
    std::vector<Call::State> states;
    std::vector<IdentityVerdict> verdicts;
    std::vector<NegotiatedMedia> media_;
    std::vector<bool> e2es;
    std::vector<CallEnd> ends;
    std::vector<QString> questions; ///< plainCallConsentNeeded()
};

inline bool startAndWait(Party &party) {
    QSignalSpy ready(&party.agent, &UserAgent::ready);
    if (auto started = party.agent.start(); !started) {
        qWarning("start failed: %s", started.error().message.c_str());
        return false;
    }
    return ready.wait(5000) || party.agent.isReady();
}

inline void shutDown(Party &party) {
    QSignalSpy done(&party.agent, &UserAgent::shutdownFinished);
    party.agent.shutdown();
    QVERIFY(done.wait(10000));
}

/// The Sofia root and alice's and bob's device identities of a two-agent test.
struct TwoDevices {
    std::unique_ptr<SofiaRoot> root;
    std::shared_ptr<const crypto::DeviceIdentity> alice;
    std::shared_ptr<const crypto::DeviceIdentity> bob;

    /// Starts Sofia and makes both identities; empty, or why Sofia did not start.
    [[nodiscard]] std::string start() {
        auto started = SofiaRoot::create();
        if (!started) {
            return started.error();
        }
        root = std::move(started).value();
        alice =
            makeIdentity("sip:alice@a.example", "urn:uuid:a11ce000-0000-4000-8000-000000000001");
        bob = makeIdentity("sip:bob@b.example", "urn:uuid:b0b00000-0000-4000-8000-000000000001");
        return {};
    }
};

} // namespace napkin::sip::testing
