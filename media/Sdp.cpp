// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/Sdp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace napkin::media {

namespace {

MediaError sdpError(std::size_t lineNo, const std::string &what) {
    return MediaError{MediaErrc::MalformedSdp, "SDP line " + std::to_string(lineNo) + ": " + what};
}

std::vector<std::string_view> splitSpaces(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= text.size()) {
        const std::size_t next = text.find(' ', i);
        const std::size_t end = next == std::string_view::npos ? text.size() : next;
        out.push_back(text.substr(i, end - i));
        if (next == std::string_view::npos) {
            break;
        }
        i = next + 1;
    }
    return out;
}

bool isDigits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T> std::optional<T> number(std::string_view s) {
    if (!isDigits(s)) {
        return std::nullopt;
    }
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

bool isTokenChar(char c) {
    // RFC 4566 token-char: visible ASCII except the separators it excludes.
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
        return false;
    }
    return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

bool isToken(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

/// RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/".
bool isIceChars(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
    });
}

/// The problem with an a=ice-ufrag (4-256 ice-chars) or a=ice-pwd (22-256).
std::optional<std::string> iceCredentialProblem(std::string_view name, std::string_view value) {
    const std::size_t least = name == "ice-ufrag" ? 4 : 22;
    if (value.size() < least || value.size() > 256 || !isIceChars(value)) {
        return "a=" + std::string(name) + " must be " + std::to_string(least) +
               " to 256 characters of A-Z, a-z, 0-9, + and /";
    }
    return std::nullopt;
}

/// RFC 8839 section 5.1: foundation component transport priority address
/// port "typ" type [raddr A rport P] *(name value). The address may be an
/// IP literal or a name (an mDNS one, say); the user of the candidate
/// decides what it can use.
std::optional<std::string> candidateProblem(std::string_view value) {
    const auto f = splitSpaces(value);
    if (f.size() < 8 || f.size() % 2 != 0) {
        return "a=candidate needs foundation, component, transport, priority, address, port, "
               "typ and a type, then name-value pairs";
    }
    if (f[0].empty() || f[0].size() > 32 || !isIceChars(f[0])) {
        return "a=candidate's foundation must be 1 to 32 characters of A-Z, a-z, 0-9, + and /";
    }
    const auto component = number<unsigned>(f[1]);
    if (!component || *component < 1 || *component > 256) {
        return "a=candidate's component must be 1 to 256";
    }
    if (!isToken(f[2])) {
        return "a=candidate's transport is not a token";
    }
    const auto priority = number<std::uint64_t>(f[3]);
    if (!priority || *priority < 1 || *priority > 0xFFFFFFFFu) {
        return "a=candidate's priority must be 1 to 4294967295";
    }
    if (f[4].empty() || f[4].size() > 255 || !isToken(f[4])) {
        return "a=candidate's address is not an address";
    }
    const auto port = number<std::uint32_t>(f[5]);
    if (!port || *port > 65535) {
        return "a=candidate's port must be 0 to 65535";
    }
    if (f[6] != "typ" || !isToken(f[7])) {
        return "a=candidate needs \"typ <type>\" after the port";
    }
    for (std::size_t i = 8; i + 1 < f.size(); i += 2) {
        if (!isToken(f[i]) || f[i + 1].empty() || f[i + 1].size() > 255) {
            return "a=candidate has a malformed extension";
        }
        if (f[i] == "rport" &&
            (!number<std::uint32_t>(f[i + 1]) || *number<std::uint32_t>(f[i + 1]) > 65535)) {
            return "a=candidate's rport must be 0 to 65535";
        }
    }
    return std::nullopt;
}

std::optional<MediaDirection> directionFromName(std::string_view name) {
    if (name == "sendrecv") {
        return MediaDirection::SendRecv;
    }
    if (name == "sendonly") {
        return MediaDirection::SendOnly;
    }
    if (name == "recvonly") {
        return MediaDirection::RecvOnly;
    }
    if (name == "inactive") {
        return MediaDirection::Inactive;
    }
    return std::nullopt;
}

