// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Runs a real Kamailio with deploy/kamailio/kamailio.cfg on loopback, against
// a SQLite database whose subscriber rows were written by
// `napkin-certd user add`, and talks SIP to it: this proves that one user
// record (HA1 only, no plaintext password) serves both the registrar and the
// certificate service, and that the proxy forks to every device and passes
// bodies through untouched.

#include "tests/deploy/SipTestClient.h"
#include "tests/support/FreePort.h"
#include "tests/support/HttpsClient.h"
#include "tests/support/ManagedProcess.h"
#include "tests/support/TestCa.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace napkin::testing;
using napkin::fail;

namespace {

const QString kDomain = QStringLiteral("b.example");
constexpr quint16 kSipPort = 5060;
constexpr quint16 kSipsPort = 5061;

QByteArray randomToken() {
    return QByteArray::number(QRandomGenerator::global()->generate64(), 36);
}

QString deployDir() {
    const QString fromEnv = qEnvironmentVariable("NAPKIN_SOURCE_DIR");
    return (fromEnv.isEmpty() ? QStringLiteral(NAPKIN_SOURCE_DIR) : fromEnv) +
           QStringLiteral("/deploy");
}

QString kamailioConfig() {
    return deployDir() + QStringLiteral("/kamailio/kamailio.cfg");
}

QString kamailioBinary() {
    return QStandardPaths::findExecutable(
        QStringLiteral("kamailio"),
        {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"), QStringLiteral("/sbin")});
}

/// A REGISTER for `user` with the client's own address as Contact.
QByteArray registerRequest(const SipTestClient &c, const QByteArray &user, const QByteArray &callId,
                           int cseq, const QByteArray &authorization, int expires = 60) {
    QByteArray r = "REGISTER sip:b.example SIP/2.0\r\n";
    r += "Via: SIP/2.0/" + c.viaTransport() + ' ' + c.localHostPort() + ";branch=z9hG4bK" +
         randomToken() + ";rport\r\n";
    r += "Max-Forwards: 70\r\n";
    r += "From: <sip:" + user + "@b.example>;tag=" + callId.left(8) + "\r\n";
    r += "To: <sip:" + user + "@b.example>\r\n";
    r += "Call-ID: " + callId + "\r\n";
    r += "CSeq: " + QByteArray::number(cseq) + " REGISTER\r\n";
    r += "Contact: <sip:" + user + '@' + c.localHostPort() + ";transport=" + c.uriTransport() +
         ">\r\n";
    r += "Expires: " + QByteArray::number(expires) + "\r\n";
    if (!authorization.isEmpty()) {
        r += "Authorization: " + authorization + "\r\n";
    }
    r += "Content-Length: 0\r\n\r\n";
    return r;
}

struct RegisterOutcome {
    SipMessage challenge; ///< the 401 to the first, unauthenticated REGISTER
    SipMessage final;     ///< the response to the REGISTER with credentials
};

/// REGISTER as `user`, answer the 401 with Digest credentials of `authUser`.
TestResult<RegisterOutcome> registerAs(SipTestClient &c, const QByteArray &user,
                                       const QString &authUser, const QString &password) {
    const QByteArray callId = randomToken() + "@napkin.test";
    if (auto sent = c.send(registerRequest(c, user, callId, 1, {})); !sent) {
        return fail(sent.error());
    }
    auto challenge = c.receiveFinal();
    if (!challenge) {
        return fail(challenge.error());
    }
    if (challenge->statusCode() != 401) {
        return fail(QStringLiteral("expected 401 to an unauthenticated REGISTER, got %1")
                        .arg(challenge->describe()));
    }
    auto parsed = DigestChallenge::parse(challenge->header("WWW-Authenticate"));
    if (!parsed || parsed->isEmpty()) {
        return fail(QStringLiteral("401 without a Digest challenge: %1")
                        .arg(QString::fromUtf8(challenge->header("WWW-Authenticate"))));
    }
    const QByteArray authorization = DigestAuth::authorization(
        parsed->first(), {authUser, password}, {"REGISTER", "sip:b.example", 1, {}});
    if (auto sent = c.send(registerRequest(c, user, callId, 2, authorization)); !sent) {
        return fail(sent.error());
    }
    auto final = c.receiveFinal();
    if (!final) {
        return fail(final.error());
    }
    return RegisterOutcome{*challenge, *final};
}

/// The parts of an INVITE the tests vary.
struct InviteSpec {
    QByteArray from; ///< "carol@a.example"
    QByteArray to;   ///< "bob@b.example"
    QByteArray date; ///< Date header value
    QByteArray contentType;
    QByteArray body;
    QByteArray proxyAuthorization;
    int cseq = 1;
};

/// An initial INVITE from `c`. Returns the Via branch in `branch`.
QByteArray inviteRequest(const SipTestClient &c, const InviteSpec &s, const QByteArray &callId,
                         QByteArray &branch) {
    branch = "z9hG4bK" + randomToken();
    QByteArray r = "INVITE sip:" + s.to + " SIP/2.0\r\n";
    r += "Via: SIP/2.0/" + c.viaTransport() + ' ' + c.localHostPort() + ";branch=" + branch +
         ";rport\r\n";
    r += "Max-Forwards: 70\r\n";
    r += "From: <sip:" + s.from + ">;tag=" + callId.left(8) + "\r\n";
    r += "To: <sip:" + s.to + ">\r\n";
    r += "Call-ID: " + callId + "\r\n";
    r += "CSeq: " + QByteArray::number(s.cseq) + " INVITE\r\n";
    r += "Date: " + s.date + "\r\n";
    r += "Contact: <sip:" + s.from.left(s.from.indexOf('@')) + '@' + c.localHostPort() + ">\r\n";
    if (!s.proxyAuthorization.isEmpty()) {
        r += "Proxy-Authorization: " + s.proxyAuthorization + "\r\n";
    }
    r += "Content-Type: " + s.contentType + "\r\n";
    r += "Content-Length: " + QByteArray::number(s.body.size()) + "\r\n\r\n";
    r += s.body;
    return r;
}

/// The ACK a UAC sends for a non-2xx final response to its INVITE.
QByteArray ackFor(const SipTestClient &c, const InviteSpec &s, const QByteArray &callId,
                  const QByteArray &branch, const SipMessage &response) {
    QByteArray r = "ACK sip:" + s.to + " SIP/2.0\r\n";
    r += "Via: SIP/2.0/" + c.viaTransport() + ' ' + c.localHostPort() + ";branch=" + branch +
         ";rport\r\n";
    r += "Max-Forwards: 70\r\n";
    r += "From: <sip:" + s.from + ">;tag=" + callId.left(8) + "\r\n";
    r += "To: " + response.header("To") + "\r\n";
    r += "Call-ID: " + callId + "\r\n";
    r += "CSeq: " + QByteArray::number(s.cseq) + " ACK\r\n";
    r += "Content-Length: 0\r\n\r\n";
    return r;
}

/// A body shaped like Napkin's signed INVITE: multipart/signed around an
/// application/pkcs7-mime part with binary content, bytes 0..255 included.
QByteArray signedBody() {
    QByteArray binary;
    for (int i = 0; i < 256; ++i) {
        binary.append(static_cast<char>(i));
    }
    return "--boundary42\r\n"
           "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
           "Content-Transfer-Encoding: binary\r\n\r\n" +
           binary +
           "\r\n--boundary42\r\n"
           "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
           "Content-Transfer-Encoding: binary\r\n\r\n" +
           binary.toBase64() + "\r\n--boundary42--\r\n";
}

const QByteArray kSignedType = "multipart/signed;protocol=\"application/pkcs7-signature\";"
                               "micalg=sha-256;boundary=boundary42";
const QByteArray kOriginalDate = "Sat, 13 Nov 2010 23:29:00 GMT";

} // namespace

class TestKamailioConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void configCheck_data();
    void configCheck();
    void subscriberRowsHoldNoPlaintextPassword();
    void registerOverUdp();
    void registerOverTcp();
    void registerOverTls();
    void wrongPasswordIsChallengedAgain();
    void unknownUserIsChallengedAgain();
    void registeringAnotherUsersAddressIsForbidden();
    void deletedUserCanNoLongerRegister();
    void inviteForksToEveryDeviceWithBodyUntouched();
    void localCallerMustAuthenticate();
    void openRelayIsRefused();
    void foreignDomainIsRelayedAndAlterSwitchRewritesDate();

private:
    [[nodiscard]] TestResult<std::unique_ptr<ManagedProcess>>
    startKamailio(const QString &name, const QHostAddress &address, const QStringList &defines);
    [[nodiscard]] QStringList baseDefines(const QHostAddress &address) const;
    [[nodiscard]] TestResult<RunResult> certdUser(const QStringList &arguments);
    [[nodiscard]] std::unique_ptr<SipTestClient> client(SipTransport transport,
                                                        const QHostAddress &server);
    /// Sends `spec` from `caller`; every device must receive the INVITE and
    /// answers 486; the caller must get the 486 and ACKs it. Returns the
    /// INVITEs as the devices saw them.
    [[nodiscard]] TestResult<QList<SipMessage>>
    callAndCollect(SipTestClient &caller, const InviteSpec &spec,
                   const QList<SipTestClient *> &devices);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_kamailio;
    QString m_db;
    QString m_tlsCert;
    QString m_tlsKey;
    QString m_caFile;
    QHostAddress m_proxyAddress;                   ///< the plain instance
    QHostAddress m_testBedAddress;                 ///< ALTER_BODY_TEST + FOREIGN_PROXY
    QHostAddress m_clientAddress;                  ///< where the test's SIP clients bind
    std::unique_ptr<SipTestClient> m_foreignProxy; ///< stands in for a.example's proxy
    std::unique_ptr<ManagedProcess> m_proxy;
    std::unique_ptr<ManagedProcess> m_testBed;
};

QStringList TestKamailioConfig::baseDefines(const QHostAddress &address) const {
    return {QStringLiteral("SIP_IP=") + address.toString(),
            QStringLiteral("SIP_PORT=%1").arg(kSipPort),
            QStringLiteral("SIPS_PORT=%1").arg(kSipsPort),
            QStringLiteral("SIP_DOMAIN=\"%1\"").arg(kDomain),
            QStringLiteral("DB_URL=\"sqlite://%1\"").arg(m_db),
            QStringLiteral("TLS_CERT=\"%1\"").arg(m_tlsCert),
            QStringLiteral("TLS_KEY=\"%1\"").arg(m_tlsKey),
            QStringLiteral("WORKERS=2")};
}

TestResult<std::unique_ptr<ManagedProcess>>
TestKamailioConfig::startKamailio(const QString &name, const QHostAddress &address,
                                  const QStringList &defines) {
    const QString runDir = m_dir->filePath(name + QStringLiteral("-run"));
    QDir().mkpath(runDir);
    QStringList args = {QStringLiteral("-f"), kamailioConfig(),     QStringLiteral("-DD"),
                        QStringLiteral("-E"), QStringLiteral("-Y"), runDir,
                        QStringLiteral("-m"), QStringLiteral("48"), QStringLiteral("-M"),
                        QStringLiteral("8")};
    for (const QString &d : baseDefines(address) + defines) {
        args << QStringLiteral("-A") << d;
    }
    ProcessSpec spec;
    spec.name = name;
    spec.program = m_kamailio;
    spec.arguments = args;
    spec.logDirectory = m_dir->path();
    auto p = std::make_unique<ManagedProcess>(spec);
    if (auto started = p->start(); !started) {
        return fail(started.error());
    }
    for (quint16 port : {kSipPort, kSipsPort}) {
        if (auto up = p->waitForTcp({address, port}, 15000); !up) {
            return fail(up.error());
        }
    }
    return p;
}

TestResult<RunResult> TestKamailioConfig::certdUser(const QStringList &arguments) {
    return runProgram(QStringLiteral(NAPKIN_CERTD_PATH),
                      QStringList{QStringLiteral("user")} + arguments +
                          QStringList{QStringLiteral("--db"), QStringLiteral("sqlite:") + m_db});
}

std::unique_ptr<SipTestClient> TestKamailioConfig::client(SipTransport transport,
                                                          const QHostAddress &server) {
    const quint16 port = transport == SipTransport::Tls ? kSipsPort : kSipPort;
    auto c = SipTestClient::open(transport, m_clientAddress, {server, port}, m_caFile, kDomain);
    if (!c) {
        qWarning("%s", qPrintable(c.error()));
        return nullptr;
    }
    return std::move(*c);
}

void TestKamailioConfig::initTestCase() {
    m_kamailio = kamailioBinary();
    QVERIFY2(!m_kamailio.isEmpty(), "kamailio is not installed (scripts/deps installs it)");
    QVERIFY2(QFile::exists(kamailioConfig()), qPrintable(kamailioConfig()));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = m_dir->filePath(QStringLiteral("certd.db"));

    auto ca = TestCa::create(m_dir->path());
    NAPKIN_VERIFY_OK(ca);
    m_caFile = ca->rootCertPath();
    auto tls = ca->issueServer(QStringLiteral("kamailio"), {kDomain});
    NAPKIN_VERIFY_OK(tls);
    m_tlsCert = tls->certPath;
    m_tlsKey = tls->keyPath;

    // The users, created the way an operator does it. napkin-certd creates
    // the database and its subscriber table on first use.
    for (const auto &[user, password] :
         {std::pair{"alice", "alice-secret"}, std::pair{"bob", "bob-secret"},
          std::pair{"dave", "dave-secret"}, std::pair{"erin", "erin-secret"}}) {
        const QString file = m_dir->filePath(QString::fromLatin1(user) + QStringLiteral(".pw"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(password);
        f.close();
        auto added = certdUser({QStringLiteral("add"),
                                QString::fromLatin1(user) + QLatin1Char('@') + kDomain,
                                QStringLiteral("--password-file"), file});
        NAPKIN_VERIFY_OK(added);
        QVERIFY2(added->succeeded(), qPrintable(added->describe()));
    }

    m_clientAddress = FreePort::uniqueLoopbackAddress();
    m_proxyAddress = FreePort::uniqueLoopbackAddress();
    m_testBedAddress = FreePort::uniqueLoopbackAddress();

    auto proxy = startKamailio(QStringLiteral("kamailio"), m_proxyAddress, {});
    NAPKIN_VERIFY_OK(proxy);
    m_proxy = std::move(*proxy);

    // The test bed sends every foreign-domain request to a socket of this
    // test instead of resolving the domain, and tampers with INVITEs.
    auto foreign = SipTestClient::open(SipTransport::Udp, FreePort::uniqueLoopbackAddress(),
                                       {m_testBedAddress, kSipPort});
    NAPKIN_VERIFY_OK(foreign);
    m_foreignProxy = std::move(*foreign);
    auto testBed = startKamailio(QStringLiteral("kamailio-testbed"), m_testBedAddress,
                                 {QStringLiteral("ALTER_BODY_TEST"),
                                  QStringLiteral("FOREIGN_PROXY=\"sip:%1\"")
                                      .arg(QString::fromUtf8(m_foreignProxy->localHostPort()))});
    NAPKIN_VERIFY_OK(testBed);
    m_testBed = std::move(*testBed);
}

void TestKamailioConfig::cleanupTestCase() {
    for (auto *p : {m_proxy.get(), m_testBed.get()}) {
        if (p != nullptr) {
            const ProcessExit e = p->stop();
            QVERIFY2(e.normal, "kamailio did not stop on SIGTERM");
        }
    }
}

void TestKamailioConfig::configCheck_data() {
    QTest::addColumn<QStringList>("defines");
    QTest::addColumn<bool>("valid");
    QTest::newRow("plain") << QStringList{} << true;
    QTest::newRow("test switches")
        << QStringList{QStringLiteral("ALTER_BODY_TEST"),
                       QStringLiteral("FOREIGN_PROXY=\"sip:127.0.0.9:5060\""),
                       QStringLiteral("WITH_DEBUG")}
        << true;
    QTest::newRow("tls.cfg and peer verification")
        << QStringList{QStringLiteral("TLS_CFG=\"%1/kamailio/tls.cfg\"").arg(deployDir()),
                       QStringLiteral("TLS_VERIFY_PEERS")}
        << true;
    QTest::newRow("postgres url") << QStringList{QStringLiteral(
                                         "DB_URL=\"postgres://napkin:pw@127.0.0.1:5432/napkin\"")}
                                  << true;
    // The domain must be a quoted string: bare, it breaks the realm arguments.
    QTest::newRow("unquoted domain")
        << QStringList{QStringLiteral("SIP_DOMAIN=b.example")} << false;
}

void TestKamailioConfig::configCheck() {
    QFETCH(QStringList, defines);
    QFETCH(bool, valid);
    QStringList args = {QStringLiteral("-c"), QStringLiteral("-f"), kamailioConfig()};
    // Later -A of the same name win over the base ones.
    QStringList all = baseDefines(QHostAddress::LocalHost);
    for (const QString &d : defines) {
        const QString name = d.section(QLatin1Char('='), 0, 0);
        all.removeIf([&](const QString &b) { return b.section(QLatin1Char('='), 0, 0) == name; });
        all.append(d);
    }
    for (const QString &d : all) {
        args << QStringLiteral("-A") << d;
    }
    auto r = runProgram(m_kamailio, args);
    NAPKIN_VERIFY_OK(r);
    if (valid) {
        QVERIFY2(r->succeeded(), qPrintable(r->describe()));
        QVERIFY2(r->stderrText.contains(QStringLiteral("config file ok")),
                 qPrintable(r->describe()));
    } else {
        QVERIFY2(r->exit.normal && r->exit.code != 0, qPrintable(r->describe()));
    }
}

void TestKamailioConfig::subscriberRowsHoldNoPlaintextPassword() {
    auto r = runProgram(QStringLiteral("sqlite3"),
                        {m_db, QStringLiteral("SELECT username, domain, password, length(ha1), "
                                              "length(ha1b) FROM subscriber ORDER BY username")});
    NAPKIN_VERIFY_OK(r);
    QVERIFY2(r->succeeded(), qPrintable(r->describe()));
    QCOMPARE(r->stdoutText, QStringLiteral("alice|b.example||32|32\n"
                                           "bob|b.example||32|32\n"
                                           "dave|b.example||32|32\n"
                                           "erin|b.example||32|32\n"));
}

void TestKamailioConfig::registerOverUdp() {
    auto c = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(c);
    auto r = registerAs(*c, "alice", QStringLiteral("alice"), QStringLiteral("alice-secret"));
    NAPKIN_VERIFY_OK(r);
    const QByteArray challenge = r->challenge.header("WWW-Authenticate");
    QVERIFY2(challenge.contains("realm=\"b.example\""), challenge.constData());
    QVERIFY2(challenge.contains("qop=\"auth\""), challenge.constData());
    QCOMPARE(r->final.statusCode(), 200);
    const QByteArray contact = r->final.header("Contact");
    QVERIFY2(contact.contains(c->localHostPort()), contact.constData());
    QVERIFY2(contact.contains("expires="), contact.constData());
}

void TestKamailioConfig::registerOverTcp() {
    auto c = client(SipTransport::Tcp, m_proxyAddress);
    QVERIFY(c);
    auto r = registerAs(*c, "alice", QStringLiteral("alice"), QStringLiteral("alice-secret"));
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->challenge.statusCode(), 401);
    QCOMPARE(r->final.statusCode(), 200);
    QVERIFY2(r->final.header("Contact").contains(c->localHostPort() + ";transport=tcp"),
             r->final.header("Contact").constData());
}

void TestKamailioConfig::registerOverTls() {
    // The client verifies that the listener presents TLS_CERT, naming b.example.
    auto c = client(SipTransport::Tls, m_proxyAddress);
    QVERIFY(c);
    auto r = registerAs(*c, "alice", QStringLiteral("alice"), QStringLiteral("alice-secret"));
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->final.statusCode(), 200);
}

void TestKamailioConfig::wrongPasswordIsChallengedAgain() {
    auto c = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(c);
    auto r = registerAs(*c, "alice", QStringLiteral("alice"), QStringLiteral("bob-secret"));
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->final.statusCode(), 401);
    QVERIFY(!r->final.header("WWW-Authenticate").isEmpty());
}

