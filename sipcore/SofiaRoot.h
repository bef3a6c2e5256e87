// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Sofia-SIP's event loop on Qt's main loop: su_init, a GLib su_root attached
// to the default GLib context that Qt's main-thread dispatcher iterates, and
// the reverse on destruction. One per process is enough; every UserAgent of
// the process shares it.

#include "crypto/Result.h"

#include <memory>
#include <string>

struct su_root_s;

namespace napkin::sip {

class SofiaRoot {
public:
    /// Needs a QCoreApplication whose main-thread event dispatcher is GLib's
    /// (Qt's default on Linux); fails with a message saying so otherwise
    /// (e.g. QT_NO_GLIB=1), since no Sofia event would ever be delivered.
    [[nodiscard]] static Result<std::unique_ptr<SofiaRoot>, std::string> create();
    ~SofiaRoot();
    SofiaRoot(const SofiaRoot &) = delete;
    SofiaRoot &operator=(const SofiaRoot &) = delete;

    [[nodiscard]] su_root_s *native() const { return m_root; }

private:
    explicit SofiaRoot(su_root_s *root) : m_root(root) {}
    su_root_s *m_root;
};

} // namespace napkin::sip
