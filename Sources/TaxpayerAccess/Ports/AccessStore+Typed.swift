/// Typed reads over the generic store.
extension AccessStore {
    public func logon(_ id: LogonID) async throws -> Versioned<Logon>? {
        try await record(RecordKey(.logon, id.rawValue)).flatMap { $0.logon }
    }
    public func logon(byUsername username: String) async throws -> Versioned<Logon>? {
        try await record(unique: UniqueKey(.username, Logon.normalizedKey(username))).flatMap { $0.logon }
    }
    public func logon(byEmail email: String) async throws -> Versioned<Logon>? {
        try await record(unique: UniqueKey(.email, Logon.normalizedKey(email))).flatMap { $0.logon }
    }
    public func taxpayer(_ id: TaxpayerID) async throws -> Versioned<Taxpayer>? {
        try await record(RecordKey(.taxpayer, id.rawValue)).flatMap { $0.taxpayer }
    }
    public func taxpayer(byTaxID taxID: TaxIdentifier) async throws -> Versioned<Taxpayer>? {
        try await record(unique: UniqueKey(.taxID, taxID.key)).flatMap { $0.taxpayer }
    }
    func account(_ id: AccountID) async throws -> Versioned<TaxAccount>? {
        try await record(RecordKey(.account, id.rawValue)).flatMap { $0.account }
    }
    public func accounts(of taxpayer: TaxpayerID) async throws -> [Versioned<TaxAccount>] {
        try await records(indexedBy: IndexKey(.accountsOf, taxpayer.rawValue)).compactMap { $0.account }
    }
    func role(of logon: LogonID, on taxpayer: TaxpayerID) async throws -> Versioned<RoleAssignment>? {
        try await record(RecordKey(.role, "\(logon.rawValue)|\(taxpayer.rawValue)")).flatMap { $0.role }
    }
    func roles(on taxpayer: TaxpayerID) async throws -> [Versioned<RoleAssignment>] {
        try await records(indexedBy: IndexKey(.rolesOnTaxpayer, taxpayer.rawValue)).compactMap { $0.role }
    }
    func roles(of logon: LogonID) async throws -> [Versioned<RoleAssignment>] {
        try await records(indexedBy: IndexKey(.rolesOfLogon, logon.rawValue)).compactMap { $0.role }
    }
    func grant(of thirdParty: LogonID, on taxpayer: TaxpayerID) async throws -> Versioned<ThirdPartyGrant>? {
        try await record(RecordKey(.grant, "\(thirdParty.rawValue)|\(taxpayer.rawValue)")).flatMap { $0.grant }
    }
    func grants(on taxpayer: TaxpayerID) async throws -> [Versioned<ThirdPartyGrant>] {
        try await records(indexedBy: IndexKey(.grantsOnTaxpayer, taxpayer.rawValue)).compactMap { $0.grant }
    }
    func grants(of thirdParty: LogonID) async throws -> [Versioned<ThirdPartyGrant>] {
        try await records(indexedBy: IndexKey(.grantsOfThirdParty, thirdParty.rawValue)).compactMap { $0.grant }
    }
    func secondaries(of parent: LogonID) async throws -> [Versioned<Logon>] {
        try await records(indexedBy: IndexKey(.secondariesOf, parent.rawValue)).compactMap { $0.logon }
    }
    func securityGroups(of parent: LogonID) async throws -> [Versioned<SecurityGroup>] {
        try await records(indexedBy: IndexKey(.groupsOf, parent.rawValue)).compactMap { $0.securityGroup }
    }
    func securityGroup(_ id: SecurityGroupID) async throws -> Versioned<SecurityGroup>? {
        try await record(RecordKey(.securityGroup, id.rawValue)).flatMap { $0.securityGroup }
    }
    func groupAssignments(of parent: LogonID) async throws -> [Versioned<GroupAssignment>] {
        try await records(indexedBy: IndexKey(.assignmentsOf, parent.rawValue)).compactMap { $0.groupAssignment }
    }
    func refinement(of secondary: LogonID, on taxpayer: TaxpayerID) async throws -> Versioned<Refinement>? {
        try await record(RecordKey(.refinement, "\(secondary.rawValue)|\(taxpayer.rawValue)")).flatMap { $0.refinement }
    }
    public func accessRequest(_ id: AccessRequestID) async throws -> Versioned<AccessRequest>? {
        try await record(RecordKey(.accessRequest, id.rawValue)).flatMap { $0.accessRequest }
    }
    func accessRequests(on taxpayer: TaxpayerID) async throws -> [Versioned<AccessRequest>] {
        try await records(indexedBy: IndexKey(.requestsOnTaxpayer, taxpayer.rawValue)).compactMap { $0.accessRequest }
    }
    func accessRequests(of thirdParty: LogonID) async throws -> [Versioned<AccessRequest>] {
        try await records(indexedBy: IndexKey(.requestsOfThirdParty, thirdParty.rawValue)).compactMap {
            $0.accessRequest
        }
    }
    public func session(byTokenHash hash: TokenHash) async throws -> Versioned<Session>? {
        try await record(unique: UniqueKey(.sessionToken, hash.hex)).flatMap { $0.session }
    }
    public func sessions(of logon: LogonID) async throws -> [Versioned<Session>] {
        try await records(indexedBy: IndexKey(.sessionsOf, logon.rawValue)).compactMap { $0.session }
    }
    func trustedDevice(byTokenHash hash: TokenHash) async throws -> Versioned<TrustedDevice>? {
        try await record(unique: UniqueKey(.deviceToken, hash.hex)).flatMap { $0.trustedDevice }
    }
    func trustedDevices(of logon: LogonID) async throws -> [Versioned<TrustedDevice>] {
        try await records(indexedBy: IndexKey(.devicesOf, logon.rawValue)).compactMap { $0.trustedDevice }
    }
    func linkToken(byTokenHash hash: TokenHash) async throws -> Versioned<LinkToken>? {
        try await record(unique: UniqueKey(.linkToken, hash.hex)).flatMap { $0.linkToken }
    }
    func linkTokens(of logon: LogonID) async throws -> [Versioned<LinkToken>] {
        try await records(indexedBy: IndexKey(.linksOf, logon.rawValue)).compactMap { $0.linkToken }
    }
    func verificationCode(of logon: LogonID, purpose: CodePurpose) async throws -> Versioned<VerificationCode>? {
        try await record(RecordKey(.verificationCode, "\(logon.rawValue)|\(purpose.rawValue)")).flatMap {
            $0.verificationCode
        }
    }
    public func eMessages(of logon: LogonID) async throws -> [Versioned<EMessage>] {
        try await records(indexedBy: IndexKey(.messagesOf, logon.rawValue)).compactMap { $0.eMessage }
    }
    func registration(_ id: RegistrationID) async throws -> Versioned<Registration>? {
        try await record(RecordKey(.registration, id.rawValue)).flatMap { $0.registration }
    }
    func registrations(of logon: LogonID) async throws -> [Versioned<Registration>] {
        try await records(indexedBy: IndexKey(.registrationsOf, logon.rawValue)).compactMap { $0.registration }
    }
    func favourites(of thirdParty: LogonID) async throws -> [Versioned<ClientFavourite>] {
        try await records(indexedBy: IndexKey(.favouritesOf, thirdParty.rawValue)).compactMap { $0.favourite }
    }
    func proofAttempts(for taxID: TaxIdentifier) async throws -> Versioned<ProofAttempts>? {
        try await record(RecordKey(.proofAttempts, taxID.key)).flatMap { $0.proofAttempts }
    }
    public func pendingMail() async throws -> [Versioned<OutboxMail>] {
        try await records(indexedBy: IndexKey.pendingMail).compactMap { $0.mail }
    }
    public func mail(_ id: MailID) async throws -> Versioned<OutboxMail>? {
        try await record(RecordKey(.mail, id.rawValue)).flatMap { $0.mail }
    }
    public func pendingTexts() async throws -> [Versioned<OutboxText>] {
        try await records(indexedBy: IndexKey.pendingText).compactMap { $0.text }
    }
    /// The lock record of a logon, or of a bucket of unknown usernames (RULES A2, A4).
    func logonLock(_ id: String) async throws -> Versioned<LogonLock>? {
        try await record(RecordKey(.logonLock, id)).flatMap { $0.logonLock }
    }
    /// Every audit event, oldest first (reads the log in pages).
    public func allAuditEvents() async throws -> [LoggedAuditEvent] {
        var result: [LoggedAuditEvent] = []
        while true {
            let page = try await auditEvents(after: result.last?.sequence ?? 0, limit: 1000)
            result += page
            if page.count < 1000 { return result }
        }
    }
}

