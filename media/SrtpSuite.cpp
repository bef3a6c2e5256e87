// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/SrtpSuite.h"

namespace napkin::media {

std::string_view suiteName(SrtpSuite suite) {
    switch (suite) {
    case SrtpSuite::AesCm128HmacSha1_80:
        return "AES_CM_128_HMAC_SHA1_80";
    case SrtpSuite::AesCm128HmacSha1_32:
        return "AES_CM_128_HMAC_SHA1_32";
    case SrtpSuite::AeadAes128Gcm:
        return "AEAD_AES_128_GCM";
    }
    return "unknown";
}

std::optional<SrtpSuite> suiteFromName(std::string_view name) {
    for (auto suite : {SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AesCm128HmacSha1_32,
                       SrtpSuite::AeadAes128Gcm}) {
        if (name == suiteName(suite)) {
            return suite;
        }
    }
    return std::nullopt;
}

} // namespace napkin::media
