// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/MediaError.h"

namespace napkin::media {

std::string_view errcName(MediaErrc code) {
    switch (code) {
    case MediaErrc::InvalidArgument:
        return "invalid-argument";
    case MediaErrc::MalformedSdp:
        return "malformed-sdp";
    case MediaErrc::UnsupportedSdp:
        return "unsupported-sdp";
    case MediaErrc::MalformedCrypto:
        return "malformed-crypto";
    case MediaErrc::UnsupportedCrypto:
        return "unsupported-crypto";
    case MediaErrc::InsecureMedia:
        return "insecure-media";
    case MediaErrc::NoCommonCodec:
        return "no-common-codec";
    case MediaErrc::NoCommonSuite:
        return "no-common-suite";
    case MediaErrc::AnswerMismatch:
        return "answer-mismatch";
    case MediaErrc::RandomFailure:
        return "random-failure";
    case MediaErrc::Srtp:
        return "srtp";
    case MediaErrc::AuthenticationFailed:
        return "authentication-failed";
    case MediaErrc::Replay:
        return "replay";
    case MediaErrc::KeyExpired:
        return "key-expired";
    case MediaErrc::MalformedRtp:
        return "malformed-rtp";
    case MediaErrc::MalformedRtcp:
        return "malformed-rtcp";
    case MediaErrc::Codec:
        return "codec";
    case MediaErrc::Socket:
        return "socket";
    case MediaErrc::AudioDevice:
        return "audio-device";
    case MediaErrc::AudioFormat:
        return "audio-format";
    case MediaErrc::Io:
        return "io";
    case MediaErrc::State:
        return "state";
    case MediaErrc::Internal:
        return "internal";
    }
    return "unknown";
}

} // namespace napkin::media
