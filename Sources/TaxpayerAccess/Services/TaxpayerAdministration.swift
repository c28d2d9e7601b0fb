/// What a taxpayer's Master Administrator does with the taxpayer's own logons (RULES L3, M1–M4, W1), and what any
/// logon does with its own access (M4).
///
/// Every method takes the request's caller (``SignedIn``, authenticated once per request), checks the caller's role
/// inside the library (deny by default), and commits the change with its audit events (U1) and mail (N1, N2); the
/// portal's resolver sees it before the call returns.
///
/// ```swift
/// let admin = portal.taxpayers
/// try await admin.setAccountLevel(caller, taxpayer: "T9", logon: "L4", account: "A90", level: .viewOnly)
/// let holders = try await admin.whoHasAccess(caller, taxpayer: "T9")
/// ```
public struct TaxpayerAdministration: Sendable {
    let context: ServiceContext
    /// The portal's resolver, which answers who has access (RULES W1: the service and the resolver never disagree).
    let resolver: AccessResolver

    init(context: ServiceContext, resolver: AccessResolver) {
        self.context = context
        self.resolver = resolver
    }

    /// RULES M2: sets a Tax Administrator's level on one account; `nil` or `.none` removes the account.
    ///
    /// - Throws: ``AccessError/Code/notAuthorized`` unless the caller is an MA of the taxpayer;
    ///   ``AccessError/Code/notFound`` when the logon holds no active role; ``AccessError/Code/conflict`` for an MA
    ///   target or no change; ``AccessError/Code/invalidInput`` for an account not of the taxpayer or closed.
    public func setAccountLevel(
        _ caller: SignedIn, taxpayer: TaxpayerID, logon: LogonID, account: AccountID, level: AccessLevel?
    ) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try AdministrationRules.setAccountLevel(
                state, actor: actor, target: logon, account: account, level: level, now: context.clock.now())
        }
    }

    /// RULES M2: promotes a Tax Administrator to Master Administrator.
    public func promote(_ caller: SignedIn, taxpayer: TaxpayerID, logon: LogonID) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try AdministrationRules.promote(state, actor: actor, target: logon, now: context.clock.now())
        }
    }

    /// RULES M2: demotes a Master Administrator (another, or the caller itself) to Tax Administrator, never the last
    /// active one (``AccessError/Code/conflict``). `levels` are its new levels; `nil` keeps All Access on every
    /// account open now.
    public func demote(
        _ caller: SignedIn, taxpayer: TaxpayerID, logon: LogonID, levels: [AccountID: AccessLevel]? = nil
    ) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try AdministrationRules.demote(
                state, actor: actor, target: logon, levels: levels, now: context.clock.now())
        }
    }

    /// RULES M3: cancels a Tax Administrator's access to the taxpayer. Irreversible: only
    /// ``grantTaxAdministrator(_:taxpayer:logon:levels:)`` restores access.
    public func cancelAccess(_ caller: SignedIn, taxpayer: TaxpayerID, logon: LogonID) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            return try AdministrationRules.cancelAccess(state, actor: actor, target: logon, now: context.clock.now())
        }
    }

    /// RULES M3: grants a live logon Tax Administrator access with a level per account (a new grant, also after a
    /// cancel).
    public func grantTaxAdministrator(
        _ caller: SignedIn, taxpayer: TaxpayerID, logon: LogonID, levels: [AccountID: AccessLevel]
    ) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
            // Deny by default: whether a logon id exists is the MA's business only.
            try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
            guard let target = try await context.store.logon(logon)?.value else {
                throw AccessError(.notFound, "There is no such logon.")
            }
            return try AdministrationRules.grantTaxAdministrator(
                state, actor: actor, target: target, levels: levels, now: context.clock.now())
        }
    }

    /// RULES M4 (and X9 for a third party): the caller cancels its own access to a taxpayer — its role and its
    /// third-party grant, whichever it holds. Irreversible. A secondary logon has no access of its own to cancel
    /// (``AccessError/Code/notFound``): its access comes from its parent (RULES S6).
    public func cancelOwnAccess(_ caller: SignedIn, taxpayer: TaxpayerID) async throws {
        let actor = try context.caller(caller).logon
        try await context.decideAndCommit {
            let state = try await context.accessState(
                of: taxpayer, actor: actor, unknown: AdministrationRules.noOwnAccess(for: actor))
            return try AdministrationRules.cancelOwnAccess(state, actor: actor, now: context.clock.now())
        }
    }

    /// RULES W1, M1: every live logon with access to the taxpayer — its MAs and TAs, its third parties and the
    /// secondary logons reaching it through a third party — with its level per account and how it reaches the
    /// taxpayer, sorted by logon id. It is the portal resolver's answer (the service and the resolver never
    /// disagree), with each logon's full name read from the store. For an MA of the taxpayer only.
    ///
    /// ```swift
    /// let holders = try await portal.taxpayers.whoHasAccess(caller, taxpayer: "T9")
    /// let thirdParties = holders.filter { $0.routes.contains(.thirdParty) }
    /// ```
    ///
    /// - Parameters:
    ///   - caller: The signed-in Master Administrator.
    ///   - taxpayer: The taxpayer.
    /// - Throws: ``AccessError/Code/notAuthorized`` unless the caller is an active MA of the taxpayer (the same
    ///   answer for a taxpayer that does not exist); a ``StoreError`` when the store cannot be read.
    public func whoHasAccess(_ caller: SignedIn, taxpayer: TaxpayerID) async throws -> [AccessHolder] {
        let actor = try context.caller(caller).logon
        let state = try await context.accessState(
            of: taxpayer, actor: actor, unknown: Authorization.notMasterAdministrator)
        try AdministrationRules.mayListWhoHasAccess(state, actor: actor)
        var holders: [AccessHolder] = []
        for entry in resolver.whoHasAccess(taxpayer: taxpayer) {
            var name = state.logons[entry.logon]?.fullName
            if name == nil { name = try await context.store.logon(entry.logon)?.value.fullName }
            holders.append(
                AccessHolder(logon: entry.logon, fullName: name ?? "", routes: entry.routes, accounts: entry.accounts))
        }
        return holders
    }
}
