// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// The request log: lines go to a file descriptor (stderr) from a background
// thread in batches, so that a busy server spends one write() per batch
// rather than per request. Lines are never interleaved or cut.

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace napkin::certd {

class LineLog {
public:
    /// Writes to `fd` at least every `flushMs` milliseconds.
    explicit LineLog(int fd, int flushMs = 20);
    /// Writes whatever is pending.
    ~LineLog();
    LineLog(const LineLog &) = delete;
    LineLog &operator=(const LineLog &) = delete;

    /// Queues one line (a newline is appended). Thread-safe.
    void line(std::string_view text);
    /// Writes pending lines now (start-up messages, shutdown).
    void flush();

private:
    void run();
    void writeAll(const std::string &data);

    int m_fd;
    int m_flushMs;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_pending;
    bool m_stopping = false;
    std::mutex m_writeMutex; ///< keeps batches in order between flush() and the thread
    std::thread m_thread;
};

} // namespace napkin::certd
