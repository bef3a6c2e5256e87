// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/discovery/Profile.h"

#include "crypto/IniKey.h"
#include "crypto/NameMatch.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUuid>

namespace napkin::discovery {

namespace {

using crypto::IniKey;
using crypto::IniType;
using Problem = std::optional<std::string>; ///< what is wrong with a value read
using Value = std::optional<std::string>;   ///< a value to write, or none

constexpr qint64 kMaxProfileBytes = 256 * 1024;

DiscoveryError profileError(const QString &path, int line, const QString &what) {
    return discoveryError(DiscoveryErrc::LocalFailure,
                          line > 0 ? QStringLiteral("%1 line %2: %3").arg(path).arg(line).arg(what)
                                   : QStringLiteral("%1: %2").arg(path, what));
}

QString qs(const std::string &text) {
    return QString::fromStdString(text);
}

std::optional<qint64> parseCount(const QString &text, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < min || v > max) {
        return std::nullopt;
    }
    return v;
}

QString resolvePath(const QString &base, const QString &value) {
    if (value.isEmpty() || QDir::isAbsolutePath(value)) {
        return value;
    }
    return QDir(base).absoluteFilePath(value);
}

/// A text key: stored as given, written unless empty.
template <QString Profile::*Member>
Problem readText(Profile &p, const std::string &v, const std::string &) {
    p.*Member = qs(v);
    return {};
}
template <QString Profile::*Member> Value writeText(const Profile &p) {
    return (p.*Member).isEmpty() ? Value() : (p.*Member).toStdString();
}

/// A path key: relative to the profile's directory; empty leaves the default.
template <QString Profile::*Member>
Problem readPath(Profile &p, const std::string &v, const std::string &directory) {
    if (!v.empty()) {
        p.*Member = resolvePath(qs(directory), qs(v));
    }
    return {};
}

Problem readAor(Profile &p, const std::string &v, const std::string &) {
    if (v.empty()) {
        return {}; // parse() reports it missing
    }
    auto aor = crypto::parseAor(v);
    if (!aor) {
        return "aor '" + v + "' is not a SIP address: " + aor.error().message;
    }
    p.aor = qs(aor->uri());
    p.username = QByteArray::fromStdString(aor->user);
    return {};
}

Value writeUsername(const Profile &p) {
    const auto aor = crypto::parseAor(p.aor.toStdString());
    if (p.username.isEmpty() || (aor && p.username.toStdString() == aor->user)) {
        return {};
    }
    return p.username.toStdString();
}

Problem readDnsServer(Profile &p, const std::string &v, const std::string &) {
    if (v.empty()) {
        return {};
    }
    auto dns = Profile::parseDnsServer(qs(v));
    if (!dns) {
        return dns.error() == Profile::DnsServerProblem::BadPort
                   ? "dns_server port is not 1..65535"
                   : "dns_server '" + v + "' is not an IPv4 address";
    }
    p.dnsServer = dns->address;
    p.dnsPort = dns->port;
    return {};
}

Value writeDnsServer(const Profile &p) {
    if (!p.dnsServer) {
        return {};
    }
    QString text = p.dnsServer->toString();
    if (p.dnsPort != 53) {
        text += QStringLiteral(":%1").arg(p.dnsPort);
    }
    return text.toStdString();
}

/// lifetime_days or lifetime_hours: 1 to `max` units of `unitHours` each.
Problem readLifetime(Profile &p, const std::string &v, int unitHours, qint64 max,
                     const char *problem) {
    const auto units = parseCount(qs(v), 1, max);
    if (!units) {
        return problem;
    }
    p.certificateLifetime = std::chrono::hours(unitHours * *units);
    return {};
}

/// lifetime_days when the lifetime is whole days, lifetime_hours otherwise.
Value writeLifetime(const Profile &p, bool days) {
    const auto hours = std::chrono::ceil<std::chrono::hours>(p.certificateLifetime).count();
    if ((hours % 24 == 0) != days) {
        return {};
    }
    return std::to_string(days ? hours / 24 : hours);
}

Problem readExtraRealms(Profile &p, const std::string &v, const std::string &) {
    p.extraRealms.clear();
    for (const QString &item : qs(v).split(QLatin1Char(','))) {
        const QString realm = item.trimmed();
        if (realm.isEmpty()) {
            continue;
        }
        if (realm.contains(QLatin1Char('"')) || realm.contains(QLatin1Char(' ')) ||
            realm.contains(QLatin1Char('\t'))) {
            return "extra_realms is a comma list of realms such as sip.a.example, other.example";
        }
        p.extraRealms.append(realm);
    }
    return {};
}

Problem readFlag(bool &out, const std::string &v, const char *key) {
    const auto flag = crypto::parseIniFlag(v);
    if (!flag) {
        return std::string(key) + " must be true or false";
    }
    out = *flag;
    return {};
}

Problem readKeyStorage(Profile &p, const std::string &v, const std::string &) {
    static const std::pair<const char *, Profile::KeyStorage> kNames[] = {
        {"file", Profile::KeyStorage::File},
        {"none", Profile::KeyStorage::None},
        {"keychain", Profile::KeyStorage::Keychain},
    };
    const QString s = qs(v).toLower();
    for (const auto &[name, storage] : kNames) {
        if (s == QLatin1String(name)) {
            p.keyStorage = storage;
            return {};
        }
    }
    return "key_storage must be file, none or keychain";
}

Problem readStunServer(Profile &p, const std::string &v, const std::string &) {
    p.stunServer.reset();
    if (v.empty()) {
        return {};
    }
    auto server = media::parseStunServer(v);
    if (!server) {
        return server.error().message;
    }
    p.stunServer = std::move(server).value();
    return {};
}

Problem readTurnServer(Profile &p, const std::string &v, const std::string &) {
    p.turnServer.reset();
    if (v.empty()) {
        return {};
    }
    auto server = media::parseTurnServer(v);
    if (!server) {
        return server.error().message;
    }
    p.turnServer = std::move(server).value();
    return {};
}

/// The TURN user name goes into STUN's USERNAME attribute (RFC 8489: at
/// most 513 bytes of UTF-8).
Problem readTurnUser(Profile &p, const std::string &v, const std::string &) {
    if (v.size() > 512) {
        return "turn_user is longer than 512 bytes";
    }
    for (const char c : v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return "turn_user must not contain control characters";
        }
    }
    p.turnUser = qs(v);
    return {};
}

