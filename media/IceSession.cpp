// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/IceSession.h"

#include "media/MediaLog.h"

#include <agent.h>
#include <dlfcn.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace napkin::media {

namespace {

constexpr guint kComponent = 1; // RTP, with RTCP multiplexed on it
constexpr std::size_t kMaxQueued = 256;
constexpr std::size_t kMaxPacket = 2048;
constexpr std::string_view kCandidatePrefix = "a=candidate:";

struct ContextUnref {
    void operator()(GMainContext *c) const { g_main_context_unref(c); }
};
struct LoopUnref {
    void operator()(GMainLoop *l) const { g_main_loop_unref(l); }
};
struct ObjectUnref {
    void operator()(gpointer o) const { g_object_unref(o); }
};
struct CandidateFree {
    void operator()(NiceCandidate *c) const { nice_candidate_free(c); }
};
using CandidatePtr = std::unique_ptr<NiceCandidate, CandidateFree>;

/// Frees a GSList of NiceCandidate and the list.
struct CandidateList {
    GSList *list = nullptr;
    ~CandidateList() {
        g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
    }
};

CandidateKind kindOf(NiceCandidateType type) {
    switch (type) {
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
        return CandidateKind::ServerReflexive;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
        return CandidateKind::PeerReflexive;
    case NICE_CANDIDATE_TYPE_RELAYED:
        return CandidateKind::Relayed;
    default:
        return CandidateKind::Host;
    }
}

NiceRelayType relayType(TurnTransport transport) {
    switch (transport) {
    case TurnTransport::Tcp:
        return NICE_RELAY_TYPE_TURN_TCP;
    case TurnTransport::Tls:
        return NICE_RELAY_TYPE_TURN_TLS;
    default:
        return NICE_RELAY_TYPE_TURN_UDP;
    }
}

bool isIpv4Literal(const std::string &host) {
    in_addr addr{};
    return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

std::string addressText(const NiceAddress &address) {
    char text[NICE_ADDRESS_STRING_LEN] = {};
    nice_address_to_string(&address, text);
    return text;
}

/// libnice calls its own stun_message_length through the global symbol
/// table; Sofia-SIP exports a different function of that name. The problem
/// in words when the one the process resolves is not libnice's.
std::optional<std::string> stunShadowed() {
    void *global = dlsym(RTLD_DEFAULT, "stun_message_length");
    Dl_info info{};
    if (global == nullptr || dladdr(global, &info) == 0 || info.dli_fname == nullptr ||
        std::string_view(info.dli_fname).find("libnice") == std::string_view::npos) {
        return std::string("libnice's STUN code is shadowed by ") +
               (info.dli_fname != nullptr ? info.dli_fname : "another library") +
               " (stun_message_length): link libnice first";
    }
    return std::nullopt;
}

} // namespace

std::string_view candidateKindName(CandidateKind kind) {
    switch (kind) {
    case CandidateKind::Host:
        return "host";
    case CandidateKind::ServerReflexive:
        return "srflx";
    case CandidateKind::PeerReflexive:
        return "prflx";
    case CandidateKind::Relayed:
        return "relay";
    }
    return "host";
}

class IceSession::Impl {
public:
    explicit Impl(IceSessionConfig config) : m_config(std::move(config)) {}
    ~Impl() { shutDown(); }

    MediaResult<void> start();
    void shutDown();

    /// Runs `work` on the ICE thread and waits for it.
    template <typename F> auto onIceThread(F work) -> decltype(work()) {
        std::packaged_task<decltype(work())()> task(std::move(work));
        auto result = task.get_future();
        g_main_context_invoke_full(
            m_context.get(), G_PRIORITY_HIGH,
            [](gpointer data) -> gboolean {
                (*static_cast<decltype(task) *>(data))();
                return G_SOURCE_REMOVE;
            },
            &task, nullptr);
        return result.get();
    }

    IceSessionConfig m_config;
    using Clock = std::chrono::steady_clock;
    Clock::time_point m_created = Clock::now();
    std::atomic<unsigned> m_gatherMs{0};
    Clock::time_point m_remoteSet{}; // ICE thread only
    std::unique_ptr<GMainContext, ContextUnref> m_context;
    std::unique_ptr<GMainLoop, LoopUnref> m_loop;
    std::unique_ptr<NiceAgent, ObjectUnref> m_agent;
    std::thread m_thread;
    guint m_stream = 0;
    int m_eventFd = -1;

