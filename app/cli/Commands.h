// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

namespace napkin::cli {

/// Each command gets the whole argv; argv[1] is the command name and
/// argv[2] its sub-command. Returns an ExitCode.
int runCertCommand(int argc, char **argv);
int runSmimeCommand(int argc, char **argv);
int runCertsCommand(int argc, char **argv);
int runAgentCommand(int argc, char **argv);

} // namespace napkin::cli
