// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The draft's mandatory suite, TLS_RSA_WITH_AES_128_CBC_SHA, whatever the
// key type of certd's TLS certificate: offered with an RSA key; with an EC key
// alone not offered, and certd says so at start-up; offered again once the
// operator adds an RSA pair (tls_rsa_cert, tls_rsa_key) beside the EC one,
// while other clients still get the EC certificate. A real certd, a real
// OpenSSL client restricted to TLS 1.2 and AES128-SHA, on loopback.

#include "tests/certd_it/CertdTestBed.h"

#include "crypto/Certificate.h"

#include <QTest>

using namespace napkin::testing;

namespace {

const QString kWarning = QStringLiteral("TLS_RSA_WITH_AES_128_CBC_SHA, the draft's mandatory "
                                        "cipher suite, is not offered");

/// A client that offers only what the draft requires: TLS 1.2, AES128-SHA.
TlsOptions draftLiteral(const CertdInstance &certd) {
    TlsOptions tls = certd.client().tlsOptions();
    tls.maxVersion = TLS1_2_VERSION;
    tls.cipherList = QStringLiteral("AES128-SHA");
    return tls;
}

/// The key type of the certificate the server presented on `connection`.
napkin::crypto::KeyType presentedKeyType(const HttpsConnection &connection) {
    const QByteArray der = connection.peerCertificateDer();
    auto cert = napkin::crypto::Certificate::fromDer(
        {reinterpret_cast<const std::uint8_t *>(der.constData()),
         static_cast<std::size_t>(der.size())});
    return cert ? cert->keyInfo().type : napkin::crypto::KeyType::Other;
}

} // namespace

class TestCertdTlsSuites : public QObject {
    Q_OBJECT

    std::unique_ptr<CertdTestBed> m_bed; ///< its service certificate is EC P-256
    std::optional<ServerCertFiles> m_rsa;

    /// Connects with the draft-literal client and checks the suite, the
    /// RSA certificate (verified against the test CA and the name) and one
    /// request over it.
    void expectDraftSuite(const CertdInstance &certd) {
        HttpsClient client = certd.client();
        auto conn = client.connect(draftLiteral(certd));
        NAPKIN_VERIFY_OK(conn);
        QCOMPARE((*conn)->protocol(), QStringLiteral("TLSv1.2"));
        QCOMPARE((*conn)->cipher(), QStringLiteral("AES128-SHA"));
        QCOMPARE(presentedKeyType(**conn), napkin::crypto::KeyType::Rsa);
        HttpRequest req;
        req.target = "/healthz";
        auto r = (*conn)->roundTrip(req, client.hostHeader());
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->status, 200);
    }

    std::unique_ptr<CertdInstance> started(const QString &name, const CertdConfig &config) {
        auto certd = m_bed->instance(name, config);
        auto s = certd->start();
        if (!s) {
            QTest::qFail(qPrintable(s.error()), __FILE__, __LINE__);
            return nullptr;
        }
        return certd;
    }

