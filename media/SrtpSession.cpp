// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/SrtpSession.h"

#include <srtp2/srtp.h>

#ifdef NAPKIN_SRTP_ON_NSS
#include <nss.h>
#endif

#include <memory>
#include <mutex>

namespace napkin::media {

namespace {

void setPolicy(SrtpSuite suite, srtp_policy_t &policy) {
    switch (suite) {
    case SrtpSuite::AesCm128HmacSha1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
    case SrtpSuite::AesCm128HmacSha1_32:
        // RFC 4568 section 6.2.2: SRTCP keeps the 80-bit tag.
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
        break;
    case SrtpSuite::AeadAes128Gcm:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
        break;
    }
}

MediaResult<SrtpContextPtr> makeContext(SrtpSuite suite, const SecretBytes &keySalt,
                                        srtp_ssrc_type_t direction) {
    if (keySalt.size() != keySaltLength(suite)) {
        return mediaFail(MediaErrc::InvalidArgument,
                         "an SRTP master key for " + std::string(suiteName(suite)) + " must be " +
                             std::to_string(keySaltLength(suite)) + " bytes");
    }
    // libsrtp wants a writable pointer and derives its session keys from it
    // in srtp_create; the copy is wiped when it goes out of scope.
    SecretBytes key(keySalt);
    srtp_policy_t policy{};
    setPolicy(suite, policy);
    policy.ssrc.type = direction;
    policy.key = key.data();
    policy.window_size = 128;
    policy.allow_repeat_tx = 0;
    srtp_t ctx = nullptr;
    if (srtp_err_status_t status = srtp_create(&ctx, &policy); status != srtp_err_status_ok) {
        return mediaFail(MediaErrc::Srtp, "libsrtp refused the " + std::string(suiteName(suite)) +
                                              " policy (status " +
                                              std::to_string(static_cast<int>(status)) + ")");
    }
    return SrtpContextPtr(ctx);
}

#ifdef NAPKIN_SRTP_ON_NSS
struct NssContextCloser {
    void operator()(NSSInitContext *context) const { NSS_ShutdownContext(context); }
};

/// libsrtp built on NSS opens an NSS context for every cipher it allocates,
/// and closing the last one shuts NSS down again (dlclose of its soft token;
/// the next cipher loads it again). That made srtp_init()'s self-tests take
/// 50-150 ms and every srtp_create() 1-3 ms, twice per call on each side. A
/// context held for the life of the process keeps NSS loaded: 5-10 ms once,
/// then microseconds per session. Same flags as libsrtp's own contexts: no
/// certificate or module database, read-only.
void keepNssInitialised() {
    static std::unique_ptr<NSSInitContext, NssContextCloser> context(
        NSS_InitContext("", "", "", "", nullptr,
                        NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
                            NSS_INIT_FORCEOPEN | NSS_INIT_OPTIMIZESPACE));
    // Null: libsrtp opens its own contexts as before, only slower.
}
#endif

MediaError unprotectError(srtp_err_status_t status, const char *what) {
    switch (status) {
    case srtp_err_status_auth_fail:
        return {MediaErrc::AuthenticationFailed,
                std::string(what) + " packet failed its integrity check (wrong key or tampered)"};
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return {MediaErrc::Replay, std::string(what) + " packet is a replay or too old"};
    case srtp_err_status_key_expired:
        return {MediaErrc::KeyExpired, std::string(what) + " master key has expired"};
    default:
        return {std::string_view(what) == "SRTCP" ? MediaErrc::MalformedRtcp
                                                  : MediaErrc::MalformedRtp,
                std::string(what) + " packet could not be processed (libsrtp status " +
                    std::to_string(static_cast<int>(status)) + ")"};
    }
}

MediaResult<void> checkLifetime(const std::optional<std::uint64_t> &lifetime,
                                std::uint64_t &count) {
    if (lifetime && count >= *lifetime) {
        return mediaFail(
            MediaErrc::KeyExpired,
            "the SRTP master key reached the lifetime its a=crypto set; re-key the call");
    }
    ++count;
    return {};
}

} // namespace

void SrtpContextDeleter::operator()(srtp_ctx_t_ *ctx) const {
    if (ctx != nullptr) {
        srtp_dealloc(ctx);
    }
}

bool SrtpSession::initLibrary() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] {
#ifdef NAPKIN_SRTP_ON_NSS
        keepNssInitialised();
#endif
        ok = srtp_init() == srtp_err_status_ok;
    });
    return ok;
}

