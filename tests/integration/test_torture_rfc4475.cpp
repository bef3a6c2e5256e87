// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// The SIP torture messages of RFC 4475 (and the IPv6 ones of RFC 5118),
// byte for byte from ../shared/corpora, sent straight to a registered
// agent's SIP listener. Each goes over the transport its top Via names (UDP,
// or TCP for TCP/TLS), from a private loopback address whose ports 5060, 5050
// and 5070 listen, since responses go to the Via's port at the source
// address. The torture INVITEs are addressed to other users, so each gets a
// final answer (404) at once instead of ringing.
//
// Checked: the agent never answers a response and drops what it cannot
// parse; valid requests get the final response RFC 4475 and the agent's
// policy call for (Sofia-SIP 1.12.11's exact codes); every other message gets
// at most sane responses; the process survives all of it and then still
// takes a verified, end-to-end call.

#include "tests/support/FreePort.h"
#include "tests/support/WorldRun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QUdpSocket>

#include <map>

using namespace napkin::testing;

namespace {

/// What the agent must send back for one message.
struct Expectation {
    int finalStatus = 0; ///< the final response's status; 0: nothing at all
};

/// Messages whose outcome is known. Not listed: any response is allowed, but
/// it must be a well-formed status line (100-699). Among those, wsinv.dat (a
/// valid INVITE, but with a To tag: in a dialog this agent does not know) is
/// answered 481 by nta only sometimes, and intmeth.dat and bext01.dat
/// (Via TLS over TCP) get no answer from this Sofia-SIP.
const std::map<QString, Expectation> &expectations() {
    static const std::map<QString, Expectation> table = {
        // Responses: a UAS never answers them (RFC 4475 3.1.1.12/13, 3.1.2.19, 3.3.15, 3.1.2.5).
        {QStringLiteral("unreason.dat"), {0}},
        {QStringLiteral("noreason.dat"), {0}},
        {QStringLiteral("bigcode.dat"), {0}},
        {QStringLiteral("bcast.dat"), {0}},
        {QStringLiteral("scalarlg.dat"), {0}},
        // Request or Via lines that do not parse: dropped.
        {QStringLiteral("badinv01.dat"), {0}},
        {QStringLiteral("badvers.dat"), {0}},
        {QStringLiteral("lwsruri.dat"), {0}},
        // Valid OPTIONS: answered by the stack.
        {QStringLiteral("lwsdisp.dat"), {200}},
        {QStringLiteral("semiuri.dat"), {200}},
        {QStringLiteral("transports.dat"), {200}},
        {QStringLiteral("trws.dat"), {200}},
        {QStringLiteral("badbranch.dat"), {200}},
        {QStringLiteral("zeromf.dat"), {200}},
        // Unknown URI schemes (3.3.2, 3.3.3).
        {QStringLiteral("novelsc.dat"), {416}},
        {QStringLiteral("unkscm.dat"), {416}},
        // REGISTER and MESSAGE: not a registrar, no messaging.
        {QStringLiteral("dblreq.dat"), {405}},
        {QStringLiteral("escnull.dat"), {405}},
        {QStringLiteral("cparam01.dat"), {405}},
        {QStringLiteral("cparam02.dat"), {405}},
        {QStringLiteral("regescrt.dat"), {405}},
        {QStringLiteral("unksm2.dat"), {405}},
        {QStringLiteral("regaut01.dat"), {405}},
        {QStringLiteral("mpart01.dat"), {405}},
        // An unknown method (escaped in the request line).
        {QStringLiteral("esc02.dat"), {501}},
        // INVITEs addressed (To) to users other than this account: refused
        // with 404 before anything else is judged (a proxy must not make this
        // device ring for someone else's call). Their bodies (clear SDP, or
        // invut.dat's unknown type, 3.3.6) never get that far.
        {QStringLiteral("esc01.dat"), {404}},
        {QStringLiteral("escruri.dat"), {404}},
        {QStringLiteral("inv2543.dat"), {404}},
        {QStringLiteral("lwsstart.dat"), {404}},
        {QStringLiteral("longreq.dat"), {404}},
        {QStringLiteral("sdp01.dat"), {404}},
        {QStringLiteral("baddate.dat"), {404}},
        {QStringLiteral("invut.dat"), {404}},
        // Malformed: 400 Bad Request.
        {QStringLiteral("baddn.dat"), {400}},
        {QStringLiteral("clerr.dat"), {400}},
        {QStringLiteral("insuf.dat"), {400}},
        {QStringLiteral("ltgtruri.dat"), {400}},
        {QStringLiteral("mcl01.dat"), {400}},
        {QStringLiteral("mismatch01.dat"), {400}},
        {QStringLiteral("mismatch02.dat"), {400}},
        {QStringLiteral("multi01.dat"), {400}},
        {QStringLiteral("ncl.dat"), {400}},
        {QStringLiteral("quotbal.dat"), {400}},
        {QStringLiteral("regbadct.dat"), {400}},
        {QStringLiteral("scalar02.dat"), {400}},
    };
    return table;
}

QString corpusDir(const QString &name) {
    const QString source = qEnvironmentVariable("NAPKIN_SOURCE_DIR").isEmpty()
                               ? QStringLiteral(NAPKIN_SOURCE_DIR)
                               : qEnvironmentVariable("NAPKIN_SOURCE_DIR");
    return QDir::cleanPath(source + QStringLiteral("/../shared/corpora/") + name);
}

/// The value of the first header `name` (or its compact form), raw bytes.
QByteArray headerValue(const QByteArray &message, const char *name, const char *compact) {
    const QRegularExpression re(QStringLiteral("^(?:%1|%2)[ \\t]*:[ \\t]*([^\\r\\n]*)")
                                    .arg(QLatin1String(name), QLatin1String(compact)),
                                QRegularExpression::CaseInsensitiveOption |
                                    QRegularExpression::MultilineOption);
    // Header lines may be folded (RFC 3261 7.3.1): unfold first.
    QString text = QString::fromLatin1(message);
    static const QRegularExpression fold(QStringLiteral("\\r?\\n[ \\t]+"));
    text.replace(fold, QStringLiteral(" "));
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(1).trimmed().toLatin1() : QByteArray();
}

/// True when the top Via names a stream transport.
bool viaWantsStream(const QByteArray &message) {
    static const QRegularExpression re(
        QStringLiteral(
            "^(?:via|v)[ \\t]*:[ \\t]*SIP[ \\t]*/[ \\t]*[0-9.]+[ \\t]*/[ \\t]*([A-Za-z]+)"),
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::MultilineOption);
    const auto m = re.match(QString::fromLatin1(message));
    if (!m.hasMatch()) {
        return false;
    }
    const QString t = m.captured(1).toUpper();
    return t == QStringLiteral("TCP") || t == QStringLiteral("TLS");
}

/// Status codes of the responses in `stream` (status lines only).
QList<int> statusCodes(const QByteArray &stream, QStringList &bad) {
    QList<int> out;
    static const QRegularExpression re(QStringLiteral("(?:^|\\r\\n)SIP/2\\.0 ([0-9]+) "));
    auto it = re.globalMatch(QString::fromLatin1(stream));
    while (it.hasNext()) {
        const auto m = it.next();
        const int code = m.captured(1).toInt();
        if (m.captured(1).size() != 3 || code < 100 || code > 699) {
            bad << m.captured(0).trimmed();
        }
        out << code;
    }
    if (!stream.isEmpty() && out.isEmpty()) {
        bad << QString::fromLatin1(stream.left(60));
    }
    return out;
}

} // namespace