/// The first line of `file` (a password file named by `key`), without its
/// line break; an error naming the file when it is unreadable or empty.
DiscoveryResult<QByteArray> readFirstLine(const QString &profilePath, const QString &fileName,
                                          const QString &key) {
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly)) {
        return fail(profileError(
            profilePath, 0,
            QStringLiteral("cannot read %1 %2 (%3)").arg(key, fileName, file.errorString())));
    }
    QByteArray data = file.read(4096);
    const qsizetype nl = data.indexOf('\n');
    if (nl >= 0) {
        data.truncate(nl);
    }
    if (data.endsWith('\r')) {
        data.chop(1);
    }
    if (data.isEmpty()) {
        return fail(
            profileError(profilePath, 0, QStringLiteral("%1 %2 is empty").arg(key, fileName)));
    }
    return data;
}

Value writeKeyStorage(const Profile &p) {
    switch (p.keyStorage) {
    case Profile::KeyStorage::File:
        return "file";
    case Profile::KeyStorage::None:
        return "none";
    case Profile::KeyStorage::Keychain:
        return "keychain";
    }
    return {};
}

/// Every key of [account], [network] and [certificates], in the order they
/// are read (and checked) and written.
const IniKey<Profile> kKeys[] = {
    {"account", "aor", IniType::Text, "", "this account's SIP address (required)", readAor,
     [](const Profile &p) -> Value { return p.aor.toStdString(); }},
    {"account", "username", IniType::Text, "the AOR's user", "Digest user name",
     [](Profile &p, const std::string &v, const std::string &) -> Problem {
         if (!v.empty()) {
             p.username = QByteArray::fromStdString(v);
         }
         return {};
     },
     writeUsername},
    {"account", "password", IniType::Text, "", "the SIP password (or password_file)",
     [](Profile &p, const std::string &v, const std::string &) -> Problem {
         p.password = QByteArray::fromStdString(v);
         return {};
     },
     [](const Profile &p) -> Value {
         return p.password ? Value(p.password->toStdString()) : Value();
     }},
    {"account", "password_file", IniType::Path, "", "a file whose first line is the password",
     readPath<&Profile::passwordFile>,
     [](const Profile &p) -> Value {
         return p.password ? Value() : writeText<&Profile::passwordFile>(p);
     },
     "password"},
    {"account", "display_name", IniType::Text, "", "the name callees see",
     readText<&Profile::displayName>, writeText<&Profile::displayName>},
    {"account", "registrar", IniType::Text, "", "the registrar's SIP URI",
     readText<&Profile::registrar>, writeText<&Profile::registrar>},
    {"account", "outbound_proxy", IniType::Text, "none", "the outbound proxy's SIP URI",
     readText<&Profile::outboundProxy>, writeText<&Profile::outboundProxy>},
    {"account", "extra_realms", IniType::Text, "none",
     "Digest realms answered besides the address's domain, a comma list", readExtraRealms,
     [](const Profile &p) -> Value {
         return p.extraRealms.isEmpty() ? Value()
                                        : p.extraRealms.join(QStringLiteral(", ")).toStdString();
     }},
    {"network", "dns_server", IniType::Text, "the system's resolver",
     "the DNS server, IPv4 address[:port]", readDnsServer, writeDnsServer},
    {"network", "ca_file", IniType::Path, "none",
     "extra CA certificates (PEM) for certificate services", readPath<&Profile::caFile>,
     writeText<&Profile::caFile>},
    {"network", "allow_private_services", IniType::Flag, "false",
     "connect to certificate services at loopback, private or link-local addresses",
     [](Profile &p, const std::string &v, const std::string &) {
         return readFlag(p.allowPrivateServices, v, "allow_private_services");
     },
     [](const Profile &p) -> Value { return p.allowPrivateServices ? "true" : "false"; }},
    {"network", "max_fetches_per_domain_per_minute", IniType::Number, "10",
     "how often incoming calls may make this device ask one domain's certificate service, "
     "1 to 10000 a minute",
     [](Profile &p, const std::string &v, const std::string &) -> Problem {
         const auto n = parseCount(qs(v), 1, 10000);
         if (!n) {
             return "max_fetches_per_domain_per_minute must be 1 to 10000";
         }
         p.maxFetchesPerDomainPerMinute = static_cast<int>(*n);
         return {};
     },
     [](const Profile &p) -> Value { return std::to_string(p.maxFetchesPerDomainPerMinute); }},
    {"network", "stun_server", IniType::Text, "none",
     "ICE's STUN server, HOST[:PORT] (port 3478 by default)", readStunServer,
     [](const Profile &p) -> Value {
         return p.stunServer ? Value(media::formatStunServer(*p.stunServer)) : Value();
     }},
    {"network", "turn_server", IniType::Text, "none",
     "ICE's TURN relay, turn:HOST[:PORT][?transport=udp|tcp] or turns:HOST[:PORT] (TLS)",
     readTurnServer,
     [](const Profile &p) -> Value {
         return p.turnServer ? Value(media::formatTurnServer(*p.turnServer)) : Value();
     }},
    {"network", "turn_user", IniType::Text, "", "the TURN server's user name for this account",
     readTurnUser, writeText<&Profile::turnUser>},
    {"network", "turn_password_file", IniType::Path, "the desktop app's keychain",
     "a file whose first line is the TURN password", readPath<&Profile::turnPasswordFile>,
     writeText<&Profile::turnPasswordFile>},
    {"certificates", "lifetime_days", IniType::Number, "7",
     "lifetime of this device's certificate, 1 to 90 days",
     [](Profile &p, const std::string &v, const std::string &) {
         return readLifetime(p, v, 24, 90, "lifetime_days must be 1 to 90");
     },
     [](const Profile &p) { return writeLifetime(p, true); }},
    {"certificates", "lifetime_hours", IniType::Number, "",
     "the lifetime in hours instead, 1 to 2160",
     [](Profile &p, const std::string &v, const std::string &) {
         return readLifetime(p, v, 1, 90 * 24, "lifetime_hours must be 1 to 2160");
     },
     [](const Profile &p) { return writeLifetime(p, false); }, "lifetime_days"},
    {"certificates", "cache_ttl", IniType::Number, "300",
     "seconds a fetched certificate set is kept, 0 to 604800",
     [](Profile &p, const std::string &v, const std::string &) -> Problem {
         const auto ttl = parseCount(qs(v), 0, 7 * 86400);
         if (!ttl) {
             return "cache_ttl must be 0 to 604800 seconds";
         }
         p.cacheTtl = std::chrono::seconds(*ttl);
         return {};
     },
     [](const Profile &p) -> Value { return std::to_string(p.cacheTtl.count()); }},
    {"certificates", "key_storage", IniType::Choice, "file",
     "where the device key lives: file, none (a new key at every start) or keychain",
     readKeyStorage, writeKeyStorage},
    {"certificates", "state_dir", IniType::Path, "<profile name>.state beside the file",
     "instance URN and known devices", readPath<&Profile::stateDir>, writeText<&Profile::stateDir>},
};

} // namespace

