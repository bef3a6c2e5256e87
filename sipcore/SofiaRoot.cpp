// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/SofiaRoot.h"

#include "sipcore/SipLog.h"
#include "sipcore/SofiaFixes.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QThread>

#include <sofia-sip/su_config.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_wait.h>

namespace napkin::sip {

Result<std::unique_ptr<SofiaRoot>, std::string> SofiaRoot::create() {
    auto *app = QCoreApplication::instance();
    if (app == nullptr || QThread::currentThread() != app->thread()) {
        return fail(std::string("Sofia-SIP must be started on the main thread of a running "
                                "QCoreApplication"));
    }
    auto *dispatcher = QAbstractEventDispatcher::instance(app->thread());
    if (dispatcher == nullptr || !dispatcher->inherits("QEventDispatcherGlib")) {
        return fail(std::string(
            "Qt's event loop is not GLib's (is QT_NO_GLIB set?): SIP events could never be "
            "delivered. Unset QT_NO_GLIB, or use a Qt built with GLib support."));
    }
    if (su_init() != 0) {
        return fail(std::string("Sofia-SIP's su_init() failed"));
    }
    su_root_t *root = su_glib_root_create(nullptr);
    if (root == nullptr) {
        su_deinit();
        return fail(std::string("cannot create Sofia-SIP's GLib event root"));
    }
    if (g_source_attach(su_glib_root_gsource(root), nullptr) == 0) {
        su_root_destroy(root);
        su_deinit();
        return fail(std::string("cannot attach Sofia-SIP to the GLib main context"));
    }
    if (!lateProvisionalGuardActive()) {
        qCWarning(lcSip) << "Sofia-SIP's late-provisional guard is not in effect (the executable "
                            "does not export nua_client_response): a 180 that arrives after a "
                            "200 OK will make such a call fail";
    }
    return std::unique_ptr<SofiaRoot>(new SofiaRoot(root));
}

SofiaRoot::~SofiaRoot() {
    // The getter adds no reference: destroy detaches it; unref would leave
    // GLib warning about a source still attached.
    g_source_destroy(su_glib_root_gsource(m_root));
    su_root_destroy(m_root);
    su_deinit();
}

} // namespace napkin::sip
