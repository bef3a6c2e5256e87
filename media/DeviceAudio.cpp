// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "media/DeviceAudio.h"

#include "media/AudioRing.h"
#include "media/PcmConverter.h"
#include "media/QtMediaLog.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QAudioSink>
#include <QAudioSource>
#include <QCoreApplication>
#include <QIODevice>
#include <QMediaDevices>
#include <QMutex>
#include <QThread>

#include <cstring>

namespace napkin::media {

namespace {

constexpr std::size_t kCaptureTargetSamples = 2 * kFrameSamples; // keep <= 40 ms queued
constexpr std::size_t kRingCapacity = kSampleRate / 5;           // 200 ms

AudioDeviceInfo infoOf(const QAudioDevice &d, const QAudioDevice &preferred) {
    return AudioDeviceInfo{d.id(), d.description(), d.id() == preferred.id()};
}

QAudioDevice findDevice(const QList<QAudioDevice> &devices, const QByteArray &id,
                        const QAudioDevice &fallback) {
    if (id.isEmpty()) {
        return fallback;
    }
    for (const auto &d : devices) {
        if (d.id() == id) {
            return d;
        }
    }
    return QAudioDevice();
}

/// 48 kHz mono Int16 if the device takes it, else its own preferred format.
QAudioFormat chooseFormat(const QAudioDevice &device) {
    QAudioFormat f;
    f.setSampleRate(kSampleRate);
    f.setChannelCount(1);
    f.setSampleFormat(QAudioFormat::Int16);
    if (device.isFormatSupported(f)) {
        return f;
    }
    f = device.preferredFormat();
    if (f.sampleFormat() != QAudioFormat::Int16 && f.sampleFormat() != QAudioFormat::Float) {
        f.setSampleFormat(QAudioFormat::Int16);
    }
    return f;
}

DeviceFormat toDeviceFormat(const QAudioFormat &f) {
    return DeviceFormat{f.sampleRate(), f.channelCount(),
                        f.sampleFormat() == QAudioFormat::Float ? SampleType::Float32
                                                                : SampleType::Int16};
}

/// The QIODevice QAudioSource writes into.
class CaptureIo final : public QIODevice {
public:
    CaptureIo(AudioRing &ring, CaptureConverter converter)
        : m_ring(ring), m_converter(std::move(converter)) {}

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 len) override {
        m_scratch.clear();
        m_converter.convert(
            std::span(reinterpret_cast<const std::uint8_t *>(data), static_cast<std::size_t>(len)),
            m_scratch);
        m_ring.write(m_scratch);
        return len;
    }

private:
    AudioRing &m_ring;
    CaptureConverter m_converter;
    std::vector<std::int16_t> m_scratch;
};

/// The QIODevice QAudioSink reads from: never runs dry (silence instead),
/// so the sink does not stop on an underrun.
class PlaybackIo final : public QIODevice {
public:
    PlaybackIo(AudioRing &ring, PlaybackConverter converter, std::size_t bytesPerFrame)
        : m_ring(ring), m_converter(std::move(converter)), m_bytesPerFrame(bytesPerFrame) {}
    [[nodiscard]] bool isSequential() const override { return true; }
    [[nodiscard]] qint64 bytesAvailable() const override {
        return 4096 + QIODevice::bytesAvailable();
    }

protected:
    qint64 writeData(const char *, qint64) override { return -1; }
    qint64 readData(char *data, qint64 maxlen) override {
        const auto want = static_cast<std::size_t>(maxlen);
        while (m_pending.size() < want) {
            std::int16_t frame[kFrameSamples / 4]; // 5 ms steps
            m_ring.read(frame);
            m_converter.convert(frame, m_pending);
        }
        const std::size_t n = want / m_bytesPerFrame * m_bytesPerFrame;
        std::memcpy(data, m_pending.data(), n);
        m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(n));
        return static_cast<qint64>(n);
    }

private:
    AudioRing &m_ring;
    PlaybackConverter m_converter;
    std::size_t m_bytesPerFrame;
    std::vector<std::uint8_t> m_pending;
};

class RingSource final : public AudioSource {
public:
    explicit RingSource(std::shared_ptr<AudioRing> ring) : m_ring(std::move(ring)) {}
    bool read(std::span<std::int16_t> frame) override {
        // The device clock drifts against ours: keep at most ~40 ms queued
        // so that capture latency cannot creep up.
        const std::size_t queued = m_ring->size();
        if (queued > kCaptureTargetSamples + frame.size()) {
            std::vector<std::int16_t> discard(queued - kCaptureTargetSamples);
            m_ring->read(discard);
        }
        m_ring->read(frame);
        return true;
    }

private:
    std::shared_ptr<AudioRing> m_ring;
};

class RingSink final : public AudioSink {
public:
    explicit RingSink(std::shared_ptr<AudioRing> ring) : m_ring(std::move(ring)) {}
    void write(std::span<const std::int16_t> frame) override { m_ring->write(frame); }

private:
    std::shared_ptr<AudioRing> m_ring;
};

} // namespace