DiscoveryResult<Profile> Profile::load(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return fail(profileError(
            path, 0, QStringLiteral("cannot read the profile (%1)").arg(file.errorString())));
    }
    if (file.size() > kMaxProfileBytes) {
        return fail(profileError(path, 0, QStringLiteral("the profile is larger than 256 KiB")));
    }
    return parse(file.readAll(), QFileInfo(path).absoluteFilePath());
}

DiscoveryResult<Profile> Profile::parse(const QByteArray &text, const QString &path) {
    static const crypto::IniSchema schema = crypto::iniSchema<Profile>(kKeys, true);
    auto file = crypto::IniFile::parse(std::string_view(text.constData(), text.size()),
                                       path.toStdString(), schema);
    if (!file) {
        return fail(profileError(path, file.error().line, qs(file.error().what)));
    }
    if (const auto *aor = file->find("account", "aor"); aor == nullptr || aor->value.empty()) {
        return fail(profileError(path, 0, QStringLiteral("[account] aor is missing")));
    }
    Profile p;
    p.path = path;
    const QFileInfo info(path);
    if (auto read =
            crypto::readIniKeys<Profile>(*file, kKeys, p, info.absolutePath().toStdString());
        !read) {
        return fail(profileError(path, read.error().line, qs(read.error().what)));
    }
    // TURN's keys go together; the error points at the one that is there.
    const auto lineOf = [&file](const char *key) {
        const crypto::IniEntry *entry = file->find("network", key);
        return entry != nullptr ? entry->line : 0;
    };
    if (p.turnServer && p.turnUser.isEmpty()) {
        return fail(profileError(path, lineOf("turn_server"),
                                 QStringLiteral("turn_server needs turn_user (the user name the "
                                                "TURN server knows this account by)")));
    }
    if (!p.turnServer && !p.turnUser.isEmpty()) {
        return fail(profileError(path, lineOf("turn_user"),
                                 QStringLiteral("turn_user is set but turn_server is not")));
    }
    if (!p.turnServer && !p.turnPasswordFile.isEmpty()) {
        return fail(profileError(path, lineOf("turn_password_file"),
                                 QStringLiteral("turn_password_file is set but turn_server is "
                                                "not")));
    }
    if (p.stateDir.isEmpty()) {
        p.stateDir =
            QDir(info.absolutePath()).filePath(info.completeBaseName() + QStringLiteral(".state"));
    }
    return p;
}

