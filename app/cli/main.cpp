// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli: the Napkin engine without a face.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include <cstring>
#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view kHelp =
    R"(napkin-cli - end-to-end secure SIP calling, from the command line

Usage: napkin-cli <command> <sub-command> [options]

Device certificates
  cert new --aor sip:USER@DOMAIN [--key ec|rsa] [--rsa-bits 2048|3072]
           [--days N | --hours N] [--name "Display Name"] [--instance urn:uuid:...]
           [--out DIR] [--force]
      Generates a key and a short-lived self-signed certificate for the address
      (EC P-256 unless --key rsa; 7 days unless --days or --hours, 1 hour..90 days).
      Writes DIR/cert.pem and DIR/key.pem (mode 0600; DIR defaults to "." and is
      created if missing; an existing key.pem is only replaced with --force)
      and prints the certificate's SHA-256 fingerprint, then the same in groups of four.
  cert show FILE
      Prints the address, instance, validity, key and fingerprint of a certificate
      (of each one, if FILE holds several; "-" reads standard input).

S/MIME (RFC 5751; output readable by 'openssl cms -inform SMIME')
  smime sign --cert C --key K [--in F] [--out F]
      Input: a MIME entity (headers, blank line, body). Output: the entity
      signed as multipart/signed (SHA-256, detached CMS with the certificate
      and signing time) with its Content-Type header.
  smime verify --signers SET.pem [--in F] [--out F]
      Checks the signature against the certificates in SET.pem only (never the
      system CA store). Prints "verified: FINGERPRINT ADDRESS" on standard
      error and writes the signed entity to the output; exits 1 with the
      reason if the signature is bad or the signer is not in SET.pem.
  smime encrypt --to C1.pem [--to C2.pem ...] [--cbc] [--in F] [--out F]
      Encrypts a MIME entity for every recipient (AES-128-GCM AuthEnvelopedData;
      --cbc for AES-128-CBC EnvelopedData). Output: application/pkcs7-mime
      in base64.
  smime decrypt --cert C --key K [--in F] [--out F]
      Decrypts application/pkcs7-mime for this device's key and writes the
      MIME entity inside.

