// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "tests/discovery/DiscoveryTestBed.h"

#include "sipcore/discovery/HttpsConnection.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QThread>

namespace napkin::testing {

namespace {

qint64 unixSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

QString sqlText(const QString &s) {
    QString out = s;
    out.replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

} // namespace

bool spinUntil(const std::function<bool()> &done, int timeoutMs) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(1);
    }
    return true;
}

DiscoveryTestBed::DiscoveryTestBed() : m_dns(m_dir.path()) {}

QString DiscoveryTestBed::certdBinary() {
#ifdef NAPKIN_CERTD_PATH
    return QStringLiteral(NAPKIN_CERTD_PATH);
#else
    return qEnvironmentVariable("NAPKIN_CERTD_PATH");
#endif
}

TestResult<std::unique_ptr<DiscoveryTestBed>> DiscoveryTestBed::create() {
    std::unique_ptr<DiscoveryTestBed> bed(new DiscoveryTestBed());
    if (!bed->m_dir.isValid()) {
        return fail(QStringLiteral("cannot create a temporary directory"));
    }
    auto ca = TestCa::create(QDir(bed->dir()).filePath(QStringLiteral("ca")));
    if (!ca) {
        return fail(ca.error());
    }
    bed->m_ca.emplace(std::move(ca).value());
    auto rogue = TestCa::create(QDir(bed->dir()).filePath(QStringLiteral("rogue-ca")),
                                TestKeyKind::EcP256, QStringLiteral("Rogue Root CA"));
    if (!rogue) {
        return fail(rogue.error());
    }
    bed->m_rogue.emplace(std::move(rogue).value());
    return bed;
}

TestResult<CertdInstance *> DiscoveryTestBed::startService(const ServiceSpec &spec) {
    const QString work = QDir(dir()).filePath(spec.name);
    QDir().mkpath(work);
    const TestCa &issuer = spec.rogueCa ? *m_rogue : *m_ca;
    auto cert =
        issuer.issueServer(spec.name, spec.certNames.isEmpty() ? spec.domains : spec.certNames);
    if (!cert) {
        return fail(cert.error());
    }
    CertdConfig config;
    config.binary = certdBinary();
    config.domains = spec.domains;
    config.tlsCert = cert->chainPath;
    config.tlsKey = cert->keyPath;
    config.caFile = issuer.rootCertPath();
    config.maxAge = spec.maxAge;
    config.maxValidityDays = spec.maxValidityDays;
    config.nonceLifetime = spec.nonceLifetime;
    config.threads = 2;
    if (spec.port != 0) {
        config.listen.address = FreePort::uniqueLoopbackAddress();
        config.listen.port = spec.port;
    }
    auto instance = std::make_unique<CertdInstance>(work, config, spec.name);
    if (auto started = instance->start(); !started) {
        return fail(QStringLiteral("%1: %2").arg(spec.name, started.error()));
    }
    CertdInstance *raw = instance.get();
    m_services[spec.name] = std::move(instance);
    return raw;
}

CertdInstance *DiscoveryTestBed::service(const QString &name) const {
    const auto it = m_services.find(name);
    return it == m_services.end() ? nullptr : it->second.get();
}

void DiscoveryTestBed::pointSrv(const QString &domain, const QString &host,
                                const CertdInstance &service, quint16 priority, quint16 weight) {
    m_dns.addSrv({QStringLiteral("_certificates._tcp.") + domain, host,
                  service.config().listen.port, priority, weight});
    m_dns.addHost(host, service.config().listen.address.toString());
    m_dns.addLocalDomain(domain);
}

TestResult<void> DiscoveryTestBed::addUser(CertdInstance &service, const QString &address,
                                           const QString &password) {
    auto r = service.addUser(address, password);
    if (!r) {
        return fail(r.error());
    }
    if (!r->succeeded()) {
        return fail(QStringLiteral("user add %1: %2").arg(address, r->describe()));
    }
    return {};
}

TestResult<IssuedCert> DiscoveryTestBed::device(const QString &aor, qint64 notAfterOffset,
                                                qint64 notBeforeOffset) {
    DeviceCertSpec spec;
    spec.aor = aor;
    spec.instanceUrn = CertBuilder::randomInstanceUrn();
    spec.notAfterOffset = notAfterOffset;
    spec.notBeforeOffset = notBeforeOffset;
    return CertBuilder::device(spec);
}

TestResult<void> DiscoveryTestBed::insertDevice(CertdInstance &service, const QString &username,
                                                const QString &domain, const IssuedCert &device,
                                                std::optional<qint64> notAfterColumn) {
    const QString db = service.dbUrl();
    if (!db.startsWith(QLatin1String("sqlite:"))) {
        return fail(QStringLiteral("insertDevice needs a SQLite database, not %1").arg(db));
    }
    const auto instance = device.certificate.instanceUrn();
    const QString sql =
        QStringLiteral("INSERT INTO device_cert (username, domain, fingerprint, instance_urn, der, "
                       "not_before, not_after, enrolled_at) VALUES (%1, %2, %3, %4, X'%5', %6, "
                       "%7, %8);")
            .arg(sqlText(username), sqlText(domain), sqlText(device.fingerprint()),
                 instance ? sqlText(QString::fromStdString(*instance)) : QStringLiteral("NULL"),
                 QString::fromLatin1(device.der.toHex()))
            .arg(unixSeconds(device.certificate.notBefore()))
            .arg(notAfterColumn.value_or(unixSeconds(device.certificate.notAfter())))
            .arg(QDateTime::currentSecsSinceEpoch());
    auto r = runProgram(QStringLiteral("sqlite3"),
                        {QStringLiteral("-cmd"), QStringLiteral(".timeout 5000"), db.mid(7), sql});
    if (!r) {
        return fail(r.error());
    }
    if (!r->succeeded()) {
        return fail(QStringLiteral("sqlite3 insert: %1").arg(r->describe()));
    }
    return {};
}

int DiscoveryTestBed::logLines(CertdInstance &service, const QString &text) {
    const QStringList lines = service.process().stderrText().split(QLatin1Char('\n'));
    int n = 0;
    for (const auto &line : lines) {
        if (line.contains(text)) {
            ++n;
        }
    }
    return n;
}

discovery::ServiceClientSettings DiscoveryTestBed::clientSettings() const {
    discovery::ServiceClientSettings s;
    s.dns.address = m_dns.address();
    s.dns.port = m_dns.port();
    s.dns.timeoutSeconds = 1;
    s.dns.attempts = 2;
    s.connectTimeoutMs = 5000;
    s.requestTimeoutMs = 10000;
    s.allowPrivateServices = true; // every service here is on loopback
    return s;
}

std::shared_ptr<const discovery::TrustStore> DiscoveryTestBed::trust() const {
    // Only the test CA: the system's store plays no part in these tests.
    auto t = discovery::TrustStore::create(caFile(), false);
    if (!t.ok()) {
        qFatal("%s", qPrintable(t.error().message));
    }
    return t.value();
}

std::unique_ptr<discovery::ServiceClient> DiscoveryTestBed::makeClient() const {
    return std::make_unique<discovery::ServiceClient>(clientSettings(), trust());
}

} // namespace napkin::testing
