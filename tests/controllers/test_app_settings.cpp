// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// AppSettings: the XDG locations, a save/load round trip that napkin-cli's
// parsers accept, a specific message for every invalid value, the old file
// kept on every failure, and napkin-cli profiles used as they are.

#include "app/controllers/AppSettings.h"
#include "sipcore/SipProfile.h"
#include "sipcore/discovery/Profile.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using napkin::app::AppSettings;

class TestAppSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void usesXdgDirectoriesPerProfile();
    void freshProfileIsNotConfigured();
    void saveAndLoadRoundTrip();
    void invalidValuesAreRefused_data();
    void invalidValuesAreRefused();
    void corruptProfileIsReportedAndKept();
    void napkinCliProfileKeepsItsOtherKeys();
    void savedFileReadsBackToTheHeldStructs();
    void usernameFollowsTheAddressUnlessGiven();
    void appValuesLiveInSettingsIni();

private:
    static QByteArray read(const QString &path);
    static void write(const QString &path, const QByteArray &text);
    static void fillValid(AppSettings &s);
    QTemporaryDir m_home;
    int m_round = 0;
    QString m_profile;
};

void TestAppSettings::initTestCase() {
    QVERIFY(m_home.isValid());
    qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toUtf8());
    qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral("data")).toUtf8());
}

void TestAppSettings::init() {
    m_profile = QStringLiteral("p%1").arg(++m_round);
}

QByteArray TestAppSettings::read(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void TestAppSettings::write(const QString &path, const QByteArray &text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(text), text.size());
}

void TestAppSettings::fillValid(AppSettings &s) {
    s.setAddress(QStringLiteral("alice@a.example"));
    s.setRegistrar(QStringLiteral("sip:a.example"));
    s.setOutboundProxy(QStringLiteral("sip:127.0.0.1:5060;lr"));
    s.setTransport(QStringLiteral("TCP"));
    s.setCertificateLifetimeDays(14);
    s.setCacheTtlSeconds(0);
    s.setDnsServer(QStringLiteral("127.0.0.53:5353"));
    s.setStunServer(QStringLiteral("stun.a.example"));
    s.setTurnServer(QStringLiteral("turn:192.0.2.10?transport=tcp"));
    s.setTurnUser(QStringLiteral("alice"));
    s.setRequireEndToEnd(true);
    s.setRejectFailedCalls(false);
    s.setKeyStorage(AppSettings::KeyStorage::RegenerateEachStart);
}

void TestAppSettings::usesXdgDirectoriesPerProfile() {
    AppSettings s(QStringLiteral("work"));
    QCOMPARE(s.configDir(), m_home.filePath(QStringLiteral("config/napkin/work")));
    QCOMPARE(s.dataDir(), m_home.filePath(QStringLiteral("data/napkin/work")));
    QCOMPARE(s.profilePath(), s.configDir() + QStringLiteral("/profile.ini"));
    // A name that could leave the directory is not used.
    AppSettings hostile(QStringLiteral("../../etc"));
    QCOMPARE(hostile.profileName(), QStringLiteral("default"));
    QCOMPARE(AppSettings().profileName(), QStringLiteral("default"));
}

void TestAppSettings::freshProfileIsNotConfigured() {
    AppSettings s(m_profile);
    QCOMPARE(s.load(), QString());
    QVERIFY(!s.configured());
    QVERIFY(!s.accountProfile());
    QCOMPARE(s.keyStorage(), AppSettings::KeyStorage::Keychain);
}

