#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Third-party access (RULES X1–X10, W2): a tax professional asks for access to a client's accounts, the client's
/// Master Administrator (or the agency, from a signed printed form) decides, and either side may later change or
/// cancel it. Every step is audited (U1) and mailed (N1, N2).
///
/// ```swift
/// let access = portal.thirdParties
/// let receipt = try await access.requestAccess(preparer, idType: .ssn, idNumber: "123456789",
///                                              legalName: "Pat Client", accounts: ["A90": .fileAndPay],
///                                              channel: .online)
/// try await access.approve(client, request: receipt.request, levels: ["A90": .viewOnly])
/// ```
public struct ThirdPartyAccess: Sendable {
    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// The logon a third-party action is done for (the actor, or the parent of a secondary MA) and its own taxpayer.
    private func principal(of actor: Logon) async throws -> (Logon, Taxpayer?) {
        let principal = try Authorization.thirdPartyPrincipal(
            actor: actor, parent: try await context.parentOrSelf(of: actor))
        let own = try await principal.ownTaxpayer.asyncMap { try await context.store.taxpayer($0)?.value } ?? nil
        return (principal, own)
    }

    /// RULES X1–X4, X10: asks for access to a taxpayer's accounts with a level for each.
    ///
    /// ```swift
    /// let receipt = try await portal.thirdParties.requestAccess(
    ///     caller, idType: .ssn, idNumber: "123456789", legalName: "Pat Client", accounts: ["A90": .fileAndPay],
    ///     channel: .online)
    /// ```
    ///
    /// - Returns: the receipt with the confirmation number and, for ``ApprovalChannel/printedForm``, the printable
    ///   authorization.
    /// - Throws: ``AccessError/Code/notEligible`` (X1), ``AccessError/Code/invalidInput`` naming the field,
    ///   ``AccessError/Code/taxpayerNotMatched`` for an unknown taxpayer, a wrong name, or accounts that are not its
    ///   open accounts, alike (X2), ``AccessError/Code/conflict`` when a request for the taxpayer is already pending
    ///   (X10).
    public func requestAccess(
        _ caller: SignedIn, idType: IDType, idNumber: String, legalName: String, accounts: [AccountID: AccessLevel],
        channel: ApprovalChannel
    ) async throws -> AccessRequestReceipt {
        try await request(
            caller, idType: idType, idNumber: idNumber, legalName: legalName, channel: channel, levels: accounts
        ) {
            _ in accounts
        }
    }

    /// RULES X2: the same request, naming the accounts by the choices ``requestableAccounts(_:idType:idNumber:legalName:)``
    /// listed. A choice that names no open account of the matched taxpayer gets the answer of a name that does not
    /// match.
    ///
    /// - Throws: as ``requestAccess(_:idType:idNumber:legalName:accounts:channel:)``.
    public func requestAccess(
        _ caller: SignedIn, idType: IDType, idNumber: String, legalName: String,
        choices: [AccountChoice: AccessLevel], channel: ApprovalChannel
    ) async throws -> AccessRequestReceipt {
        let levels = Dictionary(uniqueKeysWithValues: choices.map { (AccountID($0.key.rawValue), $0.value) })
        return try await request(
            caller, idType: idType, idNumber: idNumber, legalName: legalName, channel: channel, levels: levels
        ) { state in
            let byChoice = Dictionary(
                uniqueKeysWithValues: state.activeAccounts.map {
                    (context.accountChoice(taxpayer: state.taxpayer.id, account: $0.id), $0.id)
                })
            var accounts: [AccountID: AccessLevel] = [:]
            for (choice, level) in choices {
                guard let account = byChoice[choice] else { throw ThirdPartyRules.notMatched }
                accounts[account] = level
            }
            return accounts
        }
    }

