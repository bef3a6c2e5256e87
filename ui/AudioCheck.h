// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QAudioDevice>
#include <QObject>
#include <QPointer>
#include <memory>

class QAudioSink;
class QAudioSource;
class QIODevice;

namespace napkin::ui {

/// The settings dialog's audio checks: a one-second 440 Hz test tone on an output device
/// and a live peak level (0..100) from an input device. Everything is asynchronous.
class AudioCheck : public QObject {
    Q_OBJECT
public:
    explicit AudioCheck(QObject *parent = nullptr);
    ~AudioCheck() override;

    /// Plays the tone; toneFinished() follows. False with problem() when the device cannot open.
    bool playTone(const QAudioDevice &output);
    /// Starts reporting level() from the device; stopListening() ends it.
    bool startListening(const QAudioDevice &input);
    void stopListening();
    [[nodiscard]] bool listening() const { return m_source != nullptr; }

Q_SIGNALS:
    void level(int percent);
    void toneFinished();
    void problem(const QString &message);

private:
    void readLevel();

    std::unique_ptr<QAudioSink> m_sink;
    std::unique_ptr<QIODevice> m_tone;
    std::unique_ptr<QAudioSource> m_source;
    QPointer<QIODevice> m_sourceIo;
};

} // namespace napkin::ui
