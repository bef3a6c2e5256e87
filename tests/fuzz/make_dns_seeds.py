#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Napkin developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of fuzz_dns_reply: DNS reply messages (RFC 1035)
built by hand, as a resolver would receive them for the service locator's
questions. Run from the repository root; the output is committed."""

import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "corpus", "fuzz_dns_reply")

T_A, T_CNAME, T_AAAA, T_SRV, C_IN = 1, 5, 28, 33, 1


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(ident, rcode, qd, an, ns=0, ar=0):
    flags = 0x8180 | rcode  # QR, RD, RA
    return struct.pack(">HHHHHH", ident, flags, qd, an, ns, ar)


def question(qname, qtype):
    return name(qname) + struct.pack(">HH", qtype, C_IN)


def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack(">HHIH", rtype, C_IN, ttl, len(rdata)) + rdata


def srv(priority, weight, port, target):
    return struct.pack(">HHH", priority, weight, port) + target


PTR_QNAME = b"\xc0\x0c"  # compression pointer to the question's name


def write(file, data):
    with open(os.path.join(OUT, file), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    q = "_certificates._tcp.b.example"

    # Two targets, two priorities, the second target compressed against the first.
    first = name("certs1.b.example")
    msg = header(0x1A2B, 0, 1, 3) + question(q, T_SRV)
    off_first = len(msg) + 2 + 10 + 6
    msg += rr(PTR_QNAME, T_SRV, srv(10, 60, 443, first))
    msg += rr(PTR_QNAME, T_SRV, srv(10, 40, 8443, b"\x06certs2" + struct.pack(">H", 0xC000 | (off_first + 7))))
    msg += rr(PTR_QNAME, T_SRV, srv(20, 0, 443, name("backup.c.example")))
    write("srv-weighted.bin", msg)

    # "." target: the domain declines the service (RFC 2782).
    write("srv-declined.bin",
          header(0x0001, 0, 1, 1) + question(q, T_SRV) + rr(PTR_QNAME, T_SRV, srv(0, 0, 0, b"\0")))

    # A via a CNAME, with an authority and an additional record.
    qa = "certs1.b.example"
    msg = header(0x2222, 0, 1, 2, 1, 1) + question(qa, T_A)
    msg += rr(PTR_QNAME, T_CNAME, name("lb.b.example"))
    msg += rr(name("lb.b.example"), T_A, bytes([192, 0, 2, 10]))
    msg += rr(name("b.example"), 2, name("ns1.b.example"))
    msg += rr(name("ns1.b.example"), T_A, bytes([198, 51, 100, 53]))
    write("a-cname.bin", msg)

    msg = header(0x3333, 0, 1, 2) + question(qa, T_AAAA)
    msg += rr(PTR_QNAME, T_AAAA, bytes.fromhex("20010db8000000000000000000000001"))
    msg += rr(PTR_QNAME, T_AAAA, bytes.fromhex("20010db8000000000000000000000002"))
    write("aaaa-two.bin", msg)

    # NXDOMAIN with the SOA in the authority section, and NODATA.
    soa = name("ns1.b.example") + name("hostmaster.b.example") + struct.pack(">IIIII", 2026120701, 7200, 3600, 1209600, 300)
    write("nxdomain.bin", header(0x4444, 3, 1, 0, 1) + question(q, T_SRV) + rr(name("b.example"), 6, soa))
    write("nodata.bin", header(0x5555, 0, 1, 0, 1) + question(q, T_SRV) + rr(name("b.example"), 6, soa))
    write("servfail.bin", header(0x6666, 2, 1, 0) + question(q, T_SRV))

    # Edge cases: an SRV whose rdlength claims more than its target, a
    # compression loop, an A record of the wrong size, a truncated message.
    write("srv-rdlen-long.bin",
          header(0x7777, 0, 1, 1) + question(q, T_SRV) + rr(PTR_QNAME, T_SRV, srv(1, 1, 443, name("x.b.example")) + b"\0\0"))
    write("srv-pointer-loop.bin",
          header(0x8888, 0, 1, 1) + question(q, T_SRV) + rr(PTR_QNAME, T_SRV, srv(1, 1, 443, b"\x01a\xc0\x00")[:-2] + struct.pack(">H", 0xC000 | (12 + len(name(q)) + 4 + 12 + 6))))
    write("a-wrong-size.bin",
          header(0x9999, 0, 1, 1) + question(qa, T_A) + rr(PTR_QNAME, T_A, bytes([192, 0, 2])))
    write("truncated.bin", (header(0xAAAA, 0, 1, 1) + question(q, T_SRV) + rr(PTR_QNAME, T_SRV, srv(1, 1, 443, first)))[:-9])


if __name__ == "__main__":
    main()
