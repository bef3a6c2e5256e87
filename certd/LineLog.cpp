// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "certd/LineLog.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace napkin::certd {

namespace {
/// Past this much pending text the writer is woken at once.
constexpr std::size_t kEagerFlush = 32 * 1024;
/// A stalled reader (a full pipe) must not make the server hoard memory.
constexpr std::size_t kMaxPending = 4 * 1024 * 1024;
} // namespace

LineLog::LineLog(int fd, int flushMs) : m_fd(fd), m_flushMs(flushMs) {
    m_thread = std::thread([this] { run(); });
}

LineLog::~LineLog() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
    flush();
}

void LineLog::line(std::string_view text) {
    bool eager = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_pending.size() + text.size() + 1 > kMaxPending) {
            return; // dropped rather than blocking a worker thread
        }
        m_pending.append(text);
        m_pending += '\n';
        eager = m_pending.size() >= kEagerFlush;
    }
    if (eager) {
        m_wake.notify_one();
    }
}

void LineLog::flush() {
    std::lock_guard writing(m_writeMutex);
    std::string batch;
    {
        std::lock_guard lock(m_mutex);
        batch.swap(m_pending);
    }
    writeAll(batch);
}

void LineLog::run() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, std::chrono::milliseconds(m_flushMs),
                        [this] { return m_stopping || m_pending.size() >= kEagerFlush; });
        if (m_pending.empty()) {
            continue;
        }
        lock.unlock();
        flush();
        lock.lock();
    }
}

void LineLog::writeAll(const std::string &data) {
    std::size_t done = 0;
    while (done < data.size()) {
        auto n = ::write(m_fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; // nowhere to log to; the server carries on
        }
        done += static_cast<std::size_t>(n);
    }
}

} // namespace napkin::certd
