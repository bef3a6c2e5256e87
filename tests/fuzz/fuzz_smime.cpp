// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// Fuzz target for received S/MIME bodies: verification of multipart/signed
// and decryption of application/pkcs7-mime, from the whole-entity form (as
// the CLI reads it) and from the SIP form (Content-Type apart, raw body).
//
// The fixture identities below exist only for fuzzing; the seed corpus in
// corpus/fuzz_smime/ is signed by and encrypted to them, so unmutated seeds
// reach the success paths. They protect nothing.

#include "crypto/Smime.h"
#include "tests/fuzz/FuzzTarget.h"

#include <cstdlib>

using namespace napkin::crypto;

namespace {

constexpr std::string_view kEcCert = R"(-----BEGIN CERTIFICATE-----
MIIBrjCCAVWgAwIBAgIUK666ZVjS3mDb03RB+m9ly9tO+pkwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHRnV6eiBFQzAgFw0yNjExMjMxODE1NTlaGA8yMTI2MTAzMDE4
MTU1OVowEjEQMA4GA1UEAwwHRnV6eiBFQzBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABKhKeqo1GB5seBcQZkh2kKxanTXuXL4NRhZEGsYGcuKj7cAI5Ix89Ikqcy/v
EO5I9iwbYVlO87PDIjlk9B/ZtMGjgYYwgYMwHQYDVR0OBBYEFFRAifErY4rxLIj0
/RrD9r5ZmKQpMB8GA1UdIwQYMBaAFFRAifErY4rxLIj0/RrD9r5ZmKQpMA8GA1Ud
EwEB/wQFMAMBAf8wIwYDVR0RBBwwGoYYc2lwOmZ1enotZWNAZnV6ei5leGFtcGxl
MAsGA1UdDwQEAwIDiDAKBggqhkjOPQQDAgNHADBEAiBJp4BfsaGbCtTpYKf24/Yv
iDHHxE+uchK570F5PLOFdgIgOz3KGXdSG5lmG8ejvkSiTGi8hctjSU/SW6WxOhF9
15E=
-----END CERTIFICATE-----
)";
constexpr std::string_view kEcKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgioMnxVzlZ8fPs4tp
RJY7d0+8U5oQ1eTaXPJPS0ynHwKhRANCAASoSnqqNRgebHgXEGZIdpCsWp017ly+
DUYWRBrGBnLio+3ACOSMfPSJKnMv7xDuSPYsG2FZTvOzwyI5ZPQf2bTB
-----END PRIVATE KEY-----
)";
constexpr std::string_view kRsaCert = R"(-----BEGIN CERTIFICATE-----
MIIDPjCCAiagAwIBAgIUGU1/V73LrqwmMiMKuA5SluJQnsIwDQYJKoZIhvcNAQEL
BQAwEzERMA8GA1UEAwwIRnV6eiBSU0EwIBcNMjYxMTIzMTgxNTU5WhgPMjEyNjEw
MzAxODE1NTlaMBMxETAPBgNVBAMMCEZ1enogUlNBMIIBIjANBgkqhkiG9w0BAQEF
AAOCAQ8AMIIBCgKCAQEAkRsTttY8LiiGmOOMKYXrmi4ZUXg2TTB88i8/p6McpyKQ
GEVVPSZ5KWniMl3EndBVoh3bGwQdSUmz8pI/MTH03gw4OIsVOyWXH1PPsn7Q3wfG
cCQlw5+bvehPBu6Jng9QHglj/yI6S1iA7eprg+3eAH8o3RxFBrtVCtu+kApB1lUK
rLNOJqokzHgUJIBt3+yJpb0gL2s8RyMyRsg8yabRhuy+EjeaNEjha50Lg8pTeDAS
nevJ77UwcNWFt1v9fWnwcjYa8SwOJM7+hAFkVwSAo6iZTX2ECdwB35CinFj6GHPL
9U358smz3m1Z24RLngH7YxA/iiiargVBzbw3glNN9wIDAQABo4GHMIGEMB0GA1Ud
DgQWBBRQr92Czn9jwC3y09okqDYu2y9dsDAfBgNVHSMEGDAWgBRQr92Czn9jwC3y
09okqDYu2y9dsDAPBgNVHRMBAf8EBTADAQH/MCQGA1UdEQQdMBuGGXNpcDpmdXp6
LXJzYUBmdXp6LmV4YW1wbGUwCwYDVR0PBAQDAgWgMA0GCSqGSIb3DQEBCwUAA4IB
AQAXiqLSh4Z4lQY3QU6wbEm8ge/6KZ9gCb/+PlakeW7854hoM6HwChWHE5b5cWKn
e6c4frWEtYkFSylHqJeRfpM7FeJHBXewj2FmEzywY28rqE+BKWV/XXJXcYi/ODbj
RiI/a1EVCmilkY2GWLrMlr9wm3AGX2aa3Hx2LjlnFmh3S2jvzI4LGGwzXL+PNu8U
aSfbcRhGlO8X2ST2t/sYTIkXNJjxf9wjVTmCXVGtsRJ5VXQzV/ND3OQso6OFsgfq
5BS988uYLJ0pD3Mslo04Km3h1DLJ4kVkUNqO/8IopId7+90nek0Kk5blfNg3Trjw
HzZlpwtiYbNGplKp5nG3LlC7
-----END CERTIFICATE-----
)";
constexpr std::string_view kRsaKey = R"(-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCRGxO21jwuKIaY
44wpheuaLhlReDZNMHzyLz+noxynIpAYRVU9JnkpaeIyXcSd0FWiHdsbBB1JSbPy
kj8xMfTeDDg4ixU7JZcfU8+yftDfB8ZwJCXDn5u96E8G7omeD1AeCWP/IjpLWIDt
6muD7d4AfyjdHEUGu1UK276QCkHWVQqss04mqiTMeBQkgG3f7ImlvSAvazxHIzJG
yDzJptGG7L4SN5o0SOFrnQuDylN4MBKd68nvtTBw1YW3W/19afByNhrxLA4kzv6E
AWRXBICjqJlNfYQJ3AHfkKKcWPoYc8v1TfnyybPebVnbhEueAftjED+KKJquBUHN
vDeCU033AgMBAAECggEAH7ELvbeNnkEwoGy2PI1otxxRYEdCiNpJt7VVED5iMCiu
0vY1lyzzcnWTNw/etN7/DPC7XWupH8wOlrCVR5/TDLobf1H1GZ1so6Vw69mhscxn
bS+f5dlSsQfvVqK7gL90bpL7eYoWtEUIp622vLIzdeVP3fbiJoW8nan/tULgPTiy
Z61i6Y1/Hi/Zjh3knOffR5W1MyXIHC1969DCAGhfPC+YwOKNmipXVRzXVX2b+tBf
XSufVC0hYTpGNWjwwqg3ASciDSOdiDhHRgcb99pO9mbU2f4IdFDrlGgaImcIo4WY
YklyxtiisKRIGtBwfIcwTd2U5bireZsocuim6InRzQKBgQDHHktsYgfipZeiNWkp
f29m1DULyvLOKKWxnFzPvvzN2wWZcEfnli7QqwGOPnZ18xmAxOOzRyNp8SDngTMd
Oz1R1TZSkr9x2XWMKaWLOotYe+vktptD6Rvfa+4JSXL6HhYu5CMd7xOoOrFM1oaI
/6f5eoJgpuu+/FcBrYCI4wxB2wKBgQC6jstHAikcH+bu3N3la0GHvI+2KGmG9BUj
/zXRe2fj4SZy6p3InxYmC6jZvYj+bhcl1pThhCNTAfOsaLyD8TVYPMGgv4wDjrw+
pnit20SNAZUssRZzDwvhXI9ai/C4qyy52vy25bywbdHyZ5LhuwAlbW818EHINARL
ltG5dQvlFQKBgQCZMGFufOz8HdHO5bCGUJhwUAqPjA/JM9RmFJoC6jisVzizl4J6
VTynJSkJOl0A2YphWxijMLO6KdzavreIYa8HajVkyamn+VlKADBwMRZLeOs/Bo3l
bU4YUXzMgEmIy+TdJn8t5GUHJECLkO/oLmgYs3viyAjO4mw9yjH9HlCryQKBgQCO
Uw4F+EIAsN3vcRTgR7lQoqxI3f/T8zaFpdgbHridg1Ff7lm9ipDNKawBobV31elW
9qPSgIqqcxzBdY4MYuK9lGxsBHX+6M/4Q+xhRpy/rmtuExP7Z4k6vvCmtYhKely+
1bBioFYZi07WTeoiyBVOeHSVg9vLrtNwD3mksQUIGQKBgQCaRWfJGzZRBfbdpVye
5iZVgVm8/X8bPPDmGZGL2MmN4qcvIkbRw8yNMxM4evmfP1VER/YH//LpjekJ6xHZ
GhXIT+8ZoZ8m6X+oLHDT/zz0APsBtLDnY3zRkxVwz+WqDKlmZVvK3JPEl7qwCDsg
ulk3rgyeZHzBJ2Mzd5gIX1RUGg==
-----END PRIVATE KEY-----
)";

