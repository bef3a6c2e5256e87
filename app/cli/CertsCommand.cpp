// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-cli certs fetch | enroll | list | revoke | acknowledge: the
// certificate service of draft-jennings-sipping-certs from the command line,
// on the same engine (sipcore/discovery) and profile file as the app.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/DeviceWatch.h"
#include "sipcore/discovery/Enroller.h"
#include "sipcore/discovery/KeyStore.h"
#include "sipcore/discovery/KnownDevices.h"
#include "sipcore/discovery/Profile.h"
#include "sipcore/discovery/ServiceClient.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

#include <iostream>
#include <memory>
#include <optional>

namespace napkin::cli {

namespace {

using namespace napkin::discovery;

/// Exit codes of `certs`, one per family of failure (documented in --help).
enum CertsExit : int {
    ExitNoService = 10,   ///< no certificate service, or DNS failed
    ExitUnreachable = 11, ///< connection refused or timed out
    ExitTls = 12,         ///< the service's certificate is untrusted or names another domain
    ExitHttp = 13,        ///< the service answered with an HTTP error or a broken answer
    ExitSet = 14,         ///< the set is malformed, or has no usable certificate
    ExitAuth = 15,        ///< wrong password, or not allowed for this address
    ExitRejected = 16,    ///< the service refused the certificate (its policy)
};

constexpr int kOverallTimeoutMs = 120000;

int exitCodeFor(DiscoveryErrc code) {
    switch (code) {
    case DiscoveryErrc::InvalidAddress:
        return ExitUsage;
    case DiscoveryErrc::NoService:
    case DiscoveryErrc::DnsFailure:
        return ExitNoService;
    case DiscoveryErrc::ConnectionRefused:
    case DiscoveryErrc::Timeout:
    case DiscoveryErrc::AddressNotAllowed:
    case DiscoveryErrc::RateLimited:
        return ExitUnreachable;
    case DiscoveryErrc::TlsFailure:
    case DiscoveryErrc::UntrustedServiceCertificate:
    case DiscoveryErrc::TlsNameMismatch:
        return ExitTls;
    case DiscoveryErrc::HttpError:
    case DiscoveryErrc::MalformedResponse:
        return ExitHttp;
    case DiscoveryErrc::MalformedSet:
    case DiscoveryErrc::EmptySet:
    case DiscoveryErrc::NotListed:
        return ExitSet;
    case DiscoveryErrc::AuthFailed:
    case DiscoveryErrc::Forbidden:
        return ExitAuth;
    case DiscoveryErrc::Rejected:
        return ExitRejected;
    case DiscoveryErrc::LocalFailure:
        return ExitInput;
    case DiscoveryErrc::Cancelled:
        return ExitFailure;
    }
    return ExitFailure;
}

int usage(const std::string &sub, const std::string &message) {
    std::cerr << "napkin-cli certs" << (sub.empty() ? "" : " " + sub) << ": " << message
              << " (try napkin-cli --help)\n";
    return ExitUsage;
}

void printJson(const QJsonObject &object) {
    std::cout << QJsonDocument(object).toJson(QJsonDocument::Indented).toStdString();
}

QJsonObject errorJson(const DiscoveryError &error) {
    QJsonObject e{{QStringLiteral("code"), errcName(error.code)},
                  {QStringLiteral("message"), error.message}};
    if (error.httpStatus != 0) {
        e.insert(QStringLiteral("httpStatus"), error.httpStatus);
    }
    if (!error.problemType.isEmpty()) {
        e.insert(QStringLiteral("problem"), error.problemType);
    }
    return QJsonObject{{QStringLiteral("error"), e}};
}

int reportError(const DiscoveryError &error, bool json) {
    if (json) {
        printJson(errorJson(error));
    }
    std::cerr << "napkin-cli certs: " << errcName(error.code).toStdString() << ": "
              << error.message.toStdString() << '\n';
    return exitCodeFor(error.code);
}

QJsonObject certificateJson(const crypto::Certificate &cert) {
    return QJsonObject{
        {QStringLiteral("fingerprint"), fingerprintOf(cert)},
        {QStringLiteral("instance"),
         QString::fromStdString(cert.instanceUrn().value_or(std::string()))},
        {QStringLiteral("notBefore"), isoTime(cert.notBefore())},
        {QStringLiteral("notAfter"), isoTime(cert.notAfter())},
        {QStringLiteral("key"), QString::fromStdString(cert.keyInfo().algorithm)},
    };
}

void printCertificate(const crypto::Certificate &cert, const std::string &mark,
                      const std::string &label) {
    std::cout << mark << ' ' << cert.fingerprint();
    if (!label.empty()) {
        std::cout << "  " << label;
    }
    std::cout << "\n    instance  " << cert.instanceUrn().value_or("(none)") << "\n    valid     "
              << isoTime(cert.notBefore()).toStdString() << " to "
              << isoTime(cert.notAfter()).toStdString() << "\n    key       "
              << cert.keyInfo().algorithm << "\n    read out  " << cert.fingerprintForPeople()
              << '\n';
}

/// Everything a `certs` sub-command needs, built from the options and profile.
struct Context {
    std::optional<Profile> profile;
    ServiceClientSettings settings;
    QString caFile;
    bool json = false;
};

/// --config, --dns, --ca, --timeout, --allow-private-services, --json (the
/// options every sub-command shares).
std::optional<int> buildContext(const CliArgs &args, const std::string &sub, bool needProfile,
                                Context &ctx) {
    ctx.json = args.has("json");
    if (auto config = args.value("config")) {
        auto p = Profile::load(QString::fromStdString(*config));
        if (!p.ok()) {
            std::cerr << "napkin-cli certs " << sub << ": " << p.error().message.toStdString()
                      << '\n';
            return ExitInput;
        }
        ctx.profile = std::move(p).value();
        ctx.settings.dns = ctx.profile->dnsSettings();
        ctx.settings.allowPrivateServices = ctx.profile->allowPrivateServices;
        ctx.caFile = ctx.profile->caFile;
    } else if (needProfile) {
        return usage(sub, "--config FILE is required");
    }
    if (auto dns = args.value("dns")) {
        // The same syntax as the profile's dns_server.
        auto p = Profile::parse(QByteArray("[account]\naor = sip:x@invalid.invalid\n[network]\n"
                                           "dns_server = ") +
                                    QByteArray::fromStdString(*dns) + '\n',
                                QStringLiteral("--dns"));
        if (!p.ok()) {
            return usage(sub, "--dns wants an IPv4 address, optionally with :PORT");
        }
        ctx.settings.dns = p->dnsSettings();
    }
    if (args.has("allow-private-services")) {
        ctx.settings.allowPrivateServices = true;
    }
    if (auto ca = args.value("ca")) {
        ctx.caFile = QString::fromStdString(*ca);
    }
    if (auto timeout = args.value("timeout")) {
        bool ok = false;
        const int seconds = QString::fromStdString(*timeout).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 300) {
            return usage(sub, "--timeout wants 1 to 300 seconds");
        }
        ctx.settings.connectTimeoutMs = seconds * 1000;
        ctx.settings.requestTimeoutMs = seconds * 1000;
        ctx.settings.dns.timeoutSeconds = std::max(1, seconds / 2);
    }
    ctx.settings.userAgent = "napkin-cli/" NAPKIN_VERSION;
    return std::nullopt;
}

/// Runs the event loop until `finished` is set (or the overall timeout).
int runLoop(QCoreApplication &app, std::optional<int> &finished) {
    QTimer watchdog;
    watchdog.setSingleShot(true);
    QObject::connect(&watchdog, &QTimer::timeout, &app, [&] {
        std::cerr << "napkin-cli certs: gave up after " << kOverallTimeoutMs / 1000 << " s\n";
        finished = ExitUnreachable;
        app.quit();
    });
    watchdog.start(kOverallTimeoutMs);
    if (!finished) {
        app.exec();
    }
    return finished.value_or(ExitFailure);
}

std::unique_ptr<KeyStore> makeKeyStore(const Profile &profile) {
    switch (profile.keyStorage) {
    case Profile::KeyStorage::File:
        return std::make_unique<FileKeyStore>(profile.stateDir);
    case Profile::KeyStorage::Keychain:
        std::cerr << "napkin-cli certs: key_storage = keychain is only available in the app; "
                     "this run uses a fresh key that is not kept\n";
        return std::make_unique<MemoryKeyStore>();
    case Profile::KeyStorage::None:
        break;
    }
    return std::make_unique<MemoryKeyStore>();
}

EnrolmentSettings enrolmentSettings(const Profile &profile, const QString &instanceUrn) {
    EnrolmentSettings s;
    s.aor = profile.aor;
    s.username = profile.username;
    s.instanceUrn = instanceUrn;
    s.displayName = profile.displayName;
    s.lifetime = profile.certificateLifetime;
    return s;
}

int fetch(QCoreApplication &app, const CliArgs &args, Context &ctx) {
    if (args.positionals().size() != 1 && !(args.positionals().empty() && ctx.profile)) {
        return usage("fetch", "give one address, e.g. sip:bob@b.example");
    }
    const QString aor = args.positionals().empty()
                            ? ctx.profile->aor
                            : QString::fromStdString(args.positionals().front());
    auto trust = loadTrustStore(ctx.caFile);
    if (!trust.ok()) {
        return reportError(trust.error(), ctx.json);
    }
    ServiceClient client(ctx.settings, trust.value());
    CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
    std::optional<int> finished;
    directory.fetch(aor, [&](DiscoveryResult<CertificateSet> r) {
        if (!r.ok()) {
            finished = reportError(r.error(), ctx.json);
        } else {
            const CertificateSet &set = r.value();
            if (ctx.json) {
                QJsonArray certs;
                for (const auto &c : set.certificates) {
                    certs.append(certificateJson(c));
                }
                QJsonArray dropped;
                for (const auto &d : set.dropped) {
                    dropped.append(QJsonObject{{QStringLiteral("fingerprint"), d.fingerprint},
                                               {QStringLiteral("reason"), d.reason}});
                }
                printJson(QJsonObject{{QStringLiteral("aor"), aorText(set.aor)},
                                      {QStringLiteral("etag"), QString::fromLatin1(set.etag)},
                                      {QStringLiteral("certificates"), certs},
                                      {QStringLiteral("dropped"), dropped}});
            } else {
                std::cout << aorText(set.aor).toStdString() << ": " << set.certificates.size()
                          << (set.certificates.size() == 1 ? " certificate\n" : " certificates\n");
                for (const auto &c : set.certificates) {
                    printCertificate(c, "-", {});
                }
            }
            for (const auto &d : set.dropped) {
                std::cerr << "napkin-cli certs: dropped " << d.fingerprint.toStdString() << ": "
                          << d.reason.toStdString() << '\n';
            }
            finished = ExitOk;
        }
        app.quit();
    });
    return runLoop(app, finished);
}

int enroll(QCoreApplication &app, Context &ctx) {
    const Profile &profile = *ctx.profile;
    auto password = profile.readPassword();
    if (!password.ok()) {
        std::cerr << "napkin-cli certs enroll: " << password.error().message.toStdString() << '\n';
        return ExitInput;
    }
    auto instance = profile.instanceUrn();
    if (!instance.ok()) {
        std::cerr << "napkin-cli certs enroll: " << instance.error().message.toStdString() << '\n';
        return ExitInput;
    }
    KnownDevices known(profile.knownDevicesPath());
    if (auto loaded = known.load(); !loaded.ok()) {
        std::cerr << "napkin-cli certs enroll: " << loaded.error().message.toStdString() << '\n';
        return ExitInput;
    }
    auto trust = loadTrustStore(ctx.caFile);
    if (!trust.ok()) {
        return reportError(trust.error(), ctx.json);
    }
    ServiceClient client(ctx.settings, trust.value());
    CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
    auto keys = makeKeyStore(profile);
    Enroller enroller(client, *keys, enrolmentSettings(profile, instance.value()));
    enroller.setPassword(password.value());
    DeviceWatch watch(directory, known, profile.aor);

    std::optional<int> finished;
    QJsonArray unknownJson;
    QString ownFingerprint;
    QObject::connect(&enroller, &Enroller::enrolmentFailed, &app,
                     [&](const DiscoveryError &error, std::chrono::milliseconds) {
                         // One attempt from the command line; the app keeps retrying.
                         enroller.stop();
                         finished = reportError(error, ctx.json);
                         app.quit();
                     });
    QObject::connect(&enroller, &Enroller::enrolled, &app, [&](const QString &fingerprint) {
        ownFingerprint = fingerprint;
        const auto cert = *enroller.certificate();
        if (!ctx.json) {
            std::cout << "enrolled " << fingerprint.toStdString() << " for "
                      << profile.aor.toStdString() << "\n    valid until "
                      << isoTime(cert.notAfter()).toStdString() << ", renew after "
                      << isoTime(enroller.renewalTime()).toStdString() << '\n';
        }
        watch.setOwnFingerprint(fingerprint);
    });
    QObject::connect(&watch, &DeviceWatch::unknownDevice, &app,
                     [&](const QString &fp, const QString &instanceUrn, const QDateTime &since) {
                         unknownJson.append(QJsonObject{
                             {QStringLiteral("fingerprint"), fp},
                             {QStringLiteral("instance"), instanceUrn},
                             {QStringLiteral("notBefore"), since.toString(Qt::ISODate)}});
                         if (!ctx.json) {
                             std::cout
                                 << "! unknown device on your address: " << fp.toStdString()
                                 << "\n    instance  "
                                 << (instanceUrn.isEmpty() ? QStringLiteral("(none)") : instanceUrn)
                                        .toStdString()
                                 << "\n    since     " << since.toString(Qt::ISODate).toStdString()
                                 << '\n';
                         }
                     });
    QObject::connect(&watch, &DeviceWatch::checkFailed, &app, [&](const DiscoveryError &error) {
        finished = reportError(error, ctx.json);
        app.quit();
    });
    QObject::connect(&watch, &DeviceWatch::checked, &app, [&] {
        if (!watch.ownDevicePresent()) {
            std::cerr << "napkin-cli certs enroll: the service accepted this device's "
                         "certificate but does not list it\n";
            finished = ExitSet;
        } else {
            finished = ExitOk;
        }
        if (ctx.json) {
            printJson(
                QJsonObject{{QStringLiteral("aor"), profile.aor},
                            {QStringLiteral("enrolled"), certificateJson(*enroller.certificate())},
                            {QStringLiteral("renewAfter"), isoTime(enroller.renewalTime())},
                            {QStringLiteral("unknownDevices"), unknownJson}});
        }
        app.quit();
    });
    QTimer::singleShot(0, &app, [&] { enroller.start(); });
    return runLoop(app, finished);
}

int list(QCoreApplication &app, Context &ctx) {
    const Profile &profile = *ctx.profile;
    KnownDevices known(profile.knownDevicesPath());
    if (auto loaded = known.load(); !loaded.ok()) {
        std::cerr << "napkin-cli certs list: " << loaded.error().message.toStdString() << '\n';
        return ExitInput;
    }
    auto trust = loadTrustStore(ctx.caFile);
    if (!trust.ok()) {
        return reportError(trust.error(), ctx.json);
    }
    // This device: the certificate the key store keeps (none when keys are not kept).
    QString thisDevice;
    if (profile.keyStorage == Profile::KeyStorage::File) {
        FileKeyStore store(profile.stateDir);
        store.load(profile.aor, [&](DiscoveryResult<std::optional<crypto::DeviceIdentity>> r) {
            if (r.ok() && r.value()) {
                thisDevice = fingerprintOf(r.value()->certificate);
            }
        });
    }
    ServiceClient client(ctx.settings, trust.value());
    CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
    std::optional<int> finished;
    directory.fetch(profile.aor, [&](DiscoveryResult<CertificateSet> r) {
        if (!r.ok() && r.error().code != DiscoveryErrc::EmptySet) {
            finished = reportError(r.error(), ctx.json);
            app.quit();
            return;
        }
        const std::vector<crypto::Certificate> certs =
            r.ok() ? r->certificates : std::vector<crypto::Certificate>{};
        QJsonArray devices;
        int unknownCount = 0;
        if (!ctx.json) {
            std::cout << profile.aor.toStdString() << ": " << certs.size()
                      << (certs.size() == 1 ? " device\n" : " devices\n");
        }
        for (const auto &c : certs) {
            const QString fp = fingerprintOf(c);
            const bool mine = fp == thisDevice;
            const bool isKnown = known.isKnown(fp) || mine;
            unknownCount += isKnown ? 0 : 1;
            QJsonObject o = certificateJson(c);
            o.insert(QStringLiteral("thisDevice"), mine);
            o.insert(QStringLiteral("known"), isKnown);
            devices.append(o);
            if (!ctx.json) {
                printCertificate(c, mine ? "*" : (isKnown ? " " : "!"),
                                 mine ? "this device" : (isKnown ? "known" : "UNKNOWN"));
            }
        }
        if (ctx.json) {
            printJson(QJsonObject{{QStringLiteral("aor"), profile.aor},
                                  {QStringLiteral("devices"), devices}});
        } else if (unknownCount > 0) {
            std::cout << unknownCount
                      << " device(s) marked ! were not enrolled from here and not acknowledged; "
                         "revoke them if they are not yours, or acknowledge them\n";
        }
        finished = ExitOk;
        app.quit();
    });
    return runLoop(app, finished);
}

int revoke(QCoreApplication &app, const CliArgs &args, Context &ctx) {
    const auto fingerprint = args.value("fingerprint");
    if (!fingerprint ||
        !KnownDevices::isFingerprint(QString::fromStdString(*fingerprint).toLower())) {
        return usage("revoke", "--fingerprint sha256:<64 hex digits> is required");
    }
    const Profile &profile = *ctx.profile;
    auto password = profile.readPassword();
    if (!password.ok()) {
        std::cerr << "napkin-cli certs revoke: " << password.error().message.toStdString() << '\n';
        return ExitInput;
    }
    auto trust = loadTrustStore(ctx.caFile);
    if (!trust.ok()) {
        return reportError(trust.error(), ctx.json);
    }
    ServiceClient client(ctx.settings, trust.value());
    MemoryKeyStore unused;
    Enroller enroller(client, unused, enrolmentSettings(profile, {}));
    enroller.setPassword(password.value());
    std::optional<int> finished;
    enroller.revoke(QString::fromStdString(*fingerprint), [&](DiscoveryResult<void> r) {
        if (!r.ok()) {
            finished = reportError(r.error(), ctx.json);
        } else {
            if (ctx.json) {
                printJson(QJsonObject{
                    {QStringLiteral("revoked"), QString::fromStdString(*fingerprint).toLower()}});
            } else {
                std::cout << "revoked " << *fingerprint << " of " << profile.aor.toStdString()
                          << '\n';
            }
            finished = ExitOk;
        }
        app.quit();
    });
    return runLoop(app, finished);
}

int acknowledge(const CliArgs &args, Context &ctx) {
    const auto fingerprint = args.value("fingerprint");
    const QString fp = QString::fromStdString(fingerprint.value_or(std::string())).toLower();
    if (!KnownDevices::isFingerprint(fp)) {
        return usage("acknowledge", "--fingerprint sha256:<64 hex digits> is required");
    }
    KnownDevices known(ctx.profile->knownDevicesPath());
    auto loaded = known.load();
    if (loaded.ok()) {
        known.acknowledge(fp);
        loaded = known.save();
    }
    if (!loaded.ok()) {
        std::cerr << "napkin-cli certs acknowledge: " << loaded.error().message.toStdString()
                  << '\n';
        return ExitInput;
    }
    std::cout << "acknowledged " << fp.toStdString() << '\n';
    return ExitOk;
}

} // namespace

