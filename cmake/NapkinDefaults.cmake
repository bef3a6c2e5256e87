# SPDX-FileCopyrightText: 2026 The Napkin developers
# SPDX-License-Identifier: GPL-3.0-or-later

# Project-wide compile settings applied per target, so that third-party code
# pulled in through find_package never inherits our -Werror.

if(NAPKIN_SANITIZE)
    # Applied globally: a sanitized library linked into an unsanitized
    # executable (or the reverse) gives false reports or link errors.
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

function(napkin_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                           -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                           -Wimplicit-fallthrough -Wformat=2)
    if(NAPKIN_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    # GCC 12 reports false -Wrestrict overlaps inside std::string at -O2/-O3
    # (GCC bug 105329, fixed in 13); Debian 12's compiler is 12.2.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(${target} PRIVATE -Wno-restrict)
    endif()
    target_compile_definitions(${target} PRIVATE QT_NO_KEYWORDS QT_NO_CAST_FROM_ASCII
                               OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
    # libnice and Sofia-SIP both export a function named stun_message_length
    # (different meanings). Whichever library the dynamic linker meets first
    # serves both, and libnice's STUN (ICE checks, TURN) breaks if it is
    # Sofia's: every executable loads libnice before everything else. Sofia's
    # own STUN client, which would then break instead, is never used.
    # IceSession::create checks it at run time as well.
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
        target_link_options(${target} BEFORE PRIVATE
                            "LINKER:--push-state,--no-as-needed,-lnice,--pop-state")
    endif()
endfunction()

# One test executable per unit: napkin_add_test(NAME test_x SOURCES ... LIBS ...)
function(napkin_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    napkin_defaults(${T_NAME})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "NAPKIN_SOURCE_DIR=${PROJECT_SOURCE_DIR};NAPKIN_BINARY_DIR=${PROJECT_BINARY_DIR};QT_QPA_PLATFORM=offscreen;ASAN_OPTIONS=detect_leaks=0")
    if(T_LABELS)
        set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
    endif()
endfunction()
