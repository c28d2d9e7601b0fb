import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

/// The story of the source documents, told through the services on the demo's SQLite file: the agency loads
/// taxpayers; Pat creates a logon and signs in with two-step verification; the Acme firm registers and asks for
/// access to Pat; Pat approves at other levels than asked; the firm sets up secondary logons and a security group;
/// the resolver checks and explains; Pat cancels and every secondary loses access at once; the audit log says who had
/// access when; the outbox is delivered as .eml files.
///
/// Mail is read from the outbox as a person reads an inbox: the link is taken from the mail's text and opened, the
/// code is typed in. No password and no code is ever printed.
struct DemoStory {
    let portal: Portal
    /// Opens the outbox's sealed bodies, as the mail system does.
    let box: SecretBox
    let directory: InMemoryTaxpayerDirectory
    let databasePath: String
    let mailFolder: String
    /// What the database is, for the first line: SQLite unless told.
    var storeKind = "SQLite"
    /// The sealing key file: `<databasePath>.key` unless told.
    var keyFile: String? = nil

    var store: any AccessStore { portal.store }

    // The cast.
    static let pat = TaxpayerID("T100")
    static let patIncome = AccountID("A101")
    static let patSales = AccountID("A102")
    static let acme = TaxpayerID("T200")
    static let acmeWithholding = AccountID("A201")
    static let patEmail = "pat@client.example"
    static let alexEmail = "alex@acme.example"
    static let morganEmail = "morgan@acme.example"
    static let kimEmail = "kim@acme.example"
    static let agencyClerk = "agency clerk D. Rivera"