int runCertsCommand(int argc, char **argv) {
    if (argc < 3) {
        return usage({}, "which sub-command: fetch, enroll, list, revoke or acknowledge?");
    }
    const std::string sub = argv[2];
    CliArgs::Spec spec;
    spec.valued = {"config", "dns", "ca", "timeout"};
    spec.flags = {"json", "verbose", "allow-private-services"};
    bool needProfile = true;
    if (sub == "fetch") {
        needProfile = false;
    } else if (sub == "revoke" || sub == "acknowledge") {
        spec.valued.push_back("fingerprint");
    } else if (sub != "enroll" && sub != "list") {
        return usage({}, "unknown sub-command '" + sub + "'");
    }
    std::string error;
    auto args = CliArgs::parse(argc, argv, 3, spec, error);
    if (!args) {
        return usage(sub, error);
    }
    if (sub != "fetch" && !args->positionals().empty()) {
        return usage(sub, "unexpected argument '" + args->positionals().front() + "'");
    }
    if (!args->has("verbose")) {
        QLoggingCategory::setFilterRules(QStringLiteral("napkin.discovery.info=false\n"
                                                        "napkin.discovery.warning=false"));
    }
    int qtArgc = 1;
    char *qtArgv[] = {argv[0], nullptr};
    QCoreApplication app(qtArgc, qtArgv);
    Context ctx;
    if (auto failed = buildContext(*args, sub, needProfile, ctx)) {
        return *failed;
    }
    if (sub == "fetch") {
        return fetch(app, *args, ctx);
    }
    if (sub == "enroll") {
        return enroll(app, ctx);
    }
    if (sub == "list") {
        return list(app, ctx);
    }
    if (sub == "revoke") {
        return revoke(app, *args, ctx);
    }
    return acknowledge(*args, ctx);
}

} // namespace napkin::cli
