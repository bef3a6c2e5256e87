// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fetching certificate sets through real dnsmasq and real napkin-certd
// instances: the happy paths (SRV, SRV pointing elsewhere, fallback host,
// failover) and the whole negative matrix, each with its typed error.

#include "sipcore/discovery/CertificateDirectory.h"
#include "sipcore/discovery/ServiceClient.h"
#include "tests/discovery/DiscoveryTestBed.h"
#include "tests/discovery/DiscoveryTestSupport.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace napkin::discovery;
using napkin::testing::CertdInstance;
using napkin::testing::DiscoveryTestBed;
using napkin::testing::IssuedCert;
using napkin::testing::ServiceSpec;
using napkin::testing::spinUntil;

namespace {

constexpr int kWaitMs = 20000;

} // namespace

class TestDiscoveryFetch : public QObject {
    Q_OBJECT

private:
    DiscoveryResult<CertificateSet>
    fetch(CertificateDirectory &directory, const QString &aor,
          CertificateDirectory::Policy policy = CertificateDirectory::Policy::UseCache,
          CertificateDirectory::Origin origin = CertificateDirectory::Origin::Own) {
        std::optional<DiscoveryResult<CertificateSet>> got;
        directory.fetch(
            aor, [&](DiscoveryResult<CertificateSet> r) { got = std::move(r); }, policy, origin);
        if (!spinUntil([&] { return got.has_value(); }, kWaitMs)) {
            return napkin::fail(discoveryError(DiscoveryErrc::Cancelled,
                                               QStringLiteral("the test gave up waiting")));
        }
        return std::move(*got);
    }

    DiscoveryResult<CertificateSet> fetchOnce(const QString &aor,
                                              std::chrono::seconds ttl = std::chrono::seconds(0)) {
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{ttl, {}});
        return fetch(directory, aor);
    }

    void expectError(const QString &aor, DiscoveryErrc code, const QString &messagePart = {}) {
        auto r = fetchOnce(aor);
        QVERIFY2(!r.ok(), qPrintable(aor + QStringLiteral(" unexpectedly succeeded")));
        QCOMPARE(errcName(r.error().code), errcName(code));
        if (!messagePart.isEmpty()) {
            QVERIFY2(r.error().message.contains(messagePart), qPrintable(r.error().message));
        }
    }

    static ServiceSpec spec(const QString &name, const QStringList &domains) {
        ServiceSpec s;
        s.name = name;
        s.domains = domains;
        return s;
    }

    std::unique_ptr<DiscoveryTestBed> m_bed;
    QString m_bob1;
    QString m_bob2;
    QString m_dave;
    QString m_eveOnDave;
    QString m_erin;
    QString m_carol;
    QHostAddress m_deadAddress;