void TestKamailioConfig::unknownUserIsChallengedAgain() {
    auto c = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(c);
    auto r = registerAs(*c, "mallory", QStringLiteral("mallory"), QStringLiteral("guess"));
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->final.statusCode(), 401);
}

void TestKamailioConfig::registeringAnotherUsersAddressIsForbidden() {
    auto c = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(c);
    // Valid credentials of alice, but the binding is for bob's address.
    auto r = registerAs(*c, "bob", QStringLiteral("alice"), QStringLiteral("alice-secret"));
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->final.statusCode(), 403);
}

void TestKamailioConfig::deletedUserCanNoLongerRegister() {
    auto c = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(c);
    auto before = registerAs(*c, "erin", QStringLiteral("erin"), QStringLiteral("erin-secret"));
    NAPKIN_VERIFY_OK(before);
    QCOMPARE(before->final.statusCode(), 200);

    auto deleted = certdUser({QStringLiteral("del"), QStringLiteral("erin@b.example")});
    NAPKIN_VERIFY_OK(deleted);
    QVERIFY2(deleted->succeeded(), qPrintable(deleted->describe()));

    // Kamailio reads the subscriber table on every authentication: no restart.
    auto after = registerAs(*c, "erin", QStringLiteral("erin"), QStringLiteral("erin-secret"));
    NAPKIN_VERIFY_OK(after);
    QCOMPARE(after->final.statusCode(), 401);
}

