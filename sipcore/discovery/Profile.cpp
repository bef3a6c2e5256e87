#include "sipcore/discovery/Profile.h"

#include "crypto/NameMatch.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUuid>

#include <map>
#include <set>

namespace napkin::discovery {

namespace {

constexpr qint64 kMaxProfileBytes = 256 * 1024;

DiscoveryError profileError(const QString &path, int line, const QString &what) {
    return discoveryError(DiscoveryErrc::LocalFailure,
                          line > 0 ? QStringLiteral("%1 line %2: %3").arg(path).arg(line).arg(what)
                                   : QStringLiteral("%1: %2").arg(path, what));
}

/// A value: "quoted with \" escapes" taken literally, otherwise the text up
/// to an inline comment (" ;" or " #"), trimmed.
std::optional<QString> parseValue(const QString &raw) {
    const QString text = raw.trimmed();
    if (text.startsWith(QLatin1Char('"'))) {
        QString out;
        qsizetype i = 1;
        for (; i < text.size(); ++i) {
            const QChar c = text[i];
            if (c == QLatin1Char('\\') && i + 1 < text.size()) {
                out += text[++i];
            } else if (c == QLatin1Char('"')) {
                break;
            } else {
                out += c;
            }
        }
        if (i >= text.size()) {
            return std::nullopt; // unterminated
        }
        const QString rest = text.mid(i + 1).trimmed();
        if (!rest.isEmpty() && !rest.startsWith(QLatin1Char(';')) &&
            !rest.startsWith(QLatin1Char('#'))) {
            return std::nullopt;
        }
        return out;
    }
    qsizetype cut = text.size();
    for (qsizetype i = 1; i < text.size(); ++i) {
        if ((text[i] == QLatin1Char(';') || text[i] == QLatin1Char('#')) &&
            (text[i - 1] == QLatin1Char(' ') || text[i - 1] == QLatin1Char('\t'))) {
            cut = i;
            break;
        }
    }
    return text.left(cut).trimmed();
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
    static const std::map<QString, std::set<QString>> kKeys = {
        {QStringLiteral("account"),
         {QStringLiteral("aor"), QStringLiteral("password"), QStringLiteral("password_file"),
          QStringLiteral("username"), QStringLiteral("display_name"), QStringLiteral("registrar"),
          QStringLiteral("outbound_proxy")}},
        {QStringLiteral("network"), {QStringLiteral("dns_server"), QStringLiteral("ca_file")}},
        {QStringLiteral("certificates"),
         {QStringLiteral("lifetime_days"), QStringLiteral("lifetime_hours"),
          QStringLiteral("cache_ttl"), QStringLiteral("key_storage"), QStringLiteral("state_dir")}},
    };

    Profile p;
    p.path = path;
    const QString base = QFileInfo(path).absolutePath();
    std::map<QString, std::pair<QString, int>> values; // "section.key" -> value, line
    QString section;
    const QString content = QString::fromUtf8(text);
    if (content.toUtf8() != text) {
        return fail(profileError(path, 0, QStringLiteral("the profile is not valid UTF-8")));
    }
    const QStringList lines = content.split(QLatin1Char('\n'));
    for (int n = 0; n < lines.size(); ++n) {
        const int lineNo = n + 1;
        QString line = lines[n];
        if (line.endsWith(QLatin1Char('\r'))) {
            line.chop(1);
        }
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(QLatin1Char(';')) ||
            trimmed.startsWith(QLatin1Char('#'))) {
            continue;
        }
        if (trimmed.startsWith(QLatin1Char('['))) {
            if (!trimmed.endsWith(QLatin1Char(']')) || trimmed.size() < 3) {
                return fail(profileError(path, lineNo, QStringLiteral("malformed section header")));
            }
            section = trimmed.mid(1, trimmed.size() - 2).trimmed().toLower();
            continue;
        }
        const qsizetype eq = trimmed.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            return fail(profileError(path, lineNo, QStringLiteral("expected 'key = value'")));
        }
        const QString key = trimmed.left(eq).trimmed().toLower();
        const auto value = parseValue(trimmed.mid(eq + 1));
        if (!value) {
            return fail(profileError(path, lineNo, QStringLiteral("malformed quoted value")));
        }
        if (section.isEmpty()) {
            return fail(profileError(path, lineNo,
                                     QStringLiteral("'%1' is outside any [section]").arg(key)));
        }
        const auto known = kKeys.find(section);
        if (known == kKeys.end()) {
            continue; // another part of the program's settings
        }
        if (known->second.count(key) == 0) {
            return fail(profileError(path, lineNo,
                                     QStringLiteral("unknown key '%1' in [%2]").arg(key, section)));
        }
        const QString full = section + QLatin1Char('.') + key;
        if (values.count(full) != 0) {
            return fail(profileError(
                path, lineNo, QStringLiteral("'%1' appears twice in [%2]").arg(key, section)));
        }
        values[full] = {*value, lineNo};
    }

    auto get = [&](const char *name) -> std::optional<std::pair<QString, int>> {
        const auto it = values.find(QString::fromLatin1(name));
        if (it == values.end()) {
            return std::nullopt;
        }
        return it->second;
    };

