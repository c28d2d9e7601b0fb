/// What a decision about one taxpayer's access reads: the taxpayer, its accounts, every role and grant on it with
/// their versions, and the logons they belong to. Services load it from the store; rules decide from it.
struct TaxpayerAccessState: Sendable {
    var taxpayer: Taxpayer
    var accounts: [TaxAccount]
    var roles: [Versioned<RoleAssignment>]
    var grants: [Versioned<ThirdPartyGrant>]
    /// The logons holding the roles and grants (and the actor), by id.
    var logons: [LogonID: Logon]

    init(
        taxpayer: Taxpayer, accounts: [TaxAccount], roles: [Versioned<RoleAssignment>],
        grants: [Versioned<ThirdPartyGrant>], logons: [LogonID: Logon]
    ) {
        self.taxpayer = taxpayer
        self.accounts = accounts
        self.roles = roles
        self.grants = grants
        self.logons = logons
    }

    /// The active accounts (RULES L4: a closed account gives no access).
    var activeAccounts: [TaxAccount] { accounts.filter { $0.status == .active } }

    /// The role of a logon, whatever its status.
    func role(of logon: LogonID) -> Versioned<RoleAssignment>? { roles.first { $0.value.logon == logon } }

    /// The grant of a third party, whatever its status.
    func grant(of thirdParty: LogonID) -> Versioned<ThirdPartyGrant>? {
        grants.first { $0.value.thirdParty == thirdParty }
    }

    /// The active logons holding an active Master Administrator role.
    var activeMasterAdministrators: [Logon] {
        roles.filter { $0.value.status == .active && $0.value.role == .masterAdministrator }
            .compactMap { logons[$0.value.logon] }.filter { $0.status == .active }
            .sorted { $0.id < $1.id }
    }

    /// Notices to every active MA of the taxpayer.
    func noticesToMasterAdministrators(subject: String, details: String, except: LogonID? = nil)
        -> [AccessNotice]
    {
        activeMasterAdministrators.filter { $0.id != except }
            .compactMap { AccessNotice.to($0, subject: subject, details: details) }
    }

    /// The account of this taxpayer with this id, active, or an ``AccessError/Code/invalidInput`` naming `field`.
    func activeAccount(_ id: AccountID, field: String = "account") throws -> TaxAccount {
        guard let account = accounts.first(where: { $0.id == id }) else {
            throw AccessError.invalid(field, "Account \(id.rawValue) is not an account of this taxpayer.")
        }
        guard account.status == .active else {
            throw AccessError.invalid(field, "Account \(id.rawValue) is closed.")
        }
        return account
    }
}
