// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SecureBody.h"

#include "crypto/Encoding.h"
#include "crypto/Mime.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include <map>

namespace napkin::sip {

namespace {

using crypto::asBytes;
using crypto::asText;
using crypto::CryptoErrc;

SecureBodyError bodyError(IdentityFailure code, std::string message) {
    return SecureBodyError{code, std::move(message)};
}

IdentityFailure failureOf(CryptoErrc code) {
    switch (code) {
    case CryptoErrc::NoSignature:
    case CryptoErrc::MalformedMime:
    case CryptoErrc::MalformedEncoding:
    case CryptoErrc::MalformedDer:
    case CryptoErrc::MalformedPem:
        return IdentityFailure::Malformed;
    case CryptoErrc::BadSignature:
    case CryptoErrc::UnsupportedAlgorithm:
        return IdentityFailure::BadSignature;
    case CryptoErrc::SignerNotInSet:
        return IdentityFailure::SignerNotListed;
    case CryptoErrc::CertificateExpired:
    case CryptoErrc::CertificateNotYetValid:
    case CryptoErrc::NotSelfSigned:
        return IdentityFailure::CertificateInvalid;
    case CryptoErrc::NotForThisKey:
        return IdentityFailure::NotForThisDevice;
    case CryptoErrc::DecryptFailed:
        return IdentityFailure::DecryptFailed;
    case CryptoErrc::NameMismatch:
        return IdentityFailure::WrongAddress;
    case CryptoErrc::InvalidArgument:
    case CryptoErrc::KeyGeneration:
    case CryptoErrc::Io:
    case CryptoErrc::Internal:
        return IdentityFailure::Internal;
    }
    return IdentityFailure::Internal;
}

SecureBodyError fromCrypto(const crypto::CryptoError &error, std::string_view context) {
    return bodyError(failureOf(error.code), std::string(context) + error.message);
}

/// Signature and certificate checks shared by the identity body and sealed SDP.
Result<void, SecureBodyError> checkSigningTime(const std::optional<crypto::SystemTime> &when,
                                               std::chrono::system_clock::time_point now) {
    if (!when) {
        // Without it nothing bounds how long the body may be replayed.
        return fail(bodyError(IdentityFailure::DateOutOfRange,
                              "the signature carries no signing time, so its freshness "
                              "cannot be checked"));
    }
    const auto skew = *when > now ? *when - now : now - *when;
    if (skew > kSignatureWindow) {
        const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(skew).count();
        return fail(bodyError(IdentityFailure::DateOutOfRange,
                              "the body was signed " + std::to_string(minutes) +
                                  " minutes away from this device's clock (a replay?)"));
    }
    return {};
}

SecureBodyResult<crypto::VerifiedContent>
verifySigned(const crypto::MimeBody &body, const crypto::Aor &claimed,
             std::span<const crypto::Certificate> publishedSet,
             std::chrono::system_clock::time_point now) {
    auto verified = crypto::smimeVerify(body, publishedSet, now);
    if (!verified) {
        return fail(fromCrypto(verified.error(), ""));
    }
    // The published set was filtered for the address already; checking again
    // keeps this function safe for any set a caller passes.
    if (auto named = crypto::checkCertificateForAor(verified->signer, claimed); !named) {
        return fail(
            fromCrypto(named.error(), "the signer does not belong to " + claimed.uri() + ": "));
    }
    if (auto fresh = checkSigningTime(verified->signingTime, now); !fresh) {
        return fail(std::move(fresh).error());
    }
    return std::move(verified).value();
}

constexpr std::string_view kBindingPrefix = "Napkin-Binding-";

std::string formatBinding(const BodyBinding &b) {
    std::string out;
    out += std::string(kBindingPrefix) + "Call-ID: " + b.callId + "\r\n";
    out += std::string(kBindingPrefix) + "Caller-Tag: " + b.callerTag + "\r\n";
    out += std::string(kBindingPrefix) + "Sender: " + (b.fromCaller ? "caller" : "callee") + "\r\n";
    out += std::string(kBindingPrefix) + "Sequence: " + std::to_string(b.sequence) + "\r\n";
    out += std::string(kBindingPrefix) + "Role: " + (b.answer ? "answer" : "offer") + "\r\n";
    if (b.answer) {
        out += std::string(kBindingPrefix) + "Offer: " + b.offerDigest + "\r\n";
    }
    return out;
}

/// The binding header lines of a decrypted entity; nullopt when any is
/// missing or malformed.
std::optional<BodyBinding> parseBinding(std::string_view entity) {
    const auto end = entity.find("\r\n\r\n");
    std::string_view headers = entity.substr(0, end == std::string_view::npos ? 0 : end);
    std::map<std::string, std::string> fields;
    while (!headers.empty()) {
        const auto eol = headers.find("\r\n");
        std::string_view line = headers.substr(0, eol);
        headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
        if (line.substr(0, kBindingPrefix.size()) != kBindingPrefix) {
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        if (!fields
                 .emplace(
                     std::string(line.substr(kBindingPrefix.size(), colon - kBindingPrefix.size())),
                     std::string(value))
                 .second) {
            return std::nullopt; // twice
        }
    }
    BodyBinding b;
    const auto take = [&](const char *name) -> std::optional<std::string> {
        auto it = fields.find(name);
        return it == fields.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    const auto callId = take("Call-ID");
    const auto tag = take("Caller-Tag");
    const auto sender = take("Sender");
    const auto sequence = take("Sequence");
    const auto role = take("Role");
    if (!callId || !tag || !sender || !sequence || !role || callId->empty() ||
        (*sender != "caller" && *sender != "callee") || (*role != "offer" && *role != "answer") ||
        sequence->empty() || sequence->size() > 9 ||
        sequence->find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    b.callId = *callId;
    b.callerTag = *tag;
    b.fromCaller = *sender == "caller";
    b.sequence = static_cast<std::uint32_t>(std::stoul(*sequence));
    b.answer = *role == "answer";
    if (b.answer) {
        const auto offer = take("Offer");
        if (!offer) {
            return std::nullopt;
        }
        b.offerDigest = *offer;
    }
    return b;
}

IdentityFailure aibFailure(AibErrc code) {
    switch (code) {
    case AibErrc::Malformed:
    case AibErrc::Missing:
        return IdentityFailure::Malformed;
    case AibErrc::Mismatch:
        return IdentityFailure::HeaderMismatch;
    case AibErrc::DateOutOfRange:
        return IdentityFailure::DateOutOfRange;
    }
    return IdentityFailure::Malformed;
}

} // namespace

BodyKind classifyBody(std::string_view contentType, std::size_t size) {
    if (size == 0) {
        return BodyKind::Empty;
    }
    auto ct = crypto::parseContentType(contentType);
    if (!ct) {
        return BodyKind::Other;
    }
    if (ct->is("application", "sdp")) {
        return BodyKind::PlainSdp;
    }
    if (ct->is("multipart", "signed")) {
        return BodyKind::Signed;
    }
    if (ct->is("application", "pkcs7-mime") || ct->is("application", "x-pkcs7-mime")) {
        return BodyKind::Encrypted;
    }
    return BodyKind::Other;
}

Result<void, SecureBodyError> checkBinding(const std::optional<BodyBinding> &received,
                                           const BodyBinding &expected,
                                           std::uint32_t lastSequence) {
    if (!received) {
        return fail(
            bodyError(IdentityFailure::HeaderMismatch, "the sealed body is not bound to any call"));
    }
    if (received->callId != expected.callId || received->callerTag != expected.callerTag) {
        return fail(bodyError(IdentityFailure::HeaderMismatch,
                              "the sealed body belongs to another call (Call-ID " +
                                  received->callId + ")"));
    }
    if (received->fromCaller != expected.fromCaller) {
        return fail(bodyError(IdentityFailure::HeaderMismatch,
                              "the sealed body was sent the other way in this call"));
    }
    if (received->answer != expected.answer) {
        return fail(bodyError(IdentityFailure::HeaderMismatch,
                              std::string("the sealed body is an ") +
                                  (received->answer ? "answer" : "offer") + " where an " +
                                  (expected.answer ? "answer" : "offer") + " was due"));
    }
    if (received->sequence <= lastSequence) {
        return fail(bodyError(IdentityFailure::Replayed,
                              "the sealed body is an earlier one of this call (number " +
                                  std::to_string(received->sequence) + ", already at " +
                                  std::to_string(lastSequence) + "): a replay"));
    }
    if (expected.answer && received->offerDigest != expected.offerDigest) {
        return fail(bodyError(IdentityFailure::Replayed,
                              "the sealed answer answers another offer than this device's"));
    }
    return {};
}

SecureBodyResult<crypto::MimeBody> signIdentityBody(const IdentityHeaders &headers,
                                                    const crypto::DeviceIdentity &self) {
    const std::string entity = buildIdentityBody(headers);
    auto signedBody = crypto::smimeSign(asBytes(entity), self.certificate, self.key);
    if (!signedBody) {
        return fail(fromCrypto(signedBody.error(), "cannot sign the identity body: "));
    }
    return std::move(signedBody).value();
}

SecureBodyResult<SignerProof> verifyIdentityBody(const crypto::MimeBody &body,
                                                 const IdentityHeaders &actual,
                                                 const crypto::Aor &claimed,
                                                 std::span<const crypto::Certificate> publishedSet,
                                                 std::chrono::system_clock::time_point now) {
    auto verified = verifySigned(body, claimed, publishedSet, now);
    if (!verified) {
        return fail(std::move(verified).error());
    }
    auto aib = parseIdentityBody(asText(verified->entity));
    if (!aib) {
        return fail(bodyError(aibFailure(aib.error().code), aib.error().message));
    }
    if (auto match = checkIdentityBody(*aib, actual, now, kSignatureWindow); !match) {
        return fail(bodyError(aibFailure(match.error().code), match.error().message));
    }
    return SignerProof{verified->signer, verified->signingTime};
}

std::string sdpDigest(std::string_view sdp) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(sdp.data()), sdp.size(), digest);
    return "sha256:" + crypto::toHex(crypto::ByteView(digest, sizeof digest));
}

SecureBodyResult<crypto::MimeBody> sealSdp(std::string_view sdp,
                                           const crypto::Certificate &recipient,
                                           const crypto::DeviceIdentity &self,
                                           const BodyBinding &binding) {
    std::string inner = "Content-Type: application/sdp\r\n" + formatBinding(binding) + "\r\n";
    inner += sdp;
    const crypto::Certificate recipients[] = {recipient};
    auto encrypted = crypto::smimeEncrypt(asBytes(inner), recipients);
    if (!encrypted) {
        return fail(fromCrypto(encrypted.error(), "cannot encrypt the SDP: "));
    }
    const crypto::Bytes entity = crypto::mimeBodyToEntity(*encrypted);
    auto signedBody = crypto::smimeSign(entity, self.certificate, self.key);
    if (!signedBody) {
        return fail(fromCrypto(signedBody.error(), "cannot sign the encrypted SDP: "));
    }
    return std::move(signedBody).value();
}

SecureBodyResult<OpenedSdp> openSdp(const crypto::MimeBody &body, const crypto::Aor &peer,
                                    std::span<const crypto::Certificate> publishedSet,
                                    const crypto::DeviceIdentity &self,
                                    std::chrono::system_clock::time_point now,
                                    const std::optional<crypto::Certificate> &expectedSigner) {
    if (classifyBody(body.contentType, body.body.size()) != BodyKind::Signed) {
        return fail(bodyError(IdentityFailure::Malformed,
                              "the body is " + body.contentType + ", not a signed S/MIME body"));
    }
    auto verified = verifySigned(body, peer, publishedSet, now);
    if (!verified) {
        return fail(std::move(verified).error());
    }
    if (expectedSigner && !(verified->signer == *expectedSigner)) {
        return fail(bodyError(IdentityFailure::SignerNotListed,
                              "the body is signed by " + verified->signer.fingerprint() +
                                  ", not by the device this call is with (" +
                                  expectedSigner->fingerprint() + ")"));
    }
    auto envelope = crypto::mimeBodyFromEntity(verified->entity);
    if (!envelope) {
        return fail(fromCrypto(envelope.error(), "the signed part: "));
    }
    if (classifyBody(envelope->contentType, envelope->body.size()) != BodyKind::Encrypted) {
        return fail(
            bodyError(IdentityFailure::Malformed,
                      "the signed part is " + envelope->contentType + ", not an encrypted body"));
    }
    auto plain = crypto::smimeDecrypt(*envelope, self.certificate, self.key);
    if (!plain) {
        return fail(fromCrypto(plain.error(), ""));
    }
    auto inner = crypto::mimeBodyFromEntity(*plain);
    if (!inner) {
        return fail(fromCrypto(inner.error(), "the decrypted part: "));
    }
    if (classifyBody(inner->contentType, inner->body.size()) != BodyKind::PlainSdp) {
        return fail(bodyError(IdentityFailure::Malformed, "the decrypted part is " +
                                                              inner->contentType +
                                                              " (or empty), not application/sdp"));
    }
    return OpenedSdp{std::string(asText(inner->body)),
                     SignerProof{verified->signer, verified->signingTime},
                     parseBinding(asText(*plain))};
}

std::optional<crypto::Certificate> claimedSigner(const crypto::MimeBody &body) {
    auto ct = crypto::parseContentType(body.contentType);
    if (!ct || !ct->is("multipart", "signed") || body.body.size() > crypto::kMaxSmimeBody) {
        return std::nullopt;
    }
    auto boundary = ct->parameter("boundary");
    if (!boundary) {
        return std::nullopt;
    }
    auto parts = crypto::splitMultipart(body.body, *boundary, 2);
    if (!parts || parts->size() != 2) {
        return std::nullopt;
    }
    auto signature = crypto::mimeBodyFromEntity((*parts)[1]);
    if (!signature || signature->body.empty()) {
        return std::nullopt;
    }
    const unsigned char *p = signature->body.data();
    crypto::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(signature->body.size())));
    if (!cms) {
        ERR_clear_error();
        return std::nullopt;
    }
    STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(cms.get());
    if (signers == nullptr || sk_CMS_SignerInfo_num(signers) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(signers, 0);
    crypto::X509StackPtr certs(CMS_get1_certs(cms.get()));
    ERR_clear_error();
    if (!certs) {
        return std::nullopt;
    }
    for (int i = 0; i < sk_X509_num(certs.get()); ++i) {
        X509 *candidate = sk_X509_value(certs.get(), i);
        if (CMS_SignerInfo_cert_cmp(si, candidate) == 0) {
            X509_up_ref(candidate);
            return crypto::Certificate(crypto::X509Ptr(candidate));
        }
    }
    return std::nullopt;
}

} // namespace napkin::sip