void TestAppSettings::saveAndLoadRoundTrip() {
    AppSettings s(m_profile);
    QSignalSpy changed(&s, &AppSettings::changed);
    fillValid(s);
    QVERIFY(changed.count() >= 12);
    QCOMPARE(s.save(), QString());
    QVERIFY(s.configured());
    QVERIFY(QFile::exists(s.profilePath()));
    QCOMPARE(QFile(s.profilePath()).permissions() & QFileDevice::ReadOther,
             QFileDevice::Permissions());

    AppSettings again(m_profile);
    QCOMPARE(again.load(), QString());
    QVERIFY(again.configured());
    QCOMPARE(again.address(), QStringLiteral("sip:alice@a.example"));
    QCOMPARE(again.registrar(), QStringLiteral("sip:a.example"));
    QCOMPARE(again.outboundProxy(), QStringLiteral("sip:127.0.0.1:5060;lr"));
    QCOMPARE(again.transport(), QStringLiteral("tcp"));
    QCOMPARE(again.certificateLifetimeDays(), 14);
    QCOMPARE(again.cacheTtlSeconds(), 0);
    QCOMPARE(again.dnsServer(), QStringLiteral("127.0.0.53:5353"));
    // ICE's servers, as the profile writes them (the port always given).
    QCOMPARE(again.stunServer(), QStringLiteral("stun.a.example:3478"));
    QCOMPARE(again.turnServer(), QStringLiteral("turn:192.0.2.10:3478?transport=tcp"));
    QCOMPARE(again.turnUser(), QStringLiteral("alice"));
    QVERIFY(again.turnPasswordFile().isEmpty()); // the password is the keychain's
    const QByteArray text = read(again.profilePath());
    QVERIFY2(text.contains("stun_server = \"stun.a.example:3478\""), text.constData());
    QVERIFY2(text.contains("turn_user = \"alice\""), text.constData());
    QVERIFY(!text.contains("turn_password"));
    QCOMPARE(again.requireEndToEnd(), true);
    QCOMPARE(again.rejectFailedCalls(), false);
    QCOMPARE(again.keyStorage(), AppSettings::KeyStorage::RegenerateEachStart);
    // The engine reads the same file.
    auto profile = again.accountProfile();
    QVERIFY(profile);
    QCOMPARE(profile->aor, QStringLiteral("sip:alice@a.example"));
    QCOMPARE(profile->dnsPort, quint16(5353));
    QCOMPARE(profile->stateDir, again.dataDir() + QStringLiteral("/state"));
    QVERIFY(profile->turnServer.has_value());
    QCOMPARE(profile->turnServer->host, std::string("192.0.2.10"));
    QCOMPARE(profile->turnUser, QStringLiteral("alice"));
    auto ice = profile->iceServers(QByteArray("from the keychain"));
    QVERIFY(ice);
    QCOMPARE(ice->turn->password, std::string("from the keychain"));
    QCOMPARE(ice->stun->host, std::string("stun.a.example"));
    // Removing the servers removes their keys.
    again.setStunServer({});
    again.setTurnServer({});
    again.setTurnUser({});
    QCOMPARE(again.save(), QString());
    QVERIFY(!read(again.profilePath()).contains("stun_server"));
    QVERIFY(!read(again.profilePath()).contains("turn_"));
    auto sip = again.sipProfile();
    QVERIFY(sip);
    QCOMPARE(sip->transport, std::string("tcp"));
    QVERIFY(sip->ringOnFailed);
}

void TestAppSettings::invalidValuesAreRefused_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty address") << "address"
                                   << ""
                                   << "Enter your address";
    QTest::newRow("bad address") << "address"
                                 << "alice"
                                 << "is not an address";
    QTest::newRow("address with port") << "address"
                                       << "alice@a.example:5060"
                                       << "is not an address";
    QTest::newRow("registrar") << "registrar"
                               << "a.example"
                               << "The registrar \"a.example\"";
    QTest::newRow("registrar newline") << "registrar"
                                       << "sip:a.example\n[account]"
                                       << "The registrar";
    QTest::newRow("proxy") << "outboundProxy"
                           << "http://proxy"
                           << "The outbound proxy";
    QTest::newRow("transport") << "transport"
                               << "sctp"
                               << "UDP, TCP or TLS";
    QTest::newRow("lifetime 0") << "lifetime"
                                << "0"
                                << "1 to 90 days, not 0";
    QTest::newRow("lifetime 1000") << "lifetime"
                                   << "1000"
                                   << "1 to 90 days, not 1000";
    QTest::newRow("ttl negative") << "ttl"
                                  << "-1"
                                  << "0 to 604800 seconds, not -1";
    QTest::newRow("dns name") << "dns"
                              << "dns.example"
                              << "is not an IPv4 address";
    QTest::newRow("dns port") << "dns"
                              << "127.0.0.1:99999"
                              << "port in \"127.0.0.1:99999\"";
    QTest::newRow("dns ipv6") << "dns"
                              << "::1"
                              << "is not an IPv4 address";
    QTest::newRow("stun port") << "stun"
                               << "stun.a.example:99999"
                               << "The STUN server \"stun.a.example:99999\" cannot be used: the "
                                  "port must be 1 to 65535";
    QTest::newRow("stun spaces") << "stun"
                                 << "stun a.example"
                                 << "must be a DNS name or an IPv4 address";
    QTest::newRow("stun url") << "stun"
                              << "http://stun.a.example"
                              << "The STUN server";
    QTest::newRow("turn scheme") << "turn"
                                 << "turn.a.example"
                                 << "cannot be used: it must start with turn: or turns:";
    QTest::newRow("turn parameter") << "turn"
                                    << "turn:turn.a.example?transport=dtls"
                                    << "the only parameter is transport=udp or transport=tcp";
    QTest::newRow("turn unknown parameter") << "turn"
                                            << "turn:turn.a.example?user=alice"
                                            << "the only parameter";
    QTest::newRow("turn port") << "turn"
                               << "turns:turn.a.example:0"
                               << "the port must be 1 to 65535";
    QTest::newRow("turn without user") << "turnUser"
                                       << ""
                                       << "Enter the user name for the TURN server";
    QTest::newRow("user without turn") << "turn"
                                       << ""
                                       << "A TURN user name needs a TURN server";
    QTest::newRow("turn user control") << "turnUser"
                                       << "ali\x01"
                                          "ce"
                                       << "without control characters";
    QTest::newRow("ca missing") << "ca"
                                << "/nonexistent/ca.pem"
                                << "cannot be read";
    QTest::newRow("ca not pem") << "ca"
                                << "NOT_PEM"
                                << "holds no PEM certificate";
}