/// Why media must not be sent to this address, or null for a unicast one.
/// Review L9: a peer's SDP could otherwise aim our SRTP stream (about 50
/// packets a second) at a broadcast or multicast group. Unspecified
/// addresses are refused too: Napkin holds with a=sendonly/inactive (RFC
/// 3264), never with RFC 2543's c=0.0.0.0. Loopback stays allowed.
const char *unusableAddress(const unsigned char *ip, bool ipv6) {
    auto v4 = [](const unsigned char *a) -> const char * {
        if (a[0] == 0) {
            return "unspecified";
        }
        if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) {
            return "the broadcast address";
        }
        if ((a[0] & 0xF0) == 0xE0) {
            return "multicast";
        }
        return nullptr;
    };
    if (!ipv6) {
        return v4(ip);
    }
    if (ip[0] == 0xFF) {
        return "multicast";
    }
    static constexpr unsigned char kZero[16] = {};
    if (std::equal(ip, ip + 16, kZero)) {
        return "unspecified";
    }
    // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::equal(ip, ip + 12, kMapped)) {
        return v4(ip + 12);
    }
    return nullptr;
}

MediaResult<SdpConnection> parseAddress(std::size_t lineNo, std::string_view netType,
                                        std::string_view addrType, std::string_view address) {
    if (netType != "IN") {
        return fail(sdpError(lineNo, "network type must be IN"));
    }
    if (addrType != "IP4" && addrType != "IP6") {
        return fail(sdpError(lineNo, "address type must be IP4 or IP6"));
    }
    if (address.find('/') != std::string_view::npos) {
        return mediaFail(MediaErrc::UnsupportedSdp,
                         "SDP line " + std::to_string(lineNo) +
                             ": multicast connections are not supported");
    }
    SdpConnection out;
    out.ipv6 = addrType == "IP6";
    out.address = std::string(address);
    unsigned char buf[16];
    if (address.empty() || address.size() > 45 ||
        inet_pton(out.ipv6 ? AF_INET6 : AF_INET, out.address.c_str(), buf) != 1) {
        return mediaFail(MediaErrc::UnsupportedSdp,
                         "SDP line " + std::to_string(lineNo) +
                             ": the connection address must be a literal " +
                             (out.ipv6 ? "IPv6" : "IPv4") + " address");
    }
    if (const char *why = unusableAddress(buf, out.ipv6)) {
        return mediaFail(MediaErrc::UnsupportedSdp,
                         "SDP line " + std::to_string(lineNo) + ": the connection address " +
                             out.address + " is " + why +
                             "; media can only be sent to a unicast address");
    }
    return out;
}

/// The static RTP/AVP payload types that need no a=rtpmap (RFC 3551).
std::optional<RtpFormat> staticFormat(int pt) {
    switch (pt) {
    case 0:
        return RtpFormat{0, "PCMU", 8000, 1, {}};
    case 3:
        return RtpFormat{3, "GSM", 8000, 1, {}};
    case 8:
        return RtpFormat{8, "PCMA", 8000, 1, {}};
    case 9:
        return RtpFormat{9, "G722", 8000, 1, {}};
    case 18:
        return RtpFormat{18, "G729", 8000, 1, {}};
    default:
        return std::nullopt;
    }
}

/// Where a line type may appear; lines must come in non-decreasing rank.
struct LineRule {
    char type;
    int rank;
    bool repeatable;
};

constexpr LineRule kSessionRules[] = {
    {'v', 0, false}, {'o', 1, false},  {'s', 2, false},  {'i', 3, false}, {'u', 4, false},
    {'e', 5, true},  {'p', 6, true},   {'c', 7, false},  {'b', 8, true},  {'t', 9, true},
    {'r', 9, true},  {'z', 10, false}, {'k', 11, false}, {'a', 12, true},
};
constexpr LineRule kMediaRules[] = {
    {'m', 0, false}, {'i', 1, false}, {'c', 2, false},
    {'b', 3, true},  {'k', 4, false}, {'a', 5, true},
};

