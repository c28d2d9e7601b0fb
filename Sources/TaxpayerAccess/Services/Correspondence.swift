/// The agency's correspondence (RULES X11): when it mails a notice about an account, every third party with access
/// to that account is told by email (saying only that there is something new, N1) and by e-message.
///
/// ```swift
/// let notified = try await portal.correspondence.noticeMailed(account: "A90", by: "clerk 12")
/// ```
public struct Correspondence: Sendable {
    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// RULES X11: records that the agency mailed correspondence about `account` and tells every active third party
    /// holding a level above none on it.
    ///
    /// - Parameters:
    ///   - account: the account the correspondence is about.
    ///   - operator: the agency operator, for the audit log.
    /// - Returns: the third parties told, by id.
    /// - Throws: ``AccessError/Code/notFound`` for an unknown account, ``AccessError/Code/invalidInput`` for an
    ///   empty operator name.
    @discardableResult
    public func noticeMailed(account: AccountID, by operator: String) async throws -> [LogonID] {
        guard !`operator`.allSatisfy(\.isWhitespace) else {
            throw AccessError.invalid("operator", "Name the agency operator who mailed the notice.")
        }
        return try await context.decideAndCommit {
            guard let account = try await context.store.account(account)?.value,
                let taxpayer = try await context.store.taxpayer(account.taxpayer)?.value
            else { throw AccessError(.notFound, "There is no such account.") }
            let grants = try await context.store.grants(on: taxpayer.id).map(\.value)
            var thirdParties: [Logon] = []
            for grant in grants where grant.status == .active {
                if let logon = try await context.store.logon(grant.thirdParty)?.value { thirdParties.append(logon) }
            }
            return CorrespondenceRules.noticeMailed(
                account: account, taxpayer: taxpayer, grants: grants, thirdParties: thirdParties, operator: `operator`,
                now: context.clock.now())
        }
    }
}
