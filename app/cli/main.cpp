// napkin-cli: the Napkin engine without a face.

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include <cstring>
#include <iostream>
#include <string_view>

namespace {

constexpr std::string_view kHelp =
    R"(napkin-cli - end-to-end secure SIP calling, from the command line

Usage: napkin-cli <command> <sub-command> [options]

Device certificates
  cert new --aor sip:USER@DOMAIN [--key ec|rsa] [--rsa-bits 2048|3072]
           [--days N | --hours N] [--name "Display Name"] [--instance urn:uuid:...]
           [--out DIR]
      Generates a key and a short-lived self-signed certificate for the address.
      Writes DIR/cert.pem and DIR/key.pem (mode 0600; DIR defaults to ".")
      and prints the certificate's SHA-256 fingerprint.
  cert show FILE
      Prints the address, instance, validity, key and fingerprint of a certificate.

S/MIME (RFC 5751; output readable by 'openssl cms -inform SMIME')
  smime sign --cert C --key K [--in F] [--out F]
      Input: a MIME entity (headers, blank line, body). Output: the entity
      signed as multipart/signed with its Content-Type header.
  smime verify --signers SET.pem [--in F] [--out F]
      Checks the signature against the certificates in SET.pem only (never the
      system CA store). Prints the signer's fingerprint on standard error and
      writes the signed entity to --out if given.
  smime encrypt --to C1.pem [--to C2.pem ...] [--cbc] [--in F] [--out F]
      Encrypts a MIME entity for every recipient (AES-128-GCM AuthEnvelopedData;
      --cbc for AES-128-CBC EnvelopedData).
  smime decrypt --cert C --key K [--in F] [--out F]
      Decrypts application/pkcs7-mime for this device's key.

Input defaults to standard input and output to standard output.

Exit codes
  0  success
  1  the operation failed: bad or unknown signature, not encrypted for this key...
  2  wrong usage: unknown command or option, missing argument
  3  an input file is missing, unreadable or malformed

Options
  -h, --help     this text
  --version      the version
)";

} // namespace

int main(int argc, char **argv) {
    using namespace napkin::cli;
    if (argc < 2) {
        std::cerr << kHelp;
        return ExitUsage;
    }
    std::string_view cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::cout << kHelp;
        return ExitOk;
    }
    if (cmd == "--version") {
        std::cout << "napkin-cli " NAPKIN_VERSION "\n";
        return ExitOk;
    }
    if (cmd == "cert") {
        return runCertCommand(argc, argv);
    }
    if (cmd == "smime") {
        return runSmimeCommand(argc, argv);
    }
    std::cerr << "napkin-cli: unknown command '" << cmd << "' (try napkin-cli --help)\n";
    return ExitUsage;
}
