// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// NatLab's own checks (root only; skipped otherwise): a datagram from a home
// reaches the internet from the router's address; a symmetric NAT gives two
// destinations two different public ports; after flushMappings() the public
// port changes; nothing is left once the lab is gone.
//
// The datagrams are sent and received by this executable itself, run inside
// the namespaces with `ip netns exec` in a helper mode:
//   test_nat_lab --udp-listen ADDRESS PORT SECONDS   prints "from IP:PORT" per datagram
//   test_nat_lab --udp-send SRC-ADDRESS SRC-PORT DST-ADDRESS:PORT...

#include "tests/support/NatLab.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QTest>

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

using namespace napkin::testing;

namespace {

sockaddr_in socketAddress(const char *address, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, address, &a.sin_addr);
    return a;
}

int boundSocket(const char *address, int port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in a = socketAddress(address, port);
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        std::perror("bind");
        std::exit(1);
    }
    return fd;
}

int udpListen(const char *address, int port, int seconds) {
    const int fd = boundSocket(address, port);
    std::printf("listening\n");
    std::fflush(stdout);
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        const long left = seconds * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
                                             (now.tv_nsec - start.tv_nsec) / 1000000L);
        if (left <= 0) {
            return 0;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
            continue;
        }
        char buf[64];
        sockaddr_in from{};
        socklen_t len = sizeof from;
        if (::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &len) >= 0) {
            char text[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
            std::printf("from %s:%d\n", text, ntohs(from.sin_port));
            std::fflush(stdout);
        }
    }
}

int udpSend(int argc, char **argv) {
    const int fd = boundSocket(argv[2], std::atoi(argv[3]));
    for (int i = 4; i < argc; ++i) {
        const std::string target = argv[i];
        const auto colon = target.rfind(':');
        const sockaddr_in to =
            socketAddress(target.substr(0, colon).c_str(), std::atoi(target.c_str() + colon + 1));
        if (::sendto(fd, "hello", 5, 0, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 5) {
            std::perror("sendto");
            return 1;
        }
    }
    return 0;
}

constexpr int kPort = 9999;

} // namespace

class TestNatLab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void homesReachTheInternetThroughTheirRouter();
    void nothingIsLeftAfterwards();

private:
    /// Starts a listener in `ns` on address:kPort.
    std::unique_ptr<ManagedProcess> listener(const QString &ns, const QHostAddress &address);
    /// Sends one datagram from home:5555 to each target (address:kPort).
    void send(const NatHome &home, const QList<QHostAddress> &targets);
    /// The "IP:PORT" sources a listener printed.
    static QStringList sources(const ManagedProcess &p);

    QString m_prefix;
    QTemporaryDir m_dir;
};

void TestNatLab::initTestCase() {
    if (const QString why = NatLab::unavailableReason(); !why.isEmpty()) {
        QSKIP(qPrintable(why));
    }
    QVERIFY(m_dir.isValid());
}

std::unique_ptr<ManagedProcess> TestNatLab::listener(const QString &ns,
                                                     const QHostAddress &address) {
    ProcessSpec spec;
    spec.name = QStringLiteral("listen-") + address.toString();
    spec.program = QCoreApplication::applicationFilePath();
    spec.arguments = {QStringLiteral("--udp-listen"), address.toString(), QString::number(kPort),
                      QStringLiteral("30")};
    spec.logDirectory = m_dir.path();
    auto p = std::make_unique<ManagedProcess>(NatLab::inNamespace(ns, spec));
    auto started = p->start();
    if (started) {
        started = p->waitForOutput(QStringLiteral("listening"), 10000);
    }
    if (!started) {
        qWarning("%s", qPrintable(started.error()));
        return nullptr;
    }
    return p;
}

void TestNatLab::send(const NatHome &home, const QList<QHostAddress> &targets) {
    QStringList args{QStringLiteral("--udp-send"), home.address.toString(), QStringLiteral("5555")};
    for (const QHostAddress &t : targets) {
        args << t.toString() + QStringLiteral(":%1").arg(kPort);
    }
    auto sent = NatLab::runIn(home.ns, QCoreApplication::applicationFilePath(), args);
    NAPKIN_VERIFY_OK(sent);
    QVERIFY2(sent->succeeded(), qPrintable(sent->describe()));
}

