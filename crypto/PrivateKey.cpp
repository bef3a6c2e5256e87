// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/PrivateKey.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace napkin::crypto {

namespace {
std::string errnoText(const std::string &what, const std::string &path) {
    return what + " " + path + ": " + std::strerror(errno);
}
} // namespace

PrivateKey::PrivateKey(EvpPkeyPtr key) : m_key(std::move(key)) {}

CryptoResult<PrivateKey> PrivateKey::generateEc(std::string_view curve) {
    const char *group = nullptr;
    if (curve == "P-256" || curve == "prime256v1") {
        group = "P-256";
    } else if (curve == "P-384" || curve == "secp384r1") {
        group = "P-384";
    } else {
        return fail(CryptoError{CryptoErrc::UnsupportedAlgorithm,
                                "EC curve " + std::string(curve) +
                                    " is not supported; use P-256 or P-384"});
    }
    EvpPkeyPtr key(EVP_EC_gen(group));
    if (!key) {
        return fail(
            CryptoError::fromOpenSsl(CryptoErrc::KeyGeneration, "generating the EC key failed"));
    }
    return PrivateKey(std::move(key));
}

CryptoResult<PrivateKey> PrivateKey::generateRsa(int bits) {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
        return fail(
            CryptoError{CryptoErrc::UnsupportedAlgorithm,
                        "RSA keys must have 2048, 3072 or 4096 bits, not " + std::to_string(bits)});
    }
    EvpPkeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
    if (!key) {
        return fail(
            CryptoError::fromOpenSsl(CryptoErrc::KeyGeneration, "generating the RSA key failed"));
    }
    return PrivateKey(std::move(key));
}

CryptoResult<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return fail(CryptoError::fromOpenSsl(CryptoErrc::Internal, "out of memory"));
    }
    // A null password callback with an empty passphrase makes encrypted keys fail
    // instead of prompting on the terminal.
    static char empty[] = "";
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty));
    if (!key) {
        return fail(CryptoError::fromOpenSsl(
            CryptoErrc::MalformedPem, "no usable unencrypted private key was found in the PEM"));
    }
    return PrivateKey(std::move(key));
}

CryptoResult<PrivateKey> PrivateKey::loadFile(const std::string &path) {
    auto bytes = readFileBytes(path, 64 * 1024);
    if (!bytes) {
        return fail(std::move(bytes).error());
    }
    auto key =
        fromPem(std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()));
    OPENSSL_cleanse(bytes->data(), bytes->size());
    if (!key) {
        auto err = std::move(key).error();
        err.message = path + ": " + err.message;
        return fail(std::move(err));
    }
    return key;
}

std::string PrivateKey::toPem() const {
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio) {
        bio.reset(BIO_new(BIO_s_mem()));
    }
    PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

Result<void, CryptoError> PrivateKey::saveFile(const std::string &path) const {
    std::string pem = toPem();
    auto r = writeFileAtomically(path, pem, 0600);
    OPENSSL_cleanse(pem.data(), pem.size());
    return r;
}

bool PrivateKey::matches(const Certificate &cert) const {
    EVP_PKEY *pub = X509_get0_pubkey(cert.native());
    return pub != nullptr && EVP_PKEY_eq(pub, m_key.get()) == 1;
}

KeyType PrivateKey::type() const {
    if (EVP_PKEY_is_a(m_key.get(), "EC")) {
        return KeyType::Ec;
    }
    if (EVP_PKEY_is_a(m_key.get(), "RSA")) {
        return KeyType::Rsa;
    }
    return KeyType::Other;
}

Result<void, CryptoError> writeFileAtomically(const std::string &path, std::string_view data,
                                              unsigned mode) {
    std::string tmp = path + ".tmp-XXXXXX";
    int fd = mkstemp(tmp.data());
    if (fd < 0) {
        return fail(CryptoError{CryptoErrc::Io, errnoText("cannot create a file next to", path)});
    }
    auto cleanup = [&] {
        ::close(fd);
        ::unlink(tmp.c_str());
    };
    if (fchmod(fd, static_cast<mode_t>(mode)) != 0) {
        cleanup();
        return fail(CryptoError{CryptoErrc::Io, errnoText("cannot set the mode of", tmp)});
    }
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            cleanup();
            return fail(CryptoError{CryptoErrc::Io, errnoText("cannot write", tmp)});
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        cleanup();
        return fail(CryptoError{CryptoErrc::Io, errnoText("cannot flush", tmp)});
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return fail(CryptoError{CryptoErrc::Io, errnoText("cannot replace", path)});
    }
    return {};
}

CryptoResult<Bytes> readFileBytes(const std::string &path, std::size_t maxSize) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(CryptoError{CryptoErrc::Io, errnoText("cannot open", path)});
    }
    Bytes out;
    std::uint8_t buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            ::close(fd);
            return fail(CryptoError{CryptoErrc::Io, errnoText("cannot read", path)});
        }
        if (n == 0) {
            break;
        }
        if (out.size() + static_cast<std::size_t>(n) > maxSize) {
            ::close(fd);
            return fail(CryptoError{CryptoErrc::Io, path + " is larger than " +
                                                        std::to_string(maxSize) + " bytes"});
        }
        out.insert(out.end(), buf, buf + n);
    }
    ::close(fd);
    if (out.empty()) {
        return fail(CryptoError{CryptoErrc::Io, path + " is empty"});
    }
    return out;
}

} // namespace napkin::crypto
