// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QDialog>
#include <functional>
#include <memory>

namespace Ui {
class AccountSetupDialog;
}

namespace napkin::ui {

/// What the first-run dialog collects (mirrors app::AccountSetup).
struct AccountSetupValues {
    QString address;
    QString password;
    QString registrar;
    QString outboundProxy;
    QString transport = QStringLiteral("udp"); ///< udp | tcp | tls
};

/// First run: address, password, registrar / outbound proxy, transport, and "Test
/// connection" (registers and enrols with a throw-away engine). Saving is allowed without
/// a successful test (the server may just be down right now), but then a warning in words
/// says what that means and the button reads "Save anyway" / "Save without testing".
class AccountSetupDialog : public QDialog {
    Q_OBJECT
public:
    /// Saves the account; returns an error text for people, or empty on success.
    using Apply = std::function<QString(const AccountSetupValues &)>;

    explicit AccountSetupDialog(QWidget *parent = nullptr);
    ~AccountSetupDialog() override;

    void setValues(const AccountSetupValues &values);
    [[nodiscard]] AccountSetupValues values() const;
    void setApply(Apply apply) { m_apply = std::move(apply); }

    /// Progress of the connection test, in words.
    void testProgress(const QString &message);
    /// Outcome of the connection test.
    void testFinished(bool ok, const QString &message);
    [[nodiscard]] QString testStatusText() const;
    /// Save is enabled except while a test runs.
    [[nodiscard]] bool saveEnabled() const;
    /// The Save button's words ("Save", "Save anyway", "Save without testing").
    [[nodiscard]] QString saveText() const;
    /// The warning shown while the values have not passed a test (empty once they have).
    [[nodiscard]] QString warningText() const;
    /// The saved values passed the connection test.
    [[nodiscard]] bool testPassed() const { return m_test == Test::Passed; }

Q_SIGNALS:
    void testRequested(const napkin::ui::AccountSetupValues &values);

public Q_SLOTS:
    void accept() override;

private:
    enum class Test { NotRun, Running, Passed, Failed };

    void invalidateTest();
    void showTest(Test test);
    [[nodiscard]] QString validate() const;

    std::unique_ptr<::Ui::AccountSetupDialog> m_ui;
    Apply m_apply;
    Test m_test = Test::NotRun;
    bool m_editedWhileTesting = false;
};

} // namespace napkin::ui