QStringList TestNatLab::sources(const ManagedProcess &p) {
    QStringList out;
    static const QRegularExpression re(QStringLiteral("^from (\\S+)$"),
                                       QRegularExpression::MultilineOption);
    auto it = re.globalMatch(p.stdoutText());
    while (it.hasNext()) {
        out << it.next().captured(1);
    }
    return out;
}

void TestNatLab::homesReachTheInternetThroughTheirRouter() {
    auto made = NatLab::create();
    NAPKIN_VERIFY_OK(made);
    auto lab = std::move(made).value();
    m_prefix = lab->prefix();
    auto second = lab->addInternetAddress();
    NAPKIN_VERIFY_OK(second);
    auto cone = lab->addHome(NatKind::EndpointIndependent);
    NAPKIN_VERIFY_OK(cone);
    auto symmetric = lab->addHome(NatKind::Symmetric);
    NAPKIN_VERIFY_OK(symmetric);
    NAPKIN_VERIFY_OK(lab->setUdpTimeout(*symmetric, 5));

    auto first = listener(lab->internet(), lab->internetAddress());
    auto other = listener(lab->internet(), *second);
    QVERIFY(first && other);

    // Endpoint-independent: the router's address, one public port for both.
    send(*cone, {lab->internetAddress(), *second});
    QTRY_COMPARE_WITH_TIMEOUT(sources(*first).size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sources(*other).size(), 1, 5000);
    const QString coneSource = sources(*first).at(0);
    QVERIFY2(coneSource.startsWith(cone->publicAddress.toString() + QLatin1Char(':')),
             qPrintable(coneSource));
    QCOMPARE(sources(*other).at(0), coneSource);

    // Symmetric: the router's address, a different port per destination.
    send(*symmetric, {lab->internetAddress(), *second});
    QTRY_COMPARE_WITH_TIMEOUT(sources(*first).size(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(sources(*other).size(), 2, 5000);
    const QString a = sources(*first).at(1);
    const QString b = sources(*other).at(1);
    QVERIFY2(a.startsWith(symmetric->publicAddress.toString() + QLatin1Char(':')), qPrintable(a));
    QVERIFY2(b.startsWith(symmetric->publicAddress.toString() + QLatin1Char(':')), qPrintable(b));
    QVERIFY2(a != b, qPrintable(a));

    // The same flow again keeps its mapping; after a flush it gets a new one.
    send(*symmetric, {lab->internetAddress()});
    QTRY_COMPARE_WITH_TIMEOUT(sources(*first).size(), 3, 5000);
    QCOMPARE(sources(*first).at(2), a);
    NAPKIN_VERIFY_OK(lab->flushMappings(*symmetric));
    send(*symmetric, {lab->internetAddress()});
    QTRY_COMPARE_WITH_TIMEOUT(sources(*first).size(), 4, 5000);
    const QString after = sources(*first).at(3);
    QVERIFY2(after.startsWith(symmetric->publicAddress.toString() + QLatin1Char(':')),
             qPrintable(after));
    QVERIFY2(after != a, qPrintable(after));

    // Nothing from the internet reaches a home unasked: it has no route
    // there, and the router drops new flows from wan.
    auto home = listener(cone->ns, cone->address);
    QVERIFY(home);
    auto probe =
        NatLab::runIn(lab->internet(), QCoreApplication::applicationFilePath(),
                      {QStringLiteral("--udp-send"), second->toString(), QStringLiteral("5556"),
                       cone->address.toString() + QStringLiteral(":%1").arg(kPort)});
    NAPKIN_VERIFY_OK(probe);
    QTest::qWait(500);
    QVERIFY(sources(*home).isEmpty());

    for (auto *p : {first.get(), other.get(), home.get()}) {
        p->stop();
    }
    QVERIFY(!NatLab::namespacesWithPrefix(m_prefix).isEmpty());
}

void TestNatLab::nothingIsLeftAfterwards() {
    QVERIFY(!m_prefix.isEmpty());
    QCOMPARE(NatLab::namespacesWithPrefix(m_prefix), QStringList());
}

int main(int argc, char **argv) {
    if (argc == 5 && std::strcmp(argv[1], "--udp-listen") == 0) {
        return udpListen(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
    }
    if (argc >= 5 && std::strcmp(argv[1], "--udp-send") == 0) {
        return udpSend(argc, argv);
    }
    QCoreApplication app(argc, argv);
    TestNatLab test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_nat_lab.moc"
