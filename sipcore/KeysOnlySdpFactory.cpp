#include "sipcore/KeysOnlySdpFactory.h"

#include "crypto/Mime.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <vector>

namespace napkin::sip {

namespace {

constexpr std::size_t kMaxSdpSize = 16 * 1024;
constexpr std::size_t kMaxSdpLines = 256;
constexpr std::size_t kKeySaltBytes = 30; // 16-byte key + 14-byte salt, both AES_CM suites
constexpr std::string_view kSuites[] = {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};

SdpError sdpError(std::string message) {
    return SdpError{std::move(message)};
}

/// Base64 text of key material; wiped when it goes.
class SecretText {
public:
    SecretText() = default;
    SecretText(const SecretText &) = delete;
    SecretText &operator=(const SecretText &) = delete;
    ~SecretText() { clear(); }
    void assign(std::string text) {
        clear();
        m_text = std::move(text);
    }
    void clear() {
        if (!m_text.empty()) {
            OPENSSL_cleanse(m_text.data(), m_text.size());
            m_text.clear();
        }
    }
    [[nodiscard]] const std::string &text() const { return m_text; }

private:
    std::string m_text;
};

enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

/// The parts of a peer's SDP this negotiator uses.
struct PeerMedia {
    std::string address;
    std::uint16_t port = 0;
    int opusPayload = -1;
    std::string cryptoTag;
    std::string suite;
    Direction direction = Direction::SendRecv;
};

std::vector<std::string_view> splitLines(std::string_view sdp) {
    std::vector<std::string_view> lines;
    while (!sdp.empty() && lines.size() <= kMaxSdpLines) {
        const std::size_t nl = sdp.find('\n');
        std::string_view line = sdp.substr(0, nl);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        sdp = nl == std::string_view::npos ? std::string_view() : sdp.substr(nl + 1);
    }
    return lines;
}

std::vector<std::string_view> splitWords(std::string_view s) {
    std::vector<std::string_view> words;
    while (!s.empty()) {
        const std::size_t start = s.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            break;
        }
        s.remove_prefix(start);
        const std::size_t end = s.find(' ');
        words.push_back(s.substr(0, end));
        s = end == std::string_view::npos ? std::string_view() : s.substr(end);
    }
    return words;
}

std::optional<int> toInt(std::string_view s, int max) {
    int value = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || p != s.data() + s.size() || value < 0 || value > max) {
        return std::nullopt;
    }
    return value;
}

bool knownSuite(std::string_view suite) {
    for (auto s : kSuites) {
        if (s == suite) {
            return true;
        }
    }
    return false;
}

/// Checks "inline:<base64 key||salt>[|lifetime][|MKI:len]" without keeping the key.
bool validKeyParams(std::string_view params) {
    if (params.substr(0, 7) != "inline:") {
        return false;
    }
    params.remove_prefix(7);
    const std::string_view b64 = params.substr(0, params.find('|'));
    auto decoded = crypto::decodeBase64(crypto::asBytes(b64));
    const bool ok = decoded.ok() && decoded->size() == kKeySaltBytes;
    if (decoded.ok()) {
        OPENSSL_cleanse(decoded->data(), decoded->size());
    }
    return ok;
}