Certificate service (draft-jennings-sipping-certs)
  certs fetch sip:USER@DOMAIN [--dns IP[:PORT]] [--ca FILE] [--config FILE]
              [--timeout S] [--allow-private-services] [--json]
      Finds DOMAIN's certificate service (DNS SRV _certificates._tcp.DOMAIN,
      else certificates.DOMAIN:443), checks that its TLS certificate is trusted
      (system CAs plus --ca) and names DOMAIN itself, and prints the address's
      device certificates. Certificates for another address, not self-signed
      or expired are dropped and reported on standard error. --dns asks only
      that server (for the SRV and the address lookups). A service at a
      loopback, private or link-local address is refused unless
      --allow-private-services (or the profile's allow_private_services).
  certs enroll --config PROFILE [--json]
      Enrols this device's certificate with the account's password (HTTP
      Digest), then checks the own address and reports unknown devices ("!").
  certs list --config PROFILE [--json]
      The devices on the own address: "*" this device, "!" not enrolled from
      here and not acknowledged.
  certs revoke --config PROFILE --fingerprint sha256:HEX
  certs acknowledge --config PROFILE --fingerprint sha256:HEX
      Removes a device from the service / accepts it as known (locally).
  PROFILE is the account's INI file, shared with the app: [account] aor,
  password or password_file, username, extra_realms; [network] dns_server,
  ca_file, allow_private_services, max_fetches_per_domain_per_minute,
  stun_server, turn_server, turn_user, turn_password_file;
  [certificates] lifetime_days or lifetime_hours, cache_ttl, key_storage
  (file|none), state_dir. --verbose shows the engine's log.
  ICE's servers for calls ([network]): stun_server = HOST[:PORT] (port
  3478); turn_server = turn:HOST[:PORT][?transport=udp|tcp] (default udp,
  3478) or turns:HOST[:PORT] (TLS, 5349), with turn_user (required with
  turn_server) and turn_password_file (its first line is the password,
  relative to the profile's directory). HOST is a DNS name, resolved through
  dns_server, or an IPv4 address. The desktop app may keep the TURN password
  in its keychain instead; the agent then stops with a profile error
  (local-failure) naming turn_password_file.

Secure calls (a headless device)
  agent --config PROFILE [--auto-answer [--answer-delay MS]]
        [--call sip:USER@DOMAIN [--via URI] [--call-delay S]
                [--calls N [--call-interval S]]] [--hangup-after S]
        [--duration S] [--play IN.wav] [--record OUT.wav] [--no-audio]
        [--dtmf DIGITS] [--watch-devices] [--allow-plain]
        [--hold-after S [--resume-after S]]
      Enrols this device's certificate, registers, and answers and places calls
      whose identity is signed and whose media keys travel encrypted (S/MIME).
      Prints one JSON object per line on standard output, each with "t" (ms
      since start) and "event": registered, enrolled, incoming, identity
      (verdict verified | verified-new-device | unsigned | failed |
      unverifiable: the peer's certificate service or DNS could not be
      asked; signer fingerprint, instance, vouching domain), call_state,
      media (codec, srtp,
      "e2e": true|false; later "ice": {"local", "remote": host | srflx | prflx
      | relay, "transport": udp | tcp, "relay": the TURN server, "gather_ms",
      "check_ms": how long gathering and the checks took} when ICE
      selected a pair, and "flowing" when SRTP arrives), dtmf (sent and
      received RFC 4733 digits), hold (local/remote: who put the call
      on hold), devices and unknown_device (with
      --watch-devices: the own address's device list), ended, error. Logs
      go to standard error. An error event has "where" (the stage), "code"
      (a stable name to switch on) and "message" (the words):
        profile       a DiscoveryErrc name below, no-keychain,
                      unusable-state-file (a warning; the agent goes on)
        start         already-started, bind-failed, tls-setup, bad-address,
                      sip-stack-failed, internal
        registration  registration-failed
        enrolment     a DiscoveryErrc name (with "retry_ms"), identity-withdrawn
                      (with "fingerprint" and "reason": expired | not-listed;
                      calls are unsigned until "enrolled" again, and a
                      "reenrolling" event gives "next_attempt")
        devices       a DiscoveryErrc name, own-device-missing
        call          bad-address, not-ready, shutting-down, internal
        sip           sip-problem
        media         no-media-path (with "call": no ICE pair worked; the
                      call stays up without sound until hung up)
        audio         io, audio-format, ... (the media error's name)
        dtmf          dtmf-refused
      DiscoveryErrc names: invalid-address, no-service, dns-failure,
      connection-refused, timeout, tls-failure, untrusted-service-certificate,
      tls-name-mismatch, http-error, malformed-response, malformed-set,
      empty-set, not-listed, auth-failed, forbidden, rejected, local-failure,
      cancelled. --dtmf sends the digits once the call is active.
      --hold-after puts each call on hold S seconds after it became active,
      --resume-after takes it off hold (seconds after active, later than
      --hold-after); the hold events report both.
      --auto-answer answers after --answer-delay ms of ringing (default 0).
      --play sends a WAV file, --record writes what arrives; --no-audio agrees
      on keys without any media. --via sends the INVITE to URI instead of the
      address's domain (a direct call). --calls places N calls to --call one
      after the other in this process (each hung up after --hangup-after),
      the next one --call-interval seconds (default 1, decimals allowed)
      after the previous one ended.
      A callee whose domain publishes certificates for it (or that this
      device saw verified before) is never called in clear: when only a
      plain call would get through (a 415/500 refusal, or an answer without
      a sealed offer, which is what a proxy forging a downgrade sends), the
      call ends with "code": "downgrade-refused" and the reason; with
      --allow-plain it is called in clear instead, marked not end-to-end. An
      unsigned INVITE claiming such an address is judged failed
      (stripped-signature). Other callees (plain phones) are called again
      once in clear, marked not end-to-end.
      Stops cleanly (calls ended, unregistered) on SIGINT/SIGTERM or after
      --duration. The profile's [sip] section: listen, listen_tls, transport
      (udp|tcp|tls), tls_dir, registration_expiry, keepalive_interval
      (seconds between keep-alive OPTIONS to the registrar, default 25, 0
      off: keeps a home router's NAT mapping open, and a changed mapping
      registers again), media_address; [calls]:
      require_end_to_end, ring_on_failed, ring_on_unverifiable (a caller whose
      certificate service or DNS is down rings with the verdict
      "unverifiable"; false: refused with 480).

Input defaults to standard input and output to standard output.

Exit codes
  0  success
  1  the operation failed: bad or unknown signature, not encrypted for this key...
  2  wrong usage: unknown command or option, missing argument
  3  an input file is missing, unreadable or malformed
  10 certs: no certificate service for the domain, or DNS failed
  11 certs: the service refused the connection or did not answer in time
  12 certs: the service's TLS certificate is untrusted or names another domain
  13 certs: the service answered with an HTTP error or a broken answer
  14 certs: the set is malformed or holds no usable certificate
  15 certs: wrong password, or not allowed to act for this address
  16 certs: the service refused the certificate (its policy)

Options
  -h, --help     this text
  --version      the version
)";

} // namespace

int main(int argc, char **argv) {
    using namespace napkin::cli;
    if (argc < 2) {
        std::cerr << kHelp;
        return ExitUsage;
    }
    std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::cout << kHelp;
        return ExitOk;
    }
    if (cmd == "--version") {
        std::cout << "napkin-cli " NAPKIN_VERSION "\n";
        return ExitOk;
    }
    if (cmd == "cert") {
        return runCertCommand(argc, argv);
    }
    if (cmd == "smime") {
        return runSmimeCommand(argc, argv);
    }
    if (cmd == "certs") {
        return runCertsCommand(argc, argv);
    }
    if (cmd == "agent") {
        return runAgentCommand(argc, argv);
    }
    std::cerr << "napkin-cli: unknown command '" << cmd << "' (try napkin-cli --help)\n";
    return ExitUsage;
}
