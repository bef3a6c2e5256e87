// SPDX-FileCopyrightText: 2026 The Napkin developers
// SPDX-License-Identifier: GPL-3.0-or-later

#pragma once

#include <QDialog>
#include <memory>

namespace Ui {
class PasswordDialog;
}

namespace napkin::ui {

/// Asks for the account password, and says why it is asked (no keychain reachable, or
/// nothing stored there yet).
class PasswordDialog : public QDialog {
    Q_OBJECT
public:
    explicit PasswordDialog(const QString &address, const QString &explanation,
                            QWidget *parent = nullptr);
    ~PasswordDialog() override;

    [[nodiscard]] QByteArray password() const;

private:
    std::unique_ptr<::Ui::PasswordDialog> m_ui;
};

} // namespace napkin::ui
