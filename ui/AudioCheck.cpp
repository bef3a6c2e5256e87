// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "ui/AudioCheck.h"

#include <QAudioFormat>
#include <QAudioSink>
#include <QAudioSource>
#include <QBuffer>
#include <QtMath>

#include <cstring>

namespace napkin::ui {

namespace {

constexpr int kRate = 48000;

QAudioFormat monoFormat() {
    QAudioFormat format;
    format.setSampleRate(kRate);
    format.setChannelCount(1);
    format.setSampleFormat(QAudioFormat::Int16);
    return format;
}

/// One second of a 440 Hz tone with short fades, so it does not click.
QByteArray toneSamples() {
    const int count = kRate;
    QByteArray data(count * static_cast<int>(sizeof(qint16)), Qt::Uninitialized);
    const int fade = kRate / 50;
    for (int i = 0; i < count; ++i) {
        double gain = 0.3;
        if (i < fade) {
            gain *= double(i) / fade;
        } else if (i > count - fade) {
            gain *= double(count - i) / fade;
        }
        const auto sample =
            static_cast<qint16>(gain * 32767.0 * qSin(2.0 * M_PI * 440.0 * i / double(kRate)));
        std::memcpy(data.data() + i * static_cast<int>(sizeof(qint16)), &sample, sizeof(sample));
    }
    return data;
}

} // namespace

AudioCheck::AudioCheck(QObject *parent) : QObject(parent) {}

AudioCheck::~AudioCheck() {
    stopListening();
    if (m_sink) {
        m_sink->stop();
    }
}

bool AudioCheck::playTone(const QAudioDevice &output) {
    if (output.isNull()) {
        Q_EMIT problem(tr("No speaker is available."));
        return false;
    }
    QAudioFormat format = monoFormat();
    if (!output.isFormatSupported(format)) {
        Q_EMIT problem(tr("%1 cannot play 48 kHz mono audio.").arg(output.description()));
        return false;
    }
    if (m_sink) {
        m_sink->stop();
    }
    auto buffer = std::make_unique<QBuffer>();
    buffer->setData(toneSamples());
    buffer->open(QIODevice::ReadOnly);
    m_sink = std::make_unique<QAudioSink>(output, format);
    connect(m_sink.get(), &QAudioSink::stateChanged, this, [this](QAudio::State state) {
        if (state == QAudio::IdleState || state == QAudio::StoppedState) {
            if (m_sink && m_sink->error() != QAudio::NoError && state == QAudio::StoppedState) {
                Q_EMIT problem(tr("The speaker stopped with an error."));
            }
            Q_EMIT toneFinished();
        }
    });
    m_tone = std::move(buffer);
    m_sink->start(m_tone.get());
    return true;
}

bool AudioCheck::startListening(const QAudioDevice &input) {
    stopListening();
    if (input.isNull()) {
        Q_EMIT problem(tr("No microphone is available."));
        return false;
    }
    const QAudioFormat format = monoFormat();
    if (!input.isFormatSupported(format)) {
        Q_EMIT problem(tr("%1 cannot record 48 kHz mono audio.").arg(input.description()));
        return false;
    }
    m_source = std::make_unique<QAudioSource>(input, format);
    m_sourceIo = m_source->start();
    if (m_sourceIo == nullptr) {
        m_source.reset();
        Q_EMIT problem(tr("%1 could not be opened.").arg(input.description()));
        return false;
    }
    connect(m_sourceIo, &QIODevice::readyRead, this, &AudioCheck::readLevel);
    return true;
}

void AudioCheck::stopListening() {
    if (m_source) {
        m_source->stop();
        m_source.reset();
        Q_EMIT level(0);
    }
}

void AudioCheck::readLevel() {
    if (m_sourceIo == nullptr) {
        return;
    }
    const QByteArray data = m_sourceIo->readAll();
    int peak = 0;
    for (qsizetype i = 0; i + 1 < data.size(); i += 2) {
        qint16 sample = 0;
        std::memcpy(&sample, data.constData() + i, sizeof(sample));
        peak = qMax(peak, qAbs(int(sample)));
    }
    Q_EMIT level(peak * 100 / 32768);
}

} // namespace napkin::ui
