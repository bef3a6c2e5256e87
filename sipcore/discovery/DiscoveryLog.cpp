#include "sipcore/discovery/DiscoveryLog.h"

namespace napkin::discovery {

Q_LOGGING_CATEGORY(lcDiscovery, "napkin.discovery", QtInfoMsg)

} // namespace napkin::discovery
