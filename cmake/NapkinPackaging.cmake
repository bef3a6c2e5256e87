# SPDX-FileCopyrightText: 2026 The Napkin developers
# SPDX-License-Identifier: GPL-3.0-or-later

# Install layout and the Debian package (cpack -G DEB).
#
# The programs install themselves next to their targets: napkin-cli
# (app/cli, bin), napkin-certd (certd, sbin) and the desktop app napkin
# (app/desktop, bin). This file installs everything else and sets up CPack:
#
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DNAPKIN_BUILD_TESTS=OFF
#   cmake --build build-rel && (cd build-rel && cpack -G DEB)
#
# Package dependencies on shared libraries are computed by dpkg-shlibdeps;
# what the programs load or start at run time (Qt plugins, the keychain)
# is listed by hand below.

include_guard(GLOBAL)

# Debian puts a package's documentation under its package name.
set(NAPKIN_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/napkin)

# Freedesktop integration: menu entry, software-centre metadata, icon.
install(FILES ${PROJECT_SOURCE_DIR}/resources/org.napkin.Napkin.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/org.napkin.Napkin.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/resources/org.napkin.Napkin.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

# The certificate service's unit; it expects /usr/sbin/napkin-certd, which
# is where the package puts it.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/napkin-certd.service
        DESTINATION lib/systemd/system)

# Documentation and deployment examples (never live configuration in /etc:
# the administrator copies what the domain needs).
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${NAPKIN_DOCDIR})
# Debian policy 12.5: the machine-readable copyright file beside the docs.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/copyright DESTINATION ${NAPKIN_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${NAPKIN_DOCDIR}
        FILES_MATCHING PATTERN "*.md")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/certd ${PROJECT_SOURCE_DIR}/deploy/kamailio
        ${PROJECT_SOURCE_DIR}/deploy/systemd
        DESTINATION ${NAPKIN_DOCDIR}/examples)

# --- CPack: one Debian package "napkin" ----------------------------------
set(CPACK_PACKAGE_NAME napkin)
set(CPACK_PACKAGE_VENDOR "The Napkin developers")
set(CPACK_PACKAGE_CONTACT "Napkin maintainers <maintainers@napkin.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "End-to-end secure SIP calls with self-published device certificates")
set(CPACK_PACKAGE_DESCRIPTION
    "Napkin is a SIP softphone whose calls are authenticated and encrypted end to end
with S/MIME, using self-signed device certificates that each user publishes at
their SIP domain (draft-jennings-sipping-certs).

The package contains the desktop app (napkin), the command-line agent
(napkin-cli) and the domain's certificate service (napkin-certd) with a
systemd unit and Kamailio examples.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY napkin)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/" "/\\\\.git/")

set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_PACKAGE_NAME napkin)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Napkin maintainers <maintainers@napkin.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://napkin.invalid/")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Loaded at run time, so dpkg-shlibdeps cannot see them: the SVG icon engine,
# the platform plugins, libsecret (QtKeychain opens it with dlopen).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6, qt6-qpa-plugins, libsecret-1-0")
# A Secret Service keeps the device key and the password between runs;
# without one the app asks for the password at each start.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kamailio, kamailio-tls-modules")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
