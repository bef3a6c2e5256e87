// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Small helpers shared by the discovery tests.

#include "sipcore/discovery/DiscoveryError.h"

#include <QString>
#include <QTest>

namespace napkin::discoverytest {

inline QString errorText(const QString &e) {
    return e;
}
inline QString errorText(const discovery::DiscoveryError &e) {
    return discovery::errcName(e.code) + QStringLiteral(": ") + e.message;
}

/// The error of a failed result for a failure message; empty when it succeeded
/// (QVERIFY2 evaluates its message even when the check passes).
template <typename R> QString failureOf(const R &r) {
    return r.ok() ? QString() : errorText(r.error());
}

} // namespace napkin::discoverytest

/// QVERIFY that a Result succeeded, printing its error otherwise.
#define DISCOVERY_VERIFY_OK(expr)                                                                  \
    do {                                                                                           \
        const auto &r_ = (expr);                                                                   \
        QVERIFY2(r_.ok(), qPrintable(napkin::discoverytest::failureOf(r_)));                       \
    } while (false)

/// QVERIFY that a Result failed with this DiscoveryErrc.
#define DISCOVERY_VERIFY_ERROR(expr, errc)                                                         \
    do {                                                                                           \
        const auto &r_ = (expr);                                                                   \
        QVERIFY2(!r_.ok(), "expected an error, got success");                                      \
        QCOMPARE(napkin::discovery::errcName(r_.error().code), napkin::discovery::errcName(errc)); \
    } while (false)