/// The SIP form of a signed body uses this boundary in the seeds.
constexpr std::string_view kSignedType =
    "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
    "boundary=napkin-fuzz";

struct Fixture {
    std::vector<Certificate> certs; // EC, RSA
    std::vector<PrivateKey> keys;
    SystemTime now;
};

Certificate loadCert(std::string_view pem) {
    auto cert = Certificate::fromPem(pem);
    if (!cert) {
        std::abort(); // the fixture itself is broken
    }
    return std::move(cert).value();
}

PrivateKey loadKey(std::string_view pem) {
    auto key = PrivateKey::fromPem(pem);
    if (!key) {
        std::abort();
    }
    return std::move(key).value();
}

const Fixture &fixture() {
    static const Fixture f = [] {
        Fixture out;
        out.certs.push_back(loadCert(kEcCert));
        out.certs.push_back(loadCert(kRsaCert));
        out.keys.push_back(loadKey(kEcKey));
        out.keys.push_back(loadKey(kRsaKey));
        // A fixed clock keeps every run identical, whatever the date.
        out.now = out.certs.front().notBefore() + std::chrono::hours(24);
        return out;
    }();
    return f;
}

void exercise(const MimeBody &body) {
    const Fixture &f = fixture();
    auto verified = smimeVerify(body, f.certs, f.now);
    if (verified && !(verified->signer == f.certs[0]) && !(verified->signer == f.certs[1])) {
        std::abort(); // a signer from outside the set was accepted
    }
    for (std::size_t i = 0; i < f.certs.size(); ++i) {
        (void)smimeDecrypt(body, f.certs[i], f.keys[i]);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const ByteView input(data, size);
    if (auto body = mimeBodyFromEntity(input)) {
        exercise(*body);
    }
    const Bytes raw(input.begin(), input.end());
    exercise(MimeBody{std::string(kSignedType), raw});
    exercise(MimeBody{"application/pkcs7-mime; smime-type=authEnveloped-data", raw});
    return 0;
}
