// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The account profile: one INI file that the desktop app and napkin-cli
// both read.
//
//   [account]
//   aor = sip:alice@a.example
//   password_file = alice.pass        ; or: password = ...
//   username = alice                  ; Digest user name, default: the AOR's user
//   display_name = Alice
//   registrar = sip:a.example
//   outbound_proxy = sip:proxy.a.example;lr
//   extra_realms = sip.a.example, b   ; Digest realms answered besides the AOR's domain
//   [network]
//   dns_server = 127.0.0.53           ; default: the system's resolver
//   ca_file = /etc/napkin/extra-ca.pem
//   allow_private_services = false    ; certificate services on loopback/LAN addresses
//   max_fetches_per_domain_per_minute = 10 ; fetches incoming calls may start
//   stun_server = stun.a.example      ; ICE: HOST[:PORT] (media/IceServers.h)
//   turn_server = turn:turn.a.example?transport=tcp ; or turns:HOST[:PORT]
//   turn_user = alice                 ; required with turn_server
//   turn_password_file = alice.turn   ; first line; the desktop app may use its keychain
//   [certificates]
//   lifetime_days = 7                 ; or lifetime_hours
//   cache_ttl = 300                   ; seconds, 0 allowed
//   key_storage = file                ; file | none | keychain
//   state_dir = alice.state           ; default: <profile name>.state beside the file
//
// The syntax is crypto/IniFile.h's. Relative paths are relative to the
// profile's directory. Sections other than these three are left to the app
// (sip::SipProfile reads [sip] and [calls]); unknown keys inside them are
// errors (a misspelt key must not be ignored silently). Profile.cpp's key
// table names every key once, for parse() and toIni().

#include "media/IceServers.h"
#include "sipcore/discovery/DiscoveryError.h"
#include "sipcore/discovery/ServiceClient.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace napkin::discovery {

struct Profile {
    enum class KeyStorage { File, None, Keychain };

    QString path; ///< absolute path of the file read
    QString aor;
    QByteArray username;
    std::optional<QByteArray> password; ///< when given inline
    QString passwordFile;
    QString displayName;
    QString registrar;
    QString outboundProxy;
    /// Digest realms this account answers besides its AOR's domain.
    QStringList extraRealms;
    std::optional<QHostAddress> dnsServer;
    quint16 dnsPort = 53;
    QString caFile;
    /// Connect to certificate services at loopback, private and link-local
    /// addresses (a LAN deployment, the test world).
    bool allowPrivateServices = false;
    /// How often incoming calls may make this device ask one domain's
    /// certificate service, per minute.
    int maxFetchesPerDomainPerMinute = 10;
    /// ICE's STUN server ([network] stun_server).
    std::optional<media::StunServer> stunServer;
    /// ICE's TURN server ([network] turn_server); its user and password are
    /// left empty here (turnUser, and turnPasswordFile or the app's keychain).
    std::optional<media::TurnServer> turnServer;
    QString turnUser; ///< set exactly when turnServer is
    /// A file whose first line is the TURN password; empty: the desktop
    /// app's keychain (napkin-cli then has no TURN password).
    QString turnPasswordFile;
    std::chrono::seconds certificateLifetime{std::chrono::hours(24 * 7)};
    std::chrono::seconds cacheTtl{300};
    KeyStorage keyStorage = KeyStorage::File;
    QString stateDir;

    /// Reads and checks a profile. LocalFailure with "FILE line N: ..." for
    /// every problem: syntax, unknown key, bad value, missing aor, turn_server
    /// without turn_user (or the other way round).
    [[nodiscard]] static DiscoveryResult<Profile> load(const QString &path);
    /// Parses profile text (`path` for messages and relative paths).
    [[nodiscard]] static DiscoveryResult<Profile> parse(const QByteArray &text,
                                                        const QString &path);

    /// [account], [network] and [certificates] as INI text that parse()
    /// reads back to an equal Profile (with the same `path`); each key under a
    /// comment saying what it means. An error for a value INI cannot hold.
    [[nodiscard]] DiscoveryResult<QByteArray> toIni() const;

    enum class DnsServerProblem { BadPort, NotIpv4 };
    /// dns_server's value: "IPv4" or "IPv4:port".
    [[nodiscard]] static Result<DnsServer, DnsServerProblem> parseDnsServer(const QString &text);

    [[nodiscard]] bool operator==(const Profile &) const = default;

    /// The password: inline, or the first line of password_file.
    [[nodiscard]] DiscoveryResult<QByteArray> readPassword() const;
    /// ICE's servers with the TURN credentials filled in: the password is
    /// `turnPassword` when given, else the first line of turn_password_file.
    /// LocalFailure (naming the file, never the password) when a TURN server
    /// is set and the password cannot be had: no turn_password_file and none
    /// given, or the file is unreadable or empty.
    [[nodiscard]] DiscoveryResult<media::IceServers>
    iceServers(const std::optional<QByteArray> &turnPassword = std::nullopt) const;
    /// This device's instance URN, kept in the state directory (created on first use).
    [[nodiscard]] DiscoveryResult<QString> instanceUrn() const;
    /// The list of known devices in the state directory.
    [[nodiscard]] QString knownDevicesPath() const;
    /// DNS settings for ServiceClientSettings.
    [[nodiscard]] DnsServer dnsSettings() const;
};

} // namespace napkin::discovery
