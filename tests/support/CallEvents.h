// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

// What call tests ask of a napkin-cli agent's events, beyond one event with
// given fields (AgentProcess::waitFor): media flowing, the ICE pair, a call
// state, an error that ends a call's media.

#include "tests/support/AgentProcess.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace napkin::testing {

/// `o` on one line.
[[nodiscard]] QString compactJson(const QJsonObject &o);
/// A small text file's contents; empty when it cannot be read.
[[nodiscard]] QString readTextFile(const QString &path);

/// Starts the agent and waits until it has registered.
[[nodiscard]] TestResult<QJsonObject> startRegistered(AgentProcess &agent, int timeoutMs = 30000);
/// The first `media` event with `"flowing": true`.
[[nodiscard]] TestResult<QJsonObject> waitForFlowing(AgentProcess &agent, int timeoutMs = 30000);
/// The first `call_state` event with this state.
[[nodiscard]] TestResult<QJsonObject> waitForCallState(AgentProcess &agent, const QString &state);
/// The first ICE pair the agent reported (`{"local", "remote", "transport", ...}`).
[[nodiscard]] TestResult<QJsonObject> waitForIce(AgentProcess &agent);
/// The last ICE pair reported (each change is reported: the first pair that
/// works, then the nominated one when that differs); empty when none.
[[nodiscard]] QJsonObject lastIce(const AgentProcess &agent);
/// An error event that ends a call's media: no-media-path, or one whose
/// "where" is "call" or "audio" (not enrolment or profile warnings).
[[nodiscard]] std::optional<QJsonObject> callError(const AgentProcess &agent);

} // namespace napkin::testing