TestResult<QList<SipMessage>>
TestKamailioConfig::callAndCollect(SipTestClient &caller, const InviteSpec &spec,
                                   const QList<SipTestClient *> &devices) {
    const QByteArray callId = randomToken() + "@napkin.test";
    QByteArray branch;
    if (auto sent = caller.send(inviteRequest(caller, spec, callId, branch)); !sent) {
        return fail(sent.error());
    }
    QList<SipMessage> seen;
    for (SipTestClient *device : devices) {
        auto invite = device->receive();
        if (!invite) {
            return fail(QStringLiteral("device %1: %2")
                            .arg(QString::fromUtf8(device->localHostPort()), invite.error()));
        }
        if (invite->method() != "INVITE") {
            return fail(
                QStringLiteral("device expected an INVITE, got %1").arg(invite->describe()));
        }
        seen.append(*invite);
        if (auto sent = device->send(sipResponseTo(*invite, 486, "Busy Here", randomToken()));
            !sent) {
            return fail(sent.error());
        }
    }
    auto final = caller.receiveFinal();
    if (!final) {
        return fail(QStringLiteral("caller: %1").arg(final.error()));
    }
    if (final->statusCode() != 486) {
        return fail(QStringLiteral("caller expected 486 after every device was busy, got %1")
                        .arg(final->describe()));
    }
    if (auto sent = caller.send(ackFor(caller, spec, callId, branch, *final)); !sent) {
        return fail(sent.error());
    }
    return seen;
}

