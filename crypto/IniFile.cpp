// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "crypto/IniFile.h"

#include <algorithm>

namespace napkin::crypto {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && isBlank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && isBlank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool isComment(std::string_view s) {
    return !s.empty() && (s.front() == ';' || s.front() == '#');
}

/// Where an unquoted text's comment starts: ';' or '#' after a blank, never
/// at position 0 (so "#x" is a value).
std::size_t commentStart(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if ((s[i] == ';' || s[i] == '#') && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
            return i;
        }
    }
    return s.size();
}

/// A quoted value taken literally, else the text before an inline comment.
std::optional<std::string> parseValue(std::string_view raw) {
    raw = trim(raw);
    if (raw.empty() || raw.front() != '"') {
        return std::string(trim(raw.substr(0, commentStart(raw))));
    }
    std::string out;
    std::size_t i = 1;
    for (; i < raw.size() && raw[i] != '"'; ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            ++i;
        }
        out += raw[i];
    }
    if (i >= raw.size()) {
        return std::nullopt; // no closing quote
    }
    const auto rest = trim(raw.substr(i + 1));
    if (!rest.empty() && !isComment(rest)) {
        return std::nullopt; // text after the closing quote
    }
    return out;
}

/// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool isUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) {
                return false;
            }
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

/// "server, database, policy or auth": the schema's sections in order.
std::string sectionList(const IniSchema &schema) {
    std::vector<std::string_view> names;
    for (const auto &k : schema.keys) {
        if (std::find(names.begin(), names.end(), k.section) == names.end()) {
            names.push_back(k.section);
        }
    }
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
        out += names[i];
    }
    return out;
}

} // namespace

std::string iniLower(std::string_view text) {
    std::string out(text);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::optional<bool> parseIniFlag(std::string_view text) {
    const std::string l = iniLower(text);
    if (l == "true" || l == "yes" || l == "on" || l == "1") {
        return true;
    }
    if (l == "false" || l == "no" || l == "off" || l == "0") {
        return false;
    }
    return std::nullopt;
}

std::string IniError::message() const {
    return line > 0 ? file + " line " + std::to_string(line) + ": " + what : file + ": " + what;
}

const IniEntry *IniFile::find(std::string_view section, std::string_view key) const {
    for (const auto &s : m_sections) {
        if (s.name != section) {
            continue;
        }
        for (const auto &e : s.entries) {
            if (e.key == key) {
                return &e;
            }
        }
    }
    return nullptr;
}

IniError IniFile::errorAt(const IniEntry &entry, std::string what) const {
    return IniError{IniError::Kind::BadValue, m_file, entry.line, std::move(what)};
}

Result<IniFile, IniError> IniFile::parse(std::string_view text, std::string file,
                                         const IniSchema &schema) {
    IniFile out;
    out.m_file = std::move(file);
    int lineNo = 0;
    auto error = [&](IniError::Kind kind, std::string what) {
        return fail(IniError{kind, out.m_file, lineNo, std::move(what)});
    };
    if (!isUtf8(text)) {
        return error(IniError::Kind::NotUtf8, "the file is not valid UTF-8");
    }
    std::string section;
    bool sectionKnown = false;
    while (!text.empty()) {
        ++lineNo;
        const std::size_t nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        if (line.empty() || isComment(line)) {
            continue;
        }
        if (line.front() == '[') {
            const auto header = trim(line.substr(0, commentStart(line)));
            if (header.size() < 3 || header.back() != ']') {
                return error(IniError::Kind::MalformedHeader,
                             "malformed section header (expected [name])");
            }
            section = iniLower(trim(header.substr(1, header.size() - 2)));
            sectionKnown = std::any_of(schema.keys.begin(), schema.keys.end(),
                                       [&](const auto &k) { return k.section == section; });
            if (!sectionKnown && !schema.otherSectionsAllowed) {
                return error(IniError::Kind::UnknownSection, "unknown section [" + section +
                                                                 "] (expected " +
                                                                 sectionList(schema) + ")");
            }
            continue;
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return error(IniError::Kind::MalformedLine, "expected 'key = value'");
        }
        const std::string key = iniLower(trim(line.substr(0, eq)));
        auto value = parseValue(line.substr(eq + 1));
        if (!value) {
            return error(IniError::Kind::MalformedQuote,
                         "malformed quoted value (a closing '\"' is missing, or text follows it)");
        }
        if (section.empty()) {
            return error(IniError::Kind::OutsideSection, "'" + key + "' is outside any [section]");
        }
        if (!sectionKnown) {
            continue; // another reader's section
        }
        if (std::none_of(schema.keys.begin(), schema.keys.end(),
                         [&](const auto &k) { return k.section == section && k.name == key; })) {
            return error(IniError::Kind::UnknownKey,
                         "unknown key '" + key + "' in [" + section + "]");
        }
        if (out.find(section, key) != nullptr) {
            return error(IniError::Kind::DuplicateKey,
                         "'" + key + "' appears twice in [" + section + "]");
        }
        auto it = std::find_if(out.m_sections.begin(), out.m_sections.end(),
                               [&](const IniSection &s) { return s.name == section; });
        if (it == out.m_sections.end()) {
            it = out.m_sections.insert(out.m_sections.end(), IniSection{section, {}});
        }
        it->entries.push_back(IniEntry{key, std::move(*value), lineNo});
    }
    return out;
}

void IniWriter::comment(std::string_view text) {
    m_text += "; ";
    m_text += text;
    m_text += '\n';
}

void IniWriter::section(std::string_view name) {
    if (!m_text.empty()) {
        m_text += '\n';
    }
    m_text += '[';
    m_text += name;
    m_text += "]\n";
}

void IniWriter::quoted(std::string_view key, std::string_view text) {
    if (m_problem.empty() && text.find_first_of("\r\n") != std::string_view::npos) {
        m_problem = std::string(key) + " holds a line break, which a line of the file cannot";
    }
    m_text += key;
    m_text += " = \"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            m_text += '\\';
        }
        m_text += c;
    }
    m_text += "\"\n";
}

void IniWriter::bare(std::string_view key, std::string_view token) {
    if (m_problem.empty() && (token.empty() || token.front() == '"' ||
                              token.find_first_of(" \t\r\n;#") != std::string_view::npos)) {
        m_problem = std::string(key) + " = " + std::string(token) + " cannot be written unquoted";
    }
    m_text += key;
    m_text += " = ";
    m_text += token;
    m_text += '\n';
}

Result<std::string, std::string> IniWriter::finish() const {
    if (!m_problem.empty()) {
        return fail(m_problem);
    }
    return m_text;
}

} // namespace napkin::crypto
