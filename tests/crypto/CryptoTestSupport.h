#pragma once

// Lets QCOMPARE print crypto error codes by name.

#include "crypto/CryptoError.h"

#include <QByteArray>
#include <string>

namespace napkin::crypto {
inline char *toString(CryptoErrc code) {
    return qstrdup(std::string(errcName(code)).c_str());
}
} // namespace napkin::crypto
