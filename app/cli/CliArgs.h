// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace napkin::cli {

/// Exit codes shared by every napkin-cli command (documented in --help).
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1, ///< the operation ran and failed: bad signature, cannot decrypt...
    ExitUsage = 2,   ///< wrong arguments
    ExitInput = 3,   ///< an input file is missing, unreadable or malformed
};

/// Minimal GNU-style option parser: "--name value", "--name=value", flags, and
/// positionals. Options may repeat. Unknown options are an error.
class CliArgs {
public:
    struct Spec {
        std::vector<std::string> valued; ///< options that take a value
        std::vector<std::string> flags;  ///< options without a value
    };

    /// Parses argv[first..]. On error returns std::nullopt and sets `error`.
    static std::optional<CliArgs> parse(int argc, char **argv, int first, const Spec &spec,
                                        std::string &error);

    [[nodiscard]] bool has(const std::string &name) const;
    [[nodiscard]] std::optional<std::string> value(const std::string &name) const;
    [[nodiscard]] std::vector<std::string> values(const std::string &name) const;
    [[nodiscard]] const std::vector<std::string> &positionals() const { return m_positionals; }

private:
    std::multimap<std::string, std::string> m_values;
    std::vector<std::string> m_flags;
    std::vector<std::string> m_positionals;
};

/// Reads all of a file ("-" or empty means standard input) up to maxSize bytes.
bool readInput(const std::string &path, std::string &out, std::string &error,
               std::size_t maxSize = 16 * 1024 * 1024);
/// Writes to a file ("-" or empty means standard output).
bool writeOutput(const std::string &path, const std::string &data, std::string &error);

} // namespace napkin::cli
