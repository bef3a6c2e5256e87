#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"

#include <iostream>

namespace napkin::cli {

// PLACEHOLDER: being written in this session; must be replaced before commit.
int runSmimeCommand(int, char **) {
    std::cerr << "napkin-cli: this command is not built yet\n";
    return ExitFailure;
}

} // namespace napkin::cli