    /// RULES X2: once the taxpayer's ID type, ID number and legal name match, the accounts the caller may ask for:
    /// each open account's type, a masked number and a choice to name it in a request — nothing else. A mismatch
    /// gets the answer of an unknown taxpayer; both are audited (U1).
    ///
    /// ```swift
    /// let offered = try await portal.thirdParties.requestableAccounts(
    ///     caller, idType: .ssn, idNumber: "123456789", legalName: "Pat Client")
    /// ```
    ///
    /// - Throws: ``AccessError/Code/notEligible`` (X1), ``AccessError/Code/invalidInput`` naming the field,
    ///   ``AccessError/Code/taxpayerNotMatched``.
    public func requestableAccounts(_ caller: SignedIn, idType: IDType, idNumber: String, legalName: String)
        async throws -> [RequestableAccount]
    {
        let actor = try context.caller(caller).logon
        let (principal, own) = try await principal(of: actor)
        try ThirdPartyRules.checkEligibility(principal, ownTaxpayer: own)
        let digits = try ThirdPartyRules.validateRequestInput(
            idNumber: idNumber, legalName: legalName, accounts: ["-": .viewOnly])
        let taxID = TaxIdentifier(type: idType, number: digits)
        guard let taxpayer = try await context.store.taxpayer(byTaxID: taxID),
            Policy.matchesLegalName(legalName, taxpayer.value.legalName), principal.ownTaxpayer != taxpayer.value.id
        else {
            try await context.commit(
                ThirdPartyRules.notMatchedAudit(actor: actor, taxID: taxID, now: context.clock.now()))
            throw ThirdPartyRules.notMatched
        }
        let state = try await context.accessState(
            of: taxpayer.value.id, actor: actor, unknown: ThirdPartyRules.notMatched)
        try await context.commit(
            ThirdPartyRules.accountsListedAudit(actor: actor, taxpayer: taxpayer.value.id, now: context.clock.now()))
        return ThirdPartyRules.requestableAccounts(state) {
            context.accountChoice(taxpayer: taxpayer.value.id, account: $0)
        }
    }

    /// The request of X1–X4, X10 with the accounts `accounts` finds on the matched taxpayer.
    private func request(
        _ caller: SignedIn, idType: IDType, idNumber: String, legalName: String, channel: ApprovalChannel,
        levels: [AccountID: AccessLevel], accounts: (TaxpayerAccessState) throws -> [AccountID: AccessLevel]
    ) async throws -> AccessRequestReceipt {
        let actor = try context.caller(caller).logon
        let (principal, own) = try await principal(of: actor)
        try ThirdPartyRules.checkEligibility(principal, ownTaxpayer: own)
        let digits = try ThirdPartyRules.validateRequestInput(
            idNumber: idNumber, legalName: legalName, accounts: levels)
        let id: AccessRequestID = context.newID("R")
        do {
            // X10: a confirmation number that clashes with a stored one is drawn again.
            return try await context.decideAndCommit(redrawing: [.requestConfirmation]) {
                var state: TaxpayerAccessState?
                var existing: [Versioned<AccessRequest>] = []
                // X2: nothing about the taxpayer is read or told until ID and name match.
                if let taxpayer = try await context.store.taxpayer(
                    byTaxID: TaxIdentifier(type: idType, number: digits)),
                    Policy.matchesLegalName(legalName, taxpayer.value.legalName)
                {
                    state = try await context.accessState(
                        of: taxpayer.value.id, actor: actor, unknown: ThirdPartyRules.notMatched)
                    existing = try await context.store.accessRequests(on: taxpayer.value.id)
                }
                guard let state else { throw ThirdPartyRules.notMatched }
                return try ThirdPartyRules.request(
                    state, legalName: legalName, principal: principal, actor: actor, accounts: try accounts(state),
                    channel: channel, existing: existing, id: id, confirmationNumber: context.confirmationNumber(),
                    policy: context.policy, now: context.clock.now())
            }
        } catch let error as StoreError where error.uniqueKeyName == .pendingRequest {
            throw AccessError(.conflict, "You already have a pending request for this taxpayer.")
        } catch let refusal as AccessError where refusal.code == .taxpayerNotMatched {
            try await context.commit(
                ThirdPartyRules.notMatchedAudit(
                    actor: actor, taxID: TaxIdentifier(type: idType, number: digits), now: context.clock.now()))
            throw refusal
        }
    }

    /// RULES X4: the printable authorization of one of the caller's own requests.
    public func printableAuthorization(_ caller: SignedIn, request: AccessRequestID) async throws -> String {
        let actor = try context.caller(caller).logon
        let (principal, _) = try await principal(of: actor)
        guard let request = try await context.store.accessRequest(request)?.value, request.thirdParty == principal.id,
            let taxpayer = try await context.store.taxpayer(request.taxpayer)?.value
        else { throw AccessError(.notFound, "There is no such request of yours.") }
        let accounts = try await context.store.accounts(of: taxpayer.id).map(\.value)
        return ThirdPartyRules.printableAuthorization(
            request, taxpayer: taxpayer, thirdParty: principal, accounts: accounts)
    }

