// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The result type of the test fixtures: a value, or a message that a test
// shows with NAPKIN_VERIFY_OK(result).

#include "crypto/Result.h"

#include <QByteArray>
#include <QString>

#include <type_traits>

namespace napkin::testing {

template <typename T> using TestResult = napkin::Result<T, QString>;

/// The error of a failed result as text (empty when it succeeded), for
/// QVERIFY2, whose message argument Qt 6.4 evaluates even on success.
template <typename T, typename E>
[[nodiscard]] QByteArray errorText(const napkin::Result<T, E> &r) {
    if (r.ok()) {
        return {};
    }
    if constexpr (std::is_same_v<E, QString>) {
        return r.error().toUtf8();
    } else {
        return QByteArray::fromStdString(r.error().message);
    }
}

} // namespace napkin::testing

/// QVERIFY that a result (a variable, evaluated twice) succeeded, showing its error if not.
#define NAPKIN_VERIFY_OK(result)                                                                   \
    QVERIFY2((result).ok(), ::napkin::testing::errorText(result).constData())