    const auto aor = get("account.aor");
    if (!aor || aor->first.isEmpty()) {
        return fail(profileError(path, 0, QStringLiteral("[account] aor is missing")));
    }
    auto parsedAor = crypto::parseAor(aor->first.toStdString());
    if (!parsedAor) {
        return fail(
            profileError(path, aor->second,
                         QStringLiteral("aor '%1' is not a SIP address: %2")
                             .arg(aor->first, QString::fromStdString(parsedAor.error().message))));
    }
    p.aor = QString::fromStdString(parsedAor->uri());
    p.username = QByteArray::fromStdString(parsedAor->user);
    if (const auto v = get("account.username"); v && !v->first.isEmpty()) {
        p.username = v->first.toUtf8();
    }
    const auto password = get("account.password");
    const auto passwordFile = get("account.password_file");
    if (password && passwordFile) {
        return fail(profileError(path, passwordFile->second,
                                 QStringLiteral("give either password or password_file, "
                                                "not both")));
    }
    if (password) {
        p.password = password->first.toUtf8();
    }
    if (passwordFile) {
        p.passwordFile = resolvePath(base, passwordFile->first);
    }
    if (const auto v = get("account.display_name")) {
        p.displayName = v->first;
    }
    if (const auto v = get("account.registrar")) {
        p.registrar = v->first;
    }
    if (const auto v = get("account.outbound_proxy")) {
        p.outboundProxy = v->first;
    }
    if (const auto v = get("network.dns_server"); v && !v->first.isEmpty()) {
        QString host = v->first;
        quint16 port = 53;
        const qsizetype colon = host.lastIndexOf(QLatin1Char(':'));
        if (colon > 0 && host.count(QLatin1Char(':')) == 1) {
            const auto parsedPort = parseCount(host.mid(colon + 1), 1, 65535);
            if (!parsedPort) {
                return fail(profileError(path, v->second,
                                         QStringLiteral("dns_server port is not 1..65535")));
            }
            port = static_cast<quint16>(*parsedPort);
            host = host.left(colon);
        }
        QHostAddress address;
        if (!address.setAddress(host) || address.protocol() != QAbstractSocket::IPv4Protocol) {
            return fail(profileError(
                path, v->second,
                QStringLiteral("dns_server '%1' is not an IPv4 address").arg(v->first)));
        }
        p.dnsServer = address;
        p.dnsPort = port;
    }
    if (const auto v = get("network.ca_file"); v && !v->first.isEmpty()) {
        p.caFile = resolvePath(base, v->first);
    }
    const auto days = get("certificates.lifetime_days");
    const auto hours = get("certificates.lifetime_hours");
    if (days && hours) {
        return fail(profileError(path, hours->second,
                                 QStringLiteral("give lifetime_days or lifetime_hours, not both")));
    }
    if (days) {
        const auto v = parseCount(days->first, 1, 90);
        if (!v) {
            return fail(
                profileError(path, days->second, QStringLiteral("lifetime_days must be 1 to 90")));
        }
        p.certificateLifetime = std::chrono::hours(24 * *v);
    }
    if (hours) {
        const auto v = parseCount(hours->first, 1, 90 * 24);
        if (!v) {
            return fail(profileError(path, hours->second,
                                     QStringLiteral("lifetime_hours must be 1 to 2160")));
        }
        p.certificateLifetime = std::chrono::hours(*v);
    }
    if (const auto v = get("certificates.cache_ttl")) {
        const auto ttl = parseCount(v->first, 0, 7 * 86400);
        if (!ttl) {
            return fail(profileError(path, v->second,
                                     QStringLiteral("cache_ttl must be 0 to 604800 seconds")));
        }
        p.cacheTtl = std::chrono::seconds(*ttl);
    }
    if (const auto v = get("certificates.key_storage")) {
        const QString s = v->first.toLower();
        if (s == QLatin1String("file")) {
            p.keyStorage = KeyStorage::File;
        } else if (s == QLatin1String("none")) {
            p.keyStorage = KeyStorage::None;
        } else if (s == QLatin1String("keychain")) {
            p.keyStorage = KeyStorage::Keychain;
        } else {
            return fail(profileError(path, v->second,
                                     QStringLiteral("key_storage must be file, none or keychain")));
        }
    }
    if (const auto v = get("certificates.state_dir"); v && !v->first.isEmpty()) {
        p.stateDir = resolvePath(base, v->first);
    } else {
        const QFileInfo info(path);
        p.stateDir =
            QDir(info.absolutePath()).filePath(info.completeBaseName() + QStringLiteral(".state"));
    }
    return p;
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
    QFile file(passwordFile);
    if (!file.open(QIODevice::ReadOnly)) {
        return fail(profileError(path, 0,
                                 QStringLiteral("cannot read password_file %1 (%2)")
                                     .arg(passwordFile, file.errorString())));
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
            profileError(path, 0, QStringLiteral("password_file %1 is empty").arg(passwordFile)));
    }
    return data;
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