template <std::size_t N> const LineRule *findRule(const LineRule (&rules)[N], char type) {
    for (const auto &rule : rules) {
        if (rule.type == type) {
            return &rule;
        }
    }
    return nullptr;
}

class Parser {
public:
    MediaResult<SessionDescription> run(std::string_view text);

private:
    MediaResult<void> sessionLine(char type, std::string_view value);
    MediaResult<void> mediaLine(std::string_view value);
    MediaResult<void> attribute(std::string_view value, SdpMedia *media);
    MediaResult<void> mediaAttribute(std::string_view name, std::string_view value, bool hasValue,
                                     SdpMedia &media);
    MediaResult<void> finishMedia(SdpMedia &media);
    MediaError error(const std::string &what) const { return sdpError(m_lineNo, what); }

    SessionDescription m_sdp;
    std::size_t m_lineNo = 0;
    bool m_sawT = false;
    bool m_sawV = false;
    bool m_sawO = false;
    bool m_sawS = false;
};

MediaResult<SessionDescription> Parser::run(std::string_view text) {
    if (text.size() > kMaxSdpSize) {
        return mediaFail(MediaErrc::MalformedSdp, "SDP body is larger than 32 KiB");
    }
    if (text.empty()) {
        return mediaFail(MediaErrc::MalformedSdp, "SDP body is empty");
    }
    int lastRank = -1;
    char lastType = 0;
    bool inMedia = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        ++m_lineNo;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.size() > kMaxSdpLine) {
            return fail(error("line is longer than 4096 characters"));
        }
        if (line.empty()) {
            return fail(error("empty line"));
        }
        for (char c : line) {
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) {
                return fail(error("control character in line"));
            }
        }
        if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
            return fail(error("line is not of the form <letter>=<value>"));
        }
        const char type = line[0];
        const std::string_view value = line.substr(2);

        if (m_lineNo == 1 && type != 'v') {
            return fail(error("SDP must start with v=0"));
        }
        if (type == 'm') {
            if (!m_sawT) {
                return fail(error("m= before the session's t= line"));
            }
            if (inMedia) {
                if (auto done = finishMedia(m_sdp.media.back()); !done) {
                    return fail(done.error());
                }
            }
            if (m_sdp.media.size() >= kMaxSdpMedia) {
                return mediaFail(MediaErrc::UnsupportedSdp, "SDP has more than 8 media lines");
            }
            inMedia = true;
            lastRank = 0;
            lastType = 'm';
            if (auto r = mediaLine(value); !r) {
                return fail(r.error());
            }
            continue;
        }
        const LineRule *rule =
            inMedia ? findRule(kMediaRules, type) : findRule(kSessionRules, type);
        if (rule == nullptr) {
            return fail(error(std::string("line type ") + type + "= is not allowed " +
                              (inMedia ? "in a media section" : "at session level")));
        }
        if (rule->rank < lastRank ||
            (rule->rank == lastRank && type == lastType && !rule->repeatable)) {
            return fail(error(std::string(1, type) + "= line is out of order or repeated"));
        }
        if (!inMedia && type == 'r' && lastType != 't' && lastType != 'r') {
            return fail(error("r= must follow t="));
        }
        lastRank = rule->rank;
        lastType = type;
        if (type == 'a') {
            if (auto r = attribute(value, inMedia ? &m_sdp.media.back() : nullptr); !r) {
                return fail(r.error());
            }
        } else if (inMedia) {
            if (type == 'c') {
                auto f = splitSpaces(value);
                if (f.size() != 3) {
                    return fail(error("c= needs <nettype> <addrtype> <address>"));
                }
                auto c = parseAddress(m_lineNo, f[0], f[1], f[2]);
                if (!c) {
                    return fail(c.error());
                }
                m_sdp.media.back().connection = *c;
            } else if (type == 'b') {
                if (auto colon = value.find(':'); colon == std::string_view::npos ||
                                                  !isToken(value.substr(0, colon)) ||
                                                  !isDigits(value.substr(colon + 1))) {
                    return fail(error("b= must be <type>:<bandwidth>"));
                }
            } else if (type == 'k') {
                return mediaFail(MediaErrc::UnsupportedSdp,
                                 "SDP line " + std::to_string(m_lineNo) + ": k= is not supported");
            }
        } else if (auto r = sessionLine(type, value); !r) {
            return fail(r.error());
        }
    }
    if (!m_sawV || !m_sawO || !m_sawS || !m_sawT) {
        return mediaFail(MediaErrc::MalformedSdp,
                         "SDP lacks one of the required v=, o=, s=, t= lines");
    }
    if (inMedia) {
        if (auto done = finishMedia(m_sdp.media.back()); !done) {
            return fail(done.error());
        }
    }
    for (std::size_t i = 0; i < m_sdp.media.size(); ++i) {
        if (!m_sdp.connection && !m_sdp.media[i].connection) {
            return mediaFail(MediaErrc::MalformedSdp,
                             "SDP media " + std::to_string(i + 1) + " has no connection (c=) line");
        }
    }
    return std::move(m_sdp);
}