    // Shared between threads.
    std::atomic<bool> m_gathered{false};
    std::atomic<IceChecks> m_checks{IceChecks::Idle};
    mutable std::mutex m_mutex;
    std::deque<std::vector<std::uint8_t>> m_queue; // guarded
    std::optional<IcePath> m_path;                 // guarded
    std::optional<IceRemote> m_remote;             // guarded (ICE thread writes)
    std::string m_localUfrag;                      // guarded
    std::string m_localPwd;                        // guarded
    GSource *m_checkTimer = nullptr;               // ICE thread only

    void gatherOnIceThread();
    void emit(IceEvent event) {
        if (m_config.onEvent) {
            m_config.onEvent(event);
        }
    }
    void gatheringFinished(const char *why);
    void reportFailure(std::string message);
    void armCheckTimer();

    static void onGatheringDone(NiceAgent *, guint, gpointer self) {
        static_cast<Impl *>(self)->gatheringFinished("all servers answered");
    }
    static void onStateChanged(NiceAgent *, guint, guint component, guint state, gpointer self);
    static void onSelectedPair(NiceAgent *, guint, guint component, NiceCandidate *local,
                               NiceCandidate *remote, gpointer self);
    static void onReceive(NiceAgent *, guint, guint component, guint length, gchar *data,
                          gpointer self);
};

MediaResult<void> IceSession::Impl::start() {
    if (auto shadowed = stunShadowed()) {
        return mediaFail(MediaErrc::Internal, *shadowed);
    }
    m_eventFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_eventFd < 0) {
        return mediaFail(MediaErrc::Internal, "cannot create the ICE wake-up descriptor");
    }
    if (!m_config.localAddress.empty()) {
        NiceAddress probe;
        nice_address_init(&probe);
        if (!nice_address_set_from_string(&probe, m_config.localAddress.c_str())) {
            return mediaFail(MediaErrc::InvalidArgument, "the media address " +
                                                             m_config.localAddress +
                                                             " is not an IP address");
        }
    }
    m_context.reset(g_main_context_new());
    m_loop.reset(g_main_loop_new(m_context.get(), FALSE));
    m_thread = std::thread([this] {
        pthread_setname_np(pthread_self(), "napkin-ice");
        g_main_context_push_thread_default(m_context.get());
        g_main_loop_run(m_loop.get());
        g_main_context_pop_thread_default(m_context.get());
    });
    const bool made = onIceThread([this] {
        m_agent.reset(nice_agent_new_full(m_context.get(), NICE_COMPATIBILITY_RFC5245,
                                          NICE_AGENT_OPTION_NONE));
        if (!m_agent) {
            return false;
        }
        // UDP only (TURN may still be reached over TCP or TLS): RTP over
        // ICE-TCP would need RFC 4571 framing that plain peers lack.
        g_object_set(m_agent.get(), "ice-tcp", FALSE, "ice-udp", TRUE, nullptr);
        // Ta, the pacing of checks: 5 ms, RFC 8445 section 14.2's floor
        // (libnice's default is 20). One audio stream has a handful of
        // pairs; a relayed pair, the lowest in priority and often the only
        // one through a symmetric NAT, is then tried ~100 ms sooner.
        g_object_set(m_agent.get(), "stun-pacing-timer", 5u, nullptr);
        g_object_set(m_agent.get(), "controlling-mode", m_config.controlling ? TRUE : FALSE,
                     nullptr);
        if (g_object_class_find_property(G_OBJECT_GET_CLASS(m_agent.get()), "upnp") != nullptr) {
            g_object_set(m_agent.get(), "upnp", FALSE, nullptr);
        }
        g_signal_connect(m_agent.get(), "candidate-gathering-done", G_CALLBACK(onGatheringDone),
                         this);
        g_signal_connect(m_agent.get(), "component-state-changed", G_CALLBACK(onStateChanged),
                         this);
        g_signal_connect(m_agent.get(), "new-selected-pair-full", G_CALLBACK(onSelectedPair), this);
        gatherOnIceThread();
        return m_stream != 0;
    });
    if (!made) {
        return mediaFail(MediaErrc::Internal, "libnice could not start an ICE agent");
    }
    return {};
}