    /// RULES X3, X10: the pending requests waiting for the caller as a Master Administrator, over every taxpayer it
    /// administers, oldest first. Requests found expired are marked so on the way.
    public func pendingRequests(_ caller: SignedIn) async throws -> [AccessRequest] {
        let actor = try context.caller(caller).logon
        let now = context.clock.now()
        var live: [AccessRequest] = []
        for role in try await context.store.roles(of: actor.id).map(\.value)
        where role.status == .active && role.role == .masterAdministrator {
            for request in try await context.store.accessRequests(on: role.taxpayer)
            where request.value.status == .pending {
                if request.value.expiresAt > now {
                    live.append(request.value)
                } else {
                    // Marking it expired is housekeeping: a request decided meanwhile is left to that decision.
                    do {
                        try await context.commit(ThirdPartyRules.expire(request, now: now))
                    } catch let error as StoreError where error.code == .versionConflict {}
                }
            }
        }
        return live.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// The caller's own requests as a third party (any status), newest first.
    public func myRequests(_ caller: SignedIn) async throws -> [AccessRequest] {
        let actor = try context.caller(caller).logon
        let (principal, _) = try await principal(of: actor)
        return try await context.store.accessRequests(of: principal.id).map(\.value)
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// RULES X5–X7: an MA of the taxpayer approves a request with a level per requested account — any level,
    /// whatever was asked; `.none` gives nothing on that account.
    public func approve(_ caller: SignedIn, request: AccessRequestID, levels: [AccountID: AccessLevel]) async throws {
        let actor = try context.caller(caller).logon
        try await decide(
            .masterAdministrator(actor), actor: actor, request: { try await context.store.accessRequest(request) },
            approve: true, levels: levels)
    }

    /// RULES X5, X6: an MA of the taxpayer denies a request.
    public func deny(_ caller: SignedIn, request: AccessRequestID) async throws {
        let actor = try context.caller(caller).logon
        try await decide(
            .masterAdministrator(actor), actor: actor, request: { try await context.store.accessRequest(request) },
            approve: false, levels: [:])
    }

    /// RULES X4: the agency records the taxpayer's signed decision on a printed-form request.
    ///
    /// - Parameters:
    ///   - confirmationNumber: printed on the form, `d-ddd-ddd-ddd`.
    ///   - approve: whether the taxpayer approved; `false` records a denial.
    ///   - levels: the level the taxpayer wrote for each account (approval only).
    ///   - operator: the agency operator, for the audit log.
    public func recordPrintedDecision(
        confirmationNumber: String, approve: Bool, levels: [AccountID: AccessLevel] = [:], by operator: String
    ) async throws {
        try await decide(
            .agency(operator: `operator`), actor: nil,
            request: {
                try await context.store.record(unique: UniqueKey(.requestConfirmation, confirmationNumber))?
                    .accessRequest
            }, approve: approve, levels: levels)
    }

    private func decide(
        _ decider: RequestDecider, actor: Logon?, request load: () async throws -> Versioned<AccessRequest>?,
        approve: Bool, levels: [AccountID: AccessLevel]
    ) async throws {
        // L4: a request of a taxpayer the caller does not administer gets the answer of a request that does not exist.
        let unknown =
            actor == nil
            ? AccessError(.notFound, "There is no request with that confirmation number.")
            : AccessError(.notFound, "There is no such request.")
        try await context.decideAndCommit {
            guard let request = try await load() else { throw unknown }
            let r = request.value
            if let actor {
                let role = try await context.store.role(of: actor.id, on: r.taxpayer)?.value
                guard (try? Authorization.requireMasterAdministrator(actor, role: role)) != nil else { throw unknown }
            }
            let state = try await context.accessState(
                of: r.taxpayer, actor: actor ?? Logon(id: "", username: "", email: "", fullName: "", status: .deleted),
                unknown: unknown)
            let thirdParty = try await context.store.logon(r.thirdParty)?.value
            return try ThirdPartyRules.decide(
                state, by: decider, request: request, approve: approve, levels: levels, thirdParty: thirdParty,
                defaultGroup: try await context.store.securityGroup(SecurityGroup.defaultID(of: r.thirdParty)),
                assignment: try await context.store.record(
                    RecordKey(.groupAssignment, "\(r.thirdParty.rawValue)|\(r.taxpayer.rawValue)"))?.groupAssignment,
                now: context.clock.now())
        }
    }

    /// RULES X8: an MA of the taxpayer raises or lowers a third party's level per account (`.none` removes one).
    public func changeAccess(
        _ caller: SignedIn, taxpayer: TaxpayerID, thirdParty: LogonID, levels: [AccountID: AccessLevel]
    ) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try ThirdPartyRules.changeGrant(
                state, actor: actor, thirdParty: thirdParty, levels: levels, now: context.clock.now())
        }
    }