MediaResult<SrtpSession> SrtpSession::create(SrtpSuite suite, const SrtpKeyParams &send,
                                             const SrtpKeyParams &receive) {
    if (!initLibrary()) {
        return mediaFail(MediaErrc::Srtp, "libsrtp failed to initialise");
    }
    auto out = makeContext(suite, send.keySalt, ssrc_any_outbound);
    if (!out) {
        return fail(out.error());
    }
    auto in = makeContext(suite, receive.keySalt, ssrc_any_inbound);
    if (!in) {
        return fail(in.error());
    }
    SrtpSession session;
    session.m_suite = suite;
    session.m_send = std::move(*out);
    session.m_receive = std::move(*in);
    session.m_sendLifetime = send.lifetime;
    session.m_receiveLifetime = receive.lifetime;
    return session;
}

MediaResult<void> SrtpSession::protectRtp(std::vector<std::uint8_t> &packet) {
    if (packet.size() < 12 || packet.size() > 8192) {
        return mediaFail(MediaErrc::MalformedRtp, "RTP packet to protect has a bad length");
    }
    if (auto ok = checkLifetime(m_sendLifetime, m_sentRtp); !ok) {
        return ok;
    }
    int len = static_cast<int>(packet.size());
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN);
    const srtp_err_status_t status = srtp_protect(m_send.get(), packet.data(), &len);
    if (status != srtp_err_status_ok) {
        packet.resize(static_cast<std::size_t>(len));
        return mediaFail(status == srtp_err_status_key_expired ? MediaErrc::KeyExpired
                                                               : MediaErrc::Srtp,
                         "SRTP protect failed (libsrtp status " +
                             std::to_string(static_cast<int>(status)) + ")");
    }
    packet.resize(static_cast<std::size_t>(len));
    return {};
}

MediaResult<void> SrtpSession::unprotectRtp(std::vector<std::uint8_t> &packet) {
    if (packet.size() < 12 || packet.size() > 8192) {
        return mediaFail(MediaErrc::MalformedRtp, "SRTP packet has a bad length");
    }
    if (m_receiveLifetime && m_receivedRtp >= *m_receiveLifetime) {
        return mediaFail(MediaErrc::KeyExpired, "the peer's SRTP master key reached its lifetime");
    }
    int len = static_cast<int>(packet.size());
    const srtp_err_status_t status = srtp_unprotect(m_receive.get(), packet.data(), &len);
    if (status != srtp_err_status_ok) {
        return fail(unprotectError(status, "SRTP"));
    }
    ++m_receivedRtp;
    packet.resize(static_cast<std::size_t>(len));
    return {};
}

MediaResult<void> SrtpSession::protectRtcp(std::vector<std::uint8_t> &packet) {
    if (packet.size() < 8 || packet.size() > 8192) {
        return mediaFail(MediaErrc::MalformedRtcp, "RTCP packet to protect has a bad length");
    }
    if (auto ok = checkLifetime(m_sendLifetime, m_sentRtcp); !ok) {
        return ok;
    }
    int len = static_cast<int>(packet.size());
    // SRTCP adds the E-flag/index word and the tag.
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
    const srtp_err_status_t status = srtp_protect_rtcp(m_send.get(), packet.data(), &len);
    if (status != srtp_err_status_ok) {
        packet.resize(static_cast<std::size_t>(len));
        return mediaFail(MediaErrc::Srtp, "SRTCP protect failed (libsrtp status " +
                                              std::to_string(static_cast<int>(status)) + ")");
    }
    packet.resize(static_cast<std::size_t>(len));
    return {};
}

MediaResult<void> SrtpSession::unprotectRtcp(std::vector<std::uint8_t> &packet) {
    if (packet.size() < 8 || packet.size() > 8192) {
        return mediaFail(MediaErrc::MalformedRtcp, "SRTCP packet has a bad length");
    }
    if (m_receiveLifetime && m_receivedRtcp >= *m_receiveLifetime) {
        return mediaFail(MediaErrc::KeyExpired, "the peer's SRTCP master key reached its lifetime");
    }
    int len = static_cast<int>(packet.size());
    const srtp_err_status_t status = srtp_unprotect_rtcp(m_receive.get(), packet.data(), &len);
    if (status != srtp_err_status_ok) {
        return fail(unprotectError(status, "SRTCP"));
    }
    ++m_receivedRtcp;
    packet.resize(static_cast<std::size_t>(len));
    return {};
}

} // namespace napkin::media