DiscoveryResult<QByteArray> Profile::toIni() const {
    auto text = crypto::writeIniKeys<Profile>(kKeys, *this);
    if (!text) {
        return fail(profileError(path, 0, qs(text.error())));
    }
    return QByteArray::fromStdString(*text);
}

Result<DnsServer, Profile::DnsServerProblem> Profile::parseDnsServer(const QString &text) {
    QString host = text;
    DnsServer server;
    const qsizetype colon = host.lastIndexOf(QLatin1Char(':'));
    if (colon > 0 && host.count(QLatin1Char(':')) == 1) {
        const auto port = parseCount(host.mid(colon + 1), 1, 65535);
        if (!port) {
            return fail(DnsServerProblem::BadPort);
        }
        server.port = static_cast<quint16>(*port);
        host = host.left(colon);
    }
    QHostAddress address;
    if (!address.setAddress(host) || address.protocol() != QAbstractSocket::IPv4Protocol) {
        return fail(DnsServerProblem::NotIpv4);
    }
    server.address = address;
    return server;
}

DiscoveryResult<QByteArray> Profile::readPassword() const {
    if (password) {
        return *password;
    }
    if (passwordFile.isEmpty()) {
        return fail(profileError(path, 0,
                                 QStringLiteral("[account] has neither password nor "
                                                "password_file")));
    }
    return readFirstLine(path, passwordFile, QStringLiteral("password_file"));
}

