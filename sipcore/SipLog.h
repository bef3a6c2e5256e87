#pragma once

#include <QLoggingCategory>

namespace napkin::sip {

/// "napkin.sip": registration, calls and secure bodies. Never carries
/// passwords, keys, a=crypto lines or decrypted SDP.
Q_DECLARE_LOGGING_CATEGORY(lcSip)

} // namespace napkin::sip
