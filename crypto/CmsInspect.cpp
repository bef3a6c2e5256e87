// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/CmsInspect.h"

#include <openssl/objects.h>

#include <vector>

namespace napkin::crypto {

namespace {

constexpr int kMaxDepth = 32;

constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagSet = 0x31;
constexpr std::uint8_t kTagContext0 = 0xa0;
constexpr std::uint8_t kTagContext1 = 0xa1;
constexpr std::uint8_t kConstructed = 0x20;

/// One BER element: its identifier octet, its contents (without the
/// end-of-contents octets of an indefinite length) and its whole encoding.
struct Element {
    std::uint8_t tag = 0;
    ByteView content;
    ByteView encoding;
};

std::optional<Element> readElement(ByteView in, int depth) {
    if (depth > kMaxDepth || in.size() < 2) {
        return std::nullopt;
    }
    Element e;
    e.tag = in[0];
    if ((e.tag & 0x1f) == 0x1f) {
        return std::nullopt; // high tag numbers do not occur where we look
    }
    std::size_t pos = 1;
    const std::uint8_t first = in[pos++];
    if (first == 0x80) {
        if ((e.tag & kConstructed) == 0) {
            return std::nullopt;
        }
        const std::size_t start = pos;
        for (;;) {
            if (in.size() - pos >= 2 && in[pos] == 0 && in[pos + 1] == 0) {
                e.content = in.subspan(start, pos - start);
                e.encoding = in.subspan(0, pos + 2);
                return e;
            }
            auto child = readElement(in.subspan(pos), depth + 1);
            if (!child) {
                return std::nullopt;
            }
            pos += child->encoding.size();
        }
    }
    std::size_t length = first;
    if ((first & 0x80) != 0) {
        const std::size_t count = first & 0x7f;
        if (count == 0 || count > 4 || in.size() - pos < count) {
            return std::nullopt;
        }
        length = 0;
        for (std::size_t i = 0; i < count; ++i) {
            length = (length << 8) | in[pos++];
        }
    }
    if (length > in.size() - pos) {
        return std::nullopt;
    }
    e.content = in.subspan(pos, length);
    e.encoding = in.subspan(0, pos + length);
    return e;
}

std::optional<std::vector<Element>> children(const Element &parent, int depth) {
    std::vector<Element> out;
    ByteView rest = parent.content;
    while (!rest.empty()) {
        if (out.size() == 64) {
            return std::nullopt;
        }
        auto child = readElement(rest, depth);
        if (!child) {
            return std::nullopt;
        }
        rest = rest.subspan(child->encoding.size());
        out.push_back(*child);
    }
    return out;
}

int oidNid(const Element &oid) {
    if (oid.tag != kTagOid) {
        return NID_undef;
    }
    const unsigned char *p = oid.encoding.data();
    ASN1_OBJECT *obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid.encoding.size()));
    if (obj == nullptr) {
        return NID_undef;
    }
    const int nid = OBJ_obj2nid(obj);
    ASN1_OBJECT_free(obj);
    return nid;
}

/// Length of an OCTET STRING's value, primitive or constructed.
std::optional<std::size_t> octetStringLength(const Element &e, int depth) {
    if (e.tag == kTagOctetString) {
        return e.content.size();
    }
    if (e.tag != (kTagOctetString | kConstructed)) {
        return std::nullopt;
    }
    auto parts = children(e, depth + 1);
    if (!parts) {
        return std::nullopt;
    }
    std::size_t total = 0;
    for (const auto &p : *parts) {
        auto n = octetStringLength(p, depth + 1);
        if (!n) {
            return std::nullopt;
        }
        total += *n;
    }
    return total;
}

void appendLength(Bytes &out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    std::uint8_t digits[sizeof(std::size_t)];
    std::size_t count = 0;
    for (std::size_t n = length; n > 0; n >>= 8) {
        digits[count++] = static_cast<std::uint8_t>(n & 0xff);
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | count));
    while (count > 0) {
        out.push_back(digits[--count]);
    }
}