/// Lives on the audio thread: owns the Qt Multimedia objects.
class DeviceAudioWorker final : public QObject {
public:
    DeviceAudioWorker(DeviceAudioOptions options,
                      std::function<void(const DeviceAudioEvent &)> onEvent,
                      std::shared_ptr<AudioRing> capture, std::shared_ptr<AudioRing> playback)
        : m_options(std::move(options)), m_onEvent(std::move(onEvent)),
          m_captureRing(std::move(capture)), m_playbackRing(std::move(playback)) {}

    MediaResult<void> startAll() {
        m_devices = new QMediaDevices(this);
        connect(m_devices, &QMediaDevices::audioInputsChanged, this,
                [this] { devicesChanged(true); });
        connect(m_devices, &QMediaDevices::audioOutputsChanged, this,
                [this] { devicesChanged(false); });
        if (m_options.capture) {
            if (auto ok = startInput(m_options.inputId); !ok) {
                return ok;
            }
        }
        if (m_options.playback) {
            if (auto ok = startOutput(m_options.outputId); !ok) {
                return ok;
            }
        }
        return {};
    }

    void stopAll() {
        stopInput();
        stopOutput();
    }

    MediaResult<void> startInput(const QByteArray &id) {
        const QAudioDevice device =
            findDevice(QMediaDevices::audioInputs(), id, QMediaDevices::defaultAudioInput());
        if (device.isNull()) {
            return mediaFail(
                MediaErrc::AudioDevice,
                id.isEmpty() ? "there is no audio input device (is a sound server running?)"
                             : "the audio input device " + id.toStdString() + " does not exist");
        }
        const QAudioFormat format = chooseFormat(device);
        auto converter = CaptureConverter::create(toDeviceFormat(format));
        if (!converter) {
            return fail(converter.error());
        }
        stopInput();
        m_captureIo = std::make_unique<CaptureIo>(*m_captureRing, std::move(*converter));
        m_captureIo->open(QIODevice::WriteOnly);
        m_source = std::make_unique<QAudioSource>(device, format);
        m_source->setBufferSize(static_cast<qsizetype>(format.bytesForDuration(20000)));
        m_source->start(m_captureIo.get());
        if (m_source->error() != QAudio::NoError) {
            stopInput();
            return mediaFail(MediaErrc::AudioDevice, "the audio input " +
                                                         device.description().toStdString() +
                                                         " failed to start");
        }
        m_inputId = device.id();
        m_inputDescription = device.description();
        mediaLog(LogLevel::Info, "media: capturing from " + m_inputDescription.toStdString());
        emitEvent({DeviceAudioEvent::Kind::InputChanged, m_inputDescription, {}});
        return {};
    }

    MediaResult<void> startOutput(const QByteArray &id) {
        const QAudioDevice device =
            findDevice(QMediaDevices::audioOutputs(), id, QMediaDevices::defaultAudioOutput());
        if (device.isNull()) {
            return mediaFail(
                MediaErrc::AudioDevice,
                id.isEmpty() ? "there is no audio output device (is a sound server running?)"
                             : "the audio output device " + id.toStdString() + " does not exist");
        }
        const QAudioFormat format = chooseFormat(device);
        auto converter = PlaybackConverter::create(toDeviceFormat(format));
        if (!converter) {
            return fail(converter.error());
        }
        stopOutput();
        m_playbackIo = std::make_unique<PlaybackIo>(*m_playbackRing, std::move(*converter),
                                                    toDeviceFormat(format).bytesPerFrame());
        m_playbackIo->open(QIODevice::ReadOnly);
        m_sink = std::make_unique<QAudioSink>(device, format);
        m_sink->setBufferSize(static_cast<qsizetype>(format.bytesForDuration(40000)));
        m_sink->start(m_playbackIo.get());
        if (m_sink->error() != QAudio::NoError) {
            stopOutput();
            return mediaFail(MediaErrc::AudioDevice, "the audio output " +
                                                         device.description().toStdString() +
                                                         " failed to start");
        }
        m_outputId = device.id();
        m_outputDescription = device.description();
        mediaLog(LogLevel::Info, "media: playing to " + m_outputDescription.toStdString());
        emitEvent({DeviceAudioEvent::Kind::OutputChanged, m_outputDescription, {}});
        return {};
    }

    QString inputDescription() const { return m_inputDescription; }
    QString outputDescription() const { return m_outputDescription; }

private:
    void stopInput() {
        if (m_source) {
            m_source->stop();
            m_source.reset();
        }
        m_captureIo.reset();
        m_captureRing->clear();
    }
    void stopOutput() {
        if (m_sink) {
            m_sink->stop();
            m_sink.reset();
        }
        m_playbackIo.reset();
    }