void IceSession::Impl::gatherOnIceThread() {
    NiceAgent *agent = m_agent.get();
    if (!m_config.localAddress.empty()) {
        NiceAddress address;
        nice_address_init(&address);
        nice_address_set_from_string(&address, m_config.localAddress.c_str());
        nice_agent_add_local_address(agent, &address);
    }
    const auto resolve = [this](const std::string &host) -> std::string {
        if (isIpv4Literal(host)) {
            return host;
        }
        if (!m_config.resolve) {
            return {};
        }
        for (const auto &ip : m_config.resolve(host)) {
            if (isIpv4Literal(ip)) {
                return ip;
            }
        }
        return {};
    };
    const auto &turnServer = m_config.servers.turn;
    const std::string turnIp = turnServer ? resolve(turnServer->host) : std::string();
    if (const auto &stun = m_config.servers.stun) {
        const std::string ip = resolve(stun->host);
        if (!ip.empty() && turnServer && turnServer->transport == TurnTransport::Udp &&
            ip == turnIp && stun->port == turnServer->port) {
            // The TURN server's Allocate answer already tells our public
            // address (a server-reflexive candidate). libnice reads every
            // later message from that server as TURN, so a separate Binding
            // answer would be dropped and the discovery would time out.
            mediaLog(LogLevel::Debug, "ice: the STUN server is the TURN server; asking once");
        } else if (ip.empty()) {
            mediaLog(LogLevel::Warning, "ice: the STUN server " + stun->host + " has no address");
        } else {
            g_object_set(agent, "stun-server", ip.c_str(), "stun-server-port",
                         static_cast<guint>(stun->port), nullptr);
        }
    }
    m_stream = nice_agent_add_stream(agent, 1);
    if (m_stream == 0) {
        return;
    }
    nice_agent_set_stream_name(agent, m_stream, "audio");
    if (const auto &turn = m_config.servers.turn) {
        const std::string &ip = turnIp;
        if (ip.empty()) {
            mediaLog(LogLevel::Warning, "ice: the TURN server " + turn->host + " has no address");
        } else if (!nice_agent_set_relay_info(agent, m_stream, kComponent, ip.c_str(), turn->port,
                                              turn->user.c_str(), turn->password.c_str(),
                                              relayType(turn->transport))) {
            mediaLog(LogLevel::Warning, "ice: libnice refused the TURN server " + turn->host);
        }
    }
    nice_agent_attach_recv(agent, m_stream, kComponent, m_context.get(), onReceive, this);
    gchar *ufrag = nullptr;
    gchar *pwd = nullptr;
    if (!nice_agent_gather_candidates(agent, m_stream) ||
        !nice_agent_get_local_credentials(agent, m_stream, &ufrag, &pwd)) {
        g_free(ufrag);
        g_free(pwd);
        nice_agent_remove_stream(agent, m_stream);
        m_stream = 0;
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_localUfrag = ufrag;
        m_localPwd = pwd;
    }
    g_free(ufrag);
    g_free(pwd);
    const bool needServers = m_config.servers.stun || m_config.servers.turn;
    if (!needServers) {
        gatheringFinished("host candidates only");
        return;
    }
    GSource *deadline = g_timeout_source_new(
        static_cast<guint>(std::max<std::int64_t>(1, m_config.gatherDeadline.count())));
    g_source_set_callback(
        deadline,
        [](gpointer self) -> gboolean {
            static_cast<Impl *>(self)->gatheringFinished("the gathering deadline passed");
            return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(deadline, m_context.get());
    g_source_unref(deadline);
}

void IceSession::Impl::gatheringFinished(const char *why) {
    if (m_gathered.exchange(true)) {
        return;
    }
    m_gatherMs = static_cast<unsigned>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_created).count());
    mediaLog(LogLevel::Info,
             "ice: gathering done after " + std::to_string(m_gatherMs) + " ms (" + why + ")");
    emit(IceEvent{IceEvent::Kind::GatheringDone, {}, {}});
}

void IceSession::Impl::reportFailure(std::string message) {
    // Only running checks fail: not a plain peer's, not once a pair works.
    auto running = IceChecks::Running;
    if (!m_checks.compare_exchange_strong(running, IceChecks::Failed)) {
        return;
    }
    mediaLog(LogLevel::Warning, "ice: " + message);
    emit(IceEvent{IceEvent::Kind::Failed, {}, std::move(message)});
}

void IceSession::Impl::armCheckTimer() {
    if (m_checkTimer != nullptr) {
        g_source_destroy(m_checkTimer);
        g_source_unref(m_checkTimer);
    }
    m_checkTimer = g_timeout_source_new(
        static_cast<guint>(std::max<std::int64_t>(1, m_config.checkDeadline.count())));
    g_source_set_callback(
        m_checkTimer,
        [](gpointer data) -> gboolean {
            static_cast<Impl *>(data)->reportFailure(
                "no candidate pair worked within the deadline");
            return G_SOURCE_REMOVE;
        },
        this, nullptr);
    g_source_attach(m_checkTimer, m_context.get());
}