void TestAppSettings::invalidValuesAreRefused() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, message);
    AppSettings s(m_profile);
    fillValid(s);
    QCOMPARE(s.save(), QString());
    const QByteArray before = read(s.profilePath());
    QVERIFY(!before.isEmpty());

    if (field == QLatin1String("address")) {
        s.setAddress(value);
    } else if (field == QLatin1String("registrar")) {
        s.setRegistrar(value);
    } else if (field == QLatin1String("outboundProxy")) {
        s.setOutboundProxy(value);
    } else if (field == QLatin1String("transport")) {
        s.setTransport(value);
    } else if (field == QLatin1String("lifetime")) {
        s.setCertificateLifetimeDays(value.toInt());
    } else if (field == QLatin1String("ttl")) {
        s.setCacheTtlSeconds(value.toInt());
    } else if (field == QLatin1String("dns")) {
        s.setDnsServer(value);
    } else if (field == QLatin1String("stun")) {
        s.setStunServer(value);
    } else if (field == QLatin1String("turn")) {
        s.setTurnServer(value);
    } else if (field == QLatin1String("turnUser")) {
        s.setTurnUser(value);
    } else if (field == QLatin1String("ca")) {
        if (value == QLatin1String("NOT_PEM")) {
            value = m_home.filePath(QStringLiteral("not-a-ca.pem"));
            QFile f(value);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("-----BEGIN NOTHING-----\nAAAA\n");
        }
        s.setCaFile(value);
    }
    const QString error = s.save();
    QVERIFY2(error.contains(message), qPrintable(error));
    QCOMPARE(read(s.profilePath()), before); // the old file survives
}