private Q_SLOTS:
    void initTestCase() {
        auto bed = DiscoveryTestBed::create();
        DISCOVERY_VERIFY_OK(bed);
        m_bed = std::move(bed).value();

        auto started = [&](const ServiceSpec &spec) -> CertdInstance * {
            auto s = m_bed->startService(spec);
            if (!s.ok()) {
                qWarning("%s", qPrintable(s.error()));
                return nullptr;
            }
            return s.value();
        };
        CertdInstance *a = started(spec(QStringLiteral("certd-a"), {QStringLiteral("a.example")}));
        QVERIFY(a);
        CertdInstance *b =
            started(spec(QStringLiteral("certd-b"),
                         {QStringLiteral("b.example"), QStringLiteral("multi.example")}));
        QVERIFY(b);
        ServiceSpec cSpec = spec(QStringLiteral("certd-c"),
                                 {QStringLiteral("c.example"), QStringLiteral("refusing.example")});
        cSpec.port = 443;
        CertdInstance *c = started(cSpec);
        QVERIFY(c);
        CertdInstance *sub =
            started(spec(QStringLiteral("certd-sub"), {QStringLiteral("certs.sub.example")}));
        QVERIFY(sub);
        ServiceSpec wildSpec =
            spec(QStringLiteral("certd-wild"), {QStringLiteral("wild-svc.test")});
        wildSpec.certNames = {QStringLiteral("*.example"), QStringLiteral("wild-svc.test")};
        CertdInstance *wild = started(wildSpec);
        QVERIFY(wild);
        ServiceSpec rogueSpec =
            spec(QStringLiteral("certd-rogue"), {QStringLiteral("rogue.example")});
        rogueSpec.rogueCa = true;
        CertdInstance *rogue = started(rogueSpec);
        QVERIFY(rogue);

        auto &dns = m_bed->dns();
        m_bed->pointSrv(QStringLiteral("a.example"), QStringLiteral("certs.a.example"), *a);
        // b.example's SRV points to a host of another domain; the certificate names b.example.
        m_bed->pointSrv(QStringLiteral("b.example"), QStringLiteral("svc.elsewhere.test"), *b);
        // c.example: no SRV; certificates.c.example:443.
        dns.addLocalDomain(QStringLiteral("c.example"));
        dns.addHost(QStringLiteral("certificates.c.example"),
                    c->config().listen.address.toString());
        // refusing.example: its DNS server answers REFUSED for the SRV
        // question, but certificates.refusing.example has an address.
        dns.addHost(QStringLiteral("certificates.refusing.example"),
                    c->config().listen.address.toString(), false);
        // other.example's SRV leads to a.example's service, whose certificate names a.example.
        m_bed->pointSrv(QStringLiteral("other.example"), QStringLiteral("certs.a.example"), *a);
        m_bed->pointSrv(QStringLiteral("sub.example"), QStringLiteral("certs.sub.example"), *sub);
        m_bed->pointSrv(QStringLiteral("wild.example"), QStringLiteral("wild-svc.test"), *wild);
        m_bed->pointSrv(QStringLiteral("rogue.example"), QStringLiteral("certs.rogue.example"),
                        *rogue);
        // down.example: the SRV target's address has nothing listening.
        m_deadAddress = napkin::testing::FreePort::uniqueLoopbackAddress();
        dns.addSrv({QStringLiteral("_certificates._tcp.down.example"),
                    QStringLiteral("certs.down.example"), 8443, 0, 0});
        dns.addHost(QStringLiteral("certs.down.example"), m_deadAddress.toString());
        // multi.example: the preferred target is dead, the second one works.
        dns.addSrv({QStringLiteral("_certificates._tcp.multi.example"),
                    QStringLiteral("dead.multi.example"), 8443, 0, 0});
        dns.addHost(QStringLiteral("dead.multi.example"), m_deadAddress.toString());
        m_bed->pointSrv(QStringLiteral("multi.example"), QStringLiteral("svc.elsewhere.test"), *b,
                        10);
        // nosvc.example: nothing at all. dot.example: SRV ".".
        dns.addLocalDomain(QStringLiteral("nosvc.example"));
        dns.addSrv({QStringLiteral("_certificates._tcp.dot.example"), QString(), 0, 0, 0});
        // Anything under .invalid is not local: dnsmasq REFUSES it (no upstream).
        DISCOVERY_VERIFY_OK(m_bed->startDns());

        // Device certificates, written straight into the services' databases.
        auto dev = [](const QString &aor, qint64 notAfter = 7 * 86400) {
            auto d = DiscoveryTestBed::device(aor, notAfter);
            if (!d.ok()) {
                qFatal("%s", qPrintable(d.error()));
            }
            return std::move(d).value();
        };
        auto put = [&](CertdInstance *svc, const char *user, const char *domain,
                       const napkin::testing::IssuedCert &cert,
                       std::optional<qint64> notAfterColumn = {}) {
            auto r = m_bed->insertDevice(*svc, QString::fromLatin1(user),
                                         QString::fromLatin1(domain), cert, notAfterColumn);
            if (!r.ok()) {
                qFatal("%s", qPrintable(r.error()));
            }
            return cert.fingerprint();
        };
        m_bob1 = put(b, "bob", "b.example", dev(QStringLiteral("sip:bob@b.example")));
        m_bob2 = put(b, "bob", "b.example", dev(QStringLiteral("sip:bob@b.example")));
        m_dave = put(b, "dave", "b.example", dev(QStringLiteral("sip:dave@b.example")));
        m_eveOnDave = put(b, "dave", "b.example", dev(QStringLiteral("sip:eve@b.example")));
        m_erin = put(b, "erin", "b.example", dev(QStringLiteral("sip:erin@b.example")));
        // Expired an hour ago, but the row claims otherwise: a lying service.
        auto expired = DiscoveryTestBed::device(QStringLiteral("sip:erin@b.example"), -3600, -7200);
        DISCOVERY_VERIFY_OK(expired);
        const qint64 tomorrow = QDateTime::currentSecsSinceEpoch() + 86400;
        put(b, "erin", "b.example", expired.value(), tomorrow);
        auto expired2 =
            DiscoveryTestBed::device(QStringLiteral("sip:erin@b.example"), -3600, -7200);
        QVERIFY(expired2.ok());
        put(b, "frank", "b.example", expired2.value(), tomorrow);
        m_carol = put(c, "carol", "c.example", dev(QStringLiteral("sip:carol@c.example")));
        put(b, "mia", "multi.example", dev(QStringLiteral("sip:mia@multi.example")));
    }

    void cleanupTestCase() { m_bed.reset(); }

    void srvTargetElsewhereWithRightNameIsAccepted() {
        const int srvQueries =
            m_bed->dns().queriesFor(QStringLiteral("_certificates._tcp.b.example"));
        const int hostQueries = m_bed->dns().queriesFor(QStringLiteral("svc.elsewhere.test"));
        auto r = fetchOnce(QStringLiteral("sip:bob@b.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(2));
        QVERIFY(r->contains(m_bob1));
        QVERIFY(r->contains(m_bob2));
        QVERIFY(r->dropped.empty());
        QVERIFY(!r->etag.isEmpty());
        // Both the SRV and the address lookups went to our DNS server.
        QVERIFY(m_bed->dns().queriesFor(QStringLiteral("_certificates._tcp.b.example")) >
                srvQueries);
        QVERIFY(m_bed->dns().queriesFor(QStringLiteral("svc.elsewhere.test")) > hostQueries);
    }

    void bareAddressAndSipsSchemeWork() {
        auto r = fetchOnce(QStringLiteral("bob@b.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(2));
        auto s = fetchOnce(QStringLiteral("sips:bob@B.EXAMPLE"));
        DISCOVERY_VERIFY_OK(s);
        QCOMPARE(s->certificates.size(), std::size_t(2));
    }

    void fallbackHostWhenNoSrv() {
        CertdInstance *c = m_bed->service(QStringLiteral("certd-c"));
        const int before = DiscoveryTestBed::logLines(*c, QStringLiteral("GET /search-cgi"));
        auto r = fetchOnce(QStringLiteral("sip:carol@c.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(1));
        QVERIFY(r->contains(m_carol));
        // certd logs a request after answering it.
        QVERIFY(spinUntil(
            [&] {
                return DiscoveryTestBed::logLines(*c, QStringLiteral("GET /search-cgi")) > before;
            },
            3000));
        QVERIFY(m_bed->dns().queriesFor(QStringLiteral("certificates.c.example")) > 0);
    }

    void failedSrvQueryFallsBackToTheCertificatesHost() {
        // The SRV question is REFUSED: like a missing record, the client goes
        // on to certificates.<domain>, whose TLS certificate decides trust.
        // The service there answers (it lists nobody for the address).
        CertdInstance *c = m_bed->service(QStringLiteral("certd-c"));
        const int before = DiscoveryTestBed::logLines(*c, QStringLiteral("GET /search-cgi"));
        auto r = fetchOnce(QStringLiteral("sip:rita@refusing.example"));
        QVERIFY(!r.ok());
        QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::EmptySet));
        QVERIFY(m_bed->dns().queriesFor(QStringLiteral("_certificates._tcp.refusing.example")) > 0);
        QVERIFY(m_bed->dns().queriesFor(QStringLiteral("certificates.refusing.example")) > 0);
        QVERIFY(spinUntil(
            [&] {
                return DiscoveryTestBed::logLines(*c, QStringLiteral("GET /search-cgi")) > before;
            },
            3000));
    }

    void failedSrvQueryWithoutFallbackIsNotNoService() {
        // Negative: when the SRV question fails and certificates.<domain>
        // has no address either, the service may well exist: "could not
        // check" (DnsFailure), never "no service" (which would make calls
        // to the domain's users merely unsigned).
        auto r = fetchOnce(QStringLiteral("sip:x@refused.invalid"));
        QVERIFY(!r.ok());
        QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::DnsFailure));
        QVERIFY2(r.error().message.contains(QLatin1String("_certificates._tcp.refused.invalid")),
                 qPrintable(r.error().message));
    }

    void privateServiceNeedsTheFlag_data() {
        QTest::addColumn<QString>("aor");
        QTest::addColumn<QString>("host");
        QTest::newRow("SRV target") << "sip:bob@b.example"
                                    << "svc.elsewhere.test";
        QTest::newRow("certificates.<domain> fallback") << "sip:carol@c.example"
                                                        << "certificates.c.example";
    }

    void privateServiceNeedsTheFlag() {
        // Every service of the bed is on a 127.x address: without
        // allow_private_services nothing may connect there.
        QFETCH(QString, aor);
        QFETCH(QString, host);
        auto settings = m_bed->clientSettings();
        settings.allowPrivateServices = false;
        {
            ServiceClient client(settings, m_bed->trust());
            CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
            auto r = fetch(directory, aor);
            QVERIFY2(!r.ok(), "a loopback service was used without the flag");
            QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::AddressNotAllowed));
            QVERIFY2(r.error().message.contains(host) &&
                         r.error().message.contains(QStringLiteral("a loopback address")) &&
                         r.error().message.contains(QStringLiteral("allow_private_services")),
                     qPrintable(r.error().message));
            QCOMPARE(client.connectionsOpened(), 0);
        }
        settings.allowPrivateServices = true;
        ServiceClient client(settings, m_bed->trust());
        CertificateDirectory directory(client, DirectorySettings{std::chrono::seconds(0), {}});
        auto r = fetch(directory, aor);
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(client.connectionsOpened(), 1);
    }

    void peerFetchesAreRateLimitedPerDomain() {
        using Origin = CertificateDirectory::Origin;
        using Policy = CertificateDirectory::Policy;
        auto client = m_bed->makeClient();
        DirectorySettings settings;
        settings.ttl = std::chrono::seconds(0);
        settings.maxPeerFetchesPerDomainPerMinute = 2;
        CertificateDirectory directory(*client, settings);
        DISCOVERY_VERIFY_OK(
            fetch(directory, QStringLiteral("sip:bob@b.example"), Policy::UseCache, Origin::Peer));
        DISCOVERY_VERIFY_OK(
            fetch(directory, QStringLiteral("sip:dave@b.example"), Policy::UseCache, Origin::Peer));
        QCOMPARE(directory.requestsSent(), 2);
        // The third in a minute from b.example fails at once, without a request.
        auto limited =
            fetch(directory, QStringLiteral("sip:erin@b.example"), Policy::UseCache, Origin::Peer);
        QVERIFY(!limited.ok());
        QCOMPARE(errcName(limited.error().code), errcName(DiscoveryErrc::RateLimited));
        QVERIFY2(limited.error().message.contains(QStringLiteral("b.example's certificate "
                                                                 "service 2 times")) &&
                     limited.error().message.contains(
                         QStringLiteral("max_fetches_per_domain_per_minute")),
                 qPrintable(limited.error().message));
        QCOMPARE(directory.requestsSent(), 2);
        // Negative: another domain has its own budget, and this device's own
        // fetches are never charged, so a flood cannot starve its calls.
        DISCOVERY_VERIFY_OK(fetch(directory, QStringLiteral("sip:carol@c.example"),
                                  Policy::UseCache, Origin::Peer));
        DISCOVERY_VERIFY_OK(
            fetch(directory, QStringLiteral("sip:erin@b.example"), Policy::UseCache, Origin::Own));
        QCOMPARE(directory.requestsSent(), 4);
    }

    void directoryForgetsTheLeastRecentlyUsed() {
        auto client = m_bed->makeClient();
        DirectorySettings settings;
        settings.ttl = std::chrono::seconds(300);
        settings.maxEntries = 2;
        CertificateDirectory directory(*client, settings);
        DISCOVERY_VERIFY_OK(fetch(directory, QStringLiteral("sip:bob@b.example")));
        DISCOVERY_VERIFY_OK(fetch(directory, QStringLiteral("sip:dave@b.example")));
        DISCOVERY_VERIFY_OK(fetch(directory, QStringLiteral("sip:bob@b.example"))); // cached
        QCOMPARE(directory.requestsSent(), 2);
        DISCOVERY_VERIFY_OK(fetch(directory, QStringLiteral("sip:carol@c.example")));
        QVERIFY(directory.cached(QStringLiteral("sip:bob@b.example")).has_value());
        QVERIFY(!directory.cached(QStringLiteral("sip:dave@b.example")).has_value());
    }

    void failoverToTheNextSrvTarget() {
        auto r = fetchOnce(QStringLiteral("sip:mia@multi.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(1));
    }

    void serviceCertificateForAnotherDomain() {
        expectError(QStringLiteral("sip:olga@other.example"), DiscoveryErrc::TlsNameMismatch,
                    QStringLiteral("a.example"));
    }

    void serviceCertificateForASubDomain() {
        expectError(QStringLiteral("sip:sue@sub.example"), DiscoveryErrc::TlsNameMismatch,
                    QStringLiteral("certs.sub.example"));
    }

    void serviceCertificateWithAWildcard() {
        expectError(QStringLiteral("sip:will@wild.example"), DiscoveryErrc::TlsNameMismatch,
                    QStringLiteral("*.example"));
    }

    void untrustedCa() {
        expectError(QStringLiteral("sip:rob@rogue.example"),
                    DiscoveryErrc::UntrustedServiceCertificate);
    }

    void anotherAorsCertificateIsDroppedAndReported() {
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{});
        QSignalSpy dropped(&directory, &CertificateDirectory::certificatesDropped);
        auto r = fetch(directory, QStringLiteral("sip:dave@b.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(1));
        QVERIFY(r->contains(m_dave));
        QVERIFY(!r->contains(m_eveOnDave));
        QCOMPARE(r->dropped.size(), std::size_t(1));
        QCOMPARE(r->dropped.front().fingerprint, m_eveOnDave);
        QVERIFY2(r->dropped.front().reason.contains(QStringLiteral("sip:eve@b.example")),
                 qPrintable(r->dropped.front().reason));
        QCOMPARE(dropped.count(), 1);
    }

    void expiredCertificateIsDropped() {
        auto r = fetchOnce(QStringLiteral("sip:erin@b.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(1));
        QVERIFY(r->contains(m_erin));
        QCOMPARE(r->dropped.size(), std::size_t(1));
        QVERIFY2(r->dropped.front().reason.contains(QStringLiteral("expired")),
                 qPrintable(r->dropped.front().reason));
    }

    void onlyRefusedCertificatesIsAnEmptySet() {
        // frank's only row is erin's expired certificate: wrong AOR and expired.
        expectError(QStringLiteral("sip:frank@b.example"), DiscoveryErrc::EmptySet,
                    QStringLiteral("refuses"));
    }

    void unknownAddressIsAnEmptySet() {
        CertdInstance *b = m_bed->service(QStringLiteral("certd-b"));
        const int emailBefore = DiscoveryTestBed::logLines(
            *b, QStringLiteral("GET /search-cgi?email=nobody%40b.example"));
        expectError(QStringLiteral("sip:nobody@b.example"), DiscoveryErrc::EmptySet);
        // sip= found nothing, so the email= alias was asked too.
        QVERIFY(spinUntil(
            [&] {
                return DiscoveryTestBed::logLines(
                           *b, QStringLiteral("GET /search-cgi?email=nobody%40b.example")) >
                       emailBefore;
            },
            3000));
    }

    void serviceDown() {
        expectError(QStringLiteral("sip:dan@down.example"), DiscoveryErrc::ConnectionRefused,
                    QStringLiteral("certs.down.example"));
    }

    void noServiceAtAll() {
        expectError(QStringLiteral("sip:nora@nosvc.example"), DiscoveryErrc::NoService,
                    QStringLiteral("certificates.nosvc.example"));
    }

    void srvSaysNoService() {
        expectError(QStringLiteral("sip:dot@dot.example"), DiscoveryErrc::NoService);
    }

    void dnsServerRefuses() {
        expectError(QStringLiteral("sip:x@refused.invalid"), DiscoveryErrc::DnsFailure);
    }

    void dnsServerSilent() {
        // A UDP socket that never answers: a DNS server that is down.
        auto settings = m_bed->clientSettings();
        settings.dns.address = napkin::testing::FreePort::uniqueLoopbackAddress();
        ServiceClient client(settings, m_bed->trust());
        CertificateDirectory directory(client, DirectorySettings{});
        auto r = fetch(directory, QStringLiteral("sip:bob@b.example"));
        QVERIFY(!r.ok());
        QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::DnsFailure));
    }

    void serviceThatNeverAnswersTimesOut() {
        // Accepts TCP but never speaks TLS.
        QTcpServer silent;
        const QHostAddress address = napkin::testing::FreePort::uniqueLoopbackAddress();
        QVERIFY(silent.listen(address, 0));
        m_bed->dns().addSrv({QStringLiteral("_certificates._tcp.slow.example"),
                             QStringLiteral("certs.slow.example"), silent.serverPort(), 0, 0});
        m_bed->dns().addHost(QStringLiteral("certs.slow.example"), address.toString());
        DISCOVERY_VERIFY_OK(m_bed->dns().restart());
        auto settings = m_bed->clientSettings();
        settings.connectTimeoutMs = 700;
        ServiceClient client(settings, m_bed->trust());
        CertificateDirectory directory(client, DirectorySettings{});
        auto r = fetch(directory, QStringLiteral("sip:sam@slow.example"));
        QVERIFY(!r.ok());
        QCOMPARE(errcName(r.error().code), errcName(DiscoveryErrc::Timeout));
    }

    void invalidAddress() {
        expectError(QStringLiteral("sip:@b.example"), DiscoveryErrc::InvalidAddress);
        expectError(QStringLiteral("not an address"), DiscoveryErrc::InvalidAddress);
    }

    void ttlZeroAsksEveryTimeWithEtag() {
        CertdInstance *b = m_bed->service(QStringLiteral("certd-b"));
        const QString line = QStringLiteral("GET /search-cgi?sip=bob%40b.example");
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{std::chrono::seconds(0), {}});
        const int before = DiscoveryTestBed::logLines(*b, line);
        const int notModifiedBefore = DiscoveryTestBed::logLines(*b, line + QStringLiteral(" 304"));
        for (int i = 0; i < 3; ++i) {
            auto r = fetch(directory, QStringLiteral("sip:bob@b.example"));
            DISCOVERY_VERIFY_OK(r);
            QCOMPARE(r->certificates.size(), std::size_t(2));
        }
        QCOMPARE(directory.requestsSent(), 3);
        QCOMPARE(directory.notModifiedAnswers(), 2);
        QVERIFY(
            spinUntil([&] { return DiscoveryTestBed::logLines(*b, line) == before + 3; }, 3000));
        QCOMPARE(DiscoveryTestBed::logLines(*b, line + QStringLiteral(" 304")),
                 notModifiedBefore + 2);
        // One TLS connection carried all three requests.
        QCOMPARE(client->connectionsOpened(), 1);
    }

    void ttl300ServesFromTheCache() {
        CertdInstance *c = m_bed->service(QStringLiteral("certd-c"));
        const QString line = QStringLiteral("GET /search-cgi?sip=carol%40c.example");
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{std::chrono::seconds(300), {}});
        const int before = DiscoveryTestBed::logLines(*c, line);
        for (int i = 0; i < 3; ++i) {
            auto r = fetch(directory, QStringLiteral("sip:carol@c.example"));
            DISCOVERY_VERIFY_OK(r);
        }
        QCOMPARE(directory.requestsSent(), 1);
        QTest::qWait(300);
        QCOMPARE(DiscoveryTestBed::logLines(*c, line), before + 1);
        // Revalidate asks the service even while the set is fresh.
        auto again = fetch(directory, QStringLiteral("sip:carol@c.example"),
                           CertificateDirectory::Policy::Revalidate);
        QVERIFY(again.ok());
        QCOMPARE(directory.requestsSent(), 2);
        QCOMPARE(directory.notModifiedAnswers(), 1);
    }

    void refreshIfUnknownAcceptsOnlyListedCertificates() {
        CertdInstance *b = m_bed->service(QStringLiteral("certd-b"));
        auto first = DiscoveryTestBed::device(QStringLiteral("sip:gina@b.example"));
        QVERIFY(first.ok());
        DISCOVERY_VERIFY_OK(m_bed->insertDevice(*b, QStringLiteral("gina"),
                                                QStringLiteral("b.example"), first.value()));
        auto client = m_bed->makeClient();
        CertificateDirectory directory(
            *client, DirectorySettings{std::chrono::seconds(300), std::chrono::milliseconds(0)});
        auto r = fetch(directory, QStringLiteral("sip:gina@b.example"));
        DISCOVERY_VERIFY_OK(r);
        QCOMPARE(r->certificates.size(), std::size_t(1));

        // A second device enrols; signalling shows it before our cache knows it.
        auto second = DiscoveryTestBed::device(QStringLiteral("sip:gina@b.example"));
        QVERIFY(second.ok());
        DISCOVERY_VERIFY_OK(m_bed->insertDevice(*b, QStringLiteral("gina"),
                                                QStringLiteral("b.example"), second.value()));
        std::optional<DiscoveryResult<napkin::crypto::Certificate>> got;
        directory.refreshIfUnknown(
            QStringLiteral("sip:gina@b.example"), second->fingerprint(),
            [&](DiscoveryResult<napkin::crypto::Certificate> c) { got = std::move(c); });
        QVERIFY(spinUntil([&] { return got.has_value(); }, kWaitMs));
        DISCOVERY_VERIFY_OK(*got);
        QCOMPARE(QString::fromStdString(got->value().fingerprint()), second->fingerprint());
        QVERIFY(directory.cached(QStringLiteral("sip:gina@b.example"))
                    ->contains(second->fingerprint()));

        // A certificate the service does not list is refused.
        auto stranger = DiscoveryTestBed::device(QStringLiteral("sip:gina@b.example"));
        QVERIFY(stranger.ok());
        got.reset();
        const int sentBefore = directory.requestsSent();
        directory.refreshIfUnknown(
            QStringLiteral("sip:gina@b.example"), stranger->fingerprint(),
            [&](DiscoveryResult<napkin::crypto::Certificate> c) { got = std::move(c); });
        QVERIFY(spinUntil([&] { return got.has_value(); }, kWaitMs));
        QVERIFY(!got->ok());
        QCOMPARE(errcName(got->error().code), errcName(DiscoveryErrc::NotListed));
        QCOMPARE(directory.requestsSent(), sentBefore + 1);
    }

    void concurrentFetchesShareOneRequest() {
        auto client = m_bed->makeClient();
        CertificateDirectory directory(*client, DirectorySettings{std::chrono::seconds(0), {}});
        int done = 0;
        for (int i = 0; i < 5; ++i) {
            directory.fetch(QStringLiteral("sip:bob@b.example"),
                            [&](DiscoveryResult<CertificateSet> r) {
                                QVERIFY(r.ok());
                                ++done;
                            });
        }
        QVERIFY(spinUntil([&] { return done == 5; }, kWaitMs));
        QCOMPARE(directory.requestsSent(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDiscoveryFetch)
#include "test_discovery_fetch.moc"