SdpResult<PeerMedia> parsePeer(std::string_view sdp) {
    if (sdp.size() > kMaxSdpSize) {
        return fail(sdpError("the SDP is larger than 16 KiB"));
    }
    const auto lines = splitLines(sdp);
    if (lines.size() > kMaxSdpLines) {
        return fail(sdpError("the SDP has more than 256 lines"));
    }
    if (lines.empty() || lines.front() != "v=0") {
        return fail(sdpError("the SDP does not start with v=0"));
    }
    PeerMedia peer;
    bool inAudio = false;
    bool sawAudio = false;
    std::string sessionAddress;
    for (std::string_view line : lines) {
        if (line.empty()) {
            continue;
        }
        if (line.size() < 2 || line[1] != '=') {
            return fail(sdpError("an SDP line is not of the form x=..."));
        }
        const char type = line[0];
        const std::string_view value = line.substr(2);
        if (type == 'm') {
            inAudio = false;
            const auto words = splitWords(value);
            if (words.size() >= 4 && words[0] == "audio" && !sawAudio) {
                auto port = toInt(words[1], 65535);
                if (!port) {
                    return fail(sdpError("the audio m= line has an invalid port"));
                }
                if (words[2] != "RTP/SAVP") {
                    return fail(sdpError("the peer offers audio over " + std::string(words[2]) +
                                         ", not SRTP (RTP/SAVP)"));
                }
                peer.port = static_cast<std::uint16_t>(*port);
                inAudio = true;
                sawAudio = true;
            }
        } else if (type == 'c') {
            const auto words = splitWords(value);
            if (words.size() != 3 || words[0] != "IN" || (words[1] != "IP4" && words[1] != "IP6")) {
                return fail(sdpError("a c= line is malformed"));
            }
            (inAudio ? peer.address : sessionAddress) = std::string(words[2]);
        } else if (type == 'a' && inAudio) {
            if (value.substr(0, 7) == "rtpmap:") {
                const auto words = splitWords(value.substr(7));
                if (words.size() == 2 && (words[1] == "opus/48000/2" || words[1] == "opus/48000")) {
                    peer.opusPayload = toInt(words[0], 127).value_or(-1);
                }
            } else if (value.substr(0, 7) == "crypto:" && peer.suite.empty()) {
                const auto words = splitWords(value.substr(7));
                if (words.size() < 3 || !toInt(words[0], 999999999)) {
                    return fail(sdpError("an a=crypto line is malformed"));
                }
                if (knownSuite(words[1])) {
                    if (!validKeyParams(words[2])) {
                        return fail(sdpError("an a=crypto line carries a key of the wrong "
                                             "length or encoding"));
                    }
                    peer.cryptoTag = std::string(words[0]);
                    peer.suite = std::string(words[1]);
                }
            } else if (value == "sendonly") {
                peer.direction = Direction::SendOnly;
            } else if (value == "recvonly") {
                peer.direction = Direction::RecvOnly;
            } else if (value == "inactive") {
                peer.direction = Direction::Inactive;
            }
        }
    }
    if (!sawAudio) {
        return fail(sdpError("the SDP has no audio stream"));
    }
    if (peer.address.empty()) {
        peer.address = sessionAddress;
    }
    if (peer.address.empty()) {
        return fail(sdpError("the SDP gives no connection address"));
    }
    if (peer.opusPayload < 0) {
        return fail(sdpError("the peer does not offer Opus"));
    }
    if (peer.suite.empty()) {
        return fail(sdpError("the peer offers no SRTP crypto suite this device supports"));
    }
    return peer;
}

class KeysOnlyNegotiator final : public SdpNegotiator {
public:
    KeysOnlyNegotiator(std::string address, std::uint16_t port)
        : m_address(std::move(address)), m_port(port) {
        std::array<unsigned char, 8> id{};
        if (RAND_bytes(id.data(), static_cast<int>(id.size())) == 1) {
            for (auto b : id) {
                m_sessionId = (m_sessionId << 8) | b;
            }
            m_sessionId &= 0x7fffffffffffffffULL;
        }
    }
    ~KeysOnlyNegotiator() override { stop(); }

    SdpResult<std::string> createOffer(bool hold) override {
        if (!freshKey()) {
            return fail(sdpError("the random generator failed"));
        }
        m_localHold = hold;
        m_offerTag = "1";
        m_offerSuite = std::string(kSuites[0]);
        std::string sdp = header();
        sdp += "m=audio " + std::to_string(m_port) + " RTP/SAVP 111\r\n";
        sdp += "a=rtpmap:111 opus/48000/2\r\n";
        sdp += "a=crypto:1 " + m_offerSuite + " inline:" + m_key.text() + "\r\n";
        sdp += hold ? "a=sendonly\r\n" : "a=sendrecv\r\n";
        m_awaitingAnswer = true;
        return sdp;
    }