void TestAppSettings::corruptProfileIsReportedAndKept() {
    AppSettings s(m_profile);
    QVERIFY(QDir().mkpath(s.configDir()));
    const QByteArray garbage = "[account]\naor = sip:alice@a.example\nfrobnicate = yes\n";
    {
        QFile f(s.profilePath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(garbage);
    }
    const QString error = s.load();
    QVERIFY2(error.contains(QStringLiteral("line 3")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("frobnicate")), qPrintable(error));
    QVERIFY(!s.configured());
    QCOMPARE(read(s.profilePath()), garbage);

    // Binary noise: an error, not a crash.
    {
        QFile f(s.profilePath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("\x00\x01[\xff\xfe]\n=\n", 10));
    }
    QVERIFY(!AppSettings(m_profile).load().isEmpty());
}

void TestAppSettings::napkinCliProfileKeepsItsOtherKeys() {
    const QString dir = m_home.filePath(QStringLiteral("cli"));
    QVERIFY(QDir().mkpath(dir));
    const QString ini = dir + QStringLiteral("/alice.ini");
    {
        QFile f(ini);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("[account]\naor = sip:alice@a.example\npassword_file = alice.pass\n"
                "display_name = Alice\nregistrar = sip:127.0.0.1:5060\n"
                "[network]\nturn_server = turns:turn.a.example\nturn_user = alice\n"
                "turn_password_file = alice.turn\n"
                "[certificates]\nkey_storage = file\ncache_ttl = 0\n"
                "[sip]\nlisten = sip:127.0.0.9:*\nmedia_address = 127.0.0.9\n");
    }
    AppSettings s(m_profile);
    QCOMPARE(s.loadAccountFile(ini), QString());
    QVERIFY(s.configured());
    QCOMPARE(s.keyStorage(), AppSettings::KeyStorage::File);
    QCOMPARE(s.profilePath(), ini);
    s.setCacheTtlSeconds(60);
    QCOMPARE(s.save(), QString());
    auto profile = s.accountProfile();
    QVERIFY(profile);
    QCOMPARE(profile->passwordFile, dir + QStringLiteral("/alice.pass"));
    QCOMPARE(profile->displayName, QStringLiteral("Alice"));
    QCOMPARE(profile->cacheTtl.count(), 60);
    QCOMPARE(profile->stateDir, dir + QStringLiteral("/alice.state"));
    QCOMPARE(s.sipProfile()->listen, std::string("sip:127.0.0.9:*"));
    QCOMPARE(s.sipProfile()->mediaAddress, std::string("127.0.0.9"));
    // Its TURN password file stays with its server...
    QCOMPARE(s.turnServer(), QStringLiteral("turns:turn.a.example:5349"));
    QCOMPARE(s.turnPasswordFile(), dir + QStringLiteral("/alice.turn"));
    QCOMPARE(profile->turnPasswordFile, dir + QStringLiteral("/alice.turn"));
    QVERIFY(read(ini).contains("turn_password_file"));
    // ...and goes when the server is removed (the file itself is left alone).
    s.setTurnServer({});
    s.setTurnUser({});
    QCOMPARE(s.save(), QString());
    QVERIFY(s.turnPasswordFile().isEmpty());
    QVERIFY(!read(ini).contains("turn_"));
}

/// save() keeps the structs it wrote instead of parsing its own file: the
/// engine's readers must make exactly those structs of the file.
void TestAppSettings::savedFileReadsBackToTheHeldStructs() {
    const QString dir = m_home.filePath(QStringLiteral("roundtrip"));
    QVERIFY(QDir().mkpath(dir));
    const QString cliIni = dir + QStringLiteral("/bob.ini");
    write(cliIni, "[account]\naor = sip:bob@b.example\npassword = \"p ; \\\"w\"\n"
                  "username = bobby\ndisplay_name = \"Bob ; B\"\n"
                  "[certificates]\nlifetime_hours = 12\nkey_storage = file\n"
                  "[sip]\nlisten_tls = sips:127.0.0.9:5061\ntls_dir = tls\n"
                  "registration_expiry = 90\n[calls]\nring_on_failed = yes\n");
    for (const bool fromCli : {false, true}) {
        AppSettings s(m_profile + (fromCli ? QStringLiteral("cli") : QString()));
        if (fromCli) {
            QCOMPARE(s.loadAccountFile(cliIni), QString());
            s.setTransport(QStringLiteral("tls"));
        } else {
            fillValid(s);
        }
        QCOMPARE(s.save(), QString());
        auto held = s.accountProfile();
        auto heldSip = s.sipProfile();
        QVERIFY(held && heldSip);
        const QByteArray text = read(s.profilePath());
        auto account = napkin::discovery::Profile::load(s.profilePath());
        QVERIFY2(account, account ? "" : qPrintable(account.error().message));
        QVERIFY2(*account == *held, text.constData());
        auto readSip = napkin::sip::SipProfile::load(s.profilePath().toStdString());
        QVERIFY2(readSip, readSip ? "" : readSip.error().c_str());
        QVERIFY2(*readSip == *heldSip, text.constData());
    }
}

void TestAppSettings::usernameFollowsTheAddressUnlessGiven() {
    AppSettings s(m_profile);
    fillValid(s);
    QCOMPARE(s.save(), QString());
    s.setAddress(QStringLiteral("carol@a.example"));
    QCOMPARE(s.save(), QString());
    QCOMPARE(s.accountProfile()->username, QByteArray("carol"));

    const QString ini = m_home.filePath(QStringLiteral("explicit-user.ini"));
    write(ini, "[account]\naor = sip:alice@a.example\nusername = a-digest\n"
               "[certificates]\nkey_storage = none\n");
    AppSettings cli(m_profile + QStringLiteral("x"));
    QCOMPARE(cli.loadAccountFile(ini), QString());
    cli.setAddress(QStringLiteral("dave@a.example"));
    QCOMPARE(cli.save(), QString());
    QCOMPARE(cli.accountProfile()->username, QByteArray("a-digest"));
    QCOMPARE(napkin::discovery::Profile::load(ini)->username, QByteArray("a-digest"));
}

void TestAppSettings::appValuesLiveInSettingsIni() {
    {
        AppSettings s(m_profile);
        fillValid(s);
        s.setAudioInput("alsa_input.usb-mic");
        s.setAudioOutput("alsa_output.speakers");
        QCOMPARE(s.save(), QString());
        s.setAppValue(QStringLiteral("window/geometry"), QByteArray("\x01\x02", 2));
    }
    AppSettings again(m_profile);
    QCOMPARE(again.load(), QString());
    QCOMPARE(again.audioInput(), QByteArray("alsa_input.usb-mic"));
    QCOMPARE(again.audioOutput(), QByteArray("alsa_output.speakers"));
    QCOMPARE(again.appValue(QStringLiteral("window/geometry")).toByteArray(),
             QByteArray("\x01\x02", 2));
    QVERIFY(!read(again.profilePath()).contains("alsa_input"));
}

QTEST_GUILESS_MAIN(TestAppSettings)
#include "test_app_settings.moc"
