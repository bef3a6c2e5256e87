// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Repairs for defects of Debian's Sofia-SIP 1.12.11 that no tag or API can
// avoid, done by interposing one of the library's exported functions.
//
// The late provisional: proxies with several UDP workers (Kamailio) can
// forward a callee's 180 after its 200 OK. nta keeps the INVITE transaction's
// final status, but nua copies the 180 over its client request's status, so
// nua_ack() then fails with "900 No response to ACK", the ACK is never sent
// and the 200's retransmissions are dropped as duplicates: the callee times
// out while the caller believes the call is up. RFC 3261 17.1.1.2: once a
// final response arrived, a provisional one changes nothing. The guard drops
// such a provisional (same Call-ID and CSeq as an INVITE's 2xx already
// delivered to that client request) before nua sees it.
//
// It works because the library calls nua_client_response() through its PLT
// and every executable linking napkin_sipcore exports its own definition
// (see sipcore/CMakeLists.txt). lateProvisionalGuardActive() checks that the
// process really resolves the symbol to the guard.

namespace napkin::sip {

/// True when the dynamic linker resolves Sofia-SIP's nua_client_response to
/// Napkin's guard, so late provisionals after a 2xx are ignored.
[[nodiscard]] bool lateProvisionalGuardActive();

} // namespace napkin::sip