void TestKamailioConfig::inviteForksToEveryDeviceWithBodyUntouched() {
    // bob has three devices: two over UDP, one over a TCP connection.
    std::vector<std::unique_ptr<SipTestClient>> devices;
    for (SipTransport t : {SipTransport::Udp, SipTransport::Udp, SipTransport::Tcp}) {
        devices.push_back(client(t, m_proxyAddress));
        QVERIFY(devices.back());
        auto r =
            registerAs(*devices.back(), "bob", QStringLiteral("bob"), QStringLiteral("bob-secret"));
        NAPKIN_VERIFY_OK(r);
        QCOMPARE(r->final.statusCode(), 200);
    }

    // carol of a foreign domain calls: no authentication asked of her.
    auto caller = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(caller);
    const InviteSpec spec{"carol@a.example", "bob@b.example", kOriginalDate,
                          kSignedType,       signedBody(),    {}};
    auto seen =
        callAndCollect(*caller, spec, {devices[0].get(), devices[1].get(), devices[2].get()});
    NAPKIN_VERIFY_OK(seen);
    QCOMPARE(seen->size(), 3);
    for (qsizetype i = 0; i < seen->size(); ++i) {
        const SipMessage &invite = seen->at(i);
        QVERIFY2(invite.startLine.contains(devices[static_cast<size_t>(i)]->localHostPort()),
                 invite.startLine.constData());
        QCOMPARE(invite.body, spec.body);
        QCOMPARE(invite.header("Content-Type"), kSignedType);
        QCOMPARE(invite.header("Date"), kOriginalDate);
        const QByteArray rr = invite.header("Record-Route");
        QVERIFY2(rr.contains(m_proxyAddress.toString().toUtf8()) && rr.contains(";lr"),
                 rr.constData());
    }
}

