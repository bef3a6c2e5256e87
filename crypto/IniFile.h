// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The one INI dialect of Napkin's configuration files: the account profile
// (discovery::Profile, sip::SipProfile) and napkin-certd's --config file.
//
//   ; a comment line (also '#')
//   [section]                  ; section names are case-insensitive
//   key = value                ; key names too; the value is trimmed
//   key = "a value ; kept"     ; quoted: taken literally, \" and \\ escaped
//
// An unquoted value ends at ';' or '#' that follows a space or a tab (its
// first character never starts a comment: "password = #x" is "#x"). A
// section may be split over several headers. The file must be UTF-8.
//
// Errors, each with its line: a malformed header, line or quoted value, a key
// outside any section, a key or section the schema does not name, and a key
// given twice. No Qt: certd and the engine share it.

#include "crypto/Result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace napkin::crypto {

/// One problem of an INI file, in words.
struct IniError {
    enum class Kind {
        NotUtf8,
        MalformedHeader,
        MalformedLine,
        MalformedQuote,
        OutsideSection,
        UnknownSection,
        UnknownKey,
        DuplicateKey,
        BadValue, ///< a reader's own check of a value failed
    };
    Kind kind = Kind::BadValue;
    std::string file;
    int line = 0;     ///< 1-based; 0: the file as a whole
    std::string what; ///< what is wrong, without the location

    /// "FILE line N: what" ("FILE: what" without a line).
    [[nodiscard]] std::string message() const;
};

struct IniEntry {
    std::string key; ///< lower case
    std::string value;
    int line = 0;
};

struct IniSection {
    std::string name; ///< lower case
    std::vector<IniEntry> entries;
};

/// The sections and keys a reader accepts (names in lower case).
struct IniSchema {
    struct Key {
        std::string_view section;
        std::string_view name;
    };
    std::vector<Key> keys;
    /// Sections that name no key here are skipped (another reader's part of
    /// the same file) instead of being errors. Their lines are still checked
    /// for syntax.
    bool otherSectionsAllowed = false;
};

/// A parsed INI file: the sections its schema names, keys in file order.
class IniFile {
public:
    [[nodiscard]] static Result<IniFile, IniError> parse(std::string_view text, std::string file,
                                                         const IniSchema &schema);

    [[nodiscard]] const std::string &file() const { return m_file; }
    [[nodiscard]] const std::vector<IniSection> &sections() const { return m_sections; }
    /// The key in `section`, or nullptr.
    [[nodiscard]] const IniEntry *find(std::string_view section, std::string_view key) const;
    /// An error about `entry`'s value.
    [[nodiscard]] IniError errorAt(const IniEntry &entry, std::string what) const;

private:
    std::string m_file;
    std::vector<IniSection> m_sections;
};

/// ASCII lower case, as section and key names are compared.
[[nodiscard]] std::string iniLower(std::string_view text);
/// A yes/no value: true, yes, on, 1 or false, no, off, 0 in any case.
[[nodiscard]] std::optional<bool> parseIniFlag(std::string_view text);

/// Builds INI text that IniFile reads back to the same values.
class IniWriter {
public:
    void comment(std::string_view text);
    void section(std::string_view name);
    /// `key = "text"`, quoted and escaped.
    void quoted(std::string_view key, std::string_view text);
    /// `key = token` for numbers and enumerations (no spaces, quotes or comments).
    void bare(std::string_view key, std::string_view token);

    /// The text, or the first value that INI cannot hold (a line break), in words.
    [[nodiscard]] Result<std::string, std::string> finish() const;

private:
    std::string m_text;
    std::string m_problem;
};

} // namespace napkin::crypto