private Q_SLOTS:
    void initTestCase() {
        auto bed = CertdTestBed::create();
        NAPKIN_VERIFY_OK(bed);
        m_bed = std::move(bed).value();
        QCOMPARE(m_bed->serverCert().issued.certificate.keyInfo().type,
                 napkin::crypto::KeyType::Ec);
        auto rsa = m_bed->ca().issueServer(QStringLiteral("service-rsa"), m_bed->domains(), {},
                                           TestKeyKind::Rsa2048);
        NAPKIN_VERIFY_OK(rsa);
        m_rsa = *rsa;
    }

    void rsaKeyOffersTheDraftSuite() {
        CertdConfig config = m_bed->config();
        config.tlsCert = m_rsa->certPath;
        config.tlsKey = m_rsa->keyPath;
        auto certd = started(QStringLiteral("rsa"), config);
        QVERIFY(certd);
        expectDraftSuite(*certd);
        QVERIFY2(!certd->process().stderrText().contains(kWarning),
                 qPrintable(certd->process().stderrText()));
    }

    void ecKeyAloneDoesNotAndSaysWhy() {
        auto certd = started(QStringLiteral("ec"), m_bed->config());
        QVERIFY(certd);
        auto conn = certd->client().connect(draftLiteral(*certd));
        QVERIFY2(!conn, "a TLS 1.2 AES128-SHA client connected to an EC-only certd");
        // Control: an ordinary client is served.
        auto ordinary = certd->client().connect();
        NAPKIN_VERIFY_OK(ordinary);
        QCOMPARE(presentedKeyType(**ordinary), napkin::crypto::KeyType::Ec);

        const QString log = certd->process().stderrText();
        const auto lines = log.split(QLatin1Char('\n'));
        const auto warning = std::find_if(lines.begin(), lines.end(), [](const QString &line) {
            return line.contains(kWarning);
        });
        QVERIFY2(warning != lines.end(), qPrintable(log));
        QVERIFY2(warning->startsWith(QStringLiteral("napkin-certd: warning: ")),
                 qPrintable(*warning));
        // The line names the key and the fix.
        QVERIFY2(warning->contains(m_bed->serverCert().keyPath), qPrintable(*warning));
        QVERIFY2(warning->contains(QStringLiteral("EC P-256")), qPrintable(*warning));
        QVERIFY2(warning->contains(QStringLiteral("tls_rsa_cert")), qPrintable(*warning));
        QVERIFY2(warning->contains(QStringLiteral("--tls-rsa-key")), qPrintable(*warning));

        // --check-config says the same.
        auto args = certd->serverArguments();
        NAPKIN_VERIFY_OK(args);
        auto check = certd->run(*args << QStringLiteral("--check-config"));
        NAPKIN_VERIFY_OK(check);
        QVERIFY2(check->succeeded(), qPrintable(check->describe()));
        QVERIFY2(check->stdoutText.contains(kWarning), qPrintable(check->stdoutText));
    }

    void ecWithRsaPairOffersTheDraftSuite_data() {
        QTest::addColumn<bool>("useConfigFile");
        QTest::newRow("flags") << false;
        QTest::newRow("ini") << true;
    }

    void ecWithRsaPairOffersTheDraftSuite() {
        QFETCH(bool, useConfigFile);
        CertdConfig config = m_bed->config();
        config.tlsRsaCert = m_rsa->certPath;
        config.tlsRsaKey = m_rsa->keyPath;
        config.useConfigFile = useConfigFile;
        auto certd =
            started(useConfigFile ? QStringLiteral("both-ini") : QStringLiteral("both"), config);
        QVERIFY(certd);
        expectDraftSuite(*certd);
        QVERIFY2(!certd->process().stderrText().contains(kWarning),
                 qPrintable(certd->process().stderrText()));

        // Everyone else still gets the EC certificate: TLS 1.3, and TLS 1.2
        // with ECDHE-ECDSA.
        auto modern = certd->client().connect();
        NAPKIN_VERIFY_OK(modern);
        QCOMPARE((*modern)->protocol(), QStringLiteral("TLSv1.3"));
        QCOMPARE(presentedKeyType(**modern), napkin::crypto::KeyType::Ec);
        TlsOptions ecdsa12 = certd->client().tlsOptions();
        ecdsa12.maxVersion = TLS1_2_VERSION;
        auto tls12 = certd->client().connect(ecdsa12);
        NAPKIN_VERIFY_OK(tls12);
        QCOMPARE(presentedKeyType(**tls12), napkin::crypto::KeyType::Ec);
        QVERIFY2((*tls12)->cipher().startsWith(QStringLiteral("ECDHE-ECDSA-")),
                 qPrintable((*tls12)->cipher()));
    }

    void rsaPairMustBeRsaAndComplete() {
        // An EC certificate given as the RSA pair: exit 1, one line.
        CertdConfig wrongType = m_bed->config();
        wrongType.tlsRsaCert = m_bed->serverCert().certPath;
        wrongType.tlsRsaKey = m_bed->serverCert().keyPath;
        auto certd = m_bed->instance(QStringLiteral("wrong-type"), wrongType);
        auto launched = certd->launch();
        NAPKIN_VERIFY_OK(launched);
        auto exited = certd->process().waitForExit(20000);
        NAPKIN_VERIFY_OK(exited);
        const QString err = certd->process().stderrText().trimmed();
        QVERIFY2(exited->normal && exited->code == 1, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("must hold an RSA")), qPrintable(err));

        // The certificate without its key: a usage error (exit 2).
        CertdConfig half = m_bed->config();
        half.tlsRsaCert = m_rsa->certPath;
        auto halfCertd = m_bed->instance(QStringLiteral("half"), half);
        auto args = halfCertd->serverArguments();
        NAPKIN_VERIFY_OK(args);
        auto r = halfCertd->run(*args);
        NAPKIN_VERIFY_OK(r);
        QVERIFY2(r->exit.normal && r->exit.code == 2, qPrintable(r->describe()));
        QVERIFY2(r->stderrText.contains(QStringLiteral("--tls-rsa-key")),
                 qPrintable(r->describe()));

        // An RSA pair that does not name every domain is refused like the main one.
        auto narrow =
            m_bed->ca().issueServer(QStringLiteral("service-rsa-narrow"),
                                    {QStringLiteral("b.example")}, {}, TestKeyKind::Rsa2048);
        NAPKIN_VERIFY_OK(narrow);
        CertdConfig misnamed = m_bed->config();
        misnamed.tlsRsaCert = narrow->certPath;
        misnamed.tlsRsaKey = narrow->keyPath;
        auto misnamedCertd = m_bed->instance(QStringLiteral("misnamed"), misnamed);
        auto margs = misnamedCertd->serverArguments();
        NAPKIN_VERIFY_OK(margs);
        auto m = misnamedCertd->run(*margs);
        NAPKIN_VERIFY_OK(m);
        QVERIFY2(m->exit.normal && m->exit.code == 1, qPrintable(m->describe()));
        QVERIFY2(m->stderrText.contains(QStringLiteral("does not name a.example")),
                 qPrintable(m->describe()));
    }
};

QTEST_GUILESS_MAIN(TestCertdTlsSuites)
#include "test_certd_tls_suites.moc"
