// SeenDevices: which devices each contact used, for "verified, new device".

#include "crypto/DeviceIdentity.h"
#include "sipcore/SeenDevices.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

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

    void verdictUsesInstanceAcrossRenewals() {
        crypto::IdentityOptions options;
        options.aor = "sip:alice@a.example";
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000001";
        auto first = crypto::createDeviceIdentity(options).value();
        auto renewed = crypto::createDeviceIdentity(options).value(); // fresh key, same device
        options.instanceUrn = "urn:uuid:a11ce000-0000-4000-8000-000000000002";
        auto laptop = crypto::createDeviceIdentity(options).value();

        SeenDevices seen;
        auto v = verifiedVerdict("sip:alice@a.example", first.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::Verified);
        QCOMPARE(v.vouchingDomain, std::string("a.example"));
        QCOMPARE(v.signerFingerprint, first.certificate.fingerprint());
        v = verifiedVerdict("sip:alice@a.example", renewed.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::Verified);
        v = verifiedVerdict("sip:alice@a.example", laptop.certificate, seen);
        QCOMPARE(v.kind, IdentityVerdict::Kind::VerifiedNewDevice);
        QCOMPARE(v.instanceUrn, std::string("urn:uuid:a11ce000-0000-4000-8000-000000000002"));
        QCOMPARE(verdictName(v.kind), std::string_view("verified-new-device"));
    }
};

QTEST_GUILESS_MAIN(TestSeenDevices)
#include "test_seen_devices.moc"
