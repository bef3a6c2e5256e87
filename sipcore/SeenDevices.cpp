#include "sipcore/SeenDevices.h"

#include "crypto/Mime.h"
#include "crypto/NameMatch.h"
#include "crypto/PrivateKey.h"

#include <unistd.h>

namespace napkin::sip {

namespace {

constexpr std::size_t kMaxFileSize = 4 * 1024 * 1024;

bool isPrintableToken(std::string_view s) {
    if (s.empty() || s.size() > 512) {
        return false;
    }
    for (unsigned char c : s) {
        if (c <= 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
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
    std::map<std::string, std::set<std::string>> loaded;
    int lineNo = 0;
    while (!text.empty()) {
        ++lineNo;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::size_t sp = line.find(' ');
        if (sp == std::string_view::npos || !isPrintableToken(line.substr(0, sp)) ||
            !isPrintableToken(line.substr(sp + 1))) {
            return fail(m_path + " line " + std::to_string(lineNo) +
                        ": expected \"<address> <device>\"");
        }
        loaded[std::string(line.substr(0, sp))].insert(std::string(line.substr(sp + 1)));
    }
    m_devices = std::move(loaded);
    m_unsaved = false;
    return {};
}

Result<void, std::string> SeenDevices::save() {
    if (m_path.empty() || !m_unsaved) {
        return {};
    }
    std::string text = "# Napkin: devices seen per contact (address, instance or fingerprint)\n";
    for (const auto &[aor, devices] : m_devices) {
        for (const auto &device : devices) {
            text += aor + ' ' + device + '\n';
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
    devices.insert(device);
    m_unsaved = true;
    return first ? Sighting::FirstContact : Sighting::NewDevice;
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
    const auto sighting = seen.record(aor, SeenDevices::deviceKeyOf(signer));
    v.kind = sighting == SeenDevices::Sighting::NewDevice ? IdentityVerdict::Kind::VerifiedNewDevice
                                                          : IdentityVerdict::Kind::Verified;
    return v;
}

} // namespace napkin::sip