MediaResult<void> Parser::sessionLine(char type, std::string_view value) {
    switch (type) {
    case 'v':
        if (value != "0") {
            return fail(error("only SDP version 0 exists"));
        }
        m_sawV = true;
        return {};
    case 'o': {
        auto f = splitSpaces(value);
        if (f.size() != 6 || f[0].empty() || f[5].empty()) {
            return fail(error("o= needs six fields"));
        }
        auto id = number<std::uint64_t>(f[1]);
        auto version = number<std::uint64_t>(f[2]);
        if (!id || !version) {
            return fail(error("o= session id and version must be decimal numbers"));
        }
        if (f[3] != "IN" || (f[4] != "IP4" && f[4] != "IP6")) {
            return fail(error("o= must use IN IP4 or IN IP6"));
        }
        m_sdp.origin =
            SdpOrigin{std::string(f[0]), *id, *version, std::string(f[5]), f[4] == "IP6"};
        m_sawO = true;
        return {};
    }
    case 's':
        if (value.empty()) {
            return fail(error("s= must not be empty (use s=-)"));
        }
        m_sdp.sessionName = std::string(value);
        m_sawS = true;
        return {};
    case 'c': {
        auto f = splitSpaces(value);
        if (f.size() != 3) {
            return fail(error("c= needs <nettype> <addrtype> <address>"));
        }
        auto c = parseAddress(m_lineNo, f[0], f[1], f[2]);
        if (!c) {
            return fail(c.error());
        }
        m_sdp.connection = *c;
        return {};
    }
    case 't': {
        auto f = splitSpaces(value);
        if (f.size() != 2 || !number<std::uint64_t>(f[0]) || !number<std::uint64_t>(f[1])) {
            return fail(error("t= needs a start and a stop time"));
        }
        m_sawT = true;
        return {};
    }
    case 'b':
        if (auto colon = value.find(':'); colon == std::string_view::npos ||
                                          !isToken(value.substr(0, colon)) ||
                                          !isDigits(value.substr(colon + 1))) {
            return fail(error("b= must be <type>:<bandwidth>"));
        }
        return {};
    case 'k':
        return mediaFail(MediaErrc::UnsupportedSdp,
                         "SDP line " + std::to_string(m_lineNo) + ": k= is not supported");
    default:
        return {}; // i, u, e, p, r, z: informational
    }
}

