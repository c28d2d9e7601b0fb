/// The emails and e-messages of the identity flows (RULES N1).
///
/// An email says only that something happened or that there is something new to view; the only secrets it may
/// carry are a security code, an activation or reset link and a recovered username. No ID number, no amount, no
/// name of anyone — not even the recipient's. The details sit in the e-message inbox.
enum IdentityMail {
    /// A subject and a body.
    struct Text: Hashable, Sendable {
        var subject: String
        var body: String
        init(subject: String, body: String) {
            self.subject = subject
            self.body = body
        }
    }

    static let signature = "\n\nThis message was sent automatically. Do not reply to it."

    /// The receipt of a submitted application (RULES R10).
    static func receipt(confirmationNumber: String) -> Text {
        Text(
            subject: "We received your request for a logon",
            body: "We received your request to create a logon. Your confirmation number is \(confirmationNumber). "
                + "We will email you again when your request is approved." + signature)
    }

    /// The approval, with the single-use activation link (RULES R10, R12).
    static func approval(link: String, validDays: Int) -> Text {
        Text(
            subject: "Your logon is approved",
            body: "Your request for a logon is approved. Activate your logon with this link; it works once and "
                + "expires in \(validDays) days:\n\n\(link)\n\nAfter you activate it, log in and set up two-step "
                + "verification. There is also a new message for you in your inbox once you log in." + signature)
    }

    /// A refusal of the application by the agency.
    static func rejection(confirmationNumber: String) -> Text {
        Text(
            subject: "Your request for a logon",
            body: "Your request \(confirmationNumber) for a logon was not approved. Log in or call us for details."
                + signature)
    }

    /// A security code by email (RULES A4).
    static func securityCode(_ code: String, validMinutes: Int) -> Text {
        Text(
            subject: "Your security code",
            body: "Your security code is \(code). It expires in \(validMinutes) minutes and works once. If you did "
                + "not try to log in, change your password." + signature)
    }

    /// The recovered username, with a link straight to creating a new password (RULES V1).
    static func forgotUsername(_ username: String, link: String, validMinutes: Int) -> Text {
        Text(
            subject: "Your username",
            body: "You asked for your username. It is: \(username)\n\nIf you also forgot your password, choose a new "
                + "one with this link. It works once and expires in \(validMinutes) minutes:\n\n\(link)\n\n"
                + "If you did not ask, you can ignore this message." + signature)
    }

    /// The password reset link (RULES V2).
    static func passwordReset(link: String, validMinutes: Int) -> Text {
        Text(
            subject: "Reset your password",
            body: "Use this link to choose a new password. It works once and expires in \(validMinutes) minutes:\n\n"
                + "\(link)\n\nIf you did not ask, you can ignore this message; your password stays as it is."
                + signature)
    }

    /// Notice that the password changed (RULES P1, V2).
    static let passwordChanged = Text(
        subject: "Your password was changed",
        body: "The password of your logon was changed. Every other session was ended and every trusted device "
            + "must verify again. If you did not do this, call us at once." + signature)

    /// Notice to an address that the logon's email changed (RULES P1, V3).
    static let emailChanged = Text(
        subject: "Your email address was changed",
        body: "The email address of your logon was changed. If you did not ask for this, call us at once." + signature)

    /// Notice that a profile detail changed (RULES P1).
    static let profileChanged = Text(
        subject: "Your profile was changed",
        body: "Your logon's profile was changed. Log in to see your profile. If you did not do this, call us at once."
            + signature)

    /// Notice that two-step verification methods changed (RULES P1, A3).
    static let twoStepChanged = Text(
        subject: "Your two-step verification changed",
        body: "The two-step verification methods of your logon were changed. If you did not do this, call us at once."
            + signature)

    /// Notice that a new device was trusted (RULES A6).
    static let deviceTrusted = Text(
        subject: "A device was trusted",
        body: "A device was set to skip two-step verification for your logon. If this was not you, change your "
            + "password: that revokes every trusted device." + signature)

    /// Notice of a lockout (RULES A2).
    static let lockedOut = Text(
        subject: "Your logon is locked",
        body: "Too many attempts to log in failed, so your logon is locked for a while. If this was not you, reset "
            + "your password." + signature)

    /// Confirmation of Delete My Profile (RULES P2).
    static let profileDeleted = Text(
        subject: "Your profile was deleted",
        body: "Your logon was deleted as you asked. It can no longer be used to log in." + signature)

    // MARK: e-messages (the inbox may carry details; RULES N1)

    /// To a new Master Administrator (RULES R11).
    static func welcomeMasterAdministrator(taxpayerName: String) -> Text {
        Text(
            subject: "You are the Master Administrator",
            body: "Your logon is the Master Administrator of \(taxpayerName). You have All Access on every account "
                + "of this taxpayer and you manage who else has access.")
    }

    /// To a new Tax Administrator: how to reach the taxpayer's Master Administrators (RULES R11).
    static func welcomeTaxAdministrator(
        taxpayerName: String, accountType: AccountType, level: AccessLevel, masterAdministrators: [String]
    ) -> Text {
        let names =
            masterAdministrators.isEmpty
            ? "the taxpayer's Master Administrator" : masterAdministrators.joined(separator: ", ")
        return Text(
            subject: "How to get more access",
            body: "\(taxpayerName) already has a Master Administrator, so your logon is a Tax Administrator with "
                + "\(level.displayName) on the \(accountType.rawValue) account you proved, and nothing else. To get "
                + "access to other accounts, or to become a Master Administrator, ask the taxpayer's Master "
                + "Administrator (\(names)); they can change your access under Manage Logons.")
    }
}
