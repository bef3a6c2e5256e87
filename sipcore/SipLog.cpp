#include "sipcore/SipLog.h"

namespace napkin::sip {

Q_LOGGING_CATEGORY(lcSip, "napkin.sip", QtInfoMsg)

} // namespace napkin::sip