DiscoveryResult<media::IceServers>
Profile::iceServers(const std::optional<QByteArray> &turnPassword) const {
    media::IceServers servers;
    servers.stun = stunServer;
    if (!turnServer) {
        return servers;
    }
    media::TurnServer turn = *turnServer;
    turn.user = turnUser.toStdString();
    if (turnPassword && !turnPassword->isEmpty()) {
        turn.password = turnPassword->toStdString();
    } else if (turnPasswordFile.isEmpty()) {
        return fail(profileError(path, 0,
                                 QStringLiteral("[network] turn_server is set but no TURN "
                                                "password is known: give turn_password_file (a "
                                                "file whose first line is the password)")));
    } else {
        auto fromFile = readFirstLine(path, turnPasswordFile, QStringLiteral("turn_password_file"));
        if (!fromFile) {
            return fail(std::move(fromFile).error());
        }
        turn.password = fromFile->toStdString();
    }
    servers.turn = std::move(turn);
    return servers;
}

DiscoveryResult<QString> Profile::instanceUrn() const {
    const QString file = QDir(stateDir).filePath(QStringLiteral("instance-urn"));
    QFile in(file);
    if (in.open(QIODevice::ReadOnly)) {
        const QString urn = QString::fromLatin1(in.read(100)).trimmed();
        if (urn.startsWith(QLatin1String("urn:uuid:")) && !QUuid::fromString(urn.mid(9)).isNull()) {
            return urn;
        }
        return fail(profileError(file, 0, QStringLiteral("not a urn:uuid: instance URN")));
    }
    if (!QDir().mkpath(stateDir)) {
        return fail(profileError(stateDir, 0, QStringLiteral("cannot create the state directory")));
    }
    const QString urn =
        QStringLiteral("urn:uuid:") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(urn.toLatin1() + '\n') < 0 || !out.commit()) {
        return fail(profileError(file, 0, QStringLiteral("cannot write the instance URN")));
    }
    return urn;
}

QString Profile::knownDevicesPath() const {
    return QDir(stateDir).filePath(QStringLiteral("known-devices"));
}

DnsServer Profile::dnsSettings() const {
    DnsServer s;
    s.address = dnsServer;
    s.port = dnsPort;
    return s;
}

} // namespace napkin::discovery