class TestTortureRfc4475 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void tortureThenCall();

private:
    /// Sends one message; returns every response that belongs to it.
    QByteArray exchange(const QByteArray &message, bool expectNothing);

    std::unique_ptr<WorldRun> m_world;
    QHostAddress m_self;
    std::vector<std::unique_ptr<QUdpSocket>> m_udp; ///< ports 5060, 5050, 5070
    QHostAddress m_agentAddress;
    quint16 m_agentPort = 0;
};

void TestTortureRfc4475::initTestCase() {
    if (!QDir(corpusDir(QStringLiteral("sip-torture-rfc4475"))).exists()) {
        QSKIP("../shared/corpora/sip-torture-rfc4475 is not there");
    }
    auto world = WorldRun::up();
    NAPKIN_VERIFY_OK(world);
    m_world = std::move(world).value();
    m_self = FreePort::uniqueLoopbackAddress();
    for (quint16 port : {5060, 5050, 5070}) {
        auto s = std::make_unique<QUdpSocket>();
        QVERIFY2(s->bind(m_self, port), qPrintable(s->errorString()));
        m_udp.push_back(std::move(s));
    }
}

void TestTortureRfc4475::cleanupTestCase() {
    if (m_world) {
        NAPKIN_VERIFY_OK(m_world->down());
    }
}