MediaResult<void> Parser::mediaLine(std::string_view value) {
    auto f = splitSpaces(value);
    if (f.size() < 4) {
        return fail(error("m= needs <media> <port> <proto> and at least one format"));
    }
    if (f.size() - 3 > kMaxSdpFormats) {
        return fail(error("m= has more than 64 formats"));
    }
    SdpMedia m;
    if (!isToken(f[0])) {
        return fail(error("m= media type is not a token"));
    }
    m.type = std::string(f[0]);
    if (f[1].find('/') != std::string_view::npos) {
        return mediaFail(MediaErrc::UnsupportedSdp, "SDP line " + std::to_string(m_lineNo) +
                                                        ": port counts are not supported");
    }
    auto port = number<std::uint32_t>(f[1]);
    if (!port || *port > 65535) {
        return fail(error("m= port must be 0 to 65535"));
    }
    m.port = static_cast<std::uint16_t>(*port);
    for (char c : f[2]) {
        if (!isTokenChar(c) && c != '/') {
            return fail(error("m= protocol is malformed"));
        }
    }
    if (f[2].empty()) {
        return fail(error("m= protocol is empty"));
    }
    m.protocol = std::string(f[2]);
    for (std::size_t i = 3; i < f.size(); ++i) {
        if (!isToken(f[i])) {
            return fail(error("m= format is not a token"));
        }
        if (m.isRtp()) {
            auto pt = number<unsigned>(f[i]);
            if (!pt || *pt > 127) {
                return fail(error("RTP payload type must be 0 to 127"));
            }
            if (std::find(m.formats.begin(), m.formats.end(), f[i]) != m.formats.end()) {
                return fail(error("m= lists a payload type twice"));
            }
            m.rtpFormats.push_back(RtpFormat{static_cast<int>(*pt), {}, 0, 1, {}});
        }
        m.formats.emplace_back(f[i]);
    }
    m_sdp.media.push_back(std::move(m));
    return {};
}

MediaResult<void> Parser::attribute(std::string_view value, SdpMedia *media) {
    const std::size_t colon = value.find(':');
    const std::string_view name = value.substr(0, colon);
    const bool hasValue = colon != std::string_view::npos;
    const std::string_view attrValue = hasValue ? value.substr(colon + 1) : std::string_view{};
    if (!isToken(name)) {
        return fail(error("attribute name is not a token"));
    }
    if (auto dir = directionFromName(name)) {
        if (hasValue) {
            return fail(error("a=" + std::string(name) + " takes no value"));
        }
        auto &slot = media != nullptr ? media->direction : m_sdp.direction;
        if (slot) {
            return fail(error("more than one direction attribute"));
        }
        slot = *dir;
        return {};
    }
    if (name == "ice-ufrag" || name == "ice-pwd") {
        if (auto problem = iceCredentialProblem(name, attrValue)) {
            return fail(error(*problem));
        }
        auto &slot = name == "ice-ufrag" ? (media != nullptr ? media->iceUfrag : m_sdp.iceUfrag)
                                         : (media != nullptr ? media->icePwd : m_sdp.icePwd);
        if (slot) {
            return fail(error("a second a=" + std::string(name)));
        }
        slot = std::string(attrValue);
        return {};
    }
    if (media == nullptr) {
        if (name == "crypto" || name == "rtpmap" || name == "fmtp" || name == "ptime" ||
            name == "maxptime" || name == "rtcp-mux" || name == "rtcp" || name == "candidate") {
            return fail(error("a=" + std::string(name) + " belongs in a media section"));
        }
        m_sdp.otherAttributes.emplace_back(name, attrValue);
        return {};
    }
    return mediaAttribute(name, attrValue, hasValue, *media);
}

