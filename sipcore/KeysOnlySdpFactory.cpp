// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#include "sipcore/KeysOnlySdpFactory.h"

#include "sipcore/SdpExchange.h"

namespace napkin::sip {

namespace {

class KeysOnlyNegotiator final : public SdpNegotiator {
public:
    KeysOnlyNegotiator(std::string address, std::uint16_t port)
        : m_exchange(std::move(address), [port]() -> SdpResult<std::uint16_t> { return port; }) {}

    ~KeysOnlyNegotiator() override { stop(); }

    SdpResult<std::string> createOffer(bool hold) override { return m_exchange.createOffer(hold); }

    SdpResult<std::string> createAnswer(std::string_view offer, bool hold) override {
        auto answer = m_exchange.createAnswer(offer, hold);
        if (!answer) {
            return fail(std::move(answer).error());
        }
        m_media = answer->agreement.summary;
        return std::move(answer->sdp);
    }

    SdpResult<void> acceptAnswer(std::string_view answer) override {
        auto agreed = m_exchange.acceptAnswer(answer);
        if (!agreed) {
            return fail(std::move(agreed).error());
        }
        m_media = agreed->summary;
        return {};
    }

    [[nodiscard]] std::optional<NegotiatedMedia> negotiated() const override { return m_media; }

    /// An agreement's keys are wiped as soon as it is summarised; this drops
    /// the ones of an outstanding offer.
    void stop() override { m_exchange.reset(); }

private:
    SdpExchange m_exchange;
    std::optional<NegotiatedMedia> m_media;
};

} // namespace

KeysOnlySdpFactory::KeysOnlySdpFactory(std::string address, std::uint16_t firstPort)
    : m_address(std::move(address)), m_nextPort(firstPort) {}

std::unique_ptr<SdpNegotiator> KeysOnlySdpFactory::create() {
    const std::uint16_t port = m_nextPort;
    m_nextPort = static_cast<std::uint16_t>(m_nextPort >= 65000 ? 40000 : m_nextPort + 2);
    return std::make_unique<KeysOnlyNegotiator>(m_address, port);
}

} // namespace napkin::sip