    /// RULES X8: an MA of the taxpayer cancels a third party's access. Irreversible: it must request again.
    public func cancelAccess(_ caller: SignedIn, taxpayer: TaxpayerID, thirdParty: LogonID) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try ThirdPartyRules.cancelGrant(
                state, actor: actor, thirdParty: thirdParty, byThirdParty: false, now: context.clock.now())
        }
    }

    /// RULES X9: the third party (or a secondary MA of its firm) cancels its own access to a client: to the
    /// accounts given, or (`nil`) to all of them at once. Irreversible: it must request again.
    ///
    /// ```swift
    /// try await portal.thirdParties.cancelOwnAccess(caller, taxpayer: "T9", accounts: ["A91"])
    /// ```
    ///
    /// - Throws: ``AccessError/Code/notFound`` when it holds no access to the taxpayer (or the taxpayer does not
    ///   exist, RULES L4); ``AccessError/Code/invalidInput`` for accounts it holds no access to.
    public func cancelOwnAccess(_ caller: SignedIn, taxpayer: TaxpayerID, accounts: Set<AccountID>? = nil)
        async throws
    {
        let actor = try context.caller(caller).logon
        let (principal, _) = try await principal(of: actor)
        try await context.decideAndCommit {
            let state = try await context.accessState(of: taxpayer, actor: actor, unknown: ThirdPartyRules.noGrant)
            return try ThirdPartyRules.cancelGrant(
                state, actor: actor, thirdParty: principal.id, byThirdParty: true, accounts: accounts,
                now: context.clock.now())
        }
    }

    /// RULES X10: marks every pending request past its lifetime expired; returns how many.
    public func expirePending(asOf now: Date? = nil) async throws -> Int {
        let now = now ?? context.clock.now()
        var count = 0
        for request in try await context.store.records(ofKind: .accessRequest).compactMap(\.accessRequest)
        where request.value.status == .pending && request.value.expiresAt <= now {
            do {
                try await context.commit(ThirdPartyRules.expire(request, now: now))
                count += 1
            } catch let error as StoreError where error.code == .versionConflict {
                continue  // decided meanwhile
            }
        }
        return count
    }

    /// RULES W2: the caller's client list — its own business first, then every client with an active grant, with
    /// levels per active account and favourites. A secondary logon sees its parent's list, limited as RULES S6
    /// limits its access.
    public func clients(_ caller: SignedIn) async throws -> [ClientEntry] {
        let actor = try context.caller(caller).logon
        guard let principal = try await context.parentOrSelf(of: actor), principal.status == .active else {
            throw AccessError(.notAuthorized, "Your firm's parent logon is not active.")
        }
        let favourites = Set(try await context.store.favourites(of: actor.id).map(\.value.taxpayer))
        // The candidates: the firm's own business and every client with a live grant; the levels come from the
        // resolver (L4, S6), so a secondary sees exactly what its group, account types and caps give it.
        var candidates = Set(
            try await context.store.grants(of: principal.id).map(\.value)
                .filter { $0.status == .active }.map(\.taxpayer))
        if let own = principal.ownTaxpayer { candidates.insert(own) }
        let levels = try await context.effectiveLevels(of: actor, on: candidates)
        var entries: [ClientEntry] = []
        for taxpayerID in candidates {
            guard let taxpayer = try await context.store.taxpayer(taxpayerID)?.value else { continue }
            let own = taxpayerID == principal.ownTaxpayer
            let accounts = levels[taxpayerID] ?? [:]
            guard !accounts.isEmpty || (own && actor.secondary == nil) else { continue }
            entries.append(
                ClientEntry(
                    taxpayer: taxpayer.id, legalName: taxpayer.legalName, maskedTaxID: taxpayer.taxID.masked,
                    isOwnBusiness: own, isFavourite: favourites.contains(taxpayer.id), accounts: accounts))
        }
        return entries.sorted { ($0.isOwnBusiness ? 0 : 1, $0.taxpayer) < ($1.isOwnBusiness ? 0 : 1, $1.taxpayer) }
    }

    /// RULES W2: marks or unmarks a client as a favourite of the caller.
    public func setFavourite(_ caller: SignedIn, taxpayer: TaxpayerID, favourite: Bool) async throws {
        guard try await clients(caller).contains(where: { $0.taxpayer == taxpayer }) else {
            throw AccessError(.notFound, "That taxpayer is not in your client list.")
        }
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let record = ClientFavourite(thirdParty: actor.id, taxpayer: taxpayer)
            return ThirdPartyRules.setFavourite(
                record, favourite: favourite,
                existing: try await context.store.record(RecordKey(.favourite, record.key)),
                now: context.clock.now())
        }
    }
}