QByteArray TestTortureRfc4475::exchange(const QByteArray &message, bool expectNothing) {
    const QByteArray callId = headerValue(message, "call-id", "i");
    QByteArray got;
    QElapsedTimer clock;
    clock.start();
    const int quietMs = expectNothing ? 2000 : 3000;
    int finalAt = -1;
    auto sawFinal = [&](const QByteArray &bytes) {
        QStringList ignored;
        for (int code : statusCodes(bytes, ignored)) {
            if (code >= 200 && finalAt < 0) {
                finalAt = static_cast<int>(clock.elapsed());
            }
        }
    };
    if (viaWantsStream(message)) {
        QTcpSocket tcp;
        tcp.bind(m_self);
        tcp.connectToHost(m_agentAddress, m_agentPort);
        if (!tcp.waitForConnected(3000)) {
            return "connect failed";
        }
        tcp.write(message);
        tcp.waitForBytesWritten(3000);
        while (clock.elapsed() < quietMs && (finalAt < 0 || clock.elapsed() < finalAt + 300)) {
            if (tcp.waitForReadyRead(50)) {
                const QByteArray more = tcp.readAll();
                got += more;
                sawFinal(more);
            }
            if (tcp.state() != QAbstractSocket::ConnectedState) {
                break;
            }
        }
        return got;
    }
    m_udp.front()->writeDatagram(message, m_agentAddress, m_agentPort);
    while (clock.elapsed() < quietMs && (finalAt < 0 || clock.elapsed() < finalAt + 300)) {
        bool any = false;
        for (auto &s : m_udp) {
            while (s->hasPendingDatagrams()) {
                any = true;
                QByteArray d(static_cast<int>(s->pendingDatagramSize()), '\0');
                s->readDatagram(d.data(), d.size());
                // Only what answers this message (earlier ones may retransmit).
                if (headerValue(d, "call-id", "i") == callId) {
                    got += d;
                    sawFinal(d);
                }
            }
        }
        if (!any) {
            QTest::qWait(20);
        }
    }
    return got;
}

void TestTortureRfc4475::tortureThenCall() {
    auto ini = m_world->profile(QStringLiteral("bob"), QStringLiteral("bob-strict"), {},
                                QStringLiteral("[calls]\nrequire_end_to_end = true\n"));
    NAPKIN_VERIFY_OK(ini);
    auto answerer = m_world->registeredAnswerer(QStringLiteral("bob-strict"), *ini);
    NAPKIN_VERIFY_OK(answerer);
    const auto &bob = answerer->agent;
    const QJsonObject &registered = answerer->registered;
    NAPKIN_WAIT_EVENT(enrolled, *bob, QStringLiteral("enrolled"), {}, 60000);
    // "<sip:bob@IP:PORT>;+sip.instance=..."
    const QString contact = registered.value(QStringLiteral("contact")).toString();
    static const QRegularExpression hostPort(QStringLiteral("@([0-9.]+):([0-9]+)"));
    const auto m = hostPort.match(contact);
    QVERIFY2(m.hasMatch(), qPrintable(contact));
    m_agentAddress = QHostAddress(m.captured(1));
    m_agentPort = static_cast<quint16>(m.captured(2).toUInt());

    int sent = 0;
    QStringList problems;
    for (const QString &corpus :
         {QStringLiteral("sip-torture-rfc4475"), QStringLiteral("sip-torture-rfc5118")}) {
        const QDir dir(corpusDir(corpus));
        for (const QString &name : dir.entryList(QDir::Files, QDir::Name)) {
            if (name.endsWith(QStringLiteral(".md")) || name.startsWith(QLatin1Char('.'))) {
                continue;
            }
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray message = f.readAll();
            const auto known = expectations().find(name);
            const bool listed =
                corpus.endsWith(QStringLiteral("4475")) && known != expectations().end();
            const QByteArray answer = exchange(message, listed && known->second.finalStatus == 0);
            ++sent;
            QStringList bad;
            const QList<int> codes = statusCodes(answer, bad);
            if (!bad.isEmpty()) {
                problems << name + QStringLiteral(": malformed response ") + bad.join(u',');
            }
            if (listed) {
                const int want = known->second.finalStatus;
                int final = 0;
                for (int c : codes) {
                    if (c >= 200) {
                        final = c;
                        break;
                    }
                }
                if (want == 0 && !codes.isEmpty()) {
                    problems << name + QStringLiteral(": answered, but must be dropped");
                } else if (want != 0 && final != want) {
                    problems << QStringLiteral("%1: final %2, expected %3")
                                    .arg(name)
                                    .arg(final)
                                    .arg(want);
                }
            }
            QVERIFY2(bob->process().isRunning(), qPrintable(QStringLiteral("the agent died on ") +
                                                            name + bob->process().logTail(40)));
        }
    }
    QVERIFY2(sent >= 49, qPrintable(QStringLiteral("only %1 messages").arg(sent)));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));

    // Still registered and still answering: a verified call from alice.
    NAPKIN_VERIFY_OK(
        m_world->shortEndToEndCall(QStringLiteral("alice"), QStringLiteral("sip:bob@b.example")));
    NAPKIN_WAIT_EVENT(bobSees, *bob, QStringLiteral("identity"),
                      {{QStringLiteral("peer"), QStringLiteral("sip:alice@a.example")}});
    QCOMPARE(bobSees.value(QStringLiteral("verdict")).toString(), QStringLiteral("verified"));
    const ProcessExit exit = bob->process().stop();
    QVERIFY(exit.normal);
    QCOMPARE(exit.code, 0);
}

QTEST_GUILESS_MAIN(TestTortureRfc4475)
#include "test_torture_rfc4475.moc"
