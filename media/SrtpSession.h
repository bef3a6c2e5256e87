// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// SRTP and SRTCP for one call (RFC 3711, RFC 7714) on libsrtp2: one context
// protects what we send with our master key, another checks and decrypts
// what the peer sends with theirs. Replay protection is on (128 packets).

#include "media/MediaError.h"
#include "media/SecretBytes.h"
#include "media/SrtpSuite.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

struct srtp_ctx_t_;

namespace napkin::media {

struct SrtpContextDeleter {
    void operator()(srtp_ctx_t_ *ctx) const;
};
using SrtpContextPtr = std::unique_ptr<srtp_ctx_t_, SrtpContextDeleter>;

/// The keys of one direction: a master key||salt from a=crypto.
struct SrtpKeyParams {
    SecretBytes keySalt;
    std::optional<std::uint64_t> lifetime; ///< packets, from a=crypto
};

/// Not thread-safe: one thread (the media thread) uses a session.
class SrtpSession {
public:
    /// Creates the two contexts. InvalidArgument when a key has the wrong
    /// length for the suite; Srtp when libsrtp refuses it.
    [[nodiscard]] static MediaResult<SrtpSession> create(SrtpSuite suite, const SrtpKeyParams &send,
                                                         const SrtpKeyParams &receive);

    /// Encrypts and authenticates an RTP packet in place (it grows by the
    /// tag). KeyExpired once the send key's lifetime is used up.
    [[nodiscard]] MediaResult<void> protectRtp(std::vector<std::uint8_t> &packet);
    /// Checks and decrypts an SRTP packet in place: AuthenticationFailed,
    /// Replay, KeyExpired or MalformedRtp.
    [[nodiscard]] MediaResult<void> unprotectRtp(std::vector<std::uint8_t> &packet);
    [[nodiscard]] MediaResult<void> protectRtcp(std::vector<std::uint8_t> &packet);
    [[nodiscard]] MediaResult<void> unprotectRtcp(std::vector<std::uint8_t> &packet);

    [[nodiscard]] SrtpSuite suite() const { return m_suite; }

    /// Initialises libsrtp once per process (thread-safe); false if it fails.
    [[nodiscard]] static bool initLibrary();

private:
    SrtpSession() = default;

    SrtpSuite m_suite = SrtpSuite::AesCm128HmacSha1_80;
    SrtpContextPtr m_send;
    SrtpContextPtr m_receive;
    std::optional<std::uint64_t> m_sendLifetime;
    std::optional<std::uint64_t> m_receiveLifetime;
    std::uint64_t m_sentRtp = 0;
    std::uint64_t m_sentRtcp = 0;
    std::uint64_t m_receivedRtp = 0;
    std::uint64_t m_receivedRtcp = 0;
};

} // namespace napkin::media