MediaResult<void> Parser::mediaAttribute(std::string_view name, std::string_view value,
                                         bool hasValue, SdpMedia &m) {
    auto needValue = [&]() -> MediaResult<void> {
        if (!hasValue || value.empty()) {
            return fail(error("a=" + std::string(name) + " needs a value"));
        }
        return {};
    };
    auto formatFor = [&](std::string_view ptText) -> RtpFormat * {
        auto pt = number<int>(ptText);
        if (!pt) {
            return nullptr;
        }
        for (auto &f : m.rtpFormats) {
            if (f.payloadType == *pt) {
                return &f;
            }
        }
        return nullptr;
    };

    if (name == "rtpmap") {
        if (auto r = needValue(); !r) {
            return r;
        }
        const std::size_t sp = value.find(' ');
        if (sp == std::string_view::npos) {
            return fail(error("a=rtpmap needs <payload type> <encoding>/<clock rate>"));
        }
        RtpFormat *f = formatFor(value.substr(0, sp));
        if (f == nullptr) {
            return fail(error("a=rtpmap for a payload type that the m= line does not list"));
        }
        if (!f->encoding.empty()) {
            return fail(
                error("a second a=rtpmap for payload type " + std::to_string(f->payloadType)));
        }
        auto parts = std::string_view(value.substr(sp + 1));
        const std::size_t s1 = parts.find('/');
        if (s1 == std::string_view::npos || s1 == 0 || !isToken(parts.substr(0, s1))) {
            return fail(error("a=rtpmap encoding must be <name>/<clock rate>"));
        }
        const std::string_view rest = parts.substr(s1 + 1);
        const std::size_t s2 = rest.find('/');
        auto clock = number<std::uint32_t>(rest.substr(0, s2));
        if (!clock || *clock == 0 || *clock > 1000000) {
            return fail(error("a=rtpmap clock rate must be a positive number"));
        }
        unsigned channels = 1;
        if (s2 != std::string_view::npos) {
            auto ch = number<unsigned>(rest.substr(s2 + 1));
            if (!ch || *ch == 0 || *ch > 8) {
                return fail(error("a=rtpmap channel count must be 1 to 8"));
            }
            channels = *ch;
        }
        f->encoding = std::string(parts.substr(0, s1));
        f->clockRate = *clock;
        f->channels = channels;
        return {};
    }
    if (name == "fmtp") {
        if (auto r = needValue(); !r) {
            return r;
        }
        const std::size_t sp = value.find(' ');
        if (sp == std::string_view::npos || sp + 1 >= value.size()) {
            return fail(error("a=fmtp needs <format> <parameters>"));
        }
        const std::string_view fmt = value.substr(0, sp);
        if (m.isRtp()) {
            RtpFormat *f = formatFor(fmt);
            if (f == nullptr) {
                return fail(error("a=fmtp for a payload type that the m= line does not list"));
            }
            if (!f->fmtp.empty()) {
                return fail(
                    error("a second a=fmtp for payload type " + std::to_string(f->payloadType)));
            }
            f->fmtp = std::string(value.substr(sp + 1));
        }
        return {};
    }
    if (name == "crypto") {
        if (auto r = needValue(); !r) {
            return r;
        }
        // An offer may list suites we do not know next to ones we do: keep
        // the name of a well-formed unknown one, reject anything broken.
        std::size_t a = 0;
        while (a < value.size() && (value[a] == ' ' || value[a] == '\t')) {
            ++a;
        }
        std::size_t b = value.find_first_of(" \t", a);
        const std::string_view tag = value.substr(a, b == std::string_view::npos ? b : b - a);
        if (!isDigits(tag) || tag.size() > 9) {
            return mediaFail(MediaErrc::MalformedCrypto, "SDP line " + std::to_string(m_lineNo) +
                                                             ": a=crypto tag must be 1-9 digits");
        }
        std::size_t c = b == std::string_view::npos ? b : value.find_first_not_of(" \t", b);
        std::size_t d = c == std::string_view::npos ? c : value.find_first_of(" \t", c);
        const std::string_view suite =
            c == std::string_view::npos ? std::string_view{}
                                        : value.substr(c, d == std::string_view::npos ? d : d - c);
        if (!suite.empty() && isToken(suite) && !suiteFromName(suite) &&
            d != std::string_view::npos) {
            m.unknownCryptoSuites.emplace_back(suite.substr(0, 64));
            return {};
        }
        auto crypto = parseCryptoAttribute(value);
        if (!crypto) {
            return mediaFail(crypto.error().code, "SDP line " + std::to_string(m_lineNo) + ": " +
                                                      crypto.error().message);
        }
        for (const auto &existing : m.crypto) {
            if (existing.tag == crypto->tag) {
                return mediaFail(MediaErrc::MalformedCrypto, "SDP line " +
                                                                 std::to_string(m_lineNo) +
                                                                 ": two a=crypto lines with tag " +
                                                                 std::to_string(crypto->tag));
            }
        }
        m.crypto.push_back(std::move(*crypto));
        return {};
    }
    if (name == "ptime" || name == "maxptime") {
        if (auto r = needValue(); !r) {
            return r;
        }
        auto ms = number<unsigned>(value);
        if (!ms || *ms == 0 || *ms > 1000) {
            return fail(error("a=" + std::string(name) + " must be 1 to 1000 milliseconds"));
        }
        auto &slot = name == "ptime" ? m.ptime : m.maxptime;
        if (slot) {
            return fail(error("a second a=" + std::string(name)));
        }
        slot = *ms;
        return {};
    }
    if (name == "rtcp-mux") {
        if (hasValue) {
            return fail(error("a=rtcp-mux takes no value"));
        }
        m.rtcpMux = true;
        return {};
    }
    if (name == "rtcp") {
        if (auto r = needValue(); !r) {
            return r;
        }
        auto f = splitSpaces(value);
        auto port = number<std::uint32_t>(f[0]);
        if (!port || *port == 0 || *port > 65535 || (f.size() != 1 && f.size() != 4)) {
            return fail(error("a=rtcp must be <port> [IN IP4|IP6 <address>]"));
        }
        if (f.size() == 4) {
            auto c = parseAddress(m_lineNo, f[1], f[2], f[3]);
            if (!c) {
                return fail(c.error());
            }
        }
        m.rtcpPort = static_cast<std::uint16_t>(*port);
        return {};
    }
    if (name == "candidate") {
        if (auto problem = candidateProblem(value)) {
            return fail(error(*problem));
        }
        if (m.candidates.size() >= kMaxSdpCandidates) {
            return fail(error("more than " + std::to_string(kMaxSdpCandidates) +
                              " a=candidate lines in one media section"));
        }
        m.candidates.emplace_back(value);
        return {};
    }
    m.otherAttributes.emplace_back(name, value);
    return {};
}

