// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

// napkin-bench-crypto: how fast Napkin makes identities and protects SIP bodies.
//
// Each row runs one operation for a fixed amount of user CPU time and
// reports operations per second. scripts/bench compares the S/MIME rows with raw
// ECDSA P-256 from `openssl speed` on the same machine.
//
// Usage: napkin-bench-crypto [--seconds S] [--tsv] [--only KEY]
//   --tsv prints "key<TAB>label<TAB>ops/s<TAB>microseconds/op" lines for scripts.
//   --only runs just the row with that key (for profiling one operation).

#include "crypto/DeviceIdentity.h"
#include "crypto/Smime.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <vector>

namespace {

using namespace napkin::crypto;

/// User CPU time of this process, which is what `openssl speed` divides by
/// unless given -elapsed: the two sides of the comparison count the same way,
/// and other programs on a busy machine skew it less than wall-clock time would.
double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec) * 1e-6;
}

struct Row {
    std::string key;
    std::string label;
    double opsPerSecond = 0;
};

[[noreturn]] void die(const std::string &what, const CryptoError &error) {
    std::fprintf(stderr, "napkin-bench-crypto: %s failed: %s\n", what.c_str(),
                 error.message.c_str());
    std::exit(1);
}

/// Set by --only: the one row to run.
std::string g_only;

/// Runs `op` until it has used `seconds` of user CPU time (and at least 3 times).
Row measure(std::string key, std::string label, double seconds, const std::function<void()> &op) {
    if (!g_only.empty() && key != g_only) {
        return Row{std::move(key), std::move(label), 0};
    }
    op(); // warm-up: first-use costs (provider loading, tables) are not the steady state
    const double start = cpuSeconds();
    long iterations = 0;
    double elapsed = 0;
    do {
        op();
        ++iterations;
        elapsed = cpuSeconds() - start;
    } while (elapsed < seconds || iterations < 3);
    return Row{std::move(key), std::move(label), static_cast<double>(iterations) / elapsed};
}

DeviceIdentity identity(const std::string &aor, KeyType type) {
    IdentityOptions o;
    o.aor = aor;
    o.keyType = type;
    auto id = createDeviceIdentity(o);
    if (!id) {
        die("creating an identity for " + aor, id.error());
    }
    return std::move(id).value();
}

/// What the same OpenSSL costs inside this process for the building blocks of
/// S/MIME: they explain how far the CMS rows are from `openssl speed`, which
/// reuses one prepared context and signs a ready digest.
void rawRows(std::vector<Row> &rows, double seconds) {
    const DeviceIdentity id = identity("sip:alice@a.example", KeyType::Ec);
    static constexpr std::string_view message = "v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\n";
    const auto *data = reinterpret_cast<const unsigned char *>(message.data());
    std::vector<unsigned char> signature(256);
    std::size_t signatureLength = 0;
    auto sign = [&] {
        EvpMdCtxPtr ctx(EVP_MD_CTX_new());
        signatureLength = signature.size();
        if (!ctx ||
            EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, id.key.native()) != 1 ||
            EVP_DigestSign(ctx.get(), signature.data(), &signatureLength, data, message.size()) !=
                1) {
            die("EVP_DigestSign", CryptoError::fromOpenSsl(CryptoErrc::Internal, "signing"));
        }
    };
    rows.push_back(
        measure("evp_sign", "ECDSA P-256 sign in process (EVP_DigestSign)", seconds, sign));
    sign();
    EVP_PKEY *pub = X509_get0_pubkey(id.certificate.native());
    rows.push_back(
        measure("evp_verify", "ECDSA P-256 verify in process (EVP_DigestVerify)", seconds, [&] {
            EvpMdCtxPtr ctx(EVP_MD_CTX_new());
            if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub) != 1 ||
                EVP_DigestVerify(ctx.get(), signature.data(), signatureLength, data,
                                 message.size()) != 1) {
                die("EVP_DigestVerify",
                    CryptoError::fromOpenSsl(CryptoErrc::Internal, "verifying"));
            }
        }));
    const Bytes der = id.certificate.toDer();
    rows.push_back(measure("cert_parse", "certificate parse (DER, EC P-256)", seconds, [&] {
        auto c = Certificate::fromDer(der);
        if (!c) {
            die("Certificate::fromDer", c.error());
        }
    }));
}

