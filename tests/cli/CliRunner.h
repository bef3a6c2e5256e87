// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Runs napkin-cli and the openssl tool as separate processes, the way scripts
// use them, and collects exit code and output.

#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <initializer_list>

namespace napkin::testcli {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

inline Run run(const QString &program, const QStringList &args, const QByteArray &input = {}) {
    QProcess p;
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000)) {
        r.err = QStringLiteral("cannot start ") + program;
        return r;
    }
    if (!input.isEmpty()) {
        p.write(input);
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        p.waitForFinished();
        r.err = program + QStringLiteral(" did not finish normally");
        return r;
    }
    r.exitCode = p.exitCode();
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

inline Run cli(const QStringList &args, const QByteArray &input = {}) {
    return run(QStringLiteral(NAPKIN_CLI_PATH), args, input);
}

inline Run openssl(const QStringList &args) {
    return run(QStringLiteral("openssl"), args);
}

/// Writes `content` to `path` (replacing it); false when that failed.
inline bool writeFile(const QString &path, const QByteArray &content) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

inline QStringList words(std::initializer_list<const char *> list) {
    QStringList out;
    for (const char *s : list) {
        out.append(QString::fromUtf8(s));
    }
    return out;
}

} // namespace napkin::testcli
