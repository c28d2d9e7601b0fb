/// Someone to tell about an access change: an email that says only that there is something new to view (RULES N1)
/// and an e-message in the logon's inbox with the details.
struct AccessNotice: Hashable, Sendable {
    /// The logon told.
    var recipient: LogonID
    /// Its email address.
    var address: String
    /// The e-message's subject.
    var subject: String
    /// The e-message's text: the details the email leaves out.
    var details: String

    init(recipient: LogonID, address: String, subject: String, details: String) {
        self.recipient = recipient
        self.address = address
        self.subject = subject
        self.details = details
    }

    /// A notice to an active logon; `nil` for a logon that is not active (nobody mails a cancelled logon).
    static func to(_ logon: Logon, subject: String, details: String) -> AccessNotice? {
        guard logon.status == .active else { return nil }
        return AccessNotice(recipient: logon.id, address: logon.email, subject: subject, details: details)
    }
}

/// The words of access emails (RULES N1): no ID numbers, amounts or names of other parties, only that there is
/// something new to view.
enum AccessMail {
    /// The subject of every access email.
    static let subject = "You have a new message"

    /// The body of every access email.
    static func body(portalURL: String) -> String {
        """
        There is something new for you to view in your e-message inbox.
        Log in at \(portalURL) to read it.

        This message was sent automatically. Please do not reply.
        """
    }

    /// The completion mail of a secondary logon (RULES S2): one of the links N1 allows an email to carry.
    static func secondaryCompletion(link: String) -> IdentityMail.Text {
        IdentityMail.Text(
            subject: "Complete your logon",
            body: """
                A logon has been set up for you. Complete it by choosing a username and a password here:
                \(link)

                The link works once. This message was sent automatically. Please do not reply.
                """)
    }

    /// A level per account, in words, for e-messages: "A90 (withholding): File and Pay"; `masked`, the account
    /// number masked as X2 lets a third party see it before it holds access: "*0090 (withholding): File and Pay".
    static func describe(_ levels: [AccountID: AccessLevel], accounts: [TaxAccount], masked: Bool = false) -> String {
        let types = Dictionary(accounts.map { ($0.id, $0.type) }, uniquingKeysWith: { a, _ in a })
        return levels.keys.sorted().map { id in
            let type = types[id].map { " (\($0.rawValue))" } ?? ""
            let number = masked ? Masking.accountNumber(id.rawValue) : id.rawValue
            return "\(number)\(type): \(levels[id]?.displayName ?? AccessLevel.none.displayName)"
        }.joined(separator: "\n")
    }
}
