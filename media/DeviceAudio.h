// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Real audio devices through Qt Multimedia (QAudioSource/QAudioSink), for the
// media session. The devices live on their own thread (never the GUI
// thread); 48 kHz mono frames cross to the media thread through AudioRings.
// A device that disappears mid-call (QMediaDevices::audioInputsChanged /
// audioOutputsChanged) is replaced by the default one and the call goes on.

#include "media/AudioPort.h"
#include "media/MediaError.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
#include <memory>

namespace napkin::media {

struct AudioDeviceInfo {
    QByteArray id;
    QString description;
    bool isDefault = false;
};

struct DeviceAudioOptions {
    QByteArray inputId;  ///< empty: the default input
    QByteArray outputId; ///< empty: the default output
    bool capture = true;
    bool playback = true;
};

struct DeviceAudioEvent {
    enum class Kind {
        InputChanged,  ///< now capturing from `description` (a fallback or a selection)
        OutputChanged, ///< now playing to `description`
        Error,         ///< `message` says what failed; audio continues as silence
    };
    Kind kind = Kind::Error;
    QString description;
    QString message;
};

class DeviceAudioWorker;

class DeviceAudio {
public:
    /// The devices Qt Multimedia reports now (needs a QCoreApplication).
    [[nodiscard]] static QList<AudioDeviceInfo> inputs();
    [[nodiscard]] static QList<AudioDeviceInfo> outputs();

    /// Opens the devices and starts them on an audio thread. AudioDevice
    /// error, in words, when there is no device (e.g. no sound server), the
    /// chosen one does not exist, or it fails to start; State when there is
    /// no QCoreApplication. `onEvent` is called on the audio thread.
    [[nodiscard]] static MediaResult<std::unique_ptr<DeviceAudio>>
    open(DeviceAudioOptions options, std::function<void(const DeviceAudioEvent &)> onEvent = {});
    ~DeviceAudio();
    DeviceAudio(const DeviceAudio &) = delete;
    DeviceAudio &operator=(const DeviceAudio &) = delete;

    /// For MediaSessionConfig: the microphone and the loudspeaker.
    [[nodiscard]] std::shared_ptr<AudioSource> source() const;
    [[nodiscard]] std::shared_ptr<AudioSink> sink() const;

    /// Switches device mid-call.
    [[nodiscard]] MediaResult<void> selectInput(const QByteArray &id);
    [[nodiscard]] MediaResult<void> selectOutput(const QByteArray &id);
    [[nodiscard]] QString inputDescription() const;
    [[nodiscard]] QString outputDescription() const;

private:
    DeviceAudio() = default;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace napkin::media
