// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// A value or a typed error, in the manner of std::expected (which C++20 lacks).
// No exception crosses a library API in Napkin: functions that can fail on
// input return Result<T, E>, and callers must look at it ([[nodiscard]]).

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace napkin {

template <typename E> struct Unexpected { E error; };

/// Wraps an error so that it converts into any Result<T, E>.
template <typename E> [[nodiscard]] Unexpected<std::decay_t<E>> fail(E &&error) {
    return Unexpected<std::decay_t<E>>{std::forward<E>(error)};
}

template <typename T, typename E> class [[nodiscard]] Result {
public:
    using value_type = T;
    using error_type = E;

    Result(const T &value) : m_v(std::in_place_index<0>, value) {}
    Result(T &&value) : m_v(std::in_place_index<0>, std::move(value)) {}
    template <typename E2>
    requires std::is_constructible_v<E, E2> Result(Unexpected<E2> u)
        : m_v(std::in_place_index<1>, std::move(u.error)) {}

    [[nodiscard]] bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] T &value() & {
        assert(ok());
        return std::get<0>(m_v);
    }
    [[nodiscard]] const T &value() const & {
        assert(ok());
        return std::get<0>(m_v);
    }
    [[nodiscard]] T &&value() && {
        assert(ok());
        return std::get<0>(std::move(m_v));
    }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    [[nodiscard]] const E &error() const & {
        assert(!ok());
        return std::get<1>(m_v);
    }
    [[nodiscard]] E &&error() && {
        assert(!ok());
        return std::get<1>(std::move(m_v));
    }

    [[nodiscard]] T valueOr(T fallback) const & { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, E> m_v;
};

template <typename E> class [[nodiscard]] Result<void, E> {
public:
    using value_type = void;
    using error_type = E;

    Result() = default;
    template <typename E2>
    requires std::is_constructible_v<E, E2> Result(Unexpected<E2> u)
        : m_error(std::move(u.error)) {}

    [[nodiscard]] bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const E &error() const & {
        assert(!ok());
        return *m_error;
    }
    [[nodiscard]] E &&error() && {
        assert(!ok());
        return std::move(*m_error);
    }

private:
    std::optional<E> m_error;
};

} // namespace napkin
