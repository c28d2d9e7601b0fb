#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The pure decision of the agency's correspondence (RULES X11, N1).
enum CorrespondenceRules {
    /// The agency mailed correspondence about `account`: every active third party holding a level above none on it
    /// (an open account) is told — an email saying only that there is something new, the details in an e-message —
    /// and the act is audited with the operator as the actor.
    ///
    /// - Returns: the third parties told, by id.
    static func noticeMailed(
        account: TaxAccount, taxpayer: Taxpayer, grants: [ThirdPartyGrant], thirdParties: [Logon],
        operator name: String,
        now: Date
    ) -> Decision<[LogonID]> {
        let logons = Dictionary(thirdParties.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var notices: [AccessNotice] = []
        for grant in grants.sorted(by: { $0.thirdParty < $1.thirdParty })
        where grant.status == .active && (grant.accounts[account.id] ?? .none) > .none && account.status == .active {
            guard let logon = logons[grant.thirdParty],
                let notice = AccessNotice.to(
                    logon, subject: "New correspondence for a client",
                    details: "The agency mailed correspondence to \(taxpayer.legalName) about account "
                        + "\(account.id.rawValue) (\(account.type.rawValue)).")
            else { continue }
            notices.append(notice)
        }
        var decision = Decision(result: notices.map(\.recipient))
        decision.audit(
            AuditEvent(
                time: now, actor: .agency(operator: name), action: AuditAction("correspondence.mailed"),
                subject: "account/\(account.id.rawValue)",
                note: "\(notices.count) third part\(notices.count == 1 ? "y" : "ies") told"))
        decision.notify(notices)
        return decision
    }
}