/// An SDP offer as a SIP INVITE carries it: a realistic size for the body.
Bytes sampleEntity() {
    static constexpr std::string_view text = "Content-Type: application/sdp\r\n"
                                             "\r\n"
                                             "v=0\r\n"
                                             "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
                                             "s=-\r\n"
                                             "c=IN IP4 192.0.2.10\r\n"
                                             "t=0 0\r\n"
                                             "m=audio 49170 RTP/SAVP 111 0 8 101\r\n"
                                             "a=rtpmap:111 opus/48000/2\r\n"
                                             "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                                             "a=rtpmap:0 PCMU/8000\r\n"
                                             "a=rtpmap:8 PCMA/8000\r\n"
                                             "a=rtpmap:101 telephone-event/8000\r\n"
                                             "a=fmtp:101 0-15\r\n"
                                             "a=ptime:20\r\n"
                                             "a=sendrecv\r\n";
    return Bytes(text.begin(), text.end());
}

void smimeRows(std::vector<Row> &rows, double seconds) {
    const DeviceIdentity alice = identity("sip:alice@a.example", KeyType::Ec);
    const DeviceIdentity bob = identity("sip:bob@b.example", KeyType::Ec);
    const DeviceIdentity bob2 = identity("sip:bob@b.example", KeyType::Ec);
    const DeviceIdentity bob3 = identity("sip:bob@b.example", KeyType::Ec);
    const Bytes entity = sampleEntity();

    rows.push_back(measure("smime_sign", "S/MIME sign (EC P-256)", seconds, [&] {
        auto s = smimeSign(entity, alice.certificate, alice.key);
        if (!s) {
            die("smimeSign", s.error());
        }
    }));

    auto signedBody = smimeSign(entity, alice.certificate, alice.key);
    if (!signedBody) {
        die("smimeSign", signedBody.error());
    }
    const std::vector<Certificate> signers{bob.certificate, alice.certificate};
    rows.push_back(measure("smime_verify", "S/MIME verify (EC P-256)", seconds, [&] {
        auto v = smimeVerify(*signedBody, signers, std::chrono::system_clock::now());
        if (!v) {
            die("smimeVerify", v.error());
        }
    }));

    const std::vector<Certificate> one{bob.certificate};
    const std::vector<Certificate> three{bob.certificate, bob2.certificate, bob3.certificate};
    rows.push_back(measure("smime_encrypt1", "S/MIME encrypt, 1 recipient", seconds, [&] {
        auto e = smimeEncrypt(entity, one);
        if (!e) {
            die("smimeEncrypt", e.error());
        }
    }));
    rows.push_back(measure("smime_encrypt3", "S/MIME encrypt, 3 recipients", seconds, [&] {
        auto e = smimeEncrypt(entity, three);
        if (!e) {
            die("smimeEncrypt", e.error());
        }
    }));

    auto encrypted = smimeEncrypt(entity, three);
    if (!encrypted) {
        die("smimeEncrypt", encrypted.error());
    }
    rows.push_back(measure("smime_decrypt", "S/MIME decrypt (3-recipient body)", seconds, [&] {
        auto d = smimeDecrypt(*encrypted, bob3.certificate, bob3.key);
        if (!d) {
            die("smimeDecrypt", d.error());
        }
    }));
}

} // namespace

int main(int argc, char **argv) {
    double seconds = 2.0;
    bool tsv = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--tsv") {
            tsv = true;
        } else if (arg == "--seconds" && i + 1 < argc) {
            char *end = nullptr;
            seconds = std::strtod(argv[++i], &end);
            if (end == nullptr || *end != '\0' || !(seconds > 0 && seconds <= 600)) {
                std::fprintf(stderr, "napkin-bench-crypto: --seconds wants a number in (0, 600]\n");
                return 2;
            }
        } else if (arg == "--only" && i + 1 < argc) {
            g_only = argv[++i];
        } else {
            std::fprintf(stderr, "usage: napkin-bench-crypto [--seconds S] [--tsv] [--only KEY]\n");
            return 2;
        }
    }

    std::vector<Row> rows;
    rows.push_back(measure("certgen_ec", "certificate generation, EC P-256", seconds, [] {
        static_cast<void>(identity("sip:alice@a.example", KeyType::Ec));
    }));
    rows.push_back(measure("certgen_rsa2048", "certificate generation, RSA 2048", seconds, [] {
        static_cast<void>(identity("sip:alice@a.example", KeyType::Rsa));
    }));
    rawRows(rows, seconds);
    smimeRows(rows, seconds);

    for (const auto &row : rows) {
        if (row.opsPerSecond <= 0) {
            continue; // skipped by --only
        }
        const double us = 1e6 / row.opsPerSecond;
        if (tsv) {
            std::printf("%s\t%s\t%.1f\t%.1f\n", row.key.c_str(), row.label.c_str(),
                        row.opsPerSecond, us);
        } else {
            std::printf("%-40s %12.1f ops/s %12.1f us/op\n", row.label.c_str(), row.opsPerSecond,
                        us);
        }
    }
    return 0;
}