void TestKamailioConfig::localCallerMustAuthenticate() {
    auto device = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(device);
    auto reg = registerAs(*device, "dave", QStringLiteral("dave"), QStringLiteral("dave-secret"));
    NAPKIN_VERIFY_OK(reg);
    QCOMPARE(reg->final.statusCode(), 200);

    auto caller = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(caller);
    InviteSpec spec{"alice@b.example", "dave@b.example", kOriginalDate,
                    kSignedType,       signedBody(),     {}};
    const QByteArray callId = randomToken() + "@napkin.test";
    QByteArray branch;
    QVERIFY(caller->send(inviteRequest(*caller, spec, callId, branch)).ok());
    auto challenge = caller->receiveFinal();
    NAPKIN_VERIFY_OK(challenge);
    QCOMPARE(challenge->statusCode(), 407);
    QVERIFY(caller->send(ackFor(*caller, spec, callId, branch, *challenge)).ok());
    auto parsed = DigestChallenge::parse(challenge->header("Proxy-Authenticate"));
    NAPKIN_VERIFY_OK(parsed);
    QVERIFY2(!parsed->isEmpty(), challenge->header("Proxy-Authenticate").constData());
    QCOMPARE(parsed->first().realm, QByteArray("b.example"));

    // Someone else's credentials for alice's From: refused.
    spec.cseq = 2;
    spec.proxyAuthorization = DigestAuth::authorization(
        parsed->first(), {QStringLiteral("dave"), QStringLiteral("dave-secret")},
        {"INVITE", "sip:dave@b.example", 1, {}});
    QVERIFY(caller->send(inviteRequest(*caller, spec, callId, branch)).ok());
    auto forbidden = caller->receiveFinal();
    NAPKIN_VERIFY_OK(forbidden);
    QCOMPARE(forbidden->statusCode(), 403);
    QVERIFY(caller->send(ackFor(*caller, spec, callId, branch, *forbidden)).ok());

    // alice's own credentials: relayed, and the credentials are not passed on.
    spec.cseq = 3;
    spec.proxyAuthorization = DigestAuth::authorization(
        parsed->first(), {QStringLiteral("alice"), QStringLiteral("alice-secret")},
        {"INVITE", "sip:dave@b.example", 1, {}});
    QByteArray branch3;
    const QByteArray callId3 = randomToken() + "@napkin.test";
    QVERIFY(caller->send(inviteRequest(*caller, spec, callId3, branch3)).ok());
    auto invite = device->receive();
    NAPKIN_VERIFY_OK(invite);
    QCOMPARE(invite->method(), QByteArray("INVITE"));
    QVERIFY(invite->header("Proxy-Authorization").isEmpty());
    QCOMPARE(invite->body, spec.body);
    QVERIFY(device->send(sipResponseTo(*invite, 486, "Busy Here", randomToken())).ok());
    auto busy = caller->receiveFinal();
    NAPKIN_VERIFY_OK(busy);
    QCOMPARE(busy->statusCode(), 486);
    QVERIFY(caller->send(ackFor(*caller, spec, callId3, branch3, *busy)).ok());
}

