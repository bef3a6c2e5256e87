// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Helpers shared by certd's unit tests: readable QCOMPARE of certd types, a
// header map standing in for a real HTTP request, and a temporary database.

#include "certd/DigestAuth.h"
#include "certd/HttpMessage.h"
#include "certd/Problem.h"

#include <QByteArray>
#include <QString>
#include <QTest>

#include <map>
#include <string>

namespace napkin::certd {

inline char *toString(ProblemType type) {
    return qstrdup(std::string(problemSlug(type)).c_str());
}

inline char *toString(DigestErrc code) {
    static const char *const names[] = {"NotDigest",        "Malformed",
                                        "MissingParameter", "UnsupportedAlgorithm",
                                        "UnsupportedQop",   "Unsupported"};
    return qstrdup(names[static_cast<int>(code)]);
}

/// Request headers from a map (names compared case-insensitively).
class MapHeaders final : public HeaderSource {
public:
    void set(std::string name, std::string value) { m_headers[lower(name)] = std::move(value); }
    std::optional<std::string_view> header(std::string_view name) const override {
        auto it = m_headers.find(lower(std::string(name)));
        if (it == m_headers.end()) {
            return std::nullopt;
        }
        return std::string_view(it->second);
    }

private:
    static std::string lower(std::string s) {
        for (char &c : s) {
            c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
        }
        return s;
    }
    std::map<std::string, std::string> m_headers;
};

/// The slug of a problem+json body, or "" when it is not one.
inline std::string slugOf(const HttpResponse &response) {
    static constexpr std::string_view marker = "/problems/";
    auto body = response.bodyView();
    auto at = body.find(marker);
    if (at == std::string_view::npos) {
        return {};
    }
    auto start = at + marker.size();
    return std::string(body.substr(start, body.find('"', start) - start));
}

} // namespace napkin::certd

inline QString qs(const std::string &s) {
    return QString::fromStdString(s);
}
