// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A key table: one row per key of a configuration struct, naming the key
// once for reading (readIniKeys) and writing (writeIniKeys).

#include "crypto/IniFile.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace napkin::crypto {

enum class IniType {
    Text,   ///< any text; written quoted
    Path,   ///< a file or directory; relative to the file's directory; written quoted
    Number, ///< written bare
    Choice, ///< one of a few words; written bare
    Flag,   ///< true/false; written bare
};

template <typename T> struct IniKey {
    std::string_view section;
    std::string_view name;
    IniType type;
    std::string_view fallback; ///< the default in words ("": none)
    std::string_view doc;      ///< what the key means, one line
    /// Stores `value` into `out`; the problem in words. `directory` is the
    /// file's, for relative paths.
    std::optional<std::string> (*read)(T &out, const std::string &value,
                                       const std::string &directory);
    /// The value to write, nullopt to leave the key out.
    std::optional<std::string> (*write)(const T &in);
    /// A key of the same section that must not appear with this one.
    std::string_view excludes = {};
};

/// The schema that accepts exactly the keys of `keys`.
template <typename T>
[[nodiscard]] IniSchema iniSchema(std::span<const IniKey<T>> keys, bool otherSectionsAllowed) {
    IniSchema schema;
    schema.otherSectionsAllowed = otherSectionsAllowed;
    for (const auto &key : keys) {
        schema.keys.push_back({key.section, key.name});
    }
    return schema;
}

/// Reads every key `file` holds into `out`, in table order.
template <typename T>
[[nodiscard]] Result<void, IniError> readIniKeys(const IniFile &file,
                                                 std::span<const IniKey<T>> keys, T &out,
                                                 const std::string &directory) {
    for (const auto &key : keys) {
        const IniEntry *entry = file.find(key.section, key.name);
        if (entry == nullptr) {
            continue;
        }
        if (!key.excludes.empty() && file.find(key.section, key.excludes) != nullptr) {
            return fail(file.errorAt(*entry, "give either " + std::string(key.excludes) + " or " +
                                                 std::string(key.name) + ", not both"));
        }
        if (auto problem = key.read(out, entry->value, directory)) {
            return fail(file.errorAt(*entry, std::move(*problem)));
        }
    }
    return {};
}

/// `in` as INI text, each key under a comment with its meaning; the problem
/// in words when a value cannot be written.
template <typename T>
[[nodiscard]] Result<std::string, std::string> writeIniKeys(std::span<const IniKey<T>> keys,
                                                            const T &in) {
    IniWriter writer;
    std::string_view section;
    for (const auto &key : keys) {
        if (key.section != section) {
            section = key.section;
            writer.section(section);
        }
        const auto value = key.write(in);
        if (!value) {
            continue;
        }
        std::string comment(key.doc);
        if (!key.fallback.empty()) {
            comment += " (default: " + std::string(key.fallback) + ")";
        }
        writer.comment(comment);
        if (key.type == IniType::Text || key.type == IniType::Path) {
            writer.quoted(key.name, *value);
        } else {
            writer.bare(key.name, *value);
        }
    }
    return writer.finish();
}

} // namespace napkin::crypto