MediaResult<void> Parser::finishMedia(SdpMedia &m) {
    for (auto &f : m.rtpFormats) {
        if (!f.encoding.empty()) {
            continue;
        }
        auto known = staticFormat(f.payloadType);
        if (!known) {
            return mediaFail(MediaErrc::MalformedSdp, "SDP payload type " +
                                                          std::to_string(f.payloadType) +
                                                          " has no a=rtpmap");
        }
        known->fmtp = f.fmtp;
        f = *known;
    }
    return {};
}

} // namespace

std::string_view directionName(MediaDirection direction) {
    switch (direction) {
    case MediaDirection::SendRecv:
        return "sendrecv";
    case MediaDirection::SendOnly:
        return "sendonly";
    case MediaDirection::RecvOnly:
        return "recvonly";
    case MediaDirection::Inactive:
        return "inactive";
    }
    return "inactive";
}

MediaDirection reverseDirection(MediaDirection direction) {
    switch (direction) {
    case MediaDirection::SendOnly:
        return MediaDirection::RecvOnly;
    case MediaDirection::RecvOnly:
        return MediaDirection::SendOnly;
    default:
        return direction;
    }
}

MediaDirection intersectDirections(MediaDirection a, MediaDirection b) {
    const bool sends = directionSends(a) && directionSends(b);
    const bool receives = directionReceives(a) && directionReceives(b);
    if (sends && receives) {
        return MediaDirection::SendRecv;
    }
    if (sends) {
        return MediaDirection::SendOnly;
    }
    if (receives) {
        return MediaDirection::RecvOnly;
    }
    return MediaDirection::Inactive;
}

const RtpFormat *SdpMedia::format(int payloadType) const {
    for (const auto &f : rtpFormats) {
        if (f.payloadType == payloadType) {
            return &f;
        }
    }
    return nullptr;
}