/// tag, definite length, then the contents given as pieces.
Bytes wrap(std::uint8_t tag, const std::vector<ByteView> &pieces) {
    std::size_t length = 0;
    for (const auto &p : pieces) {
        length += p.size();
    }
    Bytes out;
    out.reserve(length + 8);
    out.push_back(tag);
    appendLength(out, length);
    for (const auto &p : pieces) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

CryptoError shapeError(const std::string &what) {
    return CryptoError{CryptoErrc::MalformedDer, "the encrypted body is not shaped like CMS "
                                                 "EnvelopedData: " +
                                                     what};
}

} // namespace

CryptoResult<EnvelopeFacts> inspectEnvelope(ByteView der) {
    auto top = readElement(der, 0);
    if (!top || top->tag != kTagSequence) {
        return fail(shapeError("no outer SEQUENCE"));
    }
    auto info = children(*top, 1);
    if (!info || info->size() != 2 || (*info)[1].tag != kTagContext0) {
        return fail(shapeError("no [0] content in the ContentInfo"));
    }
    EnvelopeFacts facts;
    facts.contentTypeNid = oidNid((*info)[0]);
    auto wrapped = children((*info)[1], 2);
    if (!wrapped || wrapped->size() != 1 || wrapped->front().tag != kTagSequence) {
        return fail(shapeError("the [0] content is not one SEQUENCE"));
    }
    auto fields = children(wrapped->front(), 3);
    if (!fields || fields->empty() || fields->front().tag != kTagInteger) {
        return fail(shapeError("no version"));
    }
    std::size_t i = 1;
    if (i < fields->size() && (*fields)[i].tag == kTagContext0) {
        ++i; // originatorInfo
    }
    if (i >= fields->size() || (*fields)[i].tag != kTagSet) {
        return fail(shapeError("no RecipientInfos"));
    }
    ++i;
    if (i >= fields->size() || (*fields)[i].tag != kTagSequence) {
        return fail(shapeError("no EncryptedContentInfo"));
    }
    auto eci = children((*fields)[i], 4);
    if (!eci || eci->size() < 2 || (*eci)[1].tag != kTagSequence) {
        return fail(shapeError("no content-encryption algorithm"));
    }
    auto alg = children((*eci)[1], 5);
    if (!alg || alg->empty()) {
        return fail(shapeError("an empty content-encryption algorithm"));
    }
    facts.cipherNid = oidNid(alg->front());
    ++i;
    if (facts.contentTypeNid == NID_id_smime_ct_authEnvelopedData) {
        if (i < fields->size() && (*fields)[i].tag == kTagContext1) {
            ++i; // authAttrs
        }
        if (i >= fields->size()) {
            return fail(shapeError("no MAC"));
        }
        facts.macLength = octetStringLength((*fields)[i], 4);
        if (!facts.macLength) {
            return fail(shapeError("the MAC is not an OCTET STRING"));
        }
    }
    return facts;
}

std::optional<Bytes> signedDataWithoutCertificates(ByteView der) {
    auto top = readElement(der, 0);
    if (!top || top->tag != kTagSequence || top->encoding.size() != der.size()) {
        return std::nullopt;
    }
    auto info = children(*top, 1);
    if (!info || info->size() != 2 || (*info)[1].tag != kTagContext0 ||
        oidNid((*info)[0]) != NID_pkcs7_signed) {
        return std::nullopt;
    }
    auto wrapped = children((*info)[1], 2);
    if (!wrapped || wrapped->size() != 1 || wrapped->front().tag != kTagSequence) {
        return std::nullopt;
    }
    auto fields = children(wrapped->front(), 3);
    if (!fields) {
        return std::nullopt;
    }
    std::vector<ByteView> kept;
    for (const auto &field : *fields) {
        if (field.tag != kTagContext0 && field.tag != kTagContext1) {
            kept.push_back(field.encoding);
        }
    }
    const Bytes signedData = wrap(kTagSequence, kept);
    const Bytes explicitContent = wrap(kTagContext0, {signedData});
    return wrap(kTagSequence, {(*info)[0].encoding, explicitContent});
}

} // namespace napkin::crypto