    void devicesChanged(bool input) {
        const bool active = input ? m_source != nullptr : m_sink != nullptr;
        if (!active) {
            return;
        }
        const QList<QAudioDevice> now =
            input ? QMediaDevices::audioInputs() : QMediaDevices::audioOutputs();
        const QByteArray &current = input ? m_inputId : m_outputId;
        for (const auto &d : now) {
            if (d.id() == current) {
                return; // ours is still there
            }
        }
        // Ours is gone: fall back to the default, and keep the call going.
        mediaLog(LogLevel::Warning, std::string("media: audio ") + (input ? "input" : "output") +
                                        " device disappeared; switching to the default");
        auto ok = input ? startInput({}) : startOutput({});
        if (!ok) {
            if (input) {
                stopInput();
            } else {
                stopOutput();
            }
            emitEvent(
                {DeviceAudioEvent::Kind::Error, {}, QString::fromStdString(ok.error().message)});
        }
    }

    void emitEvent(const DeviceAudioEvent &e) {
        if (m_onEvent) {
            m_onEvent(e);
        }
    }

    DeviceAudioOptions m_options;
    std::function<void(const DeviceAudioEvent &)> m_onEvent;
    std::shared_ptr<AudioRing> m_captureRing;
    std::shared_ptr<AudioRing> m_playbackRing;
    QMediaDevices *m_devices = nullptr;
    std::unique_ptr<QAudioSource> m_source;
    std::unique_ptr<QAudioSink> m_sink;
    std::unique_ptr<CaptureIo> m_captureIo;
    std::unique_ptr<PlaybackIo> m_playbackIo;
    QByteArray m_inputId;
    QByteArray m_outputId;
    QString m_inputDescription;
    QString m_outputDescription;
};

struct DeviceAudio::Private {
    QThread thread;
    DeviceAudioWorker *worker = nullptr;
    std::shared_ptr<AudioRing> captureRing = std::make_shared<AudioRing>(kRingCapacity);
    std::shared_ptr<AudioRing> playbackRing = std::make_shared<AudioRing>(kRingCapacity / 2);
};

QList<AudioDeviceInfo> DeviceAudio::inputs() {
    QList<AudioDeviceInfo> out;
    const QAudioDevice preferred = QMediaDevices::defaultAudioInput();
    for (const auto &d : QMediaDevices::audioInputs()) {
        out.append(infoOf(d, preferred));
    }
    return out;
}

QList<AudioDeviceInfo> DeviceAudio::outputs() {
    QList<AudioDeviceInfo> out;
    const QAudioDevice preferred = QMediaDevices::defaultAudioOutput();
    for (const auto &d : QMediaDevices::audioOutputs()) {
        out.append(infoOf(d, preferred));
    }
    return out;
}

MediaResult<std::unique_ptr<DeviceAudio>>
DeviceAudio::open(DeviceAudioOptions options,
                  std::function<void(const DeviceAudioEvent &)> onEvent) {
    if (QCoreApplication::instance() == nullptr) {
        return mediaFail(MediaErrc::State, "audio devices need a running QCoreApplication");
    }
    std::unique_ptr<DeviceAudio> out(new DeviceAudio());
    out->d = std::make_unique<Private>();
    Private &p = *out->d;
    p.thread.setObjectName(QStringLiteral("napkin-audio"));
    p.worker = new DeviceAudioWorker(std::move(options), std::move(onEvent), p.captureRing,
                                     p.playbackRing);
    p.worker->moveToThread(&p.thread);
    QObject::connect(&p.thread, &QThread::finished, p.worker, &QObject::deleteLater);
    p.thread.start();
    MediaResult<void> started = mediaFail(MediaErrc::Internal, "the audio thread did not start");
    QMetaObject::invokeMethod(
        p.worker, [&] { started = p.worker->startAll(); }, Qt::BlockingQueuedConnection);
    if (!started) {
        return fail(started.error()); // the destructor stops the thread
    }
    return out;
}

DeviceAudio::~DeviceAudio() {
    if (!d) {
        return;
    }
    if (d->thread.isRunning()) {
        QMetaObject::invokeMethod(
            d->worker, [this] { d->worker->stopAll(); }, Qt::BlockingQueuedConnection);
        d->thread.quit();
        d->thread.wait();
    }
}

std::shared_ptr<AudioSource> DeviceAudio::source() const {
    return std::make_shared<RingSource>(d->captureRing);
}

std::shared_ptr<AudioSink> DeviceAudio::sink() const {
    return std::make_shared<RingSink>(d->playbackRing);
}

MediaResult<void> DeviceAudio::selectInput(const QByteArray &id) {
    MediaResult<void> r;
    QMetaObject::invokeMethod(
        d->worker, [&] { r = d->worker->startInput(id); }, Qt::BlockingQueuedConnection);
    return r;
}

MediaResult<void> DeviceAudio::selectOutput(const QByteArray &id) {
    MediaResult<void> r;
    QMetaObject::invokeMethod(
        d->worker, [&] { r = d->worker->startOutput(id); }, Qt::BlockingQueuedConnection);
    return r;
}

QString DeviceAudio::inputDescription() const {
    QString r;
    QMetaObject::invokeMethod(
        d->worker, [&] { r = d->worker->inputDescription(); }, Qt::BlockingQueuedConnection);
    return r;
}

QString DeviceAudio::outputDescription() const {
    QString r;
    QMetaObject::invokeMethod(
        d->worker, [&] { r = d->worker->outputDescription(); }, Qt::BlockingQueuedConnection);
    return r;
}

} // namespace napkin::media
