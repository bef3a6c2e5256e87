// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// SeenDevices: which devices each contact used, for "verified, new device".

#include "crypto/DeviceIdentity.h"
#include "crypto/Encoding.h"
#include "sipcore/SeenDevices.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include <sys/stat.h>

using namespace napkin;
using namespace napkin::sip;

class TestSeenDevices : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sightings() {
        SeenDevices seen;
        QCOMPARE(seen.record("sip:alice@a.example", "urn:uuid:1"),
                 SeenDevices::Sighting::FirstContact);
        QCOMPARE(seen.record("sip:alice@a.example", "urn:uuid:1"), SeenDevices::Sighting::Known);
        QCOMPARE(seen.record("sip:alice@a.example", "urn:uuid:2"),
                 SeenDevices::Sighting::NewDevice);
        QCOMPARE(seen.record("sip:bob@b.example", "urn:uuid:2"),
                 SeenDevices::Sighting::FirstContact);
        QVERIFY(seen.knows("sip:alice@a.example", "urn:uuid:2"));
        QVERIFY(!seen.knows("sip:bob@b.example", "urn:uuid:1"));
        QCOMPARE(seen.contactCount(), std::size_t(2));
    }

    void persistsAcrossRestarts() {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("seen-devices")).toStdString();
        {
            SeenDevices seen(path);
            QVERIFY(seen.load().ok()); // no file yet: empty
            seen.record("sip:alice@a.example", "urn:uuid:1");
            seen.record("sip:alice@a.example", "sha256:00ff");
            QVERIFY(seen.save().ok());
        }
        SeenDevices again(path);
        QVERIFY(again.load().ok());
        QVERIFY(again.knows("sip:alice@a.example", "urn:uuid:1"));
        QVERIFY(again.knows("sip:alice@a.example", "sha256:00ff"));
        QCOMPARE(again.record("sip:alice@a.example", "urn:uuid:3"),
                 SeenDevices::Sighting::NewDevice);
    }

    void savesOnlyWhatIsNews() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("seen-devices"));
        SeenDevices seen(file.toStdString());
        QVERIFY(seen.load().ok());
        QVERIFY(seen.save().ok()); // nothing recorded: no file written
        QVERIFY(!QFile::exists(file));
        seen.record("sip:alice@a.example", "urn:uuid:1");
        QVERIFY(seen.save().ok());
        QVERIFY(QFile::remove(file));
        // A device already known is no news: the file is not written again.
        QCOMPARE(seen.record("sip:alice@a.example", "urn:uuid:1"), SeenDevices::Sighting::Known);
        QVERIFY(seen.save().ok());
        QVERIFY(!QFile::exists(file));
        // A new one is, and the file then holds both.
        seen.record("sip:alice@a.example", "urn:uuid:2");
        QVERIFY(seen.save().ok());
        SeenDevices again(file.toStdString());
        QVERIFY(again.load().ok());
        QVERIFY(again.knows("sip:alice@a.example", "urn:uuid:1"));
        QVERIFY(again.knows("sip:alice@a.example", "urn:uuid:2"));
    }

    void malformedFileIsReportedWithItsLine() {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("seen")).toStdString();
        std::ofstream(path) << "# comment\nsip:alice@a.example urn:uuid:1\nonly-one-field\n";
        SeenDevices seen(path);
        auto loaded = seen.load();
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().find("line 3") != std::string::npos, loaded.error().c_str());
        QCOMPARE(seen.contactCount(), std::size_t(0));
    }

    void verdictFollowsKeyContinuity() {
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        auto first = crypto::createDeviceIdentity(options).value();
        auto renewed = crypto::createDeviceIdentity(options, &first).value(); // vouched for
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000002";
        auto laptop = crypto::createDeviceIdentity(options).value();

        SeenDevices seen;
        auto v = verifiedVerdict("sip:alice@a.example", first.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(v.vouchingDomain, std::string("a.example"));
        QCOMPARE(v.signerFingerprint, first.certificate.fingerprint());
        // A renewal whose old key vouched for the new one: the same device.
        v = verifiedVerdict("sip:alice@a.example", renewed.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::Verified);
        QVERIFY(v.reason.empty());
        QCOMPARE(seen.lastCertificate("sip:alice@a.example", *first.certificate.instanceUrn())
                     ->fingerprint(),
                 renewed.certificate.fingerprint());
        v = verifiedVerdict("sip:alice@a.example", laptop.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::VerifiedNewDevice);
        QCOMPARE(v.instanceUrn, std::string("urn:uuid:a11ce000-0000-4000-8000-000000000002"));
        QCOMPARE(verdictName(v.kind), std::string_view("verified-new-device"));
    }

    void sameInstanceWithoutProofIsANewDevice() {
        // Review M2: the URN is public. A certificate that copies it but whose
        // key the known one never vouched for is news, not "Verified".
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        auto laptop = crypto::createDeviceIdentity(options).value();
        auto attacker = crypto::createDeviceIdentity(options).value();
        auto otherKey = crypto::createDeviceIdentity(options).value();
        // Vouched for by the attacker's key, not the laptop's.
        auto chained = crypto::createDeviceIdentity(options, &otherKey).value();

        SeenDevices seen;
        QCOMPARE(verifiedVerdict("sip:alice@a.example", laptop.certificate, seen).kind,
                 IdentityVerdict::Kind::Verified);
        auto v = verifiedVerdict("sip:alice@a.example", attacker.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::VerifiedNewDevice);
        QVERIFY2(v.reason.find("did not vouch") != std::string::npos, v.reason.c_str());
        v = verifiedVerdict("sip:alice@a.example", chained.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::VerifiedNewDevice);
        // Flipping back to the laptop's key is news again.
        QCOMPARE(verifiedVerdict("sip:alice@a.example", laptop.certificate, seen).kind,
                 IdentityVerdict::Kind::VerifiedNewDevice);
        QCOMPARE(verifiedVerdict("sip:alice@a.example", laptop.certificate, seen).kind,
                 IdentityVerdict::Kind::Verified);
    }

    void certificatesPersistAndVouchAfterRestart() {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("seen-devices"));
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        auto first = crypto::createDeviceIdentity(options).value();
        auto renewed = crypto::createDeviceIdentity(options, &first).value();
        options.instanceUrn.reset();
        auto noUrn = crypto::createDeviceIdentity(options).value();
        {
            SeenDevices seen(file.toStdString());
            QVERIFY(seen.load().ok());
            (void)verifiedVerdict("sip:alice@a.example", first.certificate, seen);
            (void)verifiedVerdict("sip:alice@a.example", noUrn.certificate, seen);
            QVERIFY(seen.save().ok());
        }
        struct stat st {};
        QCOMPARE(::stat(file.toLocal8Bit().constData(), &st), 0);
        QCOMPARE(st.st_mode & 0777, 0600U);
        SeenDevices again(file.toStdString());
        auto loaded = again.load();
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        QVERIFY(again.knows("sip:alice@a.example", noUrn.certificate.fingerprint()));
        QCOMPARE(again.lastCertificate("sip:alice@a.example", *first.certificate.instanceUrn())
                     ->fingerprint(),
                 first.certificate.fingerprint());
        QCOMPARE(verifiedVerdict("sip:alice@a.example", renewed.certificate, again).kind,
                 IdentityVerdict::Kind::Verified);
        QCOMPARE(verifiedVerdict("sip:alice@a.example", noUrn.certificate, again).kind,
                 IdentityVerdict::Kind::Verified);
    }

    void oldFormatLoadsAndItsFirstKeyIsNewsOnce() {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("seen")).toStdString();
        const std::string urn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = urn;
        auto device = crypto::createDeviceIdentity(options).value();
        auto renewed = crypto::createDeviceIdentity(options, &device).value();
        std::ofstream(path) << "# Napkin: devices seen per contact (address, instance or "
                               "fingerprint)\nsip:alice@a.example "
                            << urn << "\nsip:alice@a.example sha256:00ff\n";
        SeenDevices seen(path);
        QVERIFY(seen.load().ok());
        QVERIFY(seen.knows("sip:alice@a.example", urn));
        QVERIFY(!seen.lastCertificate("sip:alice@a.example", urn).has_value());
        // Its key was never recorded: news once, then remembered.
        auto v = verifiedVerdict("sip:alice@a.example", device.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::VerifiedNewDevice);
        QVERIFY(!v.reason.empty());
        QCOMPARE(verifiedVerdict("sip:alice@a.example", device.certificate, seen).kind,
                 IdentityVerdict::Kind::Verified);
        QCOMPARE(verifiedVerdict("sip:alice@a.example", renewed.certificate, seen).kind,
                 IdentityVerdict::Kind::Verified);
        QVERIFY(seen.save().ok());
        SeenDevices again(path);
        QVERIFY(again.load().ok());
        QVERIFY(again.knows("sip:alice@a.example", "sha256:00ff"));
        QCOMPARE(again.lastCertificate("sip:alice@a.example", urn)->fingerprint(),
                 renewed.certificate.fingerprint());
    }

    void malformedCertificateLineIsReported_data() {
        QTest::addColumn<QString>("line");
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        auto device = crypto::createDeviceIdentity(options).value();
        const QString b64 =
            QString::fromStdString(crypto::encodeBase64(device.certificate.toDer()));
        const QString fp = QString::fromStdString(device.certificate.fingerprint());
        const QString urn = QString::fromStdString(*options.instanceUrn);
        const QString aor = QStringLiteral("sip:alice@a.example ");
        QTest::newRow("three fields") << aor + urn + QLatin1Char(' ') + fp;
        QTest::newRow("not base64") << aor + urn + QLatin1Char(' ') + fp + QStringLiteral(" *");
        QTest::newRow("not a certificate")
            << aor + urn + QLatin1Char(' ') + fp + QStringLiteral(" AAAA");
        QTest::newRow("wrong fingerprint") << aor + urn + QStringLiteral(" sha256:00ff ") + b64;
        QTest::newRow("wrong urn")
            << aor + QStringLiteral("urn:uuid:x ") + fp + QLatin1Char(' ') + b64;
    }
    void malformedCertificateLineIsReported() {
        QFETCH(QString, line);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("seen")).toStdString();
        std::ofstream(path) << "# comment\nsip:bob@b.example urn:uuid:1\n"
                            << line.toStdString() << "\n";
        SeenDevices seen(path);
        auto loaded = seen.load();
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().find("line 3") != std::string::npos, loaded.error().c_str());
        QCOMPARE(seen.contactCount(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestSeenDevices)
#include "test_seen_devices.moc"
