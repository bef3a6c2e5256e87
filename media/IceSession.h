// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// One call's ICE (RFC 8445) on libnice: gathers host, server-reflexive
// (STUN) and relayed (TURN over UDP, TCP or TLS) candidates for one
// component (RTP with RTCP multiplexed on it, RFC 5761), runs the
// connectivity checks against the peer's candidates and carries the call's
// SRTP over the selected pair. libnice runs on the session's own GLib thread;
// the media thread reads packets through PacketTransport (an eventfd says
// when some wait) and sends with nice_agent_send, which is thread-safe.
//
//   auto ice = IceSession::create(config);      // gathering starts at once
//   ... config.onEvent gets GatheringDone (or the deadline passes) ...
//   IceLocal mine = ice->local();               // into our SDP
//   ice->setRemote(theirs, /*controlling=*/weOffered);
//   ... onEvent: Connected(path) or Failed(message) ...
//
// A peer without ICE (no a=ice-ufrag): setPlainRemote() sends to its c=/m=
// address from the host candidate and accepts media from anywhere (libnice's
// pre-ICE fallback, as a plain SIP phone expects).

#include "media/IceDescription.h"
#include "media/IceServers.h"
#include "media/PacketTransport.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::media {

struct IceEvent {
    enum class Kind {
        GatheringDone, ///< every server answered or the deadline passed
        Connected,     ///< a pair was selected: `path`
        Failed,        ///< no pair works: `message` says so
    };
    Kind kind = Kind::GatheringDone;
    IcePath path;
    std::string message;
};

/// How far the connectivity checks got.
enum class IceChecks {
    Idle,      ///< no peer yet (setRemote not called)
    Running,   ///< checking the peer's candidates
    Plain,     ///< a peer without ICE (setPlainRemote): no checks
    Connected, ///< a pair was selected
    Failed,    ///< no pair worked (all failed, or the deadline passed)
};

struct IceSessionConfig {
    /// Host candidates on this address only (a literal IP); empty: every
    /// non-loopback interface.
    std::string localAddress;
    IceServers servers;
    /// Resolves a STUN/TURN host name to IPv4 literals (blocking; it runs on
    /// the ICE thread). Null: literal addresses only.
    std::function<std::vector<std::string>(const std::string &host)> resolve;
    /// ICE's role, fixed before gathering starts (libnice refuses to switch
    /// later): the side that makes the offer controls (RFC 8445 6.1.1).
    bool controlling = false;
    std::chrono::milliseconds gatherDeadline{3000};
    /// From setRemote() to Failed when no pair was selected.
    std::chrono::milliseconds checkDeadline{10000};
    /// On the ICE thread: be quick and post it to your own thread.
    std::function<void(const IceEvent &)> onEvent;
};

class IceSession final : public PacketTransport {
public:
    /// Starts the ICE thread and gathering. Internal when libnice fails,
    /// InvalidArgument for a bad local address.
    [[nodiscard]] static MediaResult<std::shared_ptr<IceSession>> create(IceSessionConfig config);
    ~IceSession() override;

    [[nodiscard]] bool gatheringDone() const;
    /// What is gathered so far (host candidates are there from the start).
    [[nodiscard]] IceLocal local() const;

    /// The peer's ICE attributes; `controlling` for the side that made the
    /// offer (a role already fixed at creation stays: libnice keeps it until
    /// a restart, and a conflict is resolved by the checks). A second call with the same ufrag and
    /// password changes nothing (a re-INVITE keeps the session); a new ufrag restarts the checks.
    /// InvalidArgument when no candidate parses.
    [[nodiscard]] MediaResult<void> setRemote(const IceRemote &remote, bool controlling);
    /// A peer without ICE: send to address:port from the host candidate.
    [[nodiscard]] MediaResult<void> setPlainRemote(const std::string &address, std::uint16_t port);

    [[nodiscard]] IceChecks checks() const;
    /// The selected pair, once Connected.
    [[nodiscard]] std::optional<IcePath> path() const;

    // PacketTransport (the media thread).
    [[nodiscard]] int readableFd() const override;
    [[nodiscard]] std::size_t receive(std::span<std::uint8_t> buffer) override;
    [[nodiscard]] bool send(std::span<const std::uint8_t> packet) override;

    IceSession(const IceSession &) = delete;
    IceSession &operator=(const IceSession &) = delete;

private:
    class Impl;
    explicit IceSession(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// For a settings page's "Test" button: gathers with `servers` on a fresh
/// session and reports the kinds it got (and what failed) in `done`, on the
/// ICE thread, within `deadline`.
struct IceProbeResult {
    std::vector<CandidateKind> kinds;
    std::vector<std::string> problems; ///< e.g. "the TURN server did not answer"
};
void probeIceServers(IceSessionConfig config, std::function<void(IceProbeResult)> done);

} // namespace napkin::media
