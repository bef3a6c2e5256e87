// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include "crypto/Certificate.h"

namespace napkin::crypto {

/// A private key. Move-only: key material is never copied implicitly.
class PrivateKey {
public:
    explicit PrivateKey(EvpPkeyPtr key);

    /// EC key on "P-256" (default) or "P-384".
    [[nodiscard]] static CryptoResult<PrivateKey> generateEc(std::string_view curve = "P-256");
    /// RSA key of 2048, 3072 or 4096 bits.
    [[nodiscard]] static CryptoResult<PrivateKey> generateRsa(int bits);

    /// Unencrypted PKCS#8 or traditional PEM.
    [[nodiscard]] static CryptoResult<PrivateKey> fromPem(std::string_view pem);
    [[nodiscard]] static CryptoResult<PrivateKey> loadFile(const std::string &path);

    /// Unencrypted PKCS#8 PEM. The caller decides where it may go (a keychain,
    /// or a 0600 file the user asked for); it is never logged.
    [[nodiscard]] std::string toPem() const;
    /// Writes PEM to `path` with mode 0600, atomically (temp file + rename).
    [[nodiscard]] Result<void, CryptoError> saveFile(const std::string &path) const;

    [[nodiscard]] bool matches(const Certificate &cert) const;
    [[nodiscard]] KeyType type() const;

    [[nodiscard]] EVP_PKEY *native() const { return m_key.get(); }

private:
    EvpPkeyPtr m_key;
};

/// Writes a text file atomically with the given mode (temp file, fsync, rename).
[[nodiscard]] Result<void, CryptoError> writeFileAtomically(const std::string &path,
                                                            std::string_view data, unsigned mode);
[[nodiscard]] CryptoResult<Bytes> readFileBytes(const std::string &path, std::size_t maxSize);

} // namespace napkin::crypto
