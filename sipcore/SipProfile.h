// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The SIP part of the account profile: the [sip] and [calls] sections of the
// same INI file whose [account], [network] and [certificates] sections
// napkin_discovery's Profile reads.
//
//   [sip]
//   listen = sip:127.0.0.1:*          ; UDP and TCP listener (NUTAG_URL); default sip:*:*
//   listen_tls = sips:127.0.0.1:5061  ; TLS listener; default none
//   transport = udp                   ; udp | tcp | tls: Contact and registrar transport
//   tls_dir = tls                     ; agent.pem (certificate+key) and cafile.pem;
//                                     ; default: made at start-up ([network] ca_file as CA)
//   registration_expiry = 600         ; seconds, 30..86400
//   keepalive_interval = 25           ; seconds between keep-alive OPTIONS to the
//                                     ; registrar (NAT), 0..3600; 0: off
//   media_address = 127.0.0.1         ; the address for media (ICE host candidates,
//                                     ; c=); auto: every interface
//   [calls]
//   require_end_to_end = false        ; refuse every call that is not end-to-end
//   ring_on_failed = false            ; ring with a red verdict instead of rejecting
//   ring_on_unverifiable = true       ; ring (amber) when the caller's certificate
//                                     ; service or DNS is down; false: refuse, 480
//
// Same syntax as the rest of the profile (crypto/IniFile.h): "key = value",
// ';' or '#' comments, quoted values. Unknown keys in these two sections are
// errors. SipProfile.cpp's key table names every key once, for parse() and
// toIni().

#include "crypto/Result.h"

#include <chrono>
#include <string>

namespace napkin::sip {

struct SipProfile {
    std::string listen = "sip:*:*";
    std::string listenTls;
    std::string transport = "udp";
    std::string tlsDirectory; ///< absolute (relative paths resolve against the profile)
    std::chrono::seconds registrationExpiry{600};
    std::chrono::seconds keepaliveInterval{25};
    std::string mediaAddress = "127.0.0.1";
    bool requireEndToEnd = false;
    bool ringOnFailed = false;
    bool ringOnUnverifiable = true;

    /// Reads the two sections of the profile at `path` (other sections are
    /// ignored). Errors say "FILE line N: ...".
    [[nodiscard]] static Result<SipProfile, std::string> load(const std::string &path);
    /// Parses profile text; `path` is used in messages and for relative paths.
    [[nodiscard]] static Result<SipProfile, std::string> parse(std::string_view text,
                                                               const std::string &path);

    /// [sip] and [calls] as INI text that parse() reads back to an equal
    /// SipProfile; each key under a comment saying what it means. An error for
    /// a value INI cannot hold.
    [[nodiscard]] Result<std::string, std::string> toIni() const;
    /// What a profile must satisfy beyond each key's own range (a TLS
    /// transport needs a TLS listener).
    [[nodiscard]] Result<void, std::string> check() const;

    [[nodiscard]] bool operator==(const SipProfile &) const = default;
};

} // namespace napkin::sip
