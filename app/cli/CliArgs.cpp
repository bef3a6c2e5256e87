// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "app/cli/CliArgs.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace napkin::cli {

namespace {
bool contains(const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}
} // namespace

std::optional<CliArgs> CliArgs::parse(int argc, char **argv, int first, const Spec &spec,
                                      std::string &error) {
    CliArgs args;
    bool onlyPositionals = false;
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (onlyPositionals || arg.size() < 3 || arg.rfind("--", 0) != 0) {
            if (arg == "--") {
                onlyPositionals = true;
                continue;
            }
            args.m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name.resize(eq);
        }
        if (contains(spec.flags, name)) {
            if (inlineValue) {
                error = "option --" + name + " takes no value";
                return std::nullopt;
            }
            args.m_flags.push_back(name);
        } else if (contains(spec.valued, name)) {
            if (!inlineValue) {
                if (i + 1 >= argc) {
                    error = "option --" + name + " needs a value";
                    return std::nullopt;
                }
                inlineValue = argv[++i];
            }
            args.m_values.emplace(name, *inlineValue);
        } else {
            error = "unknown option --" + name;
            return std::nullopt;
        }
    }
    return args;
}

bool CliArgs::has(const std::string &name) const {
    return contains(m_flags, name) || m_values.count(name) > 0;
}

std::optional<std::string> CliArgs::value(const std::string &name) const {
    auto range = m_values.equal_range(name);
    if (range.first == range.second) {
        return std::nullopt;
    }
    return std::prev(range.second)->second; // the last one wins
}

std::vector<std::string> CliArgs::values(const std::string &name) const {
    std::vector<std::string> out;
    auto range = m_values.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
        out.push_back(it->second);
    }
    return out;
}

bool readInput(const std::string &path, std::string &out, std::string &error, std::size_t maxSize) {
    std::FILE *f = (path.empty() || path == "-") ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    out.clear();
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (out.size() + n > maxSize) {
            error = (f == stdin ? std::string("standard input") : path) + " is larger than " +
                    std::to_string(maxSize) + " bytes";
            if (f != stdin) {
                std::fclose(f);
            }
            return false;
        }
        out.append(buf, n);
    }
    bool bad = std::ferror(f) != 0;
    if (f != stdin) {
        std::fclose(f);
    }
    if (bad) {
        error = "cannot read " + (path.empty() ? std::string("standard input") : path);
        return false;
    }
    return true;
}

bool writeOutput(const std::string &path, const std::string &data, std::string &error) {
    if (path.empty() || path == "-") {
        std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
        std::cout.flush();
        return static_cast<bool>(std::cout);
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.close();
    if (!f) {
        error = "cannot write " + path;
        return false;
    }
    return true;
}

} // namespace napkin::cli
