#include "sipcore/SecureBody.h"

#include "crypto/Mime.h"

#include <openssl/cms.h>
#include <openssl/err.h>

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
    return std::move(verified).value();
}

Result<void, SecureBodyError> checkSigningTime(const std::optional<crypto::SystemTime> &when,
                                               std::chrono::system_clock::time_point now) {
    if (!when) {
        return {};
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

SecureBodyResult<crypto::MimeBody> sealSdp(std::string_view sdp,
                                           const crypto::Certificate &recipient,
                                           const crypto::DeviceIdentity &self) {
    std::string inner = "Content-Type: application/sdp\r\n\r\n";
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
    if (auto fresh = checkSigningTime(verified->signingTime, now); !fresh) {
        return fail(std::move(fresh).error());
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
                     SignerProof{verified->signer, verified->signingTime}};
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