extension Versioned where Value == Record {
    private func map<T>(_ extract: (Record) -> T?) -> Versioned<T>? {
        extract(value).map { Versioned<T>($0, version: version) }
    }
    public var taxpayer: Versioned<Taxpayer>? { map { if case .taxpayer(let r) = $0 { r } else { nil } } }
    public var account: Versioned<TaxAccount>? { map { if case .account(let r) = $0 { r } else { nil } } }
    public var logon: Versioned<Logon>? { map { if case .logon(let r) = $0 { r } else { nil } } }
    public var role: Versioned<RoleAssignment>? { map { if case .role(let r) = $0 { r } else { nil } } }
    public var grant: Versioned<ThirdPartyGrant>? { map { if case .grant(let r) = $0 { r } else { nil } } }
    var securityGroup: Versioned<SecurityGroup>? {
        map { if case .securityGroup(let r) = $0 { r } else { nil } }
    }
    var groupAssignment: Versioned<GroupAssignment>? {
        map { if case .groupAssignment(let r) = $0 { r } else { nil } }
    }
    var refinement: Versioned<Refinement>? { map { if case .refinement(let r) = $0 { r } else { nil } } }
    public var accessRequest: Versioned<AccessRequest>? {
        map { if case .accessRequest(let r) = $0 { r } else { nil } }
    }
    var registration: Versioned<Registration>? { map { if case .registration(let r) = $0 { r } else { nil } } }
    public var session: Versioned<Session>? { map { if case .session(let r) = $0 { r } else { nil } } }
    var trustedDevice: Versioned<TrustedDevice>? {
        map { if case .trustedDevice(let r) = $0 { r } else { nil } }
    }
    var verificationCode: Versioned<VerificationCode>? {
        map { if case .verificationCode(let r) = $0 { r } else { nil } }
    }
    var linkToken: Versioned<LinkToken>? { map { if case .linkToken(let r) = $0 { r } else { nil } } }
    public var eMessage: Versioned<EMessage>? { map { if case .eMessage(let r) = $0 { r } else { nil } } }
    var favourite: Versioned<ClientFavourite>? { map { if case .favourite(let r) = $0 { r } else { nil } } }
    var proofAttempts: Versioned<ProofAttempts>? {
        map { if case .proofAttempts(let r) = $0 { r } else { nil } }
    }
    public var mail: Versioned<OutboxMail>? { map { if case .mail(let r) = $0 { r } else { nil } } }
    var logonLock: Versioned<LogonLock>? { map { if case .logonLock(let r) = $0 { r } else { nil } } }
    var text: Versioned<OutboxText>? { map { if case .text(let r) = $0 { r } else { nil } } }
}
