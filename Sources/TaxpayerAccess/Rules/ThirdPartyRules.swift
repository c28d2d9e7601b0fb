#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AuditAction {
    /// A third-party request's ID, name and accounts matched no taxpayer (RULES X2, U1).
    public static let requestNotMatched = AuditAction("request.notMatched")
    /// A matched taxpayer's requestable accounts were listed for a third party (RULES X2, U1).
    public static let requestAccountsListed = AuditAction("request.accountsListed")
}

/// Pure decisions of third-party access (RULES X1–X10, W2).
enum ThirdPartyRules {
    /// The one answer to an unknown ID, a legal name that does not match, and accounts that are not the matched
    /// taxpayer's open accounts (RULES X2): nobody learns which part failed, so a request is no way to test names.
    static let notMatched = AccessError(
        .taxpayerNotMatched,
        "We could not match a taxpayer with that ID type, ID number and legal name, and the accounts you chose.")

    /// RULES X1: a third party has client management on and its own taxpayer's ID type is SSN or FEIN, never ITIN.
    ///
    /// - Throws: ``AccessError/Code/notEligible``.
    static func checkEligibility(_ principal: Logon, ownTaxpayer: Taxpayer?) throws {
        guard principal.clientManagement else {
            throw AccessError(
                .notEligible, "Third-party access needs client management (\"Manage My Clients\") turned on.")
        }
        guard let own = ownTaxpayer, own.taxID.type == .ssn || own.taxID.type == .fein else {
            throw AccessError(
                .notEligible, "Third-party access needs a logon of a taxpayer identified by an SSN or a FEIN.")
        }
    }

