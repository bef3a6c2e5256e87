// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SeenDevices.h"

#include "crypto/KeyContinuity.h"
#include "crypto/Mime.h"
#include "crypto/NameMatch.h"
#include "crypto/PrivateKey.h"

#include <unistd.h>

#include <vector>

namespace napkin::sip {

namespace {

constexpr std::size_t kMaxFileSize = 4 * 1024 * 1024;
constexpr std::size_t kMaxCertificateText = 16 * 1024;

bool isPrintableToken(std::string_view s, std::size_t maxSize = 512) {
    if (s.empty() || s.size() > maxSize) {
        return false;
    }
    for (unsigned char c : s) {
        if (c <= 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

std::vector<std::string_view> fieldsOf(std::string_view line) {
    std::vector<std::string_view> fields;
    while (true) {
        const std::size_t sp = line.find(' ');
        fields.push_back(line.substr(0, sp));
        if (sp == std::string_view::npos) {
            return fields;
        }
        line.remove_prefix(sp + 1);
    }
}

/// The certificate of a "<aor> <urn> <fingerprint> <base64>" line, or what is wrong.
Result<crypto::Certificate, std::string>
certificateOfLine(std::string_view urn, std::string_view fingerprint, std::string_view base64) {
    auto der = crypto::decodeBase64(base64, crypto::kTokenBase64);
    if (!der) {
        return fail("the certificate is not base64: " + der.error().message);
    }
    auto cert = crypto::Certificate::fromDer(*der);
    if (!cert) {
        return fail("the certificate does not parse: " + cert.error().message);
    }
    if (cert->fingerprint() != fingerprint) {
        return fail(std::string("the certificate does not have the fingerprint of its line"));
    }
    if (cert->instanceUrn() != std::optional<std::string>(urn)) {
        return fail(std::string("the certificate names another device"));
    }
    return std::move(cert).value();
}

} // namespace

SeenDevices::SeenDevices(std::string path) : m_path(std::move(path)) {}

Result<void, std::string> SeenDevices::load() {
    m_devices.clear();
    if (m_path.empty()) {
        return {};
    }
    auto bytes = crypto::readFileBytes(m_path, kMaxFileSize);
    if (!bytes) {
        if (bytes.error().code == crypto::CryptoErrc::Io && ::access(m_path.c_str(), F_OK) != 0) {
            return {}; // no file yet
        }
        return fail(m_path + ": " + bytes.error().message);
    }
    std::string_view text = crypto::asText(*bytes);
    std::map<std::string, Devices> loaded;
    int lineNo = 0;
    while (!text.empty()) {
        ++lineNo;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto where = [&] { return m_path + " line " + std::to_string(lineNo) + ": "; };
        const auto fields = fieldsOf(line);
        const bool shapeOk =
            (fields.size() == 2 || fields.size() == 4) && isPrintableToken(fields[0]) &&
            isPrintableToken(fields[1]) &&
            (fields.size() == 2 ||
             (isPrintableToken(fields[2]) && isPrintableToken(fields[3], kMaxCertificateText)));
        if (!shapeOk) {
            return fail(where() + "expected \"<address> <device>\" or \"<address> <instance URN> "
                                  "<fingerprint> <certificate>\"");
        }
        std::optional<crypto::Certificate> cert;
        if (fields.size() == 4) {
            auto parsed = certificateOfLine(fields[1], fields[2], fields[3]);
            if (!parsed) {
                return fail(where() + parsed.error());
            }
            cert = std::move(parsed).value();
        }
        loaded[std::string(fields[0])][std::string(fields[1])] = std::move(cert);
    }
    m_devices = std::move(loaded);
    m_unsaved = false;
    return {};
}

Result<void, std::string> SeenDevices::save() {
    if (m_path.empty() || !m_unsaved) {
        return {};
    }
    std::string text = "# Napkin: devices seen per contact: address and fingerprint, or address,\n"
                       "# instance URN, fingerprint and certificate (base64 DER) last seen\n";
    for (const auto &[aor, devices] : m_devices) {
        for (const auto &[device, cert] : devices) {
            text += aor + ' ' + device;
            if (cert) {
                text += ' ' + cert->fingerprint() + ' ' + crypto::encodeBase64(cert->toDer());
            }
            text += '\n';
        }
    }
    if (auto written = crypto::writeFileAtomically(m_path, text, 0600); !written) {
        return fail(m_path + ": " + written.error().message);
    }
    m_unsaved = false;
    return {};
}

SeenDevices::Sighting SeenDevices::record(const std::string &aor, const std::string &device) {
    auto &devices = m_devices[aor];
    if (devices.count(device) != 0) {
        return Sighting::Known;
    }
    const bool first = devices.empty();
    devices.emplace(device, std::nullopt);
    m_unsaved = true;
    return first ? Sighting::FirstContact : Sighting::NewDevice;
}

SeenDevices::Sighting SeenDevices::recordCertificate(const std::string &aor,
                                                     const crypto::Certificate &certificate) {
    const std::string device = deviceKeyOf(certificate);
    const bool byUrn = device != certificate.fingerprint();
    auto &devices = m_devices[aor];
    auto it = devices.find(device);
    if (it == devices.end()) {
        const bool first = devices.empty();
        devices.emplace(device, byUrn ? std::optional(certificate) : std::nullopt);
        m_unsaved = true;
        return first ? Sighting::FirstContact : Sighting::NewDevice;
    }
    if (!byUrn) {
        return Sighting::Known; // the fingerprint is the device
    }
    auto &last = it->second;
    if (last && last->fingerprint() == certificate.fingerprint()) {
        return Sighting::Known;
    }
    const bool vouched = last && crypto::verifyKeyContinuity(certificate, *last).ok();
    // Either way the new key is the one to compare with next time: a device
    // that flips between two keys keeps being reported.
    last = certificate;
    m_unsaved = true;
    return vouched ? Sighting::Renewed : Sighting::NewKey;
}

std::optional<crypto::Certificate> SeenDevices::lastCertificate(const std::string &aor,
                                                                const std::string &urn) const {
    auto it = m_devices.find(aor);
    if (it == m_devices.end()) {
        return std::nullopt;
    }
    auto device = it->second.find(urn);
    return device == it->second.end() ? std::nullopt : device->second;
}

bool SeenDevices::knows(const std::string &aor, const std::string &device) const {
    auto it = m_devices.find(aor);
    return it != m_devices.end() && it->second.count(device) != 0;
}

bool SeenDevices::knowsAddress(const std::string &aor) const {
    auto it = m_devices.find(aor);
    return it != m_devices.end() && !it->second.empty();
}

std::string SeenDevices::deviceKeyOf(const crypto::Certificate &certificate) {
    if (auto urn = certificate.instanceUrn(); urn && isPrintableToken(*urn)) {
        return *urn;
    }
    return certificate.fingerprint();
}

IdentityVerdict verifiedVerdict(const std::string &aor, const crypto::Certificate &signer,
                                SeenDevices &seen) {
    IdentityVerdict v;
    v.aor = aor;
    v.signerFingerprint = signer.fingerprint();
    v.instanceUrn = signer.instanceUrn().value_or(std::string());
    if (auto parsed = crypto::parseAor(aor)) {
        v.vouchingDomain = parsed->host;
    }
    switch (seen.recordCertificate(aor, signer)) {
    case SeenDevices::Sighting::FirstContact:
    case SeenDevices::Sighting::Known:
    case SeenDevices::Sighting::Renewed:
        v.kind = IdentityVerdict::Kind::Verified;
        break;
    case SeenDevices::Sighting::NewDevice:
        v.kind = IdentityVerdict::Kind::VerifiedNewDevice;
        break;
    case SeenDevices::Sighting::NewKey:
        v.kind = IdentityVerdict::Kind::VerifiedNewDevice;
        v.reason = "a device that called as " + aor + " before with this instance (" +
                   v.instanceUrn +
                   ") used another key, and that key did not vouch for this one: it may be "
                   "another device using the old one's name";
        break;
    }
    return v;
}

} // namespace napkin::sip
