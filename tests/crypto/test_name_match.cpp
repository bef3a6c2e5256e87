// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Name matching of the draft: AOR parsing, device certificate SAN URIs against
// an AOR, and certificate service TLS certificates against the AOR's domain
// (RFC 5922 rules: DNS SANs only, no sub-domains, wildcards or IP addresses).

#include "crypto/DeviceIdentity.h"
#include "crypto/NameMatch.h"
#include "tests/crypto/CryptoTestSupport.h"
#include "tests/crypto/TestCertFactory.h"

#include <QStringList>
#include <QTest>

using namespace napkin::crypto;
using napkin::crypto::test::makeTestCert;
using napkin::crypto::test::TestCertOptions;

namespace {

QStringList names(std::initializer_list<const char *> list) {
    QStringList out;
    for (const char *s : list) {
        out.append(QString::fromUtf8(s));
    }
    return out;
}

std::vector<std::string> toStd(const QStringList &list) {
    std::vector<std::string> out;
    for (const auto &s : list) {
        out.push_back(s.toStdString());
    }
    return out;
}

// QTest data columns hold UTF-8 text as QByteArray so that non-ASCII input
// reaches the code under test byte for byte.
std::string bytes(const QByteArray &b) {
    return std::string(b.constData(), static_cast<std::size_t>(b.size()));
}

} // namespace

class TestNameMatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseAorAccepts_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("host");

        QTest::newRow("plain") << QByteArray("sip:alice@a.example") << "sip"
                               << "alice"
                               << "a.example";
        QTest::newRow("bare address") << QByteArray("alice@a.example") << "sip"
                                      << "alice"
                                      << "a.example";
        QTest::newRow("sips, upper-case host, trailing dot")
            << QByteArray("sips:alice@A.EXAMPLE.") << "sips"
            << "alice"
            << "a.example";
        QTest::newRow("scheme case") << QByteArray("SIP:alice@a.example") << "sip"
                                     << "alice"
                                     << "a.example";
        QTest::newRow("user case kept") << QByteArray("sip:Alice@a.example") << "sip"
                                        << "Alice"
                                        << "a.example";
        QTest::newRow("parameters and headers dropped")
            << QByteArray("sip:alice@a.example;transport=tcp?subject=hi") << "sip"
            << "alice"
            << "a.example";
        QTest::newRow("escaped user kept as written")
            << QByteArray("sip:al%20ice@a.example") << "sip"
            << "al%20ice"
            << "a.example";
        QTest::newRow("telephone-style user")
            << QByteArray("sip:+15551234;phone=1@a.example") << "sip"
            << "+15551234;phone=1"
            << "a.example";
        QTest::newRow("punycode host lower-cased")
            << QByteArray("sip:alice@XN--BCHER-KVA.Example") << "sip"
            << "alice"
            << "xn--bcher-kva.example";
        QTest::newRow("IPv4 host") << QByteArray("sip:alice@192.0.2.1") << "sip"
                                   << "alice"
                                   << "192.0.2.1";
        QTest::newRow("IPv6 host canonical") << QByteArray("sip:alice@[2001:DB8:0::1]") << "sip"
                                             << "alice"
                                             << "[2001:db8::1]";
        QTest::newRow("surrounding spaces") << QByteArray("  sip:alice@a.example ") << "sip"
                                            << "alice"
                                            << "a.example";
        QTest::newRow("single-label host") << QByteArray("alice@localhost") << "sip"
                                           << "alice"
                                           << "localhost";
    }
    void parseAorAccepts() {
        QFETCH(QByteArray, text);
        QFETCH(QString, scheme);
        QFETCH(QString, user);
        QFETCH(QString, host);
        auto aor = parseAor(bytes(text));
        QVERIFY2(aor.ok(), aor.ok() ? "" : aor.error().message.c_str());
        QCOMPARE(QString::fromStdString(aor->scheme), scheme);
        QCOMPARE(QString::fromStdString(aor->user), user);
        QCOMPARE(QString::fromStdString(aor->host), host);
        QCOMPARE(QString::fromStdString(aor->uri()), scheme + u':' + user + u'@' + host);
        QCOMPARE(QString::fromStdString(aor->address()), user + u'@' + host);
    }

    void parseAorRejects_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("reason"); // a word the message must contain

        QTest::newRow("port") << QByteArray("sip:alice@a.example:5060") << "port";
        QTest::newRow("port on IPv6") << QByteArray("sip:alice@[2001:db8::1]:5060") << "port";
        QTest::newRow("empty user") << QByteArray("sip:@a.example") << "empty";
        QTest::newRow("empty host") << QByteArray("sip:alice@") << "empty";
        QTest::newRow("no @") << QByteArray("sip:alice") << "'@'";
        QTest::newRow("tel scheme") << QByteArray("tel:+15551234") << "scheme";
        QTest::newRow("mailto scheme") << QByteArray("mailto:alice@a.example") << "scheme";
        QTest::newRow("password") << QByteArray("sip:alice:secret@a.example") << "password";
        QTest::newRow("non-ASCII host") << QByteArray("sip:alice@b\xc3\xbc"
                                                      "cher.example")
                                        << "punycode";
        QTest::newRow("non-ASCII user") << QByteArray("sip:j\xc3\xb6rg@a.example") << "non-ASCII";
        QTest::newRow("wildcard host") << QByteArray("sip:alice@*.a.example") << "wildcard";
        QTest::newRow("short dotted number") << QByteArray("sip:alice@1.2.3") << "IP address";
        QTest::newRow("space in user") << QByteArray("sip:al ice@a.example") << "space";
        QTest::newRow("empty label") << QByteArray("sip:alice@a..example") << "label";
        QTest::newRow("two trailing dots") << QByteArray("sip:alice@a.example..") << "label";
        QTest::newRow("hyphen-edged label") << QByteArray("sip:alice@-a.example") << "label";
        QTest::newRow("underscore in host") << QByteArray("sip:alice@a_b.example") << "character";
        QTest::newRow("two @") << QByteArray("sip:alice@b@a.example") << "more than one";
        QTest::newRow("bad escape") << QByteArray("sip:al%2@a.example") << "escape";
        QTest::newRow("empty") << QByteArray("") << "empty";
        QTest::newRow("unclosed IPv6") << QByteArray("sip:alice@[2001:db8::1") << "']'";
        QTest::newRow("bad IPv6") << QByteArray("sip:alice@[2001:db8::zz]") << "IP address";
        QTest::newRow("huge") << QByteArray("sip:" + QByteArray(2000, 'a') + "@a.example")
                              << "longer";
    }
    void parseAorRejects() {
        QFETCH(QByteArray, text);
        QFETCH(QString, reason);
        auto aor = parseAor(bytes(text));
        QVERIFY(!aor);
        QCOMPARE(aor.error().code, CryptoErrc::InvalidArgument);
        QVERIFY2(QString::fromStdString(aor.error().message).contains(reason),
                 aor.error().message.c_str());
    }

    void sanUriMatchesAor_data() {
        QTest::addColumn<QByteArray>("san");
        QTest::addColumn<QString>("aor");
        QTest::addColumn<bool>("matches");

        QTest::newRow("equal") << QByteArray("sip:alice@a.example") << "sip:alice@a.example"
                               << true;
        QTest::newRow("host case")
            << QByteArray("sip:alice@A.Example") << "sip:alice@a.example" << true;
        QTest::newRow("user case differs")
            << QByteArray("sip:Alice@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("sips SAN, sip AOR")
            << QByteArray("sips:alice@a.example") << "sip:alice@a.example" << true;
        QTest::newRow("sip SAN, sips AOR")
            << QByteArray("sip:alice@a.example") << "sips:alice@a.example" << true;
        QTest::newRow("scheme case")
            << QByteArray("SIP:alice@a.example") << "sip:alice@a.example" << true;
        QTest::newRow("SAN parameters")
            << QByteArray("sip:alice@a.example;transport=tls") << "sip:alice@a.example" << true;
        QTest::newRow("AOR parameters")
            << QByteArray("sip:alice@a.example") << "sip:alice@a.example;user=phone" << true;
        QTest::newRow("SAN headers")
            << QByteArray("sip:alice@a.example?subject=x") << "sip:alice@a.example" << true;
        QTest::newRow("SAN trailing dot")
            << QByteArray("sip:alice@a.example.") << "sip:alice@a.example" << true;
        QTest::newRow("AOR trailing dot")
            << QByteArray("sip:alice@a.example") << "sip:alice@a.example." << true;
        QTest::newRow("SAN sub-domain")
            << QByteArray("sip:alice@sub.a.example") << "sip:alice@a.example" << false;
        QTest::newRow("SAN parent domain")
            << QByteArray("sip:alice@example") << "sip:alice@a.example" << false;
        QTest::newRow("other user")
            << QByteArray("sip:bob@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("user prefix")
            << QByteArray("sip:alic@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("escaped user is not unescaped")
            << QByteArray("sip:%61lice@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("bare SAN is no URI")
            << QByteArray("alice@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("SAN with port")
            << QByteArray("sip:alice@a.example:5060") << "sip:alice@a.example" << false;
        QTest::newRow("tel SAN") << QByteArray("tel:+15551234") << "sip:alice@a.example" << false;
        QTest::newRow("mailto SAN")
            << QByteArray("mailto:alice@a.example") << "sip:alice@a.example" << false;
        QTest::newRow("instance URN") << QByteArray("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
                                      << "sip:alice@a.example" << false;
        QTest::newRow("wildcard host SAN")
            << QByteArray("sip:alice@*.example") << "sip:alice@a.example" << false;
        QTest::newRow("empty SAN") << QByteArray("") << "sip:alice@a.example" << false;
        QTest::newRow("punycode host case") << QByteArray("sip:alice@XN--BCHER-KVA.example")
                                            << "sip:alice@xn--bcher-kva.example" << true;
        QTest::newRow("non-ASCII SAN host") << QByteArray("sip:alice@b\xc3\xbc"
                                                          "cher.example")
                                            << "sip:alice@xn--bcher-kva.example" << false;
        QTest::newRow("IPv6 host forms")
            << QByteArray("sip:alice@[2001:db8:0:0::1]") << "sip:alice@[2001:DB8::1]" << true;
    }
    void sanUriMatchesAor() {
        QFETCH(QByteArray, san);
        QFETCH(QString, aor);
        QFETCH(bool, matches);
        auto parsed = parseAor(aor.toStdString());
        QVERIFY(parsed.ok());
        QCOMPARE(napkin::crypto::sanUriMatchesAor(bytes(san), *parsed), matches);
    }

    void serviceCertificate_data() {
        QTest::addColumn<QStringList>("dns");
        QTest::addColumn<QStringList>("ips");
        QTest::addColumn<QString>("cn");
        QTest::addColumn<QByteArray>("domain");
        QTest::addColumn<bool>("matches");

        const QStringList none;
        QTest::newRow("exact") << names({"a.example"}) << none << "" << QByteArray("a.example")
                               << true;
        QTest::newRow("SAN upper-case")
            << names({"A.EXAMPLE"}) << none << "" << QByteArray("a.example") << true;
        QTest::newRow("domain mixed case")
            << names({"a.example"}) << none << "" << QByteArray("A.Example") << true;
        QTest::newRow("SAN trailing dot")
            << names({"a.example."}) << none << "" << QByteArray("a.example") << true;
        QTest::newRow("domain trailing dot")
            << names({"a.example"}) << none << "" << QByteArray("a.example.") << true;
        QTest::newRow("SAN is a sub-domain")
            << names({"sub.a.example"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("SAN is the parent domain")
            << names({"a.example"}) << none << "" << QByteArray("sub.a.example") << false;
        QTest::newRow("SRV-style target host")
            << names({"certificates.a.example"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("suffix without dot")
            << names({"aa.example"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("prefix") << names({"a.exampl"}) << none << "" << QByteArray("a.example")
                                << false;
        QTest::newRow("wildcard SAN, child")
            << names({"*.a.example"}) << none << "" << QByteArray("sub.a.example") << false;
        QTest::newRow("wildcard SAN, base")
            << names({"*.a.example"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("bare * SAN")
            << names({"*"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("partial wildcard SAN")
            << names({"a*.example"}) << none << "" << QByteArray("ab.example") << false;
        QTest::newRow("wildcard in domain")
            << names({"*.a.example"}) << none << "" << QByteArray("*.a.example") << false;
        QTest::newRow("IPv4 SAN vs same literal")
            << none << names({"192.0.2.1"}) << "" << QByteArray("192.0.2.1") << false;
        QTest::newRow("IPv4 spelled as DNS SAN")
            << names({"192.0.2.1"}) << none << "" << QByteArray("192.0.2.1") << false;
        QTest::newRow("IPv6 SAN vs same literal")
            << none << names({"2001:db8::1"}) << "" << QByteArray("[2001:db8::1]") << false;
        QTest::newRow("IP SAN vs host name")
            << none << names({"192.0.2.1"}) << "" << QByteArray("a.example") << false;
        QTest::newRow("CN only, no SAN")
            << none << none << "a.example" << QByteArray("a.example") << false;
        QTest::newRow("CN matches, SAN does not")
            << names({"b.example"}) << none << "a.example" << QByteArray("a.example") << false;
        QTest::newRow("several SANs, one matches")
            << names({"x.example", "a.example", "y.example"}) << names({"192.0.2.1"}) << "x.example"
            << QByteArray("a.example") << true;
        QTest::newRow("several SANs, none matches")
            << names({"x.example", "*.a.example", "b.a.example"}) << none << ""
            << QByteArray("a.example") << false;
        QTest::newRow("punycode") << names({"xn--bcher-kva.example"}) << none << ""
                                  << QByteArray("xn--bcher-kva.example") << true;
        QTest::newRow("punycode case") << names({"xn--bcher-kva.example"}) << none << ""
                                       << QByteArray("XN--BCHER-KVA.EXAMPLE") << true;
        QTest::newRow("non-ASCII domain rejected") << names({"xn--bcher-kva.example"}) << none << ""
                                                   << QByteArray("b\xc3\xbc"
                                                                 "cher.example")
                                                   << false;
        QTest::newRow("non-ASCII SAN ignored")
            << QStringList{QStringLiteral("b\u00fccher.example")} << none << ""
            << QByteArray("xn--bcher-kva.example") << false;
        QTest::newRow("NUL inside SAN")
            << QStringList{QString::fromUtf8("a.example\0.evil.example", 23)} << none << ""
            << QByteArray("a.example") << false;
        QTest::newRow("empty domain")
            << names({"a.example"}) << none << "" << QByteArray("") << false;
        QTest::newRow("domain with two trailing dots")
            << names({"a.example"}) << none << "" << QByteArray("a.example..") << false;
        QTest::newRow("hyphen is not a dot")
            << names({"a-example"}) << none << "" << QByteArray("a.example") << false;
        QTest::newRow("domain with port")
            << names({"a.example"}) << none << "" << QByteArray("a.example:443") << false;
    }
    void serviceCertificate() {
        QFETCH(QStringList, dns);
        QFETCH(QStringList, ips);
        QFETCH(QString, cn);
        QFETCH(QByteArray, domain);
        QFETCH(bool, matches);
        TestCertOptions o;
        o.dnsNames = toStd(dns);
        o.ipAddresses = toStd(ips);
        o.commonName = cn.toStdString();
        o.extendedKeyUsages = {NID_server_auth};
        auto made = makeTestCert(o);
        QVERIFY2(made.ok(), made.ok() ? "" : made.error().message.c_str());
        const Certificate &cert = made->certificate;
        QCOMPARE(serviceCertificateNamesDomain(cert, bytes(domain)), matches);
        auto checked = checkServiceCertificate(cert, bytes(domain));
        QCOMPARE(checked.ok(), matches);
        if (!matches) {
            QVERIFY(checked.error().code == CryptoErrc::NameMismatch ||
                    checked.error().code == CryptoErrc::InvalidArgument);
        }
    }

    void checkServiceCertificateSaysWhy() {
        TestCertOptions o;
        o.dnsNames = {"mail.b.example", "*.b.example"};
        o.ipAddresses = {"192.0.2.7"};
        auto made = makeTestCert(o);
        QVERIFY(made.ok());
        auto r = checkServiceCertificate(made->certificate, "B.example");
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::NameMismatch);
        const auto msg = QString::fromStdString(r.error().message);
        QVERIFY2(msg.startsWith(u"b.example's certificate service presented a certificate for"),
                 qPrintable(msg));
        QVERIFY(msg.contains(u"mail.b.example"));
        QVERIFY(msg.contains(u"*.b.example"));
        QVERIFY(msg.contains(u"192.0.2.7"));
    }

    void checkServiceCertificateErrorCodes() {
        TestCertOptions o;
        o.dnsNames = {"a.example"};
        o.commonName = "a.example";
        auto made = makeTestCert(o);
        QVERIFY(made.ok());
        QVERIFY(checkServiceCertificate(made->certificate, "a.example").ok());
        auto wildcard = checkServiceCertificate(made->certificate, "*.example");
        QVERIFY(!wildcard);
        QCOMPARE(wildcard.error().code, CryptoErrc::InvalidArgument);
        auto nonAscii = checkServiceCertificate(made->certificate, "\xc3\xa4.example");
        QVERIFY(!nonAscii);
        QCOMPARE(nonAscii.error().code, CryptoErrc::InvalidArgument);
        QVERIFY(QString::fromStdString(nonAscii.error().message).contains(u"punycode"));
        auto ip = checkServiceCertificate(made->certificate, "192.0.2.1");
        QVERIFY(!ip);
        QCOMPARE(ip.error().code, CryptoErrc::NameMismatch);

        TestCertOptions cnOnly;
        cnOnly.commonName = "a.example";
        auto bare = makeTestCert(cnOnly);
        QVERIFY(bare.ok());
        auto r = checkServiceCertificate(bare->certificate, "a.example");
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::NameMismatch);
        QVERIFY(QString::fromStdString(r.error().message).contains(u"no DNS names"));
    }

    void normaliseDomain_data() {
        QTest::addColumn<QByteArray>("in");
        QTest::addColumn<QString>("out"); // empty: rejected

        QTest::newRow("lower") << QByteArray("a.example") << "a.example";
        QTest::newRow("upper") << QByteArray("A.EXAMPLE") << "a.example";
        QTest::newRow("trailing dot") << QByteArray("a.example.") << "a.example";
        QTest::newRow("punycode") << QByteArray("XN--BCHER-KVA.example") << "xn--bcher-kva.example";
        QTest::newRow("IPv6 reference") << QByteArray("[2001:DB8::0:1]") << "[2001:db8::1]";
        QTest::newRow("IPv4") << QByteArray("192.0.2.1") << "192.0.2.1";
        QTest::newRow("two dots") << QByteArray("a.example..") << "";
        QTest::newRow("lone dot") << QByteArray(".") << "";
        QTest::newRow("empty") << QByteArray("") << "";
        QTest::newRow("leading dot") << QByteArray(".a.example") << "";
        QTest::newRow("wildcard") << QByteArray("*.a.example") << "";
        QTest::newRow("non-ASCII") << QByteArray("\xc3\xa4.example") << "";
        QTest::newRow("space") << QByteArray("a example") << "";
        QTest::newRow("NUL byte") << QByteArray("a\0b.example", 11) << "";
        QTest::newRow("label too long") << QByteArray(QByteArray(64, 'a') + ".example") << "";
        QTest::newRow("label of 63") << QByteArray(QByteArray(63, 'a') + ".example")
                                     << QString(63, u'a') + QStringLiteral(".example");
        QTest::newRow("too long") << QByteArray(QByteArray("a.").repeated(127) + "example") << "";
        QTest::newRow("bare IPv6") << QByteArray("2001:db8::1") << "";
        QTest::newRow("numeric TLD") << QByteArray("a.123") << "";
    }
    void normaliseDomain() {
        QFETCH(QByteArray, in);
        QFETCH(QString, out);
        auto got = napkin::crypto::normaliseDomain(bytes(in));
        if (out.isEmpty()) {
            QVERIFY2(!got.has_value(), got ? got->c_str() : "");
        } else {
            QVERIFY(got.has_value());
            QCOMPARE(QString::fromStdString(*got), out);
        }
    }

    void deviceCertificateForAor() {
        IdentityOptions o;
        o.aor = "sip:alice@A.example";
        o.instanceUrn = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
        auto id = createDeviceIdentity(o);
        QVERIFY(id.ok());
        auto alice = parseAor("sips:alice@a.example.");
        QVERIFY(alice.ok());
        QVERIFY(checkCertificateForAor(id->certificate, *alice).ok());

        auto bob = parseAor("sip:bob@a.example");
        QVERIFY(bob.ok());
        auto r = checkCertificateForAor(id->certificate, *bob);
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::NameMismatch);
        const auto msg = QString::fromStdString(r.error().message);
        QVERIFY2(msg.contains(u"sip:alice@a.example") && msg.contains(u"sip:bob@a.example"),
                 qPrintable(msg));
    }

    void certificateWithoutSipUri() {
        TestCertOptions o;
        o.commonName = "alice";
        o.uris = {"mailto:alice@a.example"};
        o.dnsNames = {"a.example"};
        auto made = makeTestCert(o);
        QVERIFY(made.ok());
        auto alice = parseAor("alice@a.example");
        QVERIFY(alice.ok());
        auto r = checkCertificateForAor(made->certificate, *alice);
        QVERIFY(!r);
        QCOMPARE(r.error().code, CryptoErrc::NameMismatch);

        TestCertOptions noSan;
        noSan.commonName = "sip:alice@a.example";
        auto bare = makeTestCert(noSan);
        QVERIFY(bare.ok());
        auto r2 = checkCertificateForAor(bare->certificate, *alice);
        QVERIFY(!r2);
        QCOMPARE(r2.error().code, CryptoErrc::NameMismatch);
        QVERIFY(QString::fromStdString(r2.error().message).contains(u"no SIP address"));
    }

    void severalSanUrisOneMatches() {
        TestCertOptions o;
        o.uris = {"sip:alice@b.example", "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
                  "sip:alice@a.example"};
        auto made = makeTestCert(o);
        QVERIFY(made.ok());
        auto alice = parseAor("alice@a.example");
        QVERIFY(alice.ok());
        QVERIFY(checkCertificateForAor(made->certificate, *alice).ok());
    }
};

QTEST_GUILESS_MAIN(TestNameMatch)
#include "test_name_match.moc"
