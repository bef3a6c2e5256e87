// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "crypto/Result.h"

#include <string>
#include <string_view>

namespace napkin::media {

/// What went wrong in the media engine, as a value the caller can switch on.
/// The message says it in words; it never contains key material.
enum class MediaErrc {
    InvalidArgument,      ///< a caller-supplied option is out of range
    MalformedSdp,         ///< SDP that does not follow RFC 4566 syntax
    UnsupportedSdp,       ///< well-formed SDP asking for something Napkin does not do
    MalformedCrypto,      ///< an a=crypto attribute that does not follow RFC 4568
    UnsupportedCrypto,    ///< a well-formed a=crypto using a suite or option Napkin refuses
    InsecureMedia,        ///< the peer offered or answered media without SRTP
    NoCommonCodec,        ///< offer and answer share no audio codec
    NoCommonSuite,        ///< offer and answer share no SRTP crypto suite
    AnswerMismatch,       ///< an answer that does not fit the offer it answers
    RandomFailure,        ///< the random generator failed
    Srtp,                 ///< libsrtp refused a key or policy
    AuthenticationFailed, ///< an SRTP/SRTCP packet failed its integrity check
    Replay,               ///< an SRTP/SRTCP packet was already received
    KeyExpired,           ///< the master key reached its negotiated lifetime
    MalformedRtp,         ///< an RTP packet that does not parse
    MalformedRtcp,        ///< an RTCP packet that does not parse
    Codec,                ///< an encoder or decoder failed
    Socket,               ///< a UDP socket operation failed
    AudioDevice,          ///< no such audio device, or it failed
    AudioFormat,          ///< audio in a format Napkin cannot use
    Io,                   ///< reading or writing a file failed
    State,                ///< a call made in the wrong state (e.g. start twice)
    Internal,             ///< a library failed where input cannot be the cause
};

[[nodiscard]] std::string_view errcName(MediaErrc code);

struct MediaError {
    MediaErrc code;
    std::string message;
};

template <typename T> using MediaResult = Result<T, MediaError>;

/// Shorthand for `fail(MediaError{code, message})`.
[[nodiscard]] inline Unexpected<MediaError> mediaFail(MediaErrc code, std::string message) {
    return fail(MediaError{code, std::move(message)});
}

} // namespace napkin::media