MediaDirection SessionDescription::directionOf(const SdpMedia &m) const {
    return m.direction.value_or(direction.value_or(MediaDirection::SendRecv));
}

const SdpConnection *SessionDescription::connectionOf(const SdpMedia &m) const {
    if (m.connection) {
        return &*m.connection;
    }
    return connection ? &*connection : nullptr;
}

std::optional<std::pair<std::string, std::string>>
SessionDescription::iceOf(const SdpMedia &m) const {
    const auto &ufrag = m.iceUfrag ? m.iceUfrag : iceUfrag;
    const auto &pwd = m.icePwd ? m.icePwd : icePwd;
    if (!ufrag || !pwd || m.candidates.empty()) {
        return std::nullopt;
    }
    return std::make_pair(*ufrag, *pwd);
}

MediaResult<SessionDescription> parseSdp(std::string_view text) {
    return Parser().run(text);
}

std::string formatSdp(const SessionDescription &sdp) {
    std::string out;
    auto line = [&out](std::string_view text) {
        out += text;
        out += "\r\n";
    };
    auto connection = [](const SdpConnection &c) {
        return std::string("c=IN ") + (c.ipv6 ? "IP6 " : "IP4 ") + c.address;
    };
    line("v=0");
    line("o=" + sdp.origin.username + ' ' + std::to_string(sdp.origin.sessionId) + ' ' +
         std::to_string(sdp.origin.sessionVersion) + (sdp.origin.ipv6 ? " IN IP6 " : " IN IP4 ") +
         sdp.origin.address);
    line("s=" + sdp.sessionName);
    if (sdp.connection) {
        line(connection(*sdp.connection));
    }
    line("t=0 0");
    if (sdp.iceUfrag) {
        line("a=ice-ufrag:" + *sdp.iceUfrag);
    }
    if (sdp.icePwd) {
        line("a=ice-pwd:" + *sdp.icePwd);
    }
    for (const auto &[name, value] : sdp.otherAttributes) {
        line("a=" + name + (value.empty() ? "" : ":" + value));
    }
    if (sdp.direction) {
        line("a=" + std::string(directionName(*sdp.direction)));
    }
    for (const auto &m : sdp.media) {
        std::string mline = "m=" + m.type + ' ' + std::to_string(m.port) + ' ' + m.protocol;
        for (const auto &f : m.formats) {
            mline += ' ' + f;
        }
        line(mline);
        if (m.connection) {
            line(connection(*m.connection));
        }
        for (const auto &f : m.rtpFormats) {
            if (f.payloadType >= 96 || !staticFormat(f.payloadType)) {
                line("a=rtpmap:" + std::to_string(f.payloadType) + ' ' + f.encoding + '/' +
                     std::to_string(f.clockRate) +
                     (f.channels > 1 ? '/' + std::to_string(f.channels) : ""));
            }
            if (!f.fmtp.empty()) {
                line("a=fmtp:" + std::to_string(f.payloadType) + ' ' + f.fmtp);
            }
        }
        if (m.ptime) {
            line("a=ptime:" + std::to_string(*m.ptime));
        }
        if (m.maxptime) {
            line("a=maxptime:" + std::to_string(*m.maxptime));
        }
        if (m.rtcpPort) {
            line("a=rtcp:" + std::to_string(*m.rtcpPort));
        }
        if (m.rtcpMux) {
            line("a=rtcp-mux");
        }
        for (const auto &c : m.crypto) {
            line("a=crypto:" + formatCryptoAttribute(c));
        }
        if (m.iceUfrag) {
            line("a=ice-ufrag:" + *m.iceUfrag);
        }
        if (m.icePwd) {
            line("a=ice-pwd:" + *m.icePwd);
        }
        for (const auto &c : m.candidates) {
            line("a=candidate:" + c);
        }
        for (const auto &[name, value] : m.otherAttributes) {
            line("a=" + name + (value.empty() ? "" : ":" + value));
        }
        if (m.direction) {
            line("a=" + std::string(directionName(*m.direction)));
        }
    }
    return out;
}

} // namespace napkin::media