void IceSession::Impl::onStateChanged(NiceAgent *, guint, guint component, guint state,
                                      gpointer data) {
    auto *self = static_cast<Impl *>(data);
    if (component == kComponent && state == NICE_COMPONENT_STATE_FAILED) {
        self->reportFailure("every candidate pair failed its connectivity checks");
    }
}

void IceSession::Impl::onSelectedPair(NiceAgent *, guint, guint component, NiceCandidate *local,
                                      NiceCandidate *remote, gpointer data) {
    auto *self = static_cast<Impl *>(data);
    if (component != kComponent || local == nullptr || remote == nullptr) {
        return;
    }
    IcePath path;
    path.local = kindOf(local->type);
    path.remote = kindOf(remote->type);
    path.transport = local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp";
    path.gatherMs = self->m_gatherMs;
    if (self->m_remoteSet != Clock::time_point{}) {
        path.checkMs = static_cast<unsigned>(
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - self->m_remoteSet)
                .count());
    }
    if (path.local == CandidateKind::Relayed && self->m_config.servers.turn) {
        const auto &turn = *self->m_config.servers.turn;
        path.transport = turn.transport == TurnTransport::Udp ? "udp" : "tcp";
        path.relay = turn.host;
    }
    {
        std::lock_guard lock(self->m_mutex);
        self->m_path = path;
    }
    mediaLog(LogLevel::Info, "ice: selected " + std::string(candidateKindName(path.local)) +
                                 " -> " + std::string(candidateKindName(path.remote)) + " over " +
                                 path.transport);
    if (self->m_checks != IceChecks::Plain) {
        self->m_checks = IceChecks::Connected;
    }
    self->emit(IceEvent{IceEvent::Kind::Connected, path, {}});
}

void IceSession::Impl::onReceive(NiceAgent *, guint, guint component, guint length, gchar *data,
                                 gpointer user) {
    auto *self = static_cast<Impl *>(user);
    if (component != kComponent || length == 0 || length > kMaxPacket) {
        return;
    }
    {
        std::lock_guard lock(self->m_mutex);
        if (self->m_queue.size() >= kMaxQueued) {
            self->m_queue.pop_front(); // the media thread is behind: drop the oldest
        }
        const auto *bytes = reinterpret_cast<const std::uint8_t *>(data);
        self->m_queue.emplace_back(bytes, bytes + length);
    }
    const std::uint64_t one = 1;
    (void)!::write(self->m_eventFd, &one, sizeof one);
}

void IceSession::Impl::shutDown() {
    if (m_thread.joinable()) {
        if (m_agent) {
            onIceThread([this] {
                if (m_checkTimer != nullptr) {
                    g_source_destroy(m_checkTimer);
                    g_source_unref(m_checkTimer);
                    m_checkTimer = nullptr;
                }
                // Receiving stays attached: the TURN server's answer to the
                // release must still be read (close_async removes the stream).
                g_signal_handlers_disconnect_by_data(m_agent.get(), this);
                return true;
            });
            // Give TURN allocations back (a refresh with lifetime 0) before
            // the agent goes; wait at most half a second for it. The promise
            // is the callback's to delete (a late callback must find it).
            auto *closed = new std::promise<void>();
            auto done = closed->get_future();
            onIceThread([this, closed] {
                nice_agent_close_async(
                    m_agent.get(),
                    [](GObject *, GAsyncResult *, gpointer p) {
                        auto *promise = static_cast<std::promise<void> *>(p);
                        promise->set_value();
                        delete promise;
                    },
                    closed);
                return true;
            });
            if (done.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready) {
                mediaLog(LogLevel::Warning, "ice: the TURN server did not confirm the release");
            }
            onIceThread([this] {
                m_agent.reset();
                return true;
            });
        }
        g_main_loop_quit(m_loop.get());
        m_thread.join();
    }
    if (m_eventFd >= 0) {
        ::close(m_eventFd);
        m_eventFd = -1;
    }
}

MediaResult<std::shared_ptr<IceSession>> IceSession::create(IceSessionConfig config) {
    auto impl = std::make_unique<Impl>(std::move(config));
    if (auto started = impl->start(); !started) {
        return fail(started.error());
    }
    return std::shared_ptr<IceSession>(new IceSession(std::move(impl)));
}

