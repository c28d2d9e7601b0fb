#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agency's own changes to the library's copy of taxpayer master data (RULES T1–T3).
enum AgencyRules {
    /// Writes a taxpayer and its accounts as the system of record holds them (RULES T3): new ones inserted, known
    /// ones updated. An account never moves to another taxpayer (RULES T2) and an ID pair is never reused for
    /// another taxpayer (RULES T1); both are refused with the field at fault.
    ///
    /// - Parameters:
    ///   - entry: the taxpayer and accounts to load.
    ///   - current: the stored taxpayer with that id, if any.
    ///   - holderOfTaxID: the stored taxpayer holding the entry's ID pair, if any.
    ///   - currentAccounts: the stored accounts with the entry's account ids.
    ///   - actor: who loads it, for the audit log.
    ///   - now: when, for the audit log.
    static func load(
        _ entry: DirectoryEntry, current: Versioned<Taxpayer>?, holderOfTaxID: Versioned<Taxpayer>?,
        currentAccounts: [AccountID: Versioned<TaxAccount>], actor: AuditActor, now: Date
    ) throws(AccessError) -> Decision<Void> {
        let taxpayer = entry.taxpayer
        let validated = try Policy.validateTaxIdentifier(type: taxpayer.taxID.type, number: taxpayer.taxID.number)
        guard validated == taxpayer.taxID else {
            throw AccessError.invalid("idNumber", "The ID number must be nine digits without separators.")
        }
        _ = try Policy.validateLegalName(taxpayer.legalName)
        guard !taxpayer.id.rawValue.isEmpty else { throw AccessError.invalid("taxpayer", "The taxpayer id is empty.") }
        if let holder = holderOfTaxID, holder.value.id != taxpayer.id {
            throw AccessError(
                .conflict, "Another taxpayer (\(holder.value.id)) already has this ID type and number.",
                field: "idNumber")
        }
        var changes = ChangeSet()
        if current?.value != taxpayer {
            changes.put(.taxpayer(taxpayer), from: current?.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor, action: .taxpayerLoaded, subject: "taxpayer/\(taxpayer.id)",
                    before: current.map { .taxpayer($0.value) }, after: .taxpayer(taxpayer)))
        }
        var seen = Set<AccountID>()
        for account in entry.accounts {
            guard seen.insert(account.id).inserted else {
                throw AccessError.invalid("account", "Account \(account.id) is listed twice.")
            }
            guard account.taxpayer == taxpayer.id else {
                throw AccessError.invalid(
                    "account", "Account \(account.id) does not belong to taxpayer \(taxpayer.id).")
            }
            guard account.type.isWellFormed else {
                throw AccessError.invalid("accountType", "Account type \"\(account.type)\" must be a camelCase name.")
            }
            let stored = currentAccounts[account.id]
            if let stored, stored.value.taxpayer != account.taxpayer {
                throw AccessError(
                    .conflict, "Account \(account.id) belongs to taxpayer \(stored.value.taxpayer) for ever.",
                    field: "account")
            }
            if stored?.value != account {
                changes.put(.account(account), from: stored?.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor, action: .taxpayerLoaded, subject: "account/\(account.id)",
                        before: stored.map { .account($0.value) }, after: .account(account)))
            }
        }
        return Decision(changes)
    }
}