    /// The agency's system of record (RULES T3): Pat with two filed personal income returns, and the Acme firm with a
    /// sign-up letter for its withholding account.
    static func systemOfRecord(now: Date) -> InMemoryTaxpayerDirectory {
        let directory = InMemoryTaxpayerDirectory()
        let day: TimeInterval = 86_400
        directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(
                    id: pat, taxID: TaxIdentifier(type: .ssn, number: "123456789"),
                    legalName: "Pat Q Client", kind: .individual),
                accounts: [
                    TaxAccount(id: patIncome, taxpayer: pat, type: .personalIncome),
                    TaxAccount(id: patSales, taxpayer: pat, type: .salesAndUse),
                ]),
            returns: [
                FiledReturn(
                    account: patIncome, period: "2025", filedAt: now.addingTimeInterval(-90 * day),
                    amountDue: Cents(123_456)),
                FiledReturn(
                    account: patIncome, period: "2024", filedAt: now.addingTimeInterval(-455 * day),
                    refund: Cents(31_000)),
            ])
        directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(
                    id: acme, taxID: TaxIdentifier(type: .fein, number: "041234567"),
                    legalName: "Acme Tax Preparers LLC", kind: .business),
                accounts: [TaxAccount(id: acmeWithholding, taxpayer: acme, type: .withholding)]),
            letters: [
                SignUpLetter(
                    letterID: "L0417-2026", account: acmeWithholding, sentAt: now.addingTimeInterval(-10 * day))
            ])
        return directory
    }

    func play() async throws {
        let started = Date()
        let registration = portal.registration
        let auth = portal.authentication
        let access = portal.thirdParties
        let firm = portal.firm
        print(
            "TaxpayerAccess demo on \(databasePath) (\(storeKind); the sealing key is in \(keyFile ?? databasePath + ".key"))"
        )

        // 1. The agency loads its taxpayers (T1–T3).
        heading(1, "The agency loads its taxpayers")
        let agency = portal.agency
        for entry in directory.entries {
            try await agency.load(entry, by: Self.agencyClerk)
            say(
                "\(Self.agencyClerk) loads \(entry.taxpayer.legalName) (\(entry.taxpayer.taxID), "
                    + "\(entry.taxpayer.kind.rawValue)) with \(entry.accounts.map { "\($0.id.rawValue) \($0.type)" }.joined(separator: " and "))."
            )
        }
        let resolver = portal.resolver
        say(
            "The portal's access resolver is current with every commit made through it: change #\(resolver.lastSequence) "
                + "of the change feed.")

        // 2. Pat creates a logon (R1–R12) and signs in with two-step verification (A3–A6).
        heading(2, "Pat creates a logon, proving the amount due on the 2025 return")
        let patPassword = "Harbor2026q"
        let receipt = try await registration.submit(
            .init(
                idType: .ssn, idNumber: "123-45-6789", idNumberAgain: "123456789", accountType: .personalIncome,
                proof: .amountDue(Cents(parsing: "$1,234.56")!), fullName: "Pat Q Client",
                phoneNumber: "(617) 555-0134",
                pin: "0417", email: Self.patEmail, emailAgain: Self.patEmail, username: "pat.client",
                password: patPassword,
                passwordAgain: patPassword, securityQuestion: .firstPet, securityAnswer: "Mr. Whiskers",
                acceptedTerms: true))
        say(
            "Pat's request is in: confirmation number \(receipt.confirmationNumber)"
                + (receipt.approved ? ", approved at once." : ", waiting for review."))
        try await activate(email: Self.patEmail, registration: registration, who: "Pat")
        let patSession = try await signInFirstTime(
            username: "pat.client", password: patPassword, email: Self.patEmail, auth: auth, who: "Pat")
        try await auth.logout(try await caller(patSession))
        say("Pat logs out.")
        let second = try await auth.login(username: "pat.client", password: patPassword)
        say(
            "Pat logs in again: the password is right, and a security code goes to \(second.codeSentTo ?? "her email")."
        )
        let verified = try await auth.verifyCode(
            try await caller(second.sessionToken), code: try await code(in: Self.patEmail), trustDevice: true)
        say(
            "She types the code from the email and ticks \"trust this device\": she is signed in"
                + (verified.deviceToken != nil ? ", and this device is trusted." : "."))
        try await auth.logout(try await caller(second.sessionToken))
        let third = try await auth.login(
            username: "pat.client", password: patPassword, deviceToken: verified.deviceToken)
        say("Next time, on the trusted device, the password alone signs her in (stage: \(third.stage.rawValue)).")
        let pat = try await logonID("pat.client")
        let patToken = try await caller(third.sessionToken)

        // 3. The firm registers the same way, with client management on (R8, X1), and asks for access (X2, X3).
        heading(3, "Acme Tax Preparers registers and asks for access to Pat's accounts")
        let alexPassword = "Ledger4Acme"
        let acmeReceipt = try await registration.submit(
            .init(
                idType: .fein, idNumber: "04-1234567", idNumberAgain: "041234567", accountType: .withholding,
                proof: .letterID("L0417-2026"), fullName: "Alex Owner", phoneNumber: "(617) 555-0199", pin: "2468",
                email: Self.alexEmail, emailAgain: Self.alexEmail, username: "acme.owner", password: alexPassword,
                passwordAgain: alexPassword, securityQuestion: .firstCar, securityAnswer: "Volvo",
                clientManagement: true,
                acceptedTerms: true))
        say(
            "Alex Owner asks for a logon for Acme with \"Manage My Clients\", proving the letter ID of the agency's "
                + "sign-up letter: confirmation number \(acmeReceipt.confirmationNumber).")
        try await activate(email: Self.alexEmail, registration: registration, who: "Alex")
        let alexToken = try await caller(
            try await signInFirstTime(
                username: "acme.owner", password: alexPassword, email: Self.alexEmail, auth: auth, who: "Alex"))
        let alex = try await logonID("acme.owner")
        let request = try await access.requestAccess(
            alexToken, idType: .ssn, idNumber: "123-45-6789", legalName: "PAT Q. CLIENT",
            accounts: [Self.patIncome: .fileAndPay, Self.patSales: .fileAndPay], channel: .online)
        say(
            "Alex asks for File and Pay on Pat's \(Self.patIncome.rawValue) (personal income) and "
                + "\(Self.patSales.rawValue) (sales and use), to be approved online: request \(request.confirmationNumber)."
        )
        let notice = try await latestMail(to: Self.patEmail)
        say("Pat gets an email, \"\(notice.subject)\"; like every such email it names nobody and no account (N1).")

        // 4. Pat approves at other levels than asked (X5–X7).
        heading(4, "Pat approves, at other levels than Acme asked")
        let waiting = try await access.pendingRequests(patToken)
        for item in waiting {
            say(
                "Pat sees request \(item.confirmationNumber) waiting: \(try await name(of: item.thirdParty)) asks for "
                    + item.accounts.sorted { $0.key < $1.key }.map { "\($0.value.displayName) on \($0.key.rawValue)" }
                    .joined(separator: " and ") + ".")
        }
        guard let asked = waiting.first else { throw CLIError("demo: Pat has no request waiting") }
        try await access.approve(
            patToken, request: asked.id, levels: [Self.patIncome: .viewOnly, Self.patSales: .fileAndPay])
        say("She gives View Only on \(Self.patIncome.rawValue) and File and Pay on \(Self.patSales.rawValue).")
        say(
            "Pat Q Client is now in Acme's client list: \(try await access.clients(alexToken).map(\.legalName).joined(separator: ", "))."
        )

        // 5. The firm's secondary logons and security groups (S2–S6).
        heading(5, "Acme adds secondary logons and a security group")
        let group = try await firm.createGroup(alexToken, name: "Individual clients")
        try await firm.assignTaxpayer(alexToken, taxpayer: Self.pat, to: group)
        say(
            "Alex creates the security group \"Individual clients\" and moves Pat Q Client into it (Acme itself stays in Default)."
        )
        let morgan = try await firm.addSecondary(
            alexToken,
            NewSecondary(
                fullName: "Morgan Manager", email: Self.morganEmail, accessType: .masterAdministrator, groups: [group]))
        say(
            "Alex adds Morgan Manager, a secondary Master Administrator in \"Individual clients\". The access holds from "
                + "now, even before the logon is completed (S2).")
        let kim = try await firm.addSecondary(
            alexToken,
            NewSecondary(
                fullName: "Kim Clerk", email: Self.kimEmail, accessType: .taxAdministrator(.fileAndPay), groups: [group]
            ))
        say("Alex adds Kim Clerk, a secondary Tax Administrator capped at File and Pay, in \"Individual clients\".")
        let kimLink = try await link(in: Self.kimEmail)
        try await firm.completeSecondary(linkToken: kimLink, username: "kim.clerk", password: "Clerk2026xy")
        say(
            "Kim opens the link in \"\(try await latestMail(to: Self.kimEmail).subject)\" and completes her logon as kim.clerk."
        )
        try await firm.setRefinement(
            alexToken, secondary: kim, taxpayer: Self.pat, accounts: [Self.patSales: .viewOnly])
        say("Alex caps Kim at View Only on Pat's \(Self.patSales.rawValue) (a refinement for this one client).")
        for logon in try await firm.secondaries(alexToken) {
            say("In the agency's view \(logon.fullName) reads \"\(logon.accessTypeLabel)\" (S9).")
        }

        // 6. Checks and explanations (L2, L4, S6).
        heading(6, "Who may do what: checks and explanations")
        say(
            "No catch-up is needed: every commit above was applied to the resolver before its call returned (now at "
                + "change #\(resolver.lastSequence)).")
        let names = [pat: "Pat", alex: "Alex (Acme)", morgan: "Morgan (secondary MA)", kim: "Kim (secondary TA)"]
        for (logon, account, action) in [
            (alex, Self.patIncome, AccountAction.view), (alex, Self.patIncome, .file), (alex, Self.patSales, .file),
            (morgan, Self.patSales, .pay), (kim, Self.patSales, .view), (kim, Self.patSales, .file),
            (kim, Self.acmeWithholding, .view), (pat, Self.patSales, .manageAccount),
        ] {
            check(resolver, names[logon] ?? logon.rawValue, logon, account, action)
        }

        // 7. Pat cancels; every secondary loses access at once (X8, S7).
        heading(7, "Pat cancels Acme's access")
        let beforeCancel = Date()
        try await access.cancelAccess(patToken, taxpayer: Self.pat, thirdParty: alex)
        say(
            "Pat cancels Acme's third-party access; the next check already sees it (change #\(resolver.lastSequence)).")
        for (logon, account, action) in [
            (alex, Self.patSales, AccountAction.view), (morgan, Self.patSales, .view), (kim, Self.patSales, .view),
            (pat, Self.patSales, .manageAccount),
        ] {
            check(resolver, names[logon] ?? logon.rawValue, logon, account, action)
        }
        for secondary in [morgan, kim] {
            let reached = resolver.clients(of: secondary)
            say(
                "\(names[secondary]!) now reaches \(reached.isEmpty ? "no taxpayer at all" : reached.map(\.rawValue).joined(separator: ", ")): "
                    + "the secondary logons lost Pat at once with their parent (S7).")
        }

        // 8. Who had access when (U1, U2).
        heading(8, "Who had access to Pat Q Client, and when")
        let history = AccessHistory(store: store)
        for (label, moment) in [("Just before the cancel", beforeCancel), ("Now", Date())] {
            say("\(label) (\(isoTime(moment))):")
            for entry in try await history.accessHistory(taxpayer: Self.pat, at: moment) {
                say(
                    "  \(try await name(of: entry.logon)): "
                        + entry.accounts.map { "\($0.account.rawValue) \($0.level.displayName)" }
                        .joined(separator: ", "))
            }
        }
        let events = try await store.allAuditEvents()
        say(
            "The audit log holds \(events.count) events; see them with `taxpayer-access audit --database \(databasePath)`."
        )

        // 9. The outbox is delivered (N2).
        heading(9, "The outbox is delivered")
        let report = try await deliverOutbox(
            of: store, opening: box, into: mailFolder, from: "noreply@portal.example.gov")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: mailFolder)) ?? []).filter {
            $0.hasSuffix(".eml")
        }
        say(
            "\(report.sent) emails were delivered as .eml files into \(mailFolder)/ (\(files.count) files there, "
                + "\(report.failed) failed, \(report.remaining) still pending). Open them with any mail client.")
        print(
            "\nThe demo ran in \(String(format: "%.1f", Date().timeIntervalSince(started))) seconds. Everything it did is in \(databasePath)."
        )
    }

    // MARK: Steps shared by Pat and Alex

    /// Opens the activation link in the approval email (R12), as a person clicks it.
    private func activate(email: String, registration: RegistrationService, who: String) async throws {
        let mail = try await latestMail(to: email, subject: "Your logon is approved")
        try await registration.activate(token: try link(in: email, subject: mail.subject))
        say("\(who) reads \"\(mail.subject)\" and clicks the link in it: the logon is active.")
    }

    /// The first login: two-step verification by email must be set up first (R12, A3); returns the signed-in session.
    private func signInFirstTime(
        username: String, password: String, email: String, auth: Authentication, who: String
    ) async throws -> String {
        let first = try await auth.login(username: username, password: password)
        say(
            "\(who) logs in as \(username): first, two-step verification must be set up (stage: \(first.stage.rawValue))."
        )
        let challenge = try await auth.beginTwoStepSetup(try await caller(first.sessionToken), .email)
        try await auth.completeTwoStepSetup(try await caller(first.sessionToken), code: try await code(in: email))
        say(
            "\(who) chooses codes by email; a code goes to \(challenge.codeSentTo ?? "the email address"), "
                + "\(who) types it in, and is signed in.")
        return first.sessionToken
    }

    // MARK: The inbox (the outbox, read as the recipient reads it)

    /// The newest outbox mail to `address` (with `subject`, when given), opened as its reader sees it.
    private func latestMail(to address: String, subject: String? = nil) async throws -> OutgoingMail {
        let mails = try await store.records(ofKind: .mail).compactMap { $0.mail?.value }
            .filter { $0.to.lowercased() == address.lowercased() && (subject == nil || $0.subject == subject) }
        guard let mail = mails.max(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) else {
            throw CLIError("demo: no mail to \(address)" + (subject.map { " with subject \"\($0)\"" } ?? ""))
        }
        return try OutgoingMail(mail, openedWith: box)
    }

    /// The `token` of the link in the newest mail to `address`: the link is found in the text and parsed as a URL.
    private func link(in address: String, subject: String? = nil) async throws -> String {
        let mail = try await latestMail(to: address, subject: subject)
        let words = mail.body.split(whereSeparator: \.isWhitespace)
        // The token sits in the link's fragment (`…#token=…`), which a browser never sends to a server.
        guard let url = words.first(where: { $0.hasPrefix("https://") }),
            let fragment = URLComponents(string: String(url))?.fragment, fragment.hasPrefix("token=")
        else { throw CLIError("demo: no link in \"\(mail.subject)\"") }
        return String(fragment.dropFirst("token=".count))
    }

    /// The caller of a request made with `token`, as a portal authenticates each request once.
    private func caller(_ token: String) async throws -> SignedIn {
        try await portal.authenticate(sessionToken: token)
    }

    /// The six-digit security code in the newest "Your security code" mail to `address`.
    private func code(in address: String) async throws -> String {
        let mail = try await latestMail(to: address, subject: "Your security code")
        for word in mail.body.split(whereSeparator: \.isWhitespace) {
            let digits = word.filter(\.isNumber)
            if digits.count == 6, word.count <= 7 { return String(digits) }
        }
        throw CLIError("demo: no code in \"\(mail.subject)\"")
    }

    // MARK: Printing

    private func heading(_ number: Int, _ title: String) {
        print("\n\(number). \(title)")
    }

    private func say(_ sentence: String) {
        print("   \(sentence)")
    }

    private func check(
        _ resolver: AccessResolver, _ who: String, _ logon: LogonID, _ account: AccountID, _ action: AccountAction
    ) {
        let allowed = resolver.check(logon: logon, account: account, action: action)
        say("\(allowed ? "ALLOWED" : "DENIED ")  \(who) \(action.rawValue) \(account.rawValue)")
        say("         why: \(resolver.explain(logon: logon, account: account).summary)")
    }

    private func logonID(_ username: String) async throws -> LogonID {
        guard let logon = try await store.logon(byUsername: username) else {
            throw CLIError("demo: no logon \(username)")
        }
        return logon.value.id
    }

    /// "Kim Clerk (kim.clerk)", for a person reading the transcript.
    private func name(of logon: LogonID) async throws -> String {
        guard let value = try await store.logon(logon)?.value else { return logon.rawValue }
        return value.activated ? "\(value.fullName) (\(value.username))" : "\(value.fullName) (logon not completed yet)"
    }
}