IceSession::IceSession(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

IceSession::~IceSession() = default;

bool IceSession::gatheringDone() const {
    return m_impl->m_gathered;
}

IceLocal IceSession::local() const {
    IceLocal out;
    {
        std::lock_guard lock(m_impl->m_mutex);
        out.ufrag = m_impl->m_localUfrag;
        out.pwd = m_impl->m_localPwd;
    }
    NiceAgent *agent = m_impl->m_agent.get();
    CandidateList list{nice_agent_get_local_candidates(agent, m_impl->m_stream, kComponent)};
    const NiceCandidate *host = nullptr;
    const NiceCandidate *reflexive = nullptr;
    for (GSList *item = list.list; item != nullptr; item = item->next) {
        auto *candidate = static_cast<NiceCandidate *>(item->data);
        if (candidate->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
            nice_address_ip_version(&candidate->addr) != 4) {
            continue;
        }
        gchar *sdp = nice_agent_generate_local_candidate_sdp(agent, candidate);
        if (sdp == nullptr) {
            continue;
        }
        std::string line(sdp);
        g_free(sdp);
        if (line.starts_with(kCandidatePrefix)) {
            out.candidates.push_back(line.substr(kCandidatePrefix.size()));
        }
        const CandidateKind kind = kindOf(candidate->type);
        if (std::find(out.kinds.begin(), out.kinds.end(), kind) == out.kinds.end()) {
            out.kinds.push_back(kind);
        }
        if (kind == CandidateKind::Host && host == nullptr) {
            host = candidate;
        } else if (kind == CandidateKind::ServerReflexive && reflexive == nullptr) {
            reflexive = candidate;
        }
    }
    // The default candidate: reachable by a plain peer through a home
    // router that keeps its mappings (srflx), else the host one. Never the
    // relay: libnice's pre-ICE fallback sends from a host candidate.
    if (const NiceCandidate *chosen = reflexive != nullptr ? reflexive : host) {
        out.defaultAddress = addressText(chosen->addr);
        out.defaultPort = static_cast<std::uint16_t>(nice_address_get_port(&chosen->addr));
    }
    return out;
}

MediaResult<void> IceSession::setRemote(const IceRemote &remote, bool controlling) {
    return m_impl->onIceThread([&]() -> MediaResult<void> {
        Impl &d = *m_impl;
        NiceAgent *agent = d.m_agent.get();
        std::optional<IceRemote> previous;
        {
            std::lock_guard lock(d.m_mutex);
            previous = d.m_remote;
        }
        if (previous && previous->ufrag == remote.ufrag && previous->pwd == remote.pwd) {
            return {}; // the same session (a re-INVITE)
        }
        if (previous) {
            // The peer restarted ICE: start over, but keep the credentials
            // our SDP already carries.
            std::string ufrag;
            std::string pwd;
            {
                std::lock_guard lock(d.m_mutex);
                ufrag = d.m_localUfrag;
                pwd = d.m_localPwd;
                d.m_path.reset();
            }
            nice_agent_restart_stream(agent, d.m_stream);
            nice_agent_set_local_credentials(agent, d.m_stream, ufrag.c_str(), pwd.c_str());
        }
        GSList *parsed = nullptr;
        for (const auto &value : remote.candidates) {
            const std::string line = std::string(kCandidatePrefix) + value;
            NiceCandidate *c =
                nice_agent_parse_remote_candidate_sdp(agent, d.m_stream, line.c_str());
            if (c == nullptr) {
                continue; // a name (mDNS) or a transport we do not use
            }
            if (c->component_id != kComponent || c->transport != NICE_CANDIDATE_TRANSPORT_UDP) {
                nice_candidate_free(c);
                continue;
            }
            parsed = g_slist_append(parsed, c);
        }
        CandidateList owned{parsed};
        if (parsed == nullptr) {
            return mediaFail(MediaErrc::InvalidArgument,
                             "the peer's SDP has no usable ICE candidate for RTP");
        }
        g_object_set(agent, "controlling-mode", controlling ? TRUE : FALSE, nullptr);
        d.m_checks = IceChecks::Running;
        if (!nice_agent_set_remote_credentials(agent, d.m_stream, remote.ufrag.c_str(),
                                               remote.pwd.c_str())) {
            return mediaFail(MediaErrc::InvalidArgument,
                             "libnice refused the peer's ICE credentials");
        }
        if (nice_agent_set_remote_candidates(agent, d.m_stream, kComponent, parsed) <= 0) {
            return mediaFail(MediaErrc::InvalidArgument,
                             "libnice refused every ICE candidate of the peer");
        }
        {
            std::lock_guard lock(d.m_mutex);
            d.m_remote = remote;
        }
        d.m_remoteSet = Impl::Clock::now();
        d.armCheckTimer();
        return {};
    });
}

MediaResult<void> IceSession::setPlainRemote(const std::string &address, std::uint16_t port) {
    return m_impl->onIceThread([&]() -> MediaResult<void> {
        Impl &d = *m_impl;
        CandidatePtr candidate(nice_candidate_new(NICE_CANDIDATE_TYPE_HOST));
        candidate->stream_id = d.m_stream;
        candidate->component_id = kComponent;
        candidate->transport = NICE_CANDIDATE_TRANSPORT_UDP;
        nice_address_init(&candidate->addr);
        if (!nice_address_set_from_string(&candidate->addr, address.c_str())) {
            return mediaFail(MediaErrc::InvalidArgument,
                             "the peer's media address " + address + " is not an IP address");
        }
        nice_address_set_port(&candidate->addr, port);
        d.m_checks = IceChecks::Plain;
        if (!nice_agent_set_selected_remote_candidate(d.m_agent.get(), d.m_stream, kComponent,
                                                      candidate.get())) {
            return mediaFail(MediaErrc::Socket, "no local address can reach " + address);
        }
        return {};
    });
}

IceChecks IceSession::checks() const {
    return m_impl->m_checks;
}

std::optional<IcePath> IceSession::path() const {
    std::lock_guard lock(m_impl->m_mutex);
    return m_impl->m_path;
}

int IceSession::readableFd() const {
    return m_impl->m_eventFd;
}

std::size_t IceSession::receive(std::span<std::uint8_t> buffer) {
    std::lock_guard lock(m_impl->m_mutex);
    if (m_impl->m_queue.empty()) {
        std::uint64_t value = 0;
        (void)!::read(m_impl->m_eventFd, &value, sizeof value);
        // A packet may have come between the read and now: keep it readable.
        if (!m_impl->m_queue.empty()) {
            const std::uint64_t one = 1;
            (void)!::write(m_impl->m_eventFd, &one, sizeof one);
        }
        return 0;
    }
    auto packet = std::move(m_impl->m_queue.front());
    m_impl->m_queue.pop_front();
    if (packet.size() > buffer.size()) {
        return 0;
    }
    std::copy(packet.begin(), packet.end(), buffer.begin());
    return packet.size();
}

bool IceSession::send(std::span<const std::uint8_t> packet) {
    const gint sent = nice_agent_send(m_impl->m_agent.get(), m_impl->m_stream, kComponent,
                                      static_cast<guint>(packet.size()),
                                      reinterpret_cast<const gchar *>(packet.data()));
    return sent == static_cast<gint>(packet.size());
}

void probeIceServers(IceSessionConfig config, std::function<void(IceProbeResult)> done) {
    std::thread([config = std::move(config), done = std::move(done)]() mutable {
        std::mutex mutex;
        std::condition_variable gathered;
        bool finished = false;
        config.onEvent = [&](const IceEvent &event) {
            if (event.kind == IceEvent::Kind::GatheringDone) {
                std::lock_guard lock(mutex);
                finished = true;
                gathered.notify_all();
            }
        };
        const auto servers = config.servers;
        const auto deadline = config.gatherDeadline;
        IceProbeResult result;
        auto session = IceSession::create(std::move(config));
        if (!session) {
            result.problems.push_back(session.error().message);
            done(std::move(result));
            return;
        }
        {
            std::unique_lock lock(mutex);
            gathered.wait_for(lock, deadline + std::chrono::seconds(1), [&] { return finished; });
        }
        result.kinds = (*session)->local().kinds;
        const auto has = [&](CandidateKind kind) {
            return std::find(result.kinds.begin(), result.kinds.end(), kind) != result.kinds.end();
        };
        if (!has(CandidateKind::Host)) {
            result.problems.push_back("no local network address could be used");
        }
        if (servers.stun && !has(CandidateKind::ServerReflexive)) {
            result.problems.push_back("the STUN server " + servers.stun->host +
                                      " did not answer (or this network has no NAT)");
        }
        if (servers.turn && !has(CandidateKind::Relayed)) {
            result.problems.push_back("the TURN server " + servers.turn->host +
                                      " gave no relay: check its address, the user name and "
                                      "the password");
        }
        session->reset();
        done(std::move(result));
    }).detach();
}

} // namespace napkin::media