void TestKamailioConfig::openRelayIsRefused() {
    auto caller = client(SipTransport::Udp, m_proxyAddress);
    QVERIFY(caller);
    const InviteSpec spec{
        "carol@a.example", "someone@c.example", kOriginalDate, "text/plain", "hello", {}};
    const QByteArray callId = randomToken() + "@napkin.test";
    QByteArray branch;
    QVERIFY(caller->send(inviteRequest(*caller, spec, callId, branch)).ok());
    auto r = caller->receiveFinal();
    NAPKIN_VERIFY_OK(r);
    QCOMPARE(r->statusCode(), 403);
    QVERIFY(caller->send(ackFor(*caller, spec, callId, branch, *r)).ok());
}

void TestKamailioConfig::foreignDomainIsRelayedAndAlterSwitchRewritesDate() {
    // alice of b.example calls carol@a.example through the test-bed instance:
    // the request reaches "a.example's proxy" (FOREIGN_PROXY) after Digest,
    // with the body intact but the Date rewritten by ALTER_BODY_TEST.
    auto caller = client(SipTransport::Udp, m_testBedAddress);
    QVERIFY(caller);
    InviteSpec spec{"alice@b.example", "carol@a.example", kOriginalDate,
                    kSignedType,       signedBody(),      {}};
    const QByteArray callId = randomToken() + "@napkin.test";
    QByteArray branch;
    QVERIFY(caller->send(inviteRequest(*caller, spec, callId, branch)).ok());
    auto challenge = caller->receiveFinal();
    NAPKIN_VERIFY_OK(challenge);
    QCOMPARE(challenge->statusCode(), 407);
    QVERIFY(caller->send(ackFor(*caller, spec, callId, branch, *challenge)).ok());
    auto parsed = DigestChallenge::parse(challenge->header("Proxy-Authenticate"));
    NAPKIN_VERIFY_OK(parsed);
    QVERIFY(!parsed->isEmpty());
    spec.cseq = 2;
    spec.proxyAuthorization = DigestAuth::authorization(
        parsed->first(), {QStringLiteral("alice"), QStringLiteral("alice-secret")},
        {"INVITE", "sip:carol@a.example", 1, {}});

    auto seen = callAndCollect(*caller, spec, {m_foreignProxy.get()});
    NAPKIN_VERIFY_OK(seen);
    const SipMessage &invite = seen->first();
    QCOMPARE(invite.startLine, QByteArray("INVITE sip:carol@a.example SIP/2.0"));
    QCOMPARE(invite.body, spec.body);
    QCOMPARE(invite.header("Content-Type"), kSignedType);
    QCOMPARE(invite.headerValues("Date").size(), 1);
    QCOMPARE(invite.header("Date"), QByteArray("Mon, 01 Jan 2001 00:00:00 GMT"));
    QVERIFY(!invite.header("Record-Route").isEmpty());
    QVERIFY(m_testBed->stderrText().contains(QStringLiteral("ALTER_BODY_TEST: rewrote")));
}

QTEST_GUILESS_MAIN(TestKamailioConfig)
#include "test_kamailio_config.moc"