    SdpResult<std::string> createAnswer(std::string_view offer, bool hold) override {
        auto peer = parsePeer(offer);
        if (!peer) {
            return fail(std::move(peer).error());
        }
        if (!freshKey()) {
            return fail(sdpError("the random generator failed"));
        }
        m_localHold = hold;
        std::string direction = "a=sendrecv\r\n";
        if (peer->direction == Direction::SendOnly) {
            direction = hold ? "a=inactive\r\n" : "a=recvonly\r\n";
        } else if (peer->direction == Direction::RecvOnly || hold) {
            direction =
                peer->direction == Direction::Inactive ? "a=inactive\r\n" : "a=sendonly\r\n";
        } else if (peer->direction == Direction::Inactive) {
            direction = "a=inactive\r\n";
        }
        std::string sdp = header();
        const std::string pt = std::to_string(peer->opusPayload);
        sdp += "m=audio " + std::to_string(m_port) + " RTP/SAVP " + pt + "\r\n";
        sdp += "a=rtpmap:" + pt + " opus/48000/2\r\n";
        sdp +=
            "a=crypto:" + peer->cryptoTag + " " + peer->suite + " inline:" + m_key.text() + "\r\n";
        sdp += direction;
        agree(*peer);
        m_awaitingAnswer = false;
        return sdp;
    }

    SdpResult<void> acceptAnswer(std::string_view answer) override {
        if (!m_awaitingAnswer) {
            return fail(sdpError("an answer arrived, but no offer is outstanding"));
        }
        auto peer = parsePeer(answer);
        if (!peer) {
            return fail(std::move(peer).error());
        }
        if (peer->cryptoTag != m_offerTag) {
            return fail(sdpError("the answer's a=crypto tag matches none of the offered ones"));
        }
        if (peer->suite != m_offerSuite) {
            return fail(sdpError("the answer's crypto suite differs from the one offered "
                                 "under the same tag"));
        }
        agree(*peer);
        m_awaitingAnswer = false;
        return {};
    }

    [[nodiscard]] std::optional<NegotiatedMedia> negotiated() const override { return m_media; }

    void stop() override { m_key.clear(); }

private:
    std::string header() {
        ++m_version;
        std::string sdp = "v=0\r\n";
        sdp += "o=- " + std::to_string(m_sessionId) + " " + std::to_string(m_version) + " IN IP4 " +
               m_address + "\r\n";
        sdp += "s=-\r\n";
        sdp += "c=IN IP4 " + m_address + "\r\n";
        sdp += "t=0 0\r\n";
        return sdp;
    }

    bool freshKey() {
        std::array<std::uint8_t, kKeySaltBytes> raw{};
        if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
            return false;
        }
        std::string b64 = crypto::encodeBase64Lines(raw);
        OPENSSL_cleanse(raw.data(), raw.size());
        while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) {
            b64.pop_back();
        }
        m_key.assign(std::move(b64));
        return true;
    }

    void agree(const PeerMedia &peer) {
        NegotiatedMedia media;
        media.codec = "opus/48000/2";
        media.srtpSuite = peer.suite;
        media.remoteAddress = peer.address;
        media.remotePort = peer.port;
        media.localHold = m_localHold;
        media.remoteHold =
            peer.direction == Direction::SendOnly || peer.direction == Direction::Inactive;
        media.audio = false;
        m_media = media;
    }

    std::string m_address;
    std::uint16_t m_port;
    std::uint64_t m_sessionId = 1;
    std::uint64_t m_version = 0;
    SecretText m_key;
    std::string m_offerTag;
    std::string m_offerSuite;
    bool m_awaitingAnswer = false;
    bool m_localHold = false;
    std::optional<NegotiatedMedia> m_media;
};

} // namespace

KeysOnlySdpFactory::KeysOnlySdpFactory(std::string address, std::uint16_t firstPort)
    : m_address(std::move(address)), m_nextPort(firstPort) {}

std::unique_ptr<SdpNegotiator> KeysOnlySdpFactory::create() {
    const std::uint16_t port = m_nextPort;
    m_nextPort = static_cast<std::uint16_t>(m_nextPort >= 65000 ? 40000 : m_nextPort + 2);
    return std::make_unique<KeysOnlyNegotiator>(m_address, port);
}

} // namespace napkin::sip
