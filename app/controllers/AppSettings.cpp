// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/controllers/AppSettings.h"

#include "crypto/Certificate.h"
#include "crypto/NameMatch.h"
#include "media/IceServers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>

namespace napkin::app {

namespace {

const QString defaultProfile = QStringLiteral("default");

bool isSipUri(const QString &text) {
    static const QRegularExpression uri(
        QStringLiteral("\\Asips?:[A-Za-z0-9._~%!$&'()*+,=:@\\[\\];-]+\\z"));
    return uri.match(text).hasMatch();
}

} // namespace

AppSettings::AppSettings(const QString &profileName, QObject *parent) : QObject(parent) {
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    m_profileName = valid.match(profileName).hasMatch() ? profileName : defaultProfile;
    m_configDir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
                  QStringLiteral("/napkin/") + m_profileName;
    m_dataDir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                QStringLiteral("/napkin/") + m_profileName;
    m_profilePath = m_configDir + QStringLiteral("/profile.ini");
}

template <typename T> void AppSettings::set(T &member, const T &value) {
    if (member != value) {
        member = value;
        Q_EMIT changed();
    }
}

void AppSettings::setAddress(const QString &value) {
    set(m_address, value.trimmed());
}
void AppSettings::setRegistrar(const QString &value) {
    set(m_registrar, value.trimmed());
}
void AppSettings::setOutboundProxy(const QString &value) {
    set(m_outboundProxy, value.trimmed());
}
void AppSettings::setTransport(const QString &value) {
    set(m_transport, value.trimmed().toLower());
}
void AppSettings::setCertificateLifetimeDays(int value) {
    set(m_lifetimeDays, value);
}
void AppSettings::setCacheTtlSeconds(int value) {
    set(m_cacheTtl, value);
}
void AppSettings::setDnsServer(const QString &value) {
    set(m_dnsServer, value.trimmed());
}
void AppSettings::setCaFile(const QString &value) {
    set(m_caFile, value.trimmed());
}
void AppSettings::setStunServer(const QString &value) {
    set(m_stunServer, value.trimmed());
}
void AppSettings::setTurnServer(const QString &value) {
    set(m_turnServer, value.trimmed());
}
void AppSettings::setTurnUser(const QString &value) {
    set(m_turnUser, value.trimmed());
}
void AppSettings::setRequireEndToEnd(bool value) {
    set(m_requireEndToEnd, value);
}
void AppSettings::setRejectFailedCalls(bool value) {
    set(m_rejectFailed, value);
}
void AppSettings::setKeyStorage(KeyStorage value) {
    set(m_keyStorage, value);
}
void AppSettings::setAudioInput(const QByteArray &value) {
    set(m_audioInput, value);
}
void AppSettings::setAudioOutput(const QByteArray &value) {
    set(m_audioOutput, value);
}

QString AppSettings::settingsPath() const {
    return m_configDir + QStringLiteral("/settings.ini");
}

QVariant AppSettings::appValue(const QString &key, const QVariant &fallback) const {
    QSettings settings(settingsPath(), QSettings::IniFormat);
    return settings.value(key, fallback);
}

void AppSettings::setAppValue(const QString &key, const QVariant &value) {
    QDir().mkpath(m_configDir);
    QSettings settings(settingsPath(), QSettings::IniFormat);
    settings.setValue(key, value);
}

void AppSettings::loadAppValues() {
    QSettings settings(settingsPath(), QSettings::IniFormat);
    m_audioInput = settings.value(QStringLiteral("audio/input")).toByteArray();
    m_audioOutput = settings.value(QStringLiteral("audio/output")).toByteArray();
}

void AppSettings::saveAppValues() {
    QSettings settings(settingsPath(), QSettings::IniFormat);
    settings.setValue(QStringLiteral("audio/input"), m_audioInput);
    settings.setValue(QStringLiteral("audio/output"), m_audioOutput);
}

QString AppSettings::load() {
    loadAppValues();
    if (!QFileInfo::exists(m_profilePath)) {
        m_configured = false;
        m_loaded.reset();
        m_loadedSip.reset();
        Q_EMIT changed();
        return {};
    }
    return loadAccountFile(m_profilePath);
}

QString AppSettings::loadAccountFile(const QString &path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    auto profile = discovery::Profile::load(absolute);
    if (!profile) {
        m_configured = false;
        Q_EMIT changed();
        return tr("The account profile cannot be used: %1").arg(profile.error().message);
    }
    auto sip = sip::SipProfile::load(absolute.toStdString());
    if (!sip) {
        m_configured = false;
        Q_EMIT changed();
        return tr("The account profile cannot be used: %1")
            .arg(QString::fromStdString(sip.error()));
    }
    m_profilePath = absolute;
    return adopt(profile.value(), sip.value());
}

QString AppSettings::adopt(const discovery::Profile &profile, const sip::SipProfile &sipProfile) {
    m_loaded = profile;
    m_loadedSip = sipProfile;
    m_address = profile.aor;
    m_registrar = profile.registrar;
    m_outboundProxy = profile.outboundProxy;
    m_transport = QString::fromStdString(sipProfile.transport);
    const auto days =
        std::chrono::duration_cast<std::chrono::hours>(profile.certificateLifetime).count();
    m_lifetimeDays = static_cast<int>(std::max<qint64>(1, (days + 23) / 24));
    m_cacheTtl = static_cast<int>(profile.cacheTtl.count());
    m_dnsServer.clear();
    if (profile.dnsServer) {
        m_dnsServer = profile.dnsServer->toString();
        if (profile.dnsPort != 53) {
            m_dnsServer += QStringLiteral(":%1").arg(profile.dnsPort);
        }
    }
    m_caFile = profile.caFile;
    m_stunServer = profile.stunServer
                       ? QString::fromStdString(media::formatStunServer(*profile.stunServer))
                       : QString();
    m_turnServer = profile.turnServer
                       ? QString::fromStdString(media::formatTurnServer(*profile.turnServer))
                       : QString();
    m_turnUser = profile.turnUser;
    m_requireEndToEnd = sipProfile.requireEndToEnd;
    m_rejectFailed = !sipProfile.ringOnFailed;
    switch (profile.keyStorage) {
    case discovery::Profile::KeyStorage::Keychain:
        m_keyStorage = KeyStorage::Keychain;
        break;
    case discovery::Profile::KeyStorage::None:
        m_keyStorage = KeyStorage::RegenerateEachStart;
        break;
    case discovery::Profile::KeyStorage::File:
        m_keyStorage = KeyStorage::File;
        break;
    }
    m_configured = true;
    Q_EMIT changed();
    return {};
}

QString AppSettings::validate() const {
    if (m_address.isEmpty()) {
        return tr("Enter your address, such as alice@example.org.");
    }
    auto aor = crypto::parseAor(m_address.toStdString());
    if (!aor) {
        return tr("\"%1\" is not an address such as alice@example.org: %2")
            .arg(m_address, QString::fromStdString(aor.error().message));
    }
    if (!m_registrar.isEmpty() && !isSipUri(m_registrar)) {
        return tr("The registrar \"%1\" is not a SIP address such as sip:example.org.")
            .arg(m_registrar);
    }
    if (!m_outboundProxy.isEmpty() && !isSipUri(m_outboundProxy)) {
        return tr("The outbound proxy \"%1\" is not a SIP address such as "
                  "sip:proxy.example.org;lr.")
            .arg(m_outboundProxy);
    }
    if (m_transport != QLatin1String("udp") && m_transport != QLatin1String("tcp") &&
        m_transport != QLatin1String("tls")) {
        return tr("The transport must be UDP, TCP or TLS, not \"%1\".").arg(m_transport);
    }
    if (m_lifetimeDays < 1 || m_lifetimeDays > maxLifetimeDays) {
        return tr("The certificate lifetime must be 1 to %1 days, not %2.")
            .arg(maxLifetimeDays)
            .arg(m_lifetimeDays);
    }
    if (m_cacheTtl < 0 || m_cacheTtl > maxCacheTtlSeconds) {
        return tr("The certificate cache time must be 0 to %1 seconds, not %2.")
            .arg(maxCacheTtlSeconds)
            .arg(m_cacheTtl);
    }
    if (const QString problem = dnsServerProblem(m_dnsServer); !problem.isEmpty()) {
        return problem;
    }
    if (const QString problem = stunServerProblem(m_stunServer); !problem.isEmpty()) {
        return problem;
    }
    if (const QString problem = turnServerProblem(m_turnServer); !problem.isEmpty()) {
        return problem;
    }
    if (!m_turnServer.isEmpty() && m_turnUser.isEmpty()) {
        return tr("Enter the user name for the TURN server %1.").arg(m_turnServer);
    }
    if (m_turnServer.isEmpty() && !m_turnUser.isEmpty()) {
        return tr("A TURN user name needs a TURN server: enter the server, or clear the user "
                  "name.");
    }
    if (m_turnUser.toUtf8().size() > 512 ||
        std::any_of(m_turnUser.cbegin(), m_turnUser.cend(),
                    [](QChar c) { return c.category() == QChar::Other_Control; })) {
        return tr("The TURN user name must be at most 512 bytes, without control characters.");
    }
    if (!m_caFile.isEmpty()) {
        if (!QFileInfo(m_caFile).isReadable()) {
            return tr("The extra CA file %1 cannot be read.").arg(m_caFile);
        }
        QFile file(m_caFile);
        const bool opened = file.open(QIODevice::ReadOnly);
        const QByteArray pem = opened ? file.read(4 * 1024 * 1024) : QByteArray();
        auto certificates = crypto::Certificate::listFromPem(pem.toStdString());
        if (!certificates || certificates->empty()) {
            return tr("The extra CA file %1 holds no PEM certificate.").arg(m_caFile);
        }
    }
    if (m_keyStorage == KeyStorage::File && m_loaded == std::nullopt) {
        return tr("Key files are for napkin-cli profiles; choose the keychain or a new key at "
                  "every start.");
    }
    if (auto sip = profiles().second.check(); !sip) {
        return tr("The settings cannot be saved: %1").arg(QString::fromStdString(sip.error()));
    }
    return {};
}

QString AppSettings::dnsServerProblem(const QString &text) {
    if (text.isEmpty()) {
        return {};
    }
    auto dns = discovery::Profile::parseDnsServer(text);
    if (dns) {
        return {};
    }
    if (dns.error() == discovery::Profile::DnsServerProblem::BadPort) {
        return tr("The DNS server's port in \"%1\" must be 1 to 65535.").arg(text);
    }
    return tr("The DNS server \"%1\" is not an IPv4 address such as 192.0.2.53.").arg(text);
}

namespace {

/// The parser's reason without the profile key it starts with
/// ("turn_server: the port ..." -> "the port ...").
QString reasonOf(const std::string &message, const char *key) {
    QString reason = QString::fromStdString(message);
    const QString prefix = QLatin1String(key);
    if (reason.startsWith(prefix + QStringLiteral(": "))) {
        reason = reason.mid(prefix.size() + 2);
    } else if (reason.startsWith(prefix + QLatin1Char(' '))) {
        reason = QStringLiteral("it ") + reason.mid(prefix.size() + 1);
    }
    return reason;
}

} // namespace

QString AppSettings::stunServerProblem(const QString &text) {
    if (text.isEmpty()) {
        return {};
    }
    auto server = media::parseStunServer(text.toStdString());
    if (server) {
        return {};
    }
    return tr("The STUN server \"%1\" cannot be used: %2.")
        .arg(text, reasonOf(server.error().message, "stun_server"));
}

QString AppSettings::turnServerProblem(const QString &text) {
    if (text.isEmpty()) {
        return {};
    }
    auto server = media::parseTurnServer(text.toStdString());
    if (server) {
        return {};
    }
    return tr("The TURN server \"%1\" cannot be used: %2.")
        .arg(text, reasonOf(server.error().message, "turn_server"));
}

std::pair<discovery::Profile, sip::SipProfile> AppSettings::profiles() const {
    discovery::Profile p = m_loaded.value_or(discovery::Profile{});
    p.path = m_profilePath;
    const auto aor = crypto::parseAor(m_address.toStdString());
    const QByteArray user = aor ? QByteArray::fromStdString(aor->user) : QByteArray();
    // A username the file gave explicitly stays; one taken from the old
    // address follows the new address.
    const auto oldAor = crypto::parseAor(p.aor.toStdString());
    if (p.username.isEmpty() || (oldAor && p.username.toStdString() == oldAor->user)) {
        p.username = user;
    }
    p.aor = aor ? QString::fromStdString(aor->uri()) : m_address;
    p.registrar = m_registrar;
    p.outboundProxy = m_outboundProxy;
    p.dnsServer.reset();
    p.dnsPort = 53;
    if (auto dns = discovery::Profile::parseDnsServer(m_dnsServer); dns) {
        p.dnsServer = dns->address;
        p.dnsPort = dns->port;
    }
    p.caFile = m_caFile.isEmpty() ? QString() : QFileInfo(m_caFile).absoluteFilePath();
    p.stunServer.reset();
    if (auto stun = media::parseStunServer(m_stunServer.toStdString());
        stun && !m_stunServer.isEmpty()) {
        p.stunServer = std::move(stun).value();
    }
    p.turnServer.reset();
    if (auto turn = media::parseTurnServer(m_turnServer.toStdString());
        turn && !m_turnServer.isEmpty()) {
        p.turnServer = std::move(turn).value();
    }
    p.turnUser = m_turnUser;
    if (!p.turnServer) {
        // A napkin-cli profile's password file goes with its server.
        p.turnPasswordFile.clear();
    }
    p.certificateLifetime = std::chrono::hours(24 * m_lifetimeDays);
    p.cacheTtl = std::chrono::seconds(m_cacheTtl);
    switch (m_keyStorage) {
    case KeyStorage::Keychain:
        p.keyStorage = discovery::Profile::KeyStorage::Keychain;
        break;
    case KeyStorage::RegenerateEachStart:
        p.keyStorage = discovery::Profile::KeyStorage::None;
        break;
    case KeyStorage::File:
        p.keyStorage = discovery::Profile::KeyStorage::File;
        break;
    }
    if (!m_loaded) {
        p.stateDir = m_dataDir + QStringLiteral("/state");
    }
    sip::SipProfile sip = m_loadedSip.value_or(sip::SipProfile{});
    sip.transport = m_transport.toStdString();
    sip.requireEndToEnd = m_requireEndToEnd;
    sip.ringOnFailed = !m_rejectFailed;
    return {p, sip};
}

Result<QByteArray, QString> AppSettings::profileText() const {
    const auto [account, sip] = profiles();
    auto accountText = account.toIni();
    if (!accountText) {
        return fail(accountText.error().message);
    }
    auto sipText = sip.toIni();
    if (!sipText) {
        return fail(QString::fromStdString(sipText.error()));
    }
    return QByteArray("; Napkin account profile, shared with napkin-cli (written by the app).\n" +
                      *accountText + QByteArray::fromStdString(*sipText));
}

QString AppSettings::save() {
    if (const QString problem = validate(); !problem.isEmpty()) {
        return problem;
    }
    const auto text = profileText();
    if (!text) {
        return tr("The settings cannot be saved: %1").arg(text.error());
    }
    if (!QDir().mkpath(QFileInfo(m_profilePath).absolutePath())) {
        return tr("The folder %1 cannot be created.").arg(QFileInfo(m_profilePath).absolutePath());
    }
    QSaveFile file(m_profilePath);
    if (!file.open(QIODevice::WriteOnly)) {
        return tr("%1 cannot be written: %2").arg(m_profilePath, file.errorString());
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (file.write(*text) != text->size() || !file.commit()) {
        return tr("%1 cannot be written: %2").arg(m_profilePath, file.errorString());
    }
    saveAppValues();
    // What the engine's readers make of the file is the same structs:
    // tests/controllers/test_app_settings.cpp checks the round trip.
    const auto [account, sip] = profiles();
    adopt(account, sip);
    return {};
}

Result<discovery::Profile, QString> AppSettings::accountProfile() const {
    if (!m_configured || !m_loaded) {
        return fail(tr("No account is set up yet."));
    }
    return *m_loaded;
}

Result<sip::SipProfile, QString> AppSettings::sipProfile() const {
    if (!m_configured || !m_loadedSip) {
        return fail(tr("No account is set up yet."));
    }
    return *m_loadedSip;
}

} // namespace napkin::app
