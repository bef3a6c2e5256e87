// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// Tones for end-to-end audio checks: a WAV file with a sine tone to play into
// a call, and a check that a recording of the far side holds that tone at the
// level it was sent with (Goertzel filter).

#include "tests/support/TestResult.h"

#include <QString>

namespace napkin::testing {

/// The amplitude (of full scale) writeTone() uses and checkTone() expects.
inline constexpr double kToneAmplitude = 0.25;

/// Writes a 48 kHz mono 16-bit WAV file holding `seconds` of a `frequency` Hz tone.
[[nodiscard]] TestResult<void> writeTone(const QString &path, double frequency, int seconds);

/// Checks the recording at `path` (at least 3 s): over its middle (1.5 s in
/// to 0.5 s before the end) `frequency` must be the dominant one among 50 Hz
/// steps from 300 to 3000 Hz, within 3 dB of writeTone()'s level.
[[nodiscard]] TestResult<void> checkTone(const QString &path, double frequency);

/// The same check over the last `seconds` of the recording only (but its
/// final half second): for a call whose audio stopped on the way, e.g. on
/// hold, and must be back by the end.
[[nodiscard]] TestResult<void> checkToneTail(const QString &path, double frequency, double seconds);

} // namespace napkin::testing