    /// RULES X2: validates the request's input before any lookup.
    static func validateRequestInput(idNumber: String, legalName: String, accounts: [AccountID: AccessLevel])
        throws -> String
    {
        let digits = idNumber.filter { $0 != "-" && $0 != " " }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccessError.invalid("idNumber", "The ID number must have nine digits.")
        }
        _ = try Policy.validateLegalName(legalName)
        guard !accounts.isEmpty else {
            throw AccessError.invalid("accounts", "Choose at least one account.")
        }
        guard accounts.values.allSatisfy({ $0 > .none }) else {
            throw AccessError.invalid("accounts", "Choose a level for every account you ask for.")
        }
        return digits
    }

    /// RULES X2–X4, X10: a new pending request. `state` is the taxpayer found by ID (`nil` when none); a name that
    /// does not match gets the same refusal as an unknown taxpayer. A pending request of the same pair that has
    /// expired is marked expired in the same change; a live one is ``AccessError/Code/conflict``.
    static func request(
        _ state: TaxpayerAccessState?, legalName: String, principal: Logon, actor: Logon,
        accounts: [AccountID: AccessLevel], channel: ApprovalChannel, existing: [Versioned<AccessRequest>],
        id: AccessRequestID, confirmationNumber: String, policy: Policy, now: Date
    ) throws -> Decision<AccessRequestReceipt> {
        guard let state, Policy.matchesLegalName(legalName, state.taxpayer.legalName) else { throw notMatched }
        if principal.ownTaxpayer == state.taxpayer.id {
            throw AccessError(.conflict, "This is your own taxpayer; third-party access is for clients.")
        }
        // X2: accounts that are not the taxpayer's open accounts get the answer of a name that does not match.
        let open = Set(state.activeAccounts.map(\.id))
        guard accounts.keys.allSatisfy(open.contains) else { throw notMatched }
        var changes = ChangeSet()
        for old in existing where old.value.status == .pending && old.value.thirdParty == principal.id {
            if old.value.expiresAt > now {
                throw AccessError(
                    .conflict, "You already have a pending request for this taxpayer (\(old.value.confirmationNumber))."
                )
            }
            changes.append(expire(old, now: now).changes)
        }
        let request = AccessRequest(
            id: id, confirmationNumber: confirmationNumber, thirdParty: principal.id, taxpayer: state.taxpayer.id,
            accounts: accounts, channel: channel, createdAt: now,
            expiresAt: now.addingTimeInterval(policy.requestLifetime.timeInterval))
        changes.insert(.accessRequest(request))
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .requestSubmitted, subject: "accessRequest/\(id.rawValue)",
                after: .accessRequest(request), note: channel.rawValue))
        var notices: [AccessNotice] = []
        let asked = AccessMail.describe(accounts, accounts: state.accounts)
        var printable: String?
        switch channel {
        case .online:
            notices += state.noticesToMasterAdministrators(
                subject: "A third party asks for access",
                details: "\(principal.fullName) asks for access to \(state.taxpayer.legalName) "
                    + "(request \(confirmationNumber)):\n\(asked)\nApprove it, with any level per account, or deny it.")
        case .printedForm:
            printable = printableAuthorization(
                request, taxpayer: state.taxpayer, thirdParty: principal, accounts: state.accounts)
        }
        notices += [
            AccessNotice.to(
                actor, subject: "Your request was received",
                // X2: the requester sees the accounts as the listing showed them, masked, until it holds access.
                details: "Your request \(confirmationNumber) for access to \(state.taxpayer.legalName) was received:\n"
                    + AccessMail.describe(accounts, accounts: state.accounts, masked: true)
            )
        ].compactMap { $0 }
        let receipt = AccessRequestReceipt(
            request: id, confirmationNumber: confirmationNumber, expiresAt: request.expiresAt,
            printableAuthorization: printable)
        var decision = Decision(changes, result: receipt)
        decision.notify(notices)
        return decision
    }

    /// RULES X4: the authorization the taxpayer signs, carrying the confirmation number; the third party prints it,
    /// so its account numbers are masked (X2).
    static func printableAuthorization(
        _ request: AccessRequest, taxpayer: Taxpayer, thirdParty: Logon, accounts: [TaxAccount]
    ) -> String {
        """
        THIRD-PARTY ACCESS AUTHORIZATION
        Confirmation number: \(request.confirmationNumber)

        Taxpayer: \(taxpayer.legalName) (\(taxpayer.taxID.masked))
        Third party: \(thirdParty.fullName)
        Accounts and levels requested:
        \(AccessMail.describe(request.accounts, accounts: accounts, masked: true))

        For each account, write the level you grant (View Only, File and Pay, All Access) or "none".
        I authorize the access above. ____________________  Date: __________
        Signature of the taxpayer's Master Administrator

        Valid until \(request.expiresAt.formatted(.iso8601)).
        """
    }

    /// RULES X5–X7: approves (`approve == true`, with a level per requested account — any level, whatever was
    /// asked; `.none` gives nothing) or denies a pending request. An approval makes or extends the grant, puts the
    /// taxpayer in the third party's Default group (dropping an older assignment) and creates that group if absent.
    static func decide(
        _ state: TaxpayerAccessState, by decider: RequestDecider, request: Versioned<AccessRequest>, approve: Bool,
        levels: [AccountID: AccessLevel], thirdParty: Logon?, defaultGroup: Versioned<SecurityGroup>?,
        assignment: Versioned<GroupAssignment>?, now: Date
    ) throws -> Decision<Void> {
        switch decider {
        case .masterAdministrator(let logon):
            try Authorization.requireMasterAdministrator(logon, role: state.role(of: logon.id)?.value)
        case .agency(let name):
            guard !name.allSatisfy(\.isWhitespace) else {
                throw AccessError.invalid("operator", "Name the agency operator recording the decision.")
            }
            guard request.value.channel == .printedForm else {
                throw AccessError(.conflict, "This request is decided online by the taxpayer's Master Administrator.")
            }
        }
        var decided = request.value
        guard decided.status == .pending else {
            throw AccessError(.conflict, "This request was already \(decided.status.rawValue).")
        }
        guard decided.expiresAt > now else {
            throw AccessError(.conflict, "This request has expired; the third party must request again.")
        }
        decided.status = approve ? .approved : .denied
        decided.decidedAt = now
        decided.decidedBy = decider.actor
        var changes = ChangeSet()
        changes.update(.accessRequest(decided), from: request.version)
        changes.audit(
            AuditEvent(
                time: now, actor: decider.actor, action: .requestDecided,
                subject: "accessRequest/\(decided.id.rawValue)",
                before: .accessRequest(request.value), after: .accessRequest(decided), note: decided.status.rawValue))
        let name = state.taxpayer.legalName
        var notices: [AccessNotice] = []
        if approve {
            guard let thirdParty, thirdParty.status == .active else {
                throw AccessError(.conflict, "The third party's logon is no longer active.")
            }
            for account in levels.keys where decided.accounts[account] == nil {
                throw AccessError.invalid("levels", "Account \(account.rawValue) was not part of the request.")
            }
            for account in levels.keys { _ = try state.activeAccount(account, field: "levels") }
            let given = levels.filter { $0.value > .none }
            guard !given.isEmpty else {
                throw AccessError.invalid("levels", "Give a level on at least one account, or deny the request.")
            }
            let existing = state.grant(of: decided.thirdParty)
            var grant: ThirdPartyGrant
            if let existing, existing.value.status == .active {
                grant = existing.value
                for (account, level) in levels { grant.accounts[account] = level > .none ? level : nil }
                grant.request = decided.id
            } else {
                grant = ThirdPartyGrant(
                    taxpayer: state.taxpayer.id, thirdParty: decided.thirdParty, accounts: given, grantedAt: now,
                    request: decided.id)
                // X7: a new client sits in the third party's Default group.
                if let assignment {
                    changes.delete(RecordKey(.groupAssignment, assignment.value.key), from: assignment.version)
                    changes.audit(
                        AuditEvent(
                            time: now, actor: decider.actor, action: .groupChanged,
                            subject: "groupAssignment/\(assignment.value.key)",
                            before: .groupAssignment(assignment.value),
                            note: "new client placed in the Default group"))
                }
            }
            changes.put(.grant(grant), from: existing?.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: decider.actor, action: .grantChanged, subject: "grant/\(grant.key)",
                    before: existing.map { .grant($0.value) }, after: .grant(grant), note: "request approved"))
            if defaultGroup == nil {
                let group = SecurityGroup(
                    id: SecurityGroup.defaultID(of: decided.thirdParty), parent: decided.thirdParty, name: "Default",
                    isDefault: true)
                changes.insert(.securityGroup(group))
                changes.audit(
                    AuditEvent(
                        time: now, actor: .system, action: .groupChanged, subject: "securityGroup/\(group.id.rawValue)",
                        after: .securityGroup(group), note: "Default group created"))
            }
            let granted = AccessMail.describe(given, accounts: state.accounts)
            notices += [
                AccessNotice.to(
                    thirdParty, subject: "Your request was approved",
                    details:
                        "Your request \(decided.confirmationNumber) for access to \(name) was approved:\n\(granted)")
            ]
            .compactMap { $0 }
            notices += state.noticesToMasterAdministrators(
                subject: "A third-party request was approved",
                details: "Request \(decided.confirmationNumber) of \(thirdParty.fullName) was approved:\n\(granted)")
        } else {
            if let thirdParty,
                let notice = AccessNotice.to(
                    thirdParty, subject: "Your request was denied",
                    details: "Your request \(decided.confirmationNumber) for access to \(name) was denied.")
            {
                notices.append(notice)
            }
            notices += state.noticesToMasterAdministrators(
                subject: "A third-party request was denied",
                details:
                    "Request \(decided.confirmationNumber) of \(thirdParty?.fullName ?? "a third party") was denied.")
        }
        return Decision(changes, notices: notices)
    }

    /// RULES X8: an MA raises or lowers a third party's level per account; `.none` takes an account away. Taking
    /// every account away is a cancel and must be asked as one.
    static func changeGrant(
        _ state: TaxpayerAccessState, actor: Logon, thirdParty: LogonID, levels: [AccountID: AccessLevel], now: Date
    ) throws -> Decision<Void> {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        let grant = try activeGrant(state, thirdParty)
        guard !levels.isEmpty else { throw AccessError.invalid("levels", "Give at least one account's new level.") }
        var updated = grant.value
        for (account, level) in levels {
            if level > .none { _ = try state.activeAccount(account, field: "levels") }
            updated.accounts[account] = level > .none ? level : nil
        }
        guard updated.accounts.values.contains(where: { $0 > .none }) else {
            throw AccessError.invalid("levels", "That would take every account away; cancel the access instead.")
        }
        guard updated != grant.value else { throw AccessError(.conflict, "The levels are already as asked.") }
        var changes = ChangeSet()
        changes.update(.grant(updated), from: grant.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .grantChanged, subject: "grant/\(updated.key)",
                before: .grant(grant.value), after: .grant(updated)))
        let notices = [
            state.logons[thirdParty].flatMap {
                AccessNotice.to(
                    $0, subject: "Your access has changed",
                    details: "A Master Administrator of \(state.taxpayer.legalName) changed your access:\n"
                        + AccessMail.describe(levels, accounts: state.accounts))
            }
        ].compactMap { $0 }
        return Decision(changes, notices: notices)
    }

    /// RULES X8 (by an MA) and X9 (by the third party, `actor` acting for `thirdParty`): cancels a third party's
    /// access. Irreversible: the third party must request again. The third party may cancel only some accounts
    /// (`accounts`, X9); the grant is cancelled when none is left.
    static func cancelGrant(
        _ state: TaxpayerAccessState, actor: Logon, thirdParty: LogonID, byThirdParty: Bool,
        accounts: Set<AccountID>? = nil, now: Date
    ) throws -> Decision<Void> {
        if !byThirdParty {
            try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        }
        let grant = try activeGrant(state, thirdParty)
        if let accounts, byThirdParty {
            guard !accounts.isEmpty else { throw AccessError.invalid("accounts", "Choose the accounts to cancel.") }
            guard accounts.allSatisfy({ (grant.value.accounts[$0] ?? .none) > .none }) else {
                throw AccessError.invalid("accounts", "You have no access to one of those accounts to cancel.")
            }
            var updated = grant.value
            for account in accounts { updated.accounts[account] = nil }
            if updated.accounts.values.contains(where: { $0 > .none }) {
                var changes = ChangeSet()
                changes.update(.grant(updated), from: grant.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: .logon(actor.id), action: .grantChanged, subject: "grant/\(updated.key)",
                        before: .grant(grant.value), after: .grant(updated),
                        note: "the third party cancelled its access to \(accounts.count) account(s) (X9)"))
                let notices = state.noticesToMasterAdministrators(
                    subject: "Third-party access changed",
                    details: "\(state.logons[thirdParty]?.fullName ?? "A third party") cancelled its own access to "
                        + "some accounts of \(state.taxpayer.legalName):\n"
                        + AccessMail.describe(
                            Dictionary(uniqueKeysWithValues: accounts.map { ($0, AccessLevel.none) }),
                            accounts: state.accounts))
                return Decision(changes, notices: notices)
            }
        }
        var updated = grant.value
        updated.status = .cancelled
        updated.cancellation = Cancellation(
            by: .logon(actor.id), at: now,
            capacity: byThirdParty ? "the third party itself" : AdministrationRules.capacityMA)
        var changes = ChangeSet()
        changes.update(.grant(updated), from: grant.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .grantCancelled, subject: "grant/\(updated.key)",
                before: .grant(grant.value), after: .grant(updated),
                note: byThirdParty ? "cancelled by the third party" : "cancelled by a Master Administrator"))
        let name = state.taxpayer.legalName
        var notices = [
            state.logons[thirdParty].flatMap {
                AccessNotice.to(
                    $0, subject: "Third-party access cancelled",
                    details: byThirdParty
                        ? "Your access to \(name) was cancelled at your firm's request."
                        : "A Master Administrator of \(name) cancelled your access. To regain it, request access again."
                )
            }
        ].compactMap { $0 }
        notices += state.noticesToMasterAdministrators(
            subject: "Third-party access cancelled",
            details: "The access of \(state.logons[thirdParty]?.fullName ?? "a third party") to \(name) was cancelled.")
        return Decision(changes, notices: notices)
    }

    /// RULES X10: marks a pending request expired (by the system).
    static func expire(_ request: Versioned<AccessRequest>, now: Date) -> Decision<Void> {
        var expired = request.value
        expired.status = .expired
        var changes = ChangeSet()
        changes.update(.accessRequest(expired), from: request.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .system, action: .requestDecided, subject: "accessRequest/\(expired.id.rawValue)",
                before: .accessRequest(request.value), after: .accessRequest(expired), note: "expired"))
        return Decision(changes)
    }

    /// RULES X2: the accounts of a matched taxpayer a third party may ask for — its open accounts, each by type, a
    /// masked number and an opaque choice — and nothing else. `choice` names an account opaquely.
    static func requestableAccounts(
        _ state: TaxpayerAccessState, choice: (AccountID) -> AccountChoice
    ) -> [RequestableAccount] {
        state.activeAccounts.sorted { $0.id < $1.id }.map {
            RequestableAccount(
                choice: choice($0.id), type: $0.type, maskedNumber: Masking.accountNumber($0.id.rawValue))
        }
    }

    /// RULES X2, U1: a request that matched no taxpayer, audited with the ID masked (RULES T4), so the agency can
    /// see who tries which IDs and names.
    static func notMatchedAudit(actor: Logon, taxID: TaxIdentifier, now: Date) -> Decision<Void> {
        var decision = Decision()
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .requestNotMatched, subject: "taxpayer/unmatched",
                note: "request for \(taxID.type.rawValue) \(taxID.masked) matched no taxpayer"))
        return decision
    }

    /// RULES X2, U1: a matched taxpayer's requestable accounts were listed for a third party, audited.
    static func accountsListedAudit(actor: Logon, taxpayer: TaxpayerID, now: Date) -> Decision<Void> {
        var decision = Decision()
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .requestAccountsListed, subject: "taxpayer/\(taxpayer)",
                note: "requestable accounts listed after a match (X2)"))
        return decision
    }

    /// RULES W2: a client marked or unmarked as a favourite of the caller, audited.
    static func setFavourite(
        _ record: ClientFavourite, favourite: Bool, existing: Versioned<Record>?, now: Date
    ) -> Decision<Void> {
        var decision = Decision()
        switch (favourite, existing) {
        case (true, nil): decision.insert(.favourite(record))
        case (false, let stored?): decision.delete(RecordKey(.favourite, record.key), from: stored.version)
        default: return decision
        }
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(record.thirdParty), action: .recordWritten,
                subject: "favourite/\(record.key)", before: favourite ? nil : .favourite(record),
                after: favourite ? .favourite(record) : nil))
        return decision
    }

    /// The refusal when a third party holds no live grant on the taxpayer (RULES X8, X9); also the answer for a
    /// taxpayer that does not exist (RULES L4).
    static let noGrant = AccessError(.notFound, "That third party has no access to this taxpayer.")

    static func activeGrant(_ state: TaxpayerAccessState, _ thirdParty: LogonID) throws -> Versioned<ThirdPartyGrant> {
        guard let grant = state.grant(of: thirdParty), grant.value.status == .active else { throw noGrant }
        return grant
    }
}
